/**
 * `loa`: one entry point for technicians, tests and the demo. Each group is loaded only when it is called, so that
 * `loa proto ...` on a cart does not load the controller, and the controller never loads the cart's code.
 */
import { chooseLang, pick, type Lang, type Text } from './i18n.js';
import { commandNamed, processIo, usageLines, UsageError, type CliIo, type CommandGroup, type GroupSpec } from './io.js';

/** What a group's module gives: its table (options, commands, help) and its runner. */
export interface LoadedGroup {
  spec: GroupSpec;
  run: CommandGroup;
}

interface Group {
  summary: Text;
  load: () => Promise<LoadedGroup>;
}

/** Every `loa` group; the bad-input test walks all of them. */
export const groups: Record<string, Group> = {
  demo: {
    summary: { vi: 'chạy thử cả một khu vực: máy chủ và các xe loa mô phỏng (npm start)', en: 'a whole area on one machine: controller and simulated carts (npm start)' },
    load: async () => {
      const m = await import('./demo.js');
      return { spec: m.demoSpec, run: m.runDemo };
    },
  },
  proto: {
    summary: { vi: 'mã hoá, giải mã và đo kích thước khung giao thức Loa', en: 'encode, decode and size Loa protocol frames' },
    load: async () => {
      const m = await import('./proto.js');
      return { spec: m.protoSpec, run: m.runProto };
    },
  },
  unit: {
    summary: { vi: 'phần mềm xe loa: tự kiểm tra, chạy, trạng thái; gửi lệnh tới xe', en: 'the cart: self-test, run, status; commands to carts' },
    load: async () => {
      const m = await import('./unit.js');
      return { spec: m.unitSpec, run: m.runUnit };
    },
  },
  hw: {
    summary: { vi: 'công cụ phần cứng cho kỹ thuật viên (đọc NMEA)', en: "technician's hardware tools (read NMEA)" },
    load: async () => {
      const m = await import('./hw.js');
      return { spec: m.hwSpec, run: m.runHw };
    },
  },
  controller: {
    summary: { vi: 'bộ điều khiển khu vực/tỉnh (kế hoạch 2021: huyện): chạy, đăng ký xe loa, người dùng', en: 'the area or province controller (the 2021 plan\'s district): run, register carts, users' },
    load: async () => {
      const m = await import('./controller.js');
      return { spec: m.controllerSpec, run: m.runController };
    },
  },
  content: {
    summary: { vi: 'bản tin: gửi, duyệt, từ chối, rút', en: 'clips: submit, approve, reject, withdraw' },
    load: async () => {
      const m = await import('./content.js');
      return { spec: m.contentSpec, run: m.runContent };
    },
  },
  manifest: {
    summary: { vi: 'phát hành danh sách phát đã ký', en: 'publish the signed playlist' },
    load: async () => {
      const m = await import('./content.js');
      return { spec: m.manifestSpec, run: m.runManifest };
    },
  },
  release: {
    summary: { vi: 'phần mềm xe loa: khoá và gói phát hành, cập nhật theo đợt, quay lại', en: 'cart software: release keys and bundles, staged rollouts, rollback' },
    load: async () => {
      const m = await import('./release.js');
      return { spec: m.releaseSpec, run: m.runRelease };
    },
  },
  report: {
    summary: { vi: 'báo cáo tháng / quý / 6 tháng / năm', en: 'monthly / quarterly / half-year / yearly report' },
    load: async () => {
      const m = await import('./report.js');
      return { spec: m.reportSpec, run: m.runReport };
    },
  },
  review: {
    summary: { vi: 'báo cáo sơ kết, tổng kết của Ban điều hành: số liệu, nội dung, ký ban hành', en: "the board's review of a period: figures, narrative, signing" },
    load: async () => {
      const m = await import('./review.js');
      return { spec: m.reviewSpec, run: m.runReview };
    },
  },
  reward: {
    summary: { vi: 'đề xuất khen thưởng: danh sách, tiêu chí, thêm/bỏ tên, xuất cho Văn phòng', en: 'reward proposals: the list, criteria, names added or removed, export for the office' },
    load: async () => {
      const m = await import('./reward.js');
      return { spec: m.rewardSpec, run: m.runReward };
    },
  },
  activity: {
    summary: { vi: 'hoạt động của tổ: ghi, xác nhận, trả lại, rút', en: "teams' activities: record, confirm, return, withdraw" },
    load: async () => {
      const m = await import('./activity.js');
      return { spec: m.activitySpec, run: m.runActivity };
    },
  },
  member: {
    summary: { vi: 'thành viên các tổ và hồ sơ tập huấn', en: "teams' members and their training records" },
    load: async () => {
      const m = await import('./member.js');
      return { spec: m.memberSpec, run: m.runMember };
    },
  },
  province: {
    summary: { vi: 'trung tâm tỉnh: nhận bản tóm tắt của các khu vực, báo cáo toàn tỉnh', en: "the province hub: the areas' summaries, the province report" },
    load: async () => {
      const m = await import('./province.js');
      return { spec: m.provinceSpec, run: m.runProvince };
    },
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

/** Takes `--lang vi|en` (or `--lang=en`) from anywhere before `--`: the language and the other arguments. */
function takeLang(argv: string[], fallback: Lang): { lang: Lang; rest: string[] } {
  const rest: string[] = [];
  let lang = fallback;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg !== '--lang' && !arg.startsWith('--lang=')) {
      rest.push(arg);
      continue;
    }
    const value = arg === '--lang' ? argv[++i] : arg.slice('--lang='.length);
    if (value === undefined || (arg === '--lang' && value.startsWith('-'))) {
      throw new UsageError(pick(fallback, { vi: '--lang cần một giá trị: vi hoặc en', en: '--lang needs a value: vi or en' }));
    }
    const wanted = value.toLowerCase();
    if (wanted !== 'vi' && wanted !== 'en') throw new UsageError(pick(fallback, { vi: `--lang ${value}: cần vi hoặc en`, en: `--lang ${value}: must be vi or en` }));
    lang = wanted;
  }
  return { lang, rest };
}

