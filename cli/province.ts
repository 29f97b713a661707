/**
 * `loa province …`: the province hub. It runs beside (or instead of) an area controller, with its own data folder,
 * and collects the signed daily summaries of the province's areas over MQTT bridges; `run` also serves the read-only
 * province view (controller/province/hub-http.ts).
 *
 *   loa province run [--config FILE] [--data DIR] [--pretty]
 *   loa province area add <area-id> --name NAME --key HEX [--province-code NN]
 *   loa province area list [--json]
 *   loa province report --period P [--format json|csv|html] [--out FILE]
 *   loa province status [--json]
 */
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../lib/config-error.js';
import { createLoggerFactory, type Logger } from '../lib/logger.js';
import { SchemaError } from '../controller/db/database.js';
import { HubError, ProvinceHub } from '../controller/province/hub.js';
import { loadHubConfig, type HubConfig } from '../controller/province/hub-config.js';
import type { HubHttp } from '../controller/province/hub-http.js';
import { PROVINCE_FORMATS, renderProvinceCsv, renderProvinceHtml, renderProvinceJson } from '../controller/province/province-render.js';
import { InvalidPeriodError, parsePeriod, vnDate, type Period } from '../controller/reports/period.js';
import { pick, type Lang } from './i18n.js';
import { choiceOf, journalPrefixFrom, logLevelFrom, parseCommand, printConfigProblems, untilStopSignal, UsageError, type CliIo, type GroupSpec } from './io.js';

const COMMON = ['config', 'data'] as const;

export const provinceSpec = {
  name: 'province',
  help: {
    vi: `Cách dùng:
  loa province run [--config TỆP] [--data THƯ_MỤC] [--pretty]       chạy trung tâm tỉnh: nhận bản tóm tắt hằng ngày có chữ ký
                                                                    của các khu vực qua MQTT (Ctrl-C để dừng), và trang toàn tỉnh
                                                                    chỉ xem, không đăng nhập ("http", mặc định 127.0.0.1:8090;
                                                                    địa chỉ khác chỉ dùng trong VPN của tỉnh)
  loa province area add <mã-khu-vực> --name TÊN --key HEX [--province-code MÃ]
                                                                    đăng ký một khu vực: mã = district.id của bộ điều khiển
                                                                    khu vực, HEX = khoá huyện của nó (64 chữ số hex)
  loa province area list [--json]                                   các khu vực đã đăng ký và khoá của chúng
  loa province report --period KỲ [--format json|csv|html] [--out TỆP]
                                                                    báo cáo toàn tỉnh: theo khu vực, theo xã, xếp hạng thi đua
                                                                    các tổ; KỲ: 2026-11, 2026-Q4, 2026-H2, 2026
  loa province status [--json]                                      số bản tóm tắt đã nhận, lần nhận cuối, số bị từ chối và lý do
  Tuỳ chọn chung: --config TỆP (cấu hình JSON của trung tâm tỉnh), --data THƯ_MỤC (thư mục dữ liệu), --lang en`,
    en: `Usage:
  loa province run [--config FILE] [--data DIR] [--pretty]          run the province hub: take the areas' signed daily
                                                                    summaries over MQTT (Ctrl-C stops it), and the read-only
                                                                    province view, no login ("http", default 127.0.0.1:8090;
                                                                    another address only inside the province's VPN)
  loa province area add <area-id> --name NAME --key HEX [--province-code NN]
                                                                    register an area: id = the area controller's district.id,
                                                                    HEX = its district key (64 hex digits)
  loa province area list [--json]                                   the registered areas and their keys
  loa province report --period P [--format json|csv|html] [--out FILE]
                                                                    the province report: by area, by commune, the team ranking;
                                                                    P: 2026-11, 2026-Q4, 2026-H2, 2026
  loa province status [--json]                                      summaries received, the last one, refusals and why
  Common options: --config FILE (the hub's JSON configuration), --data DIR (data folder), --lang en`,
  },
  options: {
    config: { type: 'string' },
    data: { type: 'string' },
    pretty: { type: 'boolean' },
    name: { type: 'string' },
    key: { type: 'string' },
    'province-code': { type: 'string' },
    json: { type: 'boolean' },
    period: { type: 'string' },
    format: { type: 'string', default: 'json', choices: PROVINCE_FORMATS },
    out: { type: 'string' },
  },
  commands: [
    { name: 'run', options: [...COMMON, 'pretty'], args: 0 },
    { name: 'area add', options: [...COMMON, 'name', 'key', 'province-code'], args: 1 },
    { name: 'area list', options: [...COMMON, 'json'], args: 0 },
    { name: 'report', options: [...COMMON, 'period', 'format', 'out'], args: 0 },
    { name: 'status', options: [...COMMON, 'json'], args: 0 },
  ],
} as const satisfies GroupSpec;

