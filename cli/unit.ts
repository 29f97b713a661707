/**
 * `loa unit …`: the cart's commands.
 *   loa unit selftest [--sim] [--config FILE] [--gnss-wait S]   checklist of the cart's hardware
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../hardware/board/config-error.js';
import { loadCartConfig } from '../device/config.js';
import { createHardware } from '../device/hardware.js';
import { createLoggerFactory } from '../device/logger.js';
import { formatSelftest, runSelftest } from '../device/selftest.js';
import { loopAround, TRIEU_SON_COMMUNES } from '../device/sim/places.js';
import { chooseLang, pick, type Lang, type Text } from './i18n.js';
import { UsageError, type CliIo } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa unit selftest [--sim] [--config TỆP] [--gnss-wait GIÂY] [--lang en]
      kiểm tra rơ-le, âm thanh, âm lượng, GNSS và bảng đo nguồn; mã thoát 0 khi tất cả đạt`,
  en: `Usage:
  loa unit selftest [--sim] [--config FILE] [--gnss-wait SECONDS] [--lang en]
      checks the relay, audio, volume, GNSS and the power board; exit code 0 only when all pass`,
};

export async function runUnit(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sim: { type: 'boolean', default: false },
      config: { type: 'string' },
      'gnss-wait': { type: 'string' },
      lang: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const lang = chooseLang(values.lang, io.env);
  const [command] = positionals;
  if (values.help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return values.help ? 0 : 2;
  }
  switch (command) {
    case 'selftest':
      return selftest(io, lang, values.sim, values.config, values['gnss-wait']);
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command}" (xem loa unit --help)`, en: `no command "${command}" (see loa unit --help)` }));
  }
}

/** Prints a configuration problem the way a technician can fix it; exit code 2. */
export function configProblem(io: CliIo, lang: Lang, err: ConfigError): number {
  io.stderr.write(pick(lang, { vi: 'Cấu hình không hợp lệ, sửa các mục sau rồi chạy lại:', en: 'The configuration is not valid; fix these and run again:' }) + '\n');
  for (const p of err.problems) io.stderr.write(`  ${p.path}: ${p.message}\n`);
  return 2;
}

async function selftest(io: CliIo, lang: Lang, sim: boolean, configFile: string | undefined, gnssWait: string | undefined): Promise<number> {
  let config;
  try {
    config = await loadCartConfig(configFile, { simulate: sim });
  } catch (err) {
    if (err instanceof ConfigError) return configProblem(io, lang, err);
    throw err;
  }
  const waitS = gnssWait === undefined ? (config.hardware.simulate ? 5 : 90) : Number(gnssWait);
  if (!Number.isFinite(waitS) || waitS <= 0) throw new UsageError(`--gnss-wait ${gnssWait}: ${pick(lang, { vi: 'phải là số giây > 0', en: 'must be a number of seconds > 0' })}`);
  const logger = createLoggerFactory({ out: io.stderr, level: 'warn', pretty: true });
  const hw = createHardware(config.hardware, { logger, route: loopAround(TRIEU_SON_COMMUNES[0]!) });
  const lines = await runSelftest(hw, { gnssWaitMs: waitS * 1000, audioWaitMs: 10_000 });
  const heading = config.hardware.simulate
    ? { vi: `Tự kiểm tra xe loa — bo mạch ${config.hardware.profile}, PHẦN CỨNG MÔ PHỎNG`, en: `Cart self-test — board ${config.hardware.profile}, SIMULATED hardware` }
    : { vi: `Tự kiểm tra xe loa — bo mạch ${config.hardware.profile}`, en: `Cart self-test — board ${config.hardware.profile}` };
  io.stdout.write(formatSelftest(lines, lang, heading) + '\n');
  return lines.every((l) => l.ok) ? 0 : 1;
}
