/**
 * `loa controller mosquitto-setup`: the CLI side of controller/broker/mosquitto-setup.ts (run once as root on the
 * packaged controller). It reads the options, runs the setup and tells the technician what was written and what to
 * run next. `loa controller bridge-setup` (after it): the area's Mosquitto bridge to the province hub
 * (controller/province/bridge-conf.ts).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  MOSQUITTO_GROUP,
  MosquittoSetupError,
  OWNER,
  readSystemAccounts,
  setUpMosquitto,
  type MosquittoSetupResult,
} from '../controller/broker/mosquitto-setup.js';
import { BridgeSetupError, setUpBridge, type BridgeSetupResult } from '../controller/province/bridge-conf.js';
import { pick, type Lang } from './i18n.js';
import { UsageError, type CliIo } from './io.js';

export const MOSQUITTO_DEFAULTS = { confDir: '/etc/mosquitto/conf.d', filesDir: '/var/lib/loa/mosquitto' } as const;

export interface MosquittoSetupValues {
  config?: string | undefined;
  'conf-d'?: string | undefined;
  files?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  'tls-port'?: string | undefined;
}

const HOST = /^[A-Za-z0-9.:-]{1,253}$/;
const COMMAND = 'loa controller mosquitto-setup';

/** Runs the setup; a refusal or a permission problem is one line, exit code 1. */
export async function mosquittoSetup(io: CliIo, lang: Lang, values: MosquittoSetupValues): Promise<number> {
  const configFile = values.config ?? io.env.LOA_CONTROLLER_CONFIG;
  if (configFile === undefined || configFile === '') {
    throw new UsageError(pick(lang, { vi: 'cần tệp cấu hình của bộ điều khiển: --config TỆP (gói Debian: /etc/loa/controller.json)', en: 'needs the controller configuration file: --config FILE (Debian package: /etc/loa/controller.json)' }));
  }
  if (values.host !== undefined && !HOST.test(values.host)) {
    throw new UsageError(`--host ${values.host}: ${pick(lang, { vi: 'cần một địa chỉ như 127.0.0.1 hoặc 0.0.0.0', en: 'must be an address such as 127.0.0.1 or 0.0.0.0' })}`);
  }
  const started = Date.now();
  let done: MosquittoSetupResult;
  try {
    done = await setUpMosquitto({
      configFile,
      confDir: values['conf-d'] ?? MOSQUITTO_DEFAULTS.confDir,
      filesDir: values.files ?? MOSQUITTO_DEFAULTS.filesDir,
      ...(values.port === undefined ? {} : { port: Number(values.port) }),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values['tls-port'] === undefined ? {} : { tlsPort: Number(values['tls-port']) }),
      accounts: await readSystemAccounts(),
      root: process.getuid?.() === 0,
    });
  } catch (err) {
    const line = refusal(lang, err);
    if (line === undefined) throw err;
    io.stderr.write(`${COMMAND}: ${line}\n`);
    return 1;
  }
  io.stdout.write(report(lang, done, Date.now() - started).join('\n') + '\n');
  return 0;
}

/** The one line for a refusal or a file this user may not write; undefined for anything else. */
function refusal(lang: Lang, err: unknown): string | undefined {
  if (err instanceof MosquittoSetupError) return pick(lang, err);
  const e = err as NodeJS.ErrnoException;
  if (e.code !== 'EACCES' && e.code !== 'EPERM' && e.code !== 'EROFS') return undefined;
  const path = e.path ?? '';
  return pick(lang, {
    vi: `không ghi được ${path} (${e.code}): chạy bằng root (sudo ${COMMAND} …)`,
    en: `cannot write ${path} (${e.code}): run it as root (sudo ${COMMAND} …)`,
  });
}

