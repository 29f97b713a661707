/**
 * `loa demo [--carts N] [--speed N] [--duration S] [--data DIR]`: a whole area on one machine (cli/demo/demo.ts).
 */
import { join } from 'node:path';
import { startDemo } from './demo/demo.js';
import { pick, type Lang } from './i18n.js';
import { parseCommand, type CliIo, type GroupSpec } from './io.js';

export const demoSpec = {
  name: 'demo',
  help: {
    vi: `Cách dùng:
  loa demo [--carts N (1–6, mặc định 5)] [--speed N (mặc định 60)] [--duration GIÂY] [--data THƯ_MỤC (mặc định data/demo)] [--quiet]
      Chạy bộ điều khiển của một khu vực và các xe loa mô phỏng; mỗi xe là một tiến trình riêng. Ctrl-C để dừng.`,
    en: `Usage:
  loa demo [--carts N (1–6, default 5)] [--speed N (default 60)] [--duration SECONDS] [--data DIR (default data/demo)] [--quiet]
      Runs an area controller and simulated carts, each its own process. Ctrl-C stops.`,
  },
  options: {
    carts: { type: 'string', number: { min: 1, max: 6, integer: true } },
    speed: { type: 'string', number: { min: 0, max: 1000, aboveMin: true } },
    duration: { type: 'string', number: { min: 0, max: 7 * 86_400, aboveMin: true } },
    data: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  commands: [{ name: '', options: ['carts', 'speed', 'duration', 'data', 'quiet'], args: 0 }],
} as const satisfies GroupSpec;

export async function runDemo(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { values, help } = parseCommand(demoSpec, argv, lang);
  if (help) {
    io.stdout.write(pick(lang, demoSpec.help) + '\n');
    return 0;
  }
  const durationS = values.duration === undefined ? undefined : Number(values.duration);
  const run = await startDemo({
    dataDir: values.data ?? 'data/demo',
    carts: values.carts === undefined ? 5 : Number(values.carts),
    speed: values.speed === undefined ? 60 : Number(values.speed),
    ...(durationS !== undefined ? { durationS } : {}),
    liveEveryMs: values.quiet ? 0 : 5000,
    out: (line) => io.stdout.write(line + '\n'),
    loaBin: join(import.meta.dirname, 'loa.js'),
    lang,
  });
  const onSignal = (): void => void run.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await run.stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return 0;
}
