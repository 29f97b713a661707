/**
 * `loa hw`: the technician's hardware tools that need no cart configuration.
 *   loa hw nmea [FILE]   NMEA from a file (or standard input) → one JSON line per fix; counts on standard error.
 */
import { createReadStream } from 'node:fs';
import { runNmeaTool } from '../hardware/gnss/nmea-tool.js';
import { pick, type Lang } from './i18n.js';
import { parseCommand, type CliIo, type GroupSpec } from './io.js';

export const hwSpec = {
  name: 'hw',
  help: {
    vi: `Cách dùng:
  loa hw nmea [TỆP]   đọc NMEA từ tệp (hoặc đầu vào chuẩn, ví dụ: cat /dev/serial0 | loa hw nmea),
                      in mỗi lần định vị một dòng JSON; số câu tốt / sai checksum / bỏ qua in ra stderr.`,
    en: `Usage:
  loa hw nmea [FILE]  read NMEA from a file (or standard input, e.g. cat /dev/serial0 | loa hw nmea),
                      print one JSON line per fix; good / bad-checksum / skipped counts go to stderr.`,
  },
  options: {},
  commands: [{ name: 'nmea', options: [], args: 1 }],
} as const satisfies GroupSpec;

export async function runHw(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, help } = parseCommand(hwSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, hwSpec.help) + '\n');
    return help ? 0 : 2;
  }
  const [file] = args;

  const input = file === undefined || file === '-' ? io.stdin : createReadStream(file);
  let counts;
  try {
    counts = await runNmeaTool(input, (line) => io.stdout.write(line + '\n'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(
      pick(lang, {
        vi: `loa hw nmea: không đọc được ${file ?? 'đầu vào'} (${code ?? (err as Error).message}). Kiểm tra đường dẫn và quyền đọc.`,
        en: `loa hw nmea: cannot read ${file ?? 'the input'} (${code ?? (err as Error).message}). Check the path and read permission.`,
      }) + '\n',
    );
    return 1;
  }
  const skipped = counts.proprietary + counts.unsupported;
  const bad = counts.malformed + counts.overlong;
  io.stderr.write(
    pick(lang, {
      vi: `câu tốt: ${counts.good}, sai checksum: ${counts.badChecksum}, hỏng/cụt: ${bad}, bỏ qua: ${skipped}; có định vị: ${counts.fixes}, không định vị: ${counts.noFixes}`,
      en: `good: ${counts.good}, bad checksum: ${counts.badChecksum}, malformed/cut: ${bad}, skipped: ${skipped}; fixes: ${counts.fixes}, no-fix epochs: ${counts.noFixes}`,
    }) + '\n',
  );
  return 0;
}