/** What was written, whose it is, and the next step. */
function report(lang: Lang, d: MosquittoSetupResult, ms: number): string[] {
  const url = new URL(d.brokerUrl);
  const tls = d.tlsListener;
  const lines = [
    pick(lang, { vi: `Đã ghi cấu hình cho Mosquitto (${ms} ms):`, en: `Wrote Mosquitto's setup (${ms} ms):` }),
    `  ${d.confFile}: ${pick(lang, { vi: `cổng ${url.port} (${url.hostname}) cho bộ điều khiển`, en: `port ${url.port} (${url.hostname}) for the controller` })}${tls ? pick(lang, { vi: `, cổng TLS ${tls.port} (${tls.host}) cho xe loa`, en: `, TLS port ${tls.port} (${tls.host}) for the carts` }) : ''}`,
    `  ${d.passwordFile}, ${d.aclFile}: ${pick(lang, { vi: `${d.units} xe loa và tài khoản ${d.username}`, en: `${d.units} cart(s) and the account ${d.username}` })}`,
    ...(d.tlsDir ? [`  ${d.tlsDir}: ${pick(lang, { vi: 'chứng chỉ của cổng TLS và danh sách thu hồi', en: "the TLS listener's certificates and revocation list" })}`] : []),
    ownershipLine(lang, d),
    pick(lang, {
      vi: `Đã chuyển ${d.configFile} sang Mosquitto (${d.brokerUrl}, ${d.username}, mật khẩu mới; 0640${d.ownership.done ? `, nhóm ${OWNER}` : ''}). Bản cũ: ${d.savedCopy.path}${d.savedCopy.made ? '' : ' (có từ lần trước, giữ nguyên)'}`,
      en: `Switched ${d.configFile} to Mosquitto (${d.brokerUrl}, ${d.username}, a new password; 0640${d.ownership.done ? `, group ${OWNER}` : ''}). The earlier file: ${d.savedCopy.path}${d.savedCopy.made ? '' : ' (kept from an earlier run)'}`,
    }),
    ...d.unreachable.map((dir) =>
      pick(lang, {
        vi: `Cảnh báo: Mosquitto (nhóm ${MOSQUITTO_GROUP}) không đi qua được thư mục ${dir}: chmod o+x ${dir}`,
        en: `Warning: Mosquitto (group ${MOSQUITTO_GROUP}) cannot pass through ${dir}: chmod o+x ${dir}`,
      }),
    ),
    pick(lang, { vi: 'Bước tiếp theo: systemctl enable --now loa-mosquitto-reload.path && systemctl restart mosquitto loa-controller', en: 'Next: systemctl enable --now loa-mosquitto-reload.path && systemctl restart mosquitto loa-controller' }),
  ];
  return lines;
}

function ownershipLine(lang: Lang, d: MosquittoSetupResult): string {
  const o = d.ownership;
  if (o.done) return pick(lang, { vi: `  Chủ sở hữu: ${OWNER}:${MOSQUITTO_GROUP} (thư mục 2750, tệp 0640)`, en: `  Owner: ${OWNER}:${MOSQUITTO_GROUP} (folders 2750, files 0640)` });
  if (o.reason === 'not-root') return pick(lang, { vi: '  Không đổi chủ sở hữu: lệnh không chạy bằng root', en: '  Owners unchanged: not running as root' });
  return pick(lang, { vi: `  Không đổi chủ sở hữu: máy này không có ${o.missing.join(', ')}`, en: `  Owners unchanged: this machine has no ${o.missing.join(', ')}` });
}

// --- `loa controller bridge-setup` --------------------------------------------------------------------------------

export interface BridgeSetupValues {
  config?: string | undefined;
  'conf-d'?: string | undefined;
  'hub-host'?: string | undefined;
  'hub-port'?: string | undefined;
  user?: string | undefined;
  'password-file'?: string | undefined;
  ca?: string | undefined;
}

const BRIDGE_COMMAND = 'loa controller bridge-setup';
const WORD = /^\S{1,128}$/;

/** The hub password: the first line of the file (given by the hub's `loa province area add`). */
async function hubPassword(lang: Lang, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`--password-file ${file}: ${pick(lang, { vi: `không đọc được (${code})`, en: `cannot be read (${code})` })}`);
  }
  const password = text.split('\n', 1)[0]!.trim();
  if (!WORD.test(password)) {
    throw new UsageError(`--password-file ${file}: ${pick(lang, { vi: 'dòng đầu phải là mật khẩu, một từ không có dấu cách', en: 'its first line must be the password, one word without spaces' })}`);
  }
  return password;
}

