/**
 * `loa province …`: the province hub. It runs beside (or instead of) an area controller, with its own data folder,
 * and collects the signed daily summaries of the province's areas over MQTT bridges; `run` also serves the read-only
 * province view (controller/province/hub-http.ts).
 *
 *   loa province run [--config FILE] [--data DIR] [--pretty]
 *   loa province area add <area-id> --name NAME --key HEX [--province-code NN]
 *   loa province area list [--json]
 *   loa province area password <area-id>
 *   loa province mosquitto-setup [--port N] [--host ADDR] [--files DIR] [--conf-d DIR] [--tls-cert F --tls-key F --tls-ca F]
 *   loa province report --period P [--format json|csv|html|docx] [--out FILE]   (docx needs --out)
 *   loa province status [--json]
 */
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../lib/config-error.js';
import { createLoggerFactory, type Logger } from '../lib/logger.js';
import { SystemdNotifier } from '../lib/systemd-notify.js';
import { SchemaError } from '../controller/db/database.js';
import { readSystemAccounts } from '../controller/broker/mosquitto-setup.js';
import { HubError, ProvinceHub } from '../controller/province/hub.js';
import { giveAreaAccount, HUB_BROKER_DEFAULTS, HubBrokerError, setUpHubBroker, type AreaAccountResult, type HubBrokerSetupResult } from '../controller/province/hub-broker-setup.js';
import { openHubDb } from '../controller/province/hub-db.js';
import { loadHubConfig, type HubConfig, type HubHeading } from '../controller/province/hub-config.js';
import type { HubHttp } from '../controller/province/hub-http.js';
import { PROVINCE_FORMATS, renderProvinceCsv, renderProvinceHtml, renderProvinceJson, type ProvinceFormat } from '../controller/province/province-render.js';
import type { ProvinceReport } from '../controller/province/province-report.js';
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
                                                                    khu vực, HEX = khoá huyện của nó (64 chữ số hex); cho nó
                                                                    tài khoản ở Mosquitto của trung tâm (mật khẩu in một lần)
  loa province area list [--json]                                   các khu vực đã đăng ký và khoá của chúng
  loa province area password <mã-khu-vực>                           mật khẩu MQTT mới cho khu vực (mật khẩu cũ hết hiệu lực
                                                                    khi Mosquitto đọc lại: systemctl reload mosquitto)
  loa province mosquitto-setup [--port N] [--host ĐỊA_CHỈ] [--files THƯ_MỤC] [--conf-d THƯ_MỤC]
                               [--tls-cert TỆP --tls-key TỆP --tls-ca TỆP]
                                                                    (chạy bằng root) ghi tệp mật khẩu, ACL và conf.d/loa-hub.conf
                                                                    cho Mosquitto của trung tâm (mặc định cổng 8883, 0.0.0.0,
                                                                    /var/lib/loa/province-mosquitto, /etc/mosquitto/conf.d) và
                                                                    chuyển "broker" của --config sang nó
  loa province report --period KỲ [--format json|csv|html|docx] [--out TỆP]
                                                                    báo cáo toàn tỉnh: theo khu vực, theo xã, xếp hạng thi đua
                                                                    các tổ; KỲ: 2026-11, 2026-Q4, 2026-H2, 2026; docx là tệp
                                                                    Word để ký và gửi: cần --out TỆP
  loa province status [--json]                                      số bản tóm tắt đã nhận, lần nhận cuối, số bị từ chối và lý do
  Tuỳ chọn chung: --config TỆP (cấu hình JSON của trung tâm tỉnh), --data THƯ_MỤC (thư mục dữ liệu), --lang en
  Mặc định của --config: biến môi trường LOA_PROVINCE_CONFIG (gói cài đặt đặt sẵn /etc/loa/province.json); --config ghi trên dòng lệnh được ưu tiên.`,
    en: `Usage:
  loa province run [--config FILE] [--data DIR] [--pretty]          run the province hub: take the areas' signed daily
                                                                    summaries over MQTT (Ctrl-C stops it), and the read-only
                                                                    province view, no login ("http", default 127.0.0.1:8090;
                                                                    another address only inside the province's VPN)
  loa province area add <area-id> --name NAME --key HEX [--province-code NN]
                                                                    register an area: id = the area controller's district.id,
                                                                    HEX = its district key (64 hex digits); the area also gets
                                                                    an account on the hub's Mosquitto (password printed once)
  loa province area list [--json]                                   the registered areas and their keys
  loa province area password <area-id>                              a new MQTT password for the area (the old one stops
                                                                    working when Mosquitto reloads: systemctl reload mosquitto)
  loa province mosquitto-setup [--port N] [--host ADDR] [--files DIR] [--conf-d DIR]
                               [--tls-cert FILE --tls-key FILE --tls-ca FILE]
                                                                    (as root) write the password file, ACL and conf.d/loa-hub.conf
                                                                    of the hub's Mosquitto (default port 8883, 0.0.0.0,
                                                                    /var/lib/loa/province-mosquitto, /etc/mosquitto/conf.d) and
                                                                    switch the --config file's "broker" to it
  loa province report --period P [--format json|csv|html|docx] [--out FILE]
                                                                    the province report: by area, by commune, the team ranking;
                                                                    P: 2026-11, 2026-Q4, 2026-H2, 2026; docx is the Word file
                                                                    to sign and send: it needs --out FILE
  loa province status [--json]                                      summaries received, the last one, refusals and why
  Common options: --config FILE (the hub's JSON configuration), --data DIR (data folder), --lang en
  --config defaults to the environment variable LOA_PROVINCE_CONFIG (/etc/loa/province.json, set by the installed package); --config wins.`,
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
    port: { type: 'string', number: { min: 1, max: 65_535, integer: true } },
    host: { type: 'string' },
    files: { type: 'string' },
    'conf-d': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-ca': { type: 'string' },
  },
  commands: [
    { name: 'run', options: [...COMMON, 'pretty'], args: 0 },
    { name: 'area add', options: [...COMMON, 'name', 'key', 'province-code'], args: 1 },
    { name: 'area list', options: [...COMMON, 'json'], args: 0 },
    { name: 'area password', options: [...COMMON], args: 1 },
    { name: 'mosquitto-setup', options: [...COMMON, 'port', 'host', 'files', 'conf-d', 'tls-cert', 'tls-key', 'tls-ca'], args: 0 },
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
  io.stdout.write(accountLines(lang, id, await areaAccount(config, id, false), false).join('\n') + '\n');
  return 0;
}

/** `area password`: a new password for a registered area. */
async function areaPassword(io: CliIo, lang: Lang, config: HubConfig, id: string | undefined): Promise<number> {
  if (id === undefined) throw new UsageError(pick(lang, { vi: 'cần mã khu vực (district.id của khu vực đó)', en: 'needs the area id (its district.id)' }));
  if (!existsSync(join(config.dataDir, 'province.db'))) throw new NoHubDataError(config.dataDir);
  io.stdout.write(accountLines(lang, id, await areaAccount(config, id, true), true).join('\n') + '\n');
  return 0;
}

const asRoot = (): boolean => process.getuid?.() === 0;

/** The area's account at the hub's Mosquitto (controller/province/hub-broker-setup.ts). */
async function areaAccount(config: HubConfig, area: string, renew: boolean): Promise<AreaAccountResult> {
  const db = await openHubDb(join(config.dataDir, 'province.db'));
  try {
    return await giveAreaAccount({ db, area, renew, now: systemSeconds(), accounts: await readSystemAccounts(), root: asRoot() });
  } finally {
    await db.close();
  }
}

/** The password (once), the area's `bridge-setup` line, and what makes Mosquitto take it. */
function accountLines(lang: Lang, area: string, r: AreaAccountResult, renewed: boolean): string[] {
  if (r.password === null) {
    return [pick(lang, { vi: `Tài khoản MQTT ${area} ở trung tâm giữ mật khẩu cũ (mật khẩu mới: loa province area password ${area}).`, en: `The MQTT account ${area} at the hub keeps its password (a new one: loa province area password ${area}).` })];
  }
  const p = r.place;
  const host = p?.host ?? pick(lang, { vi: 'TÊN_MÁY_TRUNG_TÂM', en: 'HUB_HOST' });
  const tls = p === null || p.tlsCa !== null;
  const hint = `sudo loa controller bridge-setup --hub-host ${host} --hub-port ${p?.port ?? HUB_BROKER_DEFAULTS.port} --user ${area} --password-file /root/hub-password${tls ? ' --ca /etc/loa/hub-ca.crt' : ''}`;
  const lines = [
    pick(lang, { vi: `Mật khẩu MQTT${renewed ? ' mới' : ''} của khu vực ${area} ở trung tâm (chỉ in lần này; trung tâm chỉ giữ bản băm):`, en: `The ${renewed ? 'new ' : ''}MQTT password of area ${area} at the hub (printed only now; the hub keeps only its hash):` }),
    `  ${r.password}`,
    pick(lang, { vi: 'Ở khu vực: ghi nó vào /root/hub-password (chmod 600) rồi chạy', en: 'At the area: put it in /root/hub-password (chmod 600), then run' }),
    `  ${hint}`,
  ];
  if (p?.tlsCa) lines.push(pick(lang, { vi: `  (/etc/loa/hub-ca.crt: bản sao của ${p.tlsCa} ở trung tâm)`, en: `  (/etc/loa/hub-ca.crt: a copy of the hub's ${p.tlsCa})` }));
  if (r.rewritten.length > 0) {
    const files = r.rewritten.join(', ');
    lines.push(pick(lang, { vi: `Đã ghi lại ${files}: systemctl reload mosquitto là đủ${renewed ? ' (mật khẩu cũ hết hiệu lực từ lúc đó)' : ''}.`, en: `Rewrote ${files}: systemctl reload mosquitto is enough${renewed ? ' (the old password stops working then)' : ''}.` }));
  } else {
    lines.push(pick(lang, { vi: 'Mosquitto của trung tâm chưa được Loa cài: sudo loa province mosquitto-setup (ghi cả tài khoản này).', en: "Loa has not set up the hub's Mosquitto yet: sudo loa province mosquitto-setup (it writes this account too)." }));
  }
  return lines;
}

interface SetupValues {
  config?: string | undefined;
  data?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  files?: string | undefined;
  'conf-d'?: string | undefined;
  'tls-cert'?: string | undefined;
  'tls-key'?: string | undefined;
  'tls-ca'?: string | undefined;
}

const HOST = /^[A-Za-z0-9.:-]{1,253}$/;
const TLS_FLAGS = ['tls-cert', 'tls-key', 'tls-ca'] as const;

/** A path Mosquitto reads from its configuration: it stops at the first space, so none is allowed. */
function mosquittoPath(lang: Lang, flag: string, value: string): string {
  if (/\s/.test(value)) throw new UsageError(`--${flag} ${value}: ${pick(lang, { vi: 'đường dẫn không được có dấu cách (Mosquitto cắt ở đó)', en: 'the path must have no spaces (Mosquitto cuts it there)' })}`);
  return resolve(value);
}

/** The three TLS files, all or none. */
function tlsFiles(lang: Lang, v: SetupValues): { cert: string; key: string; ca: string } | null {
  const given = TLS_FLAGS.filter((k) => v[k] !== undefined);
  if (given.length === 0) return null;
  const missing = TLS_FLAGS.filter((k) => v[k] === undefined);
  if (missing.length > 0) throw new UsageError(pick(lang, { vi: `thiếu ${missing.map((k) => `--${k}`).join(', ')} (TLS cần cả --tls-cert, --tls-key và --tls-ca)`, en: `missing ${missing.map((k) => `--${k}`).join(', ')} (TLS needs --tls-cert, --tls-key and --tls-ca together)` }));
  return { cert: mosquittoPath(lang, 'tls-cert', v['tls-cert']!), key: mosquittoPath(lang, 'tls-key', v['tls-key']!), ca: mosquittoPath(lang, 'tls-ca', v['tls-ca']!) };
}

/** `mosquitto-setup`: the hub's Mosquitto files and the configuration's switch to it. */
async function mosquittoSetup(io: CliIo, lang: Lang, v: SetupValues): Promise<number> {
  if (v.config === undefined) throw new UsageError(pick(lang, { vi: 'cần --config TỆP (cấu hình của trung tâm, ví dụ /etc/loa/province.json; chưa có thì được tạo)', en: "needs --config FILE (the hub's configuration, e.g. /etc/loa/province.json; made when missing)" }));
  const host = v.host ?? HUB_BROKER_DEFAULTS.host;
  if (!HOST.test(host)) throw new UsageError(`--host ${host}: ${pick(lang, { vi: 'cần một địa chỉ như 127.0.0.1 hoặc 0.0.0.0', en: 'must be an address such as 127.0.0.1 or 0.0.0.0' })}`);
  const d = await setUpHubBroker({
    configFile: v.config,
    ...(v.data === undefined ? {} : { dataDir: v.data }),
    confDir: v['conf-d'] ?? HUB_BROKER_DEFAULTS.confDir,
    filesDir: mosquittoPath(lang, 'files', v.files ?? HUB_BROKER_DEFAULTS.filesDir),
    port: v.port === undefined ? HUB_BROKER_DEFAULTS.port : Number(v.port),
    host,
    tls: tlsFiles(lang, v),
    now: systemSeconds(),
    accounts: await readSystemAccounts(),
    root: asRoot(),
  });
  io.stdout.write(setupLines(lang, d, host).join('\n') + '\n');
  return 0;
}

function setupLines(lang: Lang, d: HubBrokerSetupResult, host: string): string[] {
  const tls = d.place.tlsCa === null ? '' : ', TLS';
  const owner =
    d.grouped === true
      ? pick(lang, { vi: '  Nhóm mosquitto (thư mục 2750, tệp 0640)', en: '  Group mosquitto (folder 2750, files 0640)' })
      : d.grouped === 'not-root'
        ? pick(lang, { vi: '  Không đổi nhóm: lệnh không chạy bằng root', en: '  Groups unchanged: not running as root' })
        : pick(lang, { vi: '  Không đổi nhóm: máy này không có nhóm mosquitto', en: '  Groups unchanged: this machine has no group mosquitto' });
  const copy = d.savedCopy === null ? '' : pick(lang, { vi: ` Bản cũ: ${d.savedCopy.path}${d.savedCopy.made ? '' : ' (có từ lần trước, giữ nguyên)'}`, en: ` The earlier file: ${d.savedCopy.path}${d.savedCopy.made ? '' : ' (kept from an earlier run)'}` });
  return [
    pick(lang, { vi: 'Đã ghi cấu hình Mosquitto của trung tâm tỉnh:', en: "Wrote the hub's Mosquitto setup:" }),
    `  ${d.confFile}: ${pick(lang, { vi: `cổng ${d.place.port} (${host})${tls}`, en: `port ${d.place.port} (${host})${tls}` })}`,
    `  ${d.passwordFile}, ${d.aclFile}: ${pick(lang, { vi: `${d.areas} khu vực và tài khoản ${d.username}`, en: `${d.areas} area(s) and the account ${d.username}` })}`,
    owner,
    ...(d.place.tlsCa === null && !/^(127\.|::1$|localhost$)/.test(host)
      ? [pick(lang, { vi: '  Không có TLS: mật khẩu của các khu vực đi qua mạng không mã hoá; chỉ dùng trong VPN của tỉnh, hoặc thêm --tls-cert, --tls-key, --tls-ca', en: "  No TLS: the areas' passwords cross the network unencrypted; use it only inside the province's VPN, or add --tls-cert, --tls-key, --tls-ca" })]
      : []),
    pick(lang, { vi: `Đã chuyển "broker" của ${d.configFile} sang Mosquitto này (${d.brokerUrl}, ${d.username}, mật khẩu mới).${copy}`, en: `Switched the "broker" of ${d.configFile} to this Mosquitto (${d.brokerUrl}, ${d.username}, a new password).${copy}` }),
    pick(lang, {
      vi: `Bước tiếp theo: systemctl restart mosquitto, rồi khởi động lại trung tâm (loa province run --config ${d.configFile}). Sau đó area add / area password chỉ cần systemctl reload mosquitto.`,
      en: `Next: systemctl restart mosquitto, then restart the hub (loa province run --config ${d.configFile}). After that, area add / area password need only systemctl reload mosquitto.`,
    }),
  ];
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

/** The report in `format`, as the bytes to write. */
async function rendered(r: ProvinceReport, format: ProvinceFormat, lang: Lang, heading: HubHeading): Promise<string | Buffer> {
  switch (format) {
    case 'json':
      return renderProvinceJson(r, lang);
    case 'csv':
      return renderProvinceCsv(r, lang);
    case 'html':
      return renderProvinceHtml(r, { lang, heading });
    case 'docx':
      return (await import('../controller/province/province-docx.js')).renderProvinceDocx(r, { lang, heading });
  }
}

async function report(io: CliIo, lang: Lang, config: HubConfig, v: { period?: string | undefined; format: string; out?: string | undefined }): Promise<number> {
  const period = periodOf(v.period, lang);
  const format = choiceOf(lang, '--format', v.format, PROVINCE_FORMATS);
  // A Word file is bytes for a file, not for the terminal: ask for the file before computing anything.
  if (format === 'docx' && v.out === undefined) {
    io.stderr.write(pick(lang, {
      vi: `loa province report: --format docx là tệp Word, không in ra màn hình được: thêm --out bao-cao-toan-tinh-${period.id}.docx`,
      en: `loa province report: --format docx is a Word file and cannot go to the terminal: add --out bao-cao-toan-tinh-${period.id}.docx`,
    }) + '\n');
    return 2;
  }
  if (v.out !== undefined && !(await stat(dirname(v.out)).then((s) => s.isDirectory(), () => false))) {
    io.stderr.write(pick(lang, { vi: `loa province report: không có thư mục ${dirname(v.out)} (tạo nó trước, hoặc chọn nơi khác)`, en: `loa province report: there is no folder ${dirname(v.out)} (make it first, or choose another place)` }) + '\n');
    return 1;
  }
  const r = await withHub(config, false, (hub) => hub.provinceReport({ period, now: systemSeconds() }));
  const bytes = await rendered(r, format, lang, config.heading);
  if (v.out === undefined) {
    io.stdout.write(bytes);
    return 0;
  }
  try {
    await writeFile(v.out, bytes);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    io.stderr.write(pick(lang, { vi: `loa province report: không ghi được ${v.out} (${why})`, en: `loa province report: cannot write ${v.out} (${why})` }) + '\n');
    return 1;
  }
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
  const systemd = new SystemdNotifier({ env: io.env, log: (m) => logger('loa:hub:systemd').warn(m) });
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
  // Ready only now (loa-province.service is Type=notify): the database is open, the broker connected, the page listening.
  systemd.ready(pick(lang, { vi: `Trung tâm tỉnh đang chạy, ${areas.length} khu vực, trang ${page}`, en: `Province hub running, ${areas.length} area(s), view ${page}` }));
  systemd.startWatchdog();
  const release = await untilStopSignal();
  systemd.stopping();
  try {
    await web?.stop();
    await service.stop();
    await hub.close();
  } finally {
    systemd.close();
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
  if (err instanceof HubBrokerError) {
    io.stderr.write(`loa province ${command}: ${pick(lang, err)}\n`);
    return 2;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const path = (err as NodeJS.ErrnoException).path ?? '';
    io.stderr.write(pick(lang, { vi: `loa province ${command}: không ghi được ${path} (${code}): chạy bằng root (sudo loa province ${command} …)`, en: `loa province ${command}: cannot write ${path} (${code}): run it as root (sudo loa province ${command} …)` }) + '\n');
    return 1;
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
  // The installed default (the package's /usr/bin/loa exports it): the same file as the loa-province service's.
  if (values.config === undefined) values.config = io.env.LOA_PROVINCE_CONFIG || undefined;
  try {
    // The setup makes the configuration file when it is missing: it reads it itself.
    if (command.name === 'mosquitto-setup') return await mosquittoSetup(io, lang, values);
    const config = await loadHubConfig(values.config, values.data === undefined ? {} : { dataDir: values.data });
    switch (command.name) {
      case 'run':
        return await run(io, lang, config, values.pretty);
      case 'area add':
        return await areaAdd(io, lang, config, args[0], values);
      case 'area list':
        return await areaList(io, lang, config, values.json);
      case 'area password':
        return await areaPassword(io, lang, config, args[0]);
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