/** A message on one line: what a person reads on a terminal, however the error wrote it. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Prints an error nobody planned for as one line (the stack too with LOA_DEBUG=1) and returns exit code 1. Used by
 * `main` for a group's failure and by the `loa` program for anything that escapes `main`.
 */
export function reportUnexpected(io: CliIo, lang: Lang, who: string, err: unknown): number {
  const message = oneLine(err instanceof Error ? err.message : String(err));
  io.stderr.write(
    pick(lang, {
      vi: `${who}: lỗi không mong đợi: ${message} (LOA_DEBUG=1 để xem chi tiết)`,
      en: `${who}: unexpected error: ${message} (LOA_DEBUG=1 for the details)`,
    }) + '\n',
  );
  if (io.env.LOA_DEBUG === '1' && err instanceof Error && err.stack !== undefined) io.stderr.write(err.stack + '\n');
  return 1;
}

const USAGE: Text = { vi: 'Cách dùng:', en: 'Usage:' };

/** A usage mistake: one line saying what, then the usage lines of the command (or of the group, or of `loa`). */
function printUsageError(io: CliIo, lang: Lang, err: UsageError, spec?: GroupSpec, argv: string[] = []): number {
  const command = spec === undefined ? undefined : commandNamed(spec, argv);
  const who = spec === undefined ? 'loa' : `loa ${spec.name}${command?.name ? ` ${command.name}` : ''}`;
  const lines = spec === undefined ? [pick(lang, { vi: '  loa <nhóm> <lệnh> [tuỳ chọn]   (loa --help: các nhóm lệnh)', en: '  loa <group> <command> [options]   (loa --help: the groups)' })] : usageLines(spec, lang, command);
  io.stderr.write([`${who}: ${oneLine(err.message)}`, pick(lang, USAGE), ...lines].join('\n') + '\n');
  return 2;
}

/**
 * Runs `loa …` and returns the exit code: 0 done, 1 failed (one line saying why), 2 a usage mistake (one line and
 * the usage). Nothing is thrown; a stack is printed only with LOA_DEBUG=1.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const fallback = chooseLang(undefined, io.env);
  let lang: Lang;
  let rest: string[];
  try {
    ({ lang, rest } = takeLang(argv, fallback));
  } catch (err) {
    if (err instanceof UsageError) return printUsageError(io, fallback, err);
    return reportUnexpected(io, fallback, 'loa', err);
  }
  const [name, ...groupArgs] = rest;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    help(io, lang);
    return 0;
  }
  const group = Object.hasOwn(groups, name) ? groups[name] : undefined;
  if (group === undefined) {
    const message = name.startsWith('-')
      ? { vi: `${name}: tên nhóm lệnh phải đứng trước các tuỳ chọn`, en: `${name}: the command group comes before the options` }
      : { vi: `không có nhóm lệnh "${name}"`, en: `there is no command group "${name}"` };
    return printUsageError(io, lang, new UsageError(pick(lang, message)));
  }
  let loaded: LoadedGroup | undefined;
  try {
    loaded = await group.load();
    return await loaded.run(groupArgs, io, lang);
  } catch (err) {
    if (err instanceof UsageError) return printUsageError(io, lang, err, loaded?.spec, groupArgs);
    return reportUnexpected(io, lang, `loa ${name}`, err);
  }
}