/** The hub's data must be there for the commands that read it (area add makes it). */
class NoHubDataError extends Error {
  constructor(readonly dataDir: string) {
    super(`no province hub data in ${dataDir}`);
  }
}

async function openHub(config: HubConfig, create: boolean): Promise<ProvinceHub> {
  if (!create && !existsSync(join(config.dataDir, 'province.db'))) throw new NoHubDataError(config.dataDir);
  return ProvinceHub.open({ dataDir: config.dataDir });
}

async function withHub<T>(config: HubConfig, create: boolean, work: (hub: ProvinceHub) => Promise<T>): Promise<T> {
  const hub = await openHub(config, create);
  try {
    return await work(hub);
  } finally {
    await hub.close();
  }
}

function periodOf(text: string | undefined, lang: Lang): Period {
  if (text === undefined) throw new UsageError(pick(lang, { vi: 'cần --period (ví dụ 2026-11)', en: 'needs --period (e.g. 2026-11)' }));
  try {
    return parsePeriod(text, lang);
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw new UsageError(err.message);
    throw err;
  }
}

const systemSeconds = (): number => Math.floor(Date.now() / 1000);

async function areaAdd(io: CliIo, lang: Lang, config: HubConfig, id: string | undefined, v: { name?: string | undefined; key?: string | undefined; 'province-code'?: string | undefined }): Promise<number> {
  if (id === undefined) throw new UsageError(pick(lang, { vi: 'cần mã khu vực (district.id của khu vực đó)', en: 'needs the area id (its district.id)' }));
  if (v.name === undefined) throw new UsageError(pick(lang, { vi: 'cần --name (tên khu vực)', en: 'needs --name (the area name)' }));
  if (v.key === undefined) throw new UsageError(pick(lang, { vi: 'cần --key (khoá huyện của khu vực, 64 chữ số hex)', en: "needs --key (the area's district key, 64 hex digits)" }));
  const request = { id, name: v.name, publicKey: v.key, ...(v['province-code'] === undefined ? {} : { provinceCode: v['province-code'] }) };
  await withHub(config, true, async (hub) => {
    try {
      await hub.addArea(request);
    } catch (err) {
      if (err instanceof HubError) throw new UsageError(err.message);
      throw err;
    }
  });
  io.stdout.write(pick(lang, { vi: `Đã đăng ký khu vực ${id} (${v.name}).`, en: `Registered area ${id} (${v.name}).` }) + '\n');
  return 0;
}

async function areaList(io: CliIo, lang: Lang, config: HubConfig, json: boolean): Promise<number> {
  const areas = await withHub(config, false, (hub) => hub.areas());
  if (json) {
    io.stdout.write(JSON.stringify(areas, null, 2) + '\n');
    return 0;
  }
  if (areas.length === 0) io.stdout.write(pick(lang, { vi: 'Chưa đăng ký khu vực nào (loa province area add).', en: 'No area registered yet (loa province area add).' }) + '\n');
  for (const a of areas) io.stdout.write(`${a.id.padEnd(20)} ${a.name}${a.provinceCode === null ? '' : ` (${a.provinceCode})`}  ${a.publicKeys.join(', ')}\n`);
  return 0;
}

