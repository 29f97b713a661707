/**
 * `loa demo [--carts N] [--speed N] [--duration S] [--data DIR]`: the whole district on one machine (cli/demo/demo.ts).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemo } from './demo/demo.js';
import { chooseLang, pick } from './i18n.js';
import { UsageError, type CliIo } from './io.js';

function positive(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`--${name} ${value}: a number above 0, at most ${max}`);
  return n;
}

export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      carts: { type: 'string' },
      speed: { type: 'string' },
      duration: { type: 'string' },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      lang: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const lang = chooseLang(values.lang, io.env);
  if (values.help) {
    io.stdout.write(
      pick(lang, {
        vi: 'Cách dùng: loa demo [--carts N (1–6, mặc định 5)] [--speed N (mặc định 60)] [--duration GIÂY] [--data THƯ_MỤC (mặc định data/demo)]\n  Chạy máy chủ huyện và các xe loa mô phỏng; mỗi xe là một tiến trình riêng. Ctrl-C để dừng.',
        en: 'Usage: loa demo [--carts N (1–6, default 5)] [--speed N (default 60)] [--duration SECONDS] [--data DIR (default data/demo)]\n  Runs the district controller and simulated carts, each its own process. Ctrl-C stops.',
      }) + '\n',
    );
    return 0;
  }
  const durationS = values.duration === undefined ? undefined : positive(values.duration, 'duration', 0, 7 * 86_400);
  const run = await startDemo({
    dataDir: values.data ?? 'data/demo',
    carts: Math.round(positive(values.carts, 'carts', 5, 6)),
    speed: positive(values.speed, 'speed', 60, 1000),
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