/** Writes the area's bridge to the province hub; a refusal or a permission problem is one line, exit code 1. */
export async function bridgeSetup(io: CliIo, lang: Lang, values: BridgeSetupValues): Promise<number> {
  const configFile = values.config ?? io.env.LOA_CONTROLLER_CONFIG;
  if (configFile === undefined || configFile === '') {
    throw new UsageError(pick(lang, { vi: 'cần tệp cấu hình của bộ điều khiển: --config TỆP (gói Debian: /etc/loa/controller.json)', en: 'needs the controller configuration file: --config FILE (Debian package: /etc/loa/controller.json)' }));
  }
  const need = (['hub-host', 'hub-port', 'user', 'password-file'] as const).filter((k) => values[k] === undefined);
  if (need.length > 0) {
    throw new UsageError(pick(lang, { vi: `thiếu ${need.map((k) => `--${k}`).join(', ')} (máy chủ MQTT của tỉnh và tài khoản của khu vực ở đó)`, en: `missing ${need.map((k) => `--${k}`).join(', ')} (the province hub's MQTT broker and this area's account there)` }));
  }
  const host = values['hub-host']!;
  if (!HOST.test(host)) throw new UsageError(`--hub-host ${host}: ${pick(lang, { vi: 'cần một tên máy hoặc địa chỉ như hub.tinh.example', en: 'must be a host name or address such as hub.tinh.example' })}`);
  const user = values.user!;
  if (!WORD.test(user)) throw new UsageError(`--user ${user}: ${pick(lang, { vi: 'cần một từ không có dấu cách', en: 'must be one word without spaces' })}`);
  if (values.ca !== undefined && !WORD.test(values.ca)) throw new UsageError(`--ca ${values.ca}: ${pick(lang, { vi: 'đường dẫn không được có dấu cách', en: 'the path must have no spaces' })}`);
  const password = await hubPassword(lang, values['password-file']!);
  let done: BridgeSetupResult;
  try {
    done = await setUpBridge({
      configFile,
      confDir: values['conf-d'] ?? MOSQUITTO_DEFAULTS.confDir,
      hub: { host, port: Number(values['hub-port']) },
      username: user,
      password,
      caFile: values.ca === undefined ? null : resolve(values.ca),
      accounts: await readSystemAccounts(),
      root: process.getuid?.() === 0,
    });
  } catch (err) {
    const line = err instanceof BridgeSetupError ? pick(lang, err) : refusal(lang, err);
    if (line === undefined) throw err;
    io.stderr.write(`${BRIDGE_COMMAND}: ${line}\n`);
    return 1;
  }
  const tls = values.ca !== undefined;
  io.stdout.write(
    [
      pick(lang, {
        vi: `Đã ghi ${done.confFile}: khu vực ${done.area} gửi bản tóm tắt tới ${host}:${values['hub-port']}${tls ? ' (TLS)' : ''} với tài khoản ${user} (0640${done.grouped ? `, nhóm ${MOSQUITTO_GROUP}` : ''}: tệp chứa mật khẩu)`,
        en: `Wrote ${done.confFile}: area ${done.area} sends its summaries to ${host}:${values['hub-port']}${tls ? ' (TLS)' : ''} as ${user} (0640${done.grouped ? `, group ${MOSQUITTO_GROUP}` : ''}: the file holds the password)`,
      }),
      done.configChanged
        ? pick(lang, { vi: `Đã bật gửi bản tóm tắt qua Mosquitto trong ${configFile} (summary.enabled, summary.hub null)`, en: `Switched the summaries on, through Mosquitto, in ${configFile} (summary.enabled, summary.hub null)` })
        : pick(lang, { vi: `${configFile} đã bật gửi bản tóm tắt qua Mosquitto: giữ nguyên`, en: `${configFile} already sends the summaries through Mosquitto: unchanged` }),
      pick(lang, { vi: 'Bước tiếp theo (Mosquitto chỉ đọc cầu nối khi khởi động): systemctl restart mosquitto loa-controller', en: 'Next (Mosquitto reads bridges only when it starts): systemctl restart mosquitto loa-controller' }),
    ].join('\n') + '\n',
  );
  return 0;
}