async function report(io: CliIo, lang: Lang, config: HubConfig, v: { period?: string | undefined; format: string; out?: string | undefined }): Promise<number> {
  const period = periodOf(v.period, lang);
  const format = choiceOf(lang, '--format', v.format, PROVINCE_FORMATS);
  if (v.out !== undefined && !(await stat(dirname(v.out)).then((s) => s.isDirectory(), () => false))) {
    io.stderr.write(pick(lang, { vi: `loa province report: không có thư mục ${dirname(v.out)} (tạo nó trước, hoặc chọn nơi khác)`, en: `loa province report: there is no folder ${dirname(v.out)} (make it first, or choose another place)` }) + '\n');
    return 1;
  }
  const r = await withHub(config, false, (hub) => hub.provinceReport({ period, now: systemSeconds() }));
  const text =
    format === 'json' ? renderProvinceJson(r, lang) : format === 'csv' ? renderProvinceCsv(r, lang) : renderProvinceHtml(r, { lang, heading: config.heading });
  if (v.out === undefined) {
    io.stdout.write(text);
    return 0;
  }
  await writeFile(v.out, text, 'utf8');
  io.stderr.write(pick(lang, { vi: `Đã ghi báo cáo toàn tỉnh ${period.id} vào ${v.out}.`, en: `Wrote the ${period.id} province report to ${v.out}.` }) + '\n');
  return 0;
}

