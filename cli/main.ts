/**
 * `loa`: one entry point for technicians, tests and the demo. Each group is loaded only when it is called, so that
 * `loa proto ...` on a cart does not load the controller, and the controller never loads the cart's code.
 */
import { chooseLang, pick, type Text } from './i18n.js';
import { processIo, UsageError, type CliIo, type CommandGroup } from './io.js';

interface Group {
  summary: Text;
  load: () => Promise<CommandGroup>;
}

const groups: Record<string, Group> = {
  demo: {
    summary: { vi: 'chạy thử cả huyện: máy chủ và các xe loa mô phỏng (npm start)', en: 'the whole district on one machine: controller and simulated carts (npm start)' },
    load: async () => (await import('./demo.js')).runDemo,
  },
  proto: {
    summary: { vi: 'mã hoá, giải mã và đo kích thước khung giao thức Loa', en: 'encode, decode and size Loa protocol frames' },
    load: async () => (await import('./proto.js')).runProto,
  },
  unit: {
    summary: { vi: 'phần mềm xe loa: tự kiểm tra, chạy, trạng thái', en: 'the cart: self-test, run, status' },
    load: async () => (await import('./unit.js')).runUnit,
  },
  hw: {
    summary: { vi: 'công cụ phần cứng cho kỹ thuật viên (đọc NMEA)', en: "technician's hardware tools (read NMEA)" },
    load: async () => (await import('./hw.js')).runHw,
  },
  controller: {
    summary: { vi: 'bộ điều khiển huyện: chạy, đăng ký xe loa, người dùng', en: 'the district controller: run, register carts, users' },
    load: async () => (await import('./controller.js')).runController,
  },
  content: {
    summary: { vi: 'bản tin: gửi, duyệt, từ chối, rút', en: 'clips: submit, approve, reject, withdraw' },
    load: async () => (await import('./content.js')).runContent,
  },
  manifest: {
    summary: { vi: 'phát hành danh sách phát đã ký', en: 'publish the signed playlist' },
    load: async () => (await import('./content.js')).runManifest,
  },
  report: {
    summary: { vi: 'báo cáo tháng / quý / 6 tháng / năm', en: 'monthly / quarterly / half-year / yearly report' },
    load: async () => (await import('./report.js')).runReport,
  },
};

function help(io: CliIo, lang: 'vi' | 'en'): void {
  const lines = [
    pick(lang, { vi: 'Cách dùng: loa <nhóm> <lệnh> [tuỳ chọn]', en: 'Usage: loa <group> <command> [options]' }),
    '',
    pick(lang, { vi: 'Các nhóm lệnh:', en: 'Command groups:' }),
    ...Object.entries(groups).map(([name, g]) => `  ${name.padEnd(12)} ${pick(lang, g.summary)}`),
    '',
    pick(lang, {
      vi: 'Thêm --help sau một nhóm để xem lệnh của nhóm đó; --lang en để xem tiếng Anh.',
      en: 'Add --help after a group for its commands; --lang vi for Vietnamese.',
    }),
  ];
  io.stdout.write(lines.join('\n') + '\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const langIndex = argv.indexOf('--lang');
  const lang = chooseLang(langIndex >= 0 ? argv[langIndex + 1] : undefined, io.env);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    help(io, lang);
    return 0;
  }
  const group = groups[name];
  if (group === undefined) {
    io.stderr.write(
      pick(lang, {
        vi: `loa: không có nhóm lệnh "${name}". Chạy "loa --help" để xem danh sách.`,
        en: `loa: there is no command group "${name}". Run "loa --help" for the list.`,
      }) + '\n',
    );
    return 2;
  }
  try {
    const run = await group.load();
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`loa ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