async function status(io: CliIo, lang: Lang, config: HubConfig, json: boolean): Promise<number> {
  const { held, counters } = await withHub(config, false, async (hub) => ({ held: await hub.held(), counters: await hub.counters() }));
  if (json) {
    io.stdout.write(JSON.stringify({ areas: held, counters }, null, 2) + '\n');
    return 0;
  }
  const lines = [pick(lang, { vi: 'Khu vực              bản tóm tắt   KiB   ngày mới nhất   nhận lần cuối', en: 'Area                 summaries    KiB   latest day      last received' })];
  for (const a of held) {
    const last = a.last === null ? '-' : `${vnDate(a.last)} ${new Date((a.last + 7 * 3600) * 1000).toISOString().slice(11, 16)}`;
    lines.push(`${a.area.padEnd(20)} ${String(a.summaries).padStart(10)} ${String(Math.round(a.bytes / 1024)).padStart(6)}   ${(a.lastDay ?? '-').padEnd(14)}  ${last}`);
  }
  const refused = counters.filter((c) => c.outcome !== 'stored');
  if (refused.length > 0) {
    lines.push('', pick(lang, { vi: 'Không lưu (trùng lặp hoặc bị từ chối):', en: 'Not stored (duplicates or refused):' }));
    for (const c of refused) lines.push(`  ${c.area.padEnd(20)} ${c.outcome.padEnd(14)} ${c.n}`);
  }
  io.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function run(io: CliIo, lang: Lang, config: HubConfig, pretty: boolean): Promise<number> {
  const broker = config.broker;
  if (broker === null) {
    io.stderr.write(pick(lang, {
      vi: 'loa province run: cấu hình chưa có "broker" (url, username, password của máy chủ MQTT mà cầu nối của các khu vực gửi tới): thêm vào tệp --config',
      en: 'loa province run: the configuration has no "broker" (url, username, password of the MQTT broker the areas\' bridges deliver to): add it to the --config file',
    }) + '\n');
    return 2;
  }
  const logger = createLoggerFactory({ out: io.stdout, pretty, level: logLevelFrom(io.env), syslogPrefix: journalPrefixFrom(io.env, pretty) });
  const hub = await ProvinceHub.open({ dataDir: config.dataDir, logger: logger('loa:hub') });
  const { HubService } = await import('../controller/province/hub-service.js');
  const service = new HubService({ hub, broker, logger: logger('loa:hub:mqtt') });
  try {
    await service.start();
  } catch (err) {
    await hub.close();
    io.stderr.write(pick(lang, { vi: `loa province run: không kết nối được tới ${broker.url} (${(err as Error).message}). Xem "broker" trong --config.`, en: `loa province run: cannot connect to ${broker.url} (${(err as Error).message}). See "broker" in --config.` }) + '\n');
    return 1;
  }
  const web = await startProvinceView(io, lang, config, hub, logger('loa:hub:http'));
  if (web === false) {
    await service.stop();
    await hub.close();
    return 1;
  }
  const page = web === null ? pick(lang, { vi: 'tắt ("http": null)', en: 'off ("http": null)' }) : `${web.url}/`;
  const areas = await hub.areas();
  io.stderr.write(pick(lang, {
    vi: `Trung tâm tỉnh đang chạy.\n  MQTT: ${broker.url} (${broker.username})\n  Trang toàn tỉnh: ${page}\n  Dữ liệu: ${config.dataDir}\n  Khu vực đã đăng ký: ${areas.length}\nCtrl-C để dừng.`,
    en: `Province hub running.\n  MQTT: ${broker.url} (${broker.username})\n  Province view: ${page}\n  Data: ${config.dataDir}\n  Areas registered: ${areas.length}\nCtrl-C stops it.`,
  }) + '\n');
  const release = await untilStopSignal();
  try {
    await web?.stop();
    await service.stop();
    await hub.close();
  } finally {
    release();
  }
  io.stderr.write(pick(lang, { vi: 'Đã dừng.', en: 'Stopped.' }) + '\n');
  return 0;
}

/**
 * The read-only province view (controller/province/hub-http.ts) where the configuration's `http` says: null when it
 * is off, false (after saying why) when it cannot listen there.
 */
async function startProvinceView(io: CliIo, lang: Lang, config: HubConfig, hub: ProvinceHub, logger: Logger): Promise<HubHttp | null | false> {
  if (config.http === null) return null;
  const { HubHttp } = await import('../controller/province/hub-http.js');
  const web = new HubHttp({ hub, heading: config.heading, host: config.http.host, port: config.http.port, logger });
  try {
    await web.start();
    return web;
  } catch (err) {
    const where = `${config.http.host}:${config.http.port}`;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    io.stderr.write(pick(lang, {
      vi: `loa province run: không mở được trang toàn tỉnh ở ${where} (${code}). Đổi "http" trong --config (hoặc "http": null để tắt trang).`,
      en: `loa province run: cannot open the province view on ${where} (${code}). Change "http" in --config (or "http": null to turn it off).`,
    }) + '\n');
    return false;
  }
}

/** A domain error a person can act on: one line, its exit code; anything else is rethrown. */
function reportError(io: CliIo, lang: Lang, command: string, err: unknown): number {
  if (err instanceof ConfigError) return printConfigProblems(io, lang, err.problems);
  if (err instanceof NoHubDataError) {
    io.stderr.write(pick(lang, {
      vi: `loa province ${command}: không có dữ liệu trung tâm tỉnh trong ${err.dataDir}. Chỉ đúng thư mục bằng --data THƯ_MỤC, hoặc đăng ký khu vực đầu tiên (loa province area add) để tạo nó.`,
      en: `loa province ${command}: there is no province hub data in ${err.dataDir}. Name the folder with --data DIR, or register the first area (loa province area add) to make it.`,
    }) + '\n');
    return 2;
  }
  if (err instanceof HubError || err instanceof SchemaError) {
    io.stderr.write(`loa province ${command}: ${err.message}\n`);
    return 1;
  }
  throw err;
}

export async function runProvince(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(provinceSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, provinceSpec.help) + '\n');
    return help ? 0 : 2;
  }
  try {
    const config = await loadHubConfig(values.config, values.data === undefined ? {} : { dataDir: values.data });
    switch (command.name) {
      case 'run':
        return await run(io, lang, config, values.pretty);
      case 'area add':
        return await areaAdd(io, lang, config, args[0], values);
      case 'area list':
        return await areaList(io, lang, config, values.json);
      case 'report':
        return await report(io, lang, config, values);
      case 'status':
        return await status(io, lang, config, values.json);
      default:
        throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}"`, en: `no command "${command.name}"` }));
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return reportError(io, lang, command.name, err);
  }
}
