/**
 * `loa controller …`: the area (or province) controller and the office's registry commands. The commands that change the
 * database open it directly (no running controller needed), so a technician can use them on the office machine;
 * they need the database the controller's first start made (a wrong `--data` is refused, not filled).
 *
 *   loa controller run [--config FILE] [--data DIR] [--pretty]
 *   loa controller unit add <id> --commune C --team T [--commune-name N] [--team-name N] [--profile P] [--out FILE]
 *                           [--allow-loopback]
 *   loa controller unit bundle <id> [--out FILE] [--allow-loopback]
 *   loa controller unit retire <id>
 *   loa controller unit list [--json]
 *   loa controller user add NAME --role R [--password P | LOA_PASSWORD] [--display-name N]
 *   loa controller backup [--out DIR] [--passphrase-env VAR]      (passphrase from $VAR, default LOA_BACKUP_PASSPHRASE)
 *   loa controller restore FROM --data NEWDIR [--passphrase-env VAR]
 *   loa controller map-fonts [--font FILE]                         (the offline map's label glyphs, <data>/map/fonts/)
 *   loa controller mosquitto-setup [--conf-d DIR] [--files DIR] [--port N] [--host ADDR] [--tls-port N]
 *                                                                   (as root: switch to Debian's Mosquitto, cli/controller-mosquitto.ts)
 *   loa controller bridge-setup --hub-host H --hub-port P --user U --password-file F [--ca F] [--conf-d DIR]
 *                                                                   (as root, after it: the bridge to the province hub)
 *   loa controller cues build                                      (needs espeak-ng and the district key in --data)
 *   loa controller cues export FILE
 *
 * Every command takes `--config FILE` (the controller's JSON configuration), `--data DIR` (over the file's
 * `dataDir`) and `--lang en`.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleError, type BundleTls } from '../controller/app/bundle.js';
import { BackupError, makeBackup, restoreBackup } from '../controller/backup/index.js';
import { ConfigError, loadControllerConfig, loopbackBundleAddresses, type ControllerConfig } from '../controller/app/config.js';
import { DistrictController } from '../controller/app/controller.js';
import { SecretFileError } from '../controller/app/data-dir.js';
import { NoControllerDataError, openOffice, provisionUnit, reissueBundle, retireUnit, type MosquittoFilesWritten, type ReissueRequest } from '../controller/app/office.js';
import { CuePacks } from '../controller/content/cues.js';
import { DistrictKey } from '../controller/content/district-key.js';
import { ContentError } from '../controller/content/errors.js';
import { BoardError } from '../controller/board/errors.js';
import { SchemaError } from '../controller/db/database.js';
import { RegistryError } from '../controller/fleet/registry.js';
import { listUnitStates } from '../controller/fleet/unit-state.js';
import { TlsFilesError } from '../controller/tls/district-ca.js';
import { InvalidPeriodError, UnknownCommuneError } from '../controller/reports/index.js';
import { ROLES, UserError } from '../controller/users/roles.js';
import { GlyphsError, writeGlyphRanges } from '../controller/web/glyphs.js';
import { writeFileDurably } from '../lib/durable.js';
import { keyId, privateKeyFromSeed, rawPublicKey } from '../protocol/signed.js';
import { createLoggerFactory } from '../lib/logger.js';
import { SystemdNotifier } from '../lib/systemd-notify.js';
import { bridgeSetup, mosquittoSetup } from './controller-mosquitto.js';
import { COMMUNE_COMMANDS, COMMUNE_HELP, COMMUNE_OPTIONS, isCommuneCommand, runCommune } from './commune.js';
import { pick, type Lang } from './i18n.js';
import { choiceOf, journalPrefixFrom, logLevelFrom, parseCommand, printConfigProblems, untilStopSignal, UsageError, type CliIo, type GroupSpec } from './io.js';

const COMMON = ['config', 'data'] as const;

export const controllerSpec = {
  name: 'controller',
  help: {
    vi: `Cách dùng:
  loa controller run [--config TỆP] [--data THƯ_MỤC] [--pretty]     chạy bộ điều khiển khu vực/tỉnh (Ctrl-C để dừng)
  loa controller unit add <mã-xe> --commune XÃ --team TỔ [--commune-name TÊN] [--team-name TÊN]
                          [--profile pi-zero-2w] [--out TỆP] [--allow-loopback]
                                                                    đăng ký xe loa, ghi gói cài đặt (chỉ chủ sở hữu đọc được)
  loa controller unit bundle <mã-xe> [--out TỆP] [--allow-loopback] cấp lại gói cài đặt cho xe đã đăng ký (thẻ nhớ mới,
                                                                    mất gói); đổi mật khẩu MQTT: cấp phát lại xe bằng gói này
  loa controller unit retire <mã-xe>                                ngừng dùng xe (mất, hỏng, bàn giao): không kết nối được nữa,
                                                                    thu hồi chứng chỉ; số xe và lịch sử được giữ
  loa controller unit list [--json]                                 danh sách xe loa và trạng thái
${COMMUNE_HELP.vi}
  loa controller user add TÊN --role admin|approver|submitter|viewer|technician [--password MK] [--display-name TÊN]
                                                                    thêm người dùng (mật khẩu lấy từ --password hoặc LOA_PASSWORD)
  loa controller backup [--out THƯ_MỤC] [--passphrase-env BIẾN]     sao lưu (khi bộ điều khiển đang chạy): cơ sở dữ liệu, nội dung,
                                                                    khoá mã hoá bằng mật khẩu lấy từ biến môi trường BIẾN
                                                                    (mặc định LOA_BACKUP_PASSPHRASE); --out mặc định backup.dir
  loa controller restore BẢN_SAO_LƯU --data THƯ_MỤC_MỚI [--passphrase-env BIẾN]
                                                                    khôi phục vào thư mục mới hoặc rỗng (không bao giờ ghi đè)
  loa controller map-fonts [--font TỆP]                             tạo glyph chữ tiếng Việt cho nhãn bản đồ ngoại tuyến
                                                                    (<data>/map/fonts/Noto Sans Regular/) từ phông TTF/OTF
                                                                    (mặc định Noto Sans của gói fonts-noto-core)
  loa controller mosquitto-setup [--config TỆP] [--conf-d THƯ_MỤC] [--files THƯ_MỤC] [--port N] [--host ĐỊA_CHỈ] [--tls-port N]
                                                                    (chạy bằng root) chuyển sang Mosquitto của Debian: ghi tệp mật khẩu,
                                                                    ACL, TLS (mặc định /var/lib/loa/mosquitto), conf.d/loa.conf (mặc định
                                                                    /etc/mosquitto/conf.d) và mục broker của cấu hình (mật khẩu mới);
                                                                    sau đó: systemctl restart mosquitto loa-controller
  loa controller bridge-setup --hub-host MÁY --hub-port N --user TÊN --password-file TỆP [--ca TỆP] [--conf-d THƯ_MỤC]
                                                                    (chạy bằng root, sau mosquitto-setup) ghi conf.d/loa-bridge.conf: cầu nối
                                                                    Mosquitto gửi bản tóm tắt hằng ngày tới máy chủ tỉnh (tài khoản và
                                                                    mật khẩu do loa province area add cấp; --ca: TLS) và bật summary
  loa controller key show [--json]                                  khoá công khai của khu vực (ký nội dung, lệnh và bản tóm tắt):
                                                                    đưa cho trung tâm tỉnh để đăng ký (loa province area add)
  loa controller cues build                                         đọc lại các câu nói của xe loa bằng espeak-ng ("Ngoài giờ phát
                                                                    thanh"…) và ký bằng khoá khu vực (<data>/cues/pack.tar)
  loa controller cues export TỆP                                    ghi gói câu nói đã ký vào TỆP, để chép vào xe loa:
                                                                    /var/lib/loa/unit/content/incoming/cues.tar
  Tuỳ chọn chung: --config TỆP (cấu hình JSON), --data THƯ_MỤC (thư mục dữ liệu), --lang en
  Kế hoạch 2021 viết cho một huyện; từ 1/7/2025 không còn cấp huyện: bộ điều khiển phục vụ một tỉnh hoặc một khu vực
  (các xã sau sáp nhập, một huyện cũ), ghi ở mục scope của cấu hình; district.id vẫn là tên mạng của nó (không đổi).
  Gói cài đặt ghi địa chỉ publicUrls.broker / publicUrls.content của cấu hình; địa chỉ chỉ dùng trong máy này
  (127.0.0.1) bị từ chối, trừ khi thêm --allow-loopback (chạy thử mọi thứ trên một máy).
  Mặc định của --config: biến môi trường LOA_CONTROLLER_CONFIG (gói cài đặt đặt sẵn); --config ghi trên dòng lệnh được ưu tiên.`,
    en: `Usage:
  loa controller run [--config FILE] [--data DIR] [--pretty]        run the area or province controller (Ctrl-C stops it)
  loa controller unit add <unit-id> --commune C --team T [--commune-name NAME] [--team-name NAME]
                          [--profile pi-zero-2w] [--out FILE] [--allow-loopback]
                                                                    register a cart, write its provisioning bundle (owner-only)
  loa controller unit bundle <unit-id> [--out FILE] [--allow-loopback]
                                                                    a fresh bundle for a registered cart (a new SD card, a lost
                                                                    bundle); a new MQTT password: provision the cart with it
  loa controller unit retire <unit-id>                              retire a cart (lost, broken, handed over): it can no longer
                                                                    connect, its certificate is revoked; its number and history stay
  loa controller unit list [--json]                                 the carts and their state
${COMMUNE_HELP.en}
  loa controller user add NAME --role admin|approver|submitter|viewer|technician [--password PW] [--display-name NAME]
                                                                    add a user (password from --password or LOA_PASSWORD)
  loa controller backup [--out DIR] [--passphrase-env VAR]          back up (while the controller runs): the databases, the content,
                                                                    the keys encrypted under the passphrase in the environment
                                                                    variable VAR (default LOA_BACKUP_PASSPHRASE); --out defaults to backup.dir
  loa controller restore BACKUP --data NEWDIR [--passphrase-env VAR]
                                                                    restore into a new or empty folder (never overwrites)
  loa controller map-fonts [--font FILE]                            make the Vietnamese label glyphs of the offline map
                                                                    (<data>/map/fonts/Noto Sans Regular/) from a TTF/OTF font
                                                                    (default: Noto Sans of the fonts-noto-core package)
  loa controller mosquitto-setup [--config FILE] [--conf-d DIR] [--files DIR] [--port N] [--host ADDR] [--tls-port N]
                                                                    (as root) switch to Debian's Mosquitto: write the password, ACL and
                                                                    TLS files (default /var/lib/loa/mosquitto), conf.d/loa.conf (default
                                                                    /etc/mosquitto/conf.d) and the configuration's broker section (a new
                                                                    password); then: systemctl restart mosquitto loa-controller
  loa controller bridge-setup --hub-host HOST --hub-port N --user NAME --password-file FILE [--ca FILE] [--conf-d DIR]
                                                                    (as root, after mosquitto-setup) write conf.d/loa-bridge.conf: the
                                                                    Mosquitto bridge carrying the daily summaries to the province hub (the
                                                                    account and password from loa province area add; --ca: TLS) and switch
                                                                    the summaries on
  loa controller key show [--json]                                  the area's public key (it signs content, commands and summaries):
                                                                    give it to the province hub to register (loa province area add)
  loa controller cues build                                         speak the carts' cues again with espeak-ng ("Ngoài giờ phát
                                                                    thanh"…) and sign them with the area key (<data>/cues/pack.tar)
  loa controller cues export FILE                                   write the signed cue pack to FILE, to copy onto a cart as
                                                                    /var/lib/loa/unit/content/incoming/cues.tar
  Common options: --config FILE (JSON configuration), --data DIR (data folder), --lang en
  The 2021 plan was written for a district (huyện); since 1 July 2025 there are no districts: a controller serves a
  province or an area (merged communes, a former district), set by the configuration's scope; district.id stays its
  network name (never changed).
  The bundle carries the configuration's publicUrls.broker / publicUrls.content; an address of this machine only
  (127.0.0.1) is refused unless --allow-loopback is given (everything on one machine, for a trial).
  --config defaults to the environment variable LOA_CONTROLLER_CONFIG (set by the installed package); --config wins.`,
  },
  options: {
    config: { type: 'string' },
    data: { type: 'string' },
    commune: { type: 'string' },
    team: { type: 'string' },
    'commune-name': { type: 'string' },
    'team-name': { type: 'string' },
    profile: { type: 'string', default: 'pi-zero-2w' },
    out: { type: 'string' },
    'allow-loopback': { type: 'boolean' },
    role: { type: 'string', choices: ROLES },
    password: { type: 'string' },
    'display-name': { type: 'string' },
    json: { type: 'boolean' },
    pretty: { type: 'boolean' },
    'passphrase-env': { type: 'string' },
    font: { type: 'string' },
    'conf-d': { type: 'string' },
    files: { type: 'string' },
    port: { type: 'string', number: { min: 1, max: 65_535, integer: true } },
    host: { type: 'string' },
    'tls-port': { type: 'string', number: { min: 1, max: 65_535, integer: true } },
    'hub-host': { type: 'string' },
    'hub-port': { type: 'string', number: { min: 1, max: 65_535, integer: true } },
    user: { type: 'string' },
    'password-file': { type: 'string' },
    ca: { type: 'string' },
    ...COMMUNE_OPTIONS,
  },
  commands: [
    { name: 'run', options: [...COMMON, 'pretty'], args: 0 },
    { name: 'unit add', options: [...COMMON, 'commune', 'team', 'commune-name', 'team-name', 'profile', 'out', 'allow-loopback'], args: 1 },
    { name: 'unit bundle', options: [...COMMON, 'out', 'allow-loopback'], args: 1 },
    { name: 'unit retire', options: [...COMMON], args: 1 },
    { name: 'unit list', options: [...COMMON, 'json'], args: 0 },
    { name: 'user add', options: [...COMMON, 'role', 'password', 'display-name'], args: 1 },
    { name: 'backup', options: [...COMMON, 'out', 'passphrase-env'], args: 0 },
    { name: 'restore', options: ['data', 'passphrase-env'], args: 1 },
    { name: 'map-fonts', options: [...COMMON, 'font'], args: 0 },
    { name: 'mosquitto-setup', options: ['config', 'conf-d', 'files', 'port', 'host', 'tls-port'], args: 0 },
    { name: 'bridge-setup', options: ['config', 'conf-d', 'hub-host', 'hub-port', 'user', 'password-file', 'ca'], args: 0 },
    { name: 'key show', options: [...COMMON, 'json'], args: 0 },
    { name: 'cues build', options: [...COMMON], args: 0 },
    { name: 'cues export', options: [...COMMON], args: 1 },
    ...COMMUNE_COMMANDS,
  ],
} as const satisfies GroupSpec;

/** The configuration from `--config` and `--data`; a ConfigError is printed (exit 2) by {@link reportError}. */
export function controllerConfig(values: { config?: string | undefined; data?: string | undefined }): Promise<ControllerConfig> {
  return loadControllerConfig(values.config, values.data === undefined ? {} : { dataDir: values.data });
}

/** Prints a domain error a person can act on and returns its exit code; rethrows anything else. */
export function reportError(io: CliIo, lang: Lang, command: string, err: unknown): number {
  if (err instanceof ConfigError) return printConfigProblems(io, lang, err.problems);
  if (err instanceof NoControllerDataError) {
    io.stderr.write(
      pick(lang, {
        vi: `loa ${command}: không có cơ sở dữ liệu của bộ điều khiển trong ${err.dataDir} (không thấy ${err.dbPath}). Chỉ đúng thư mục dữ liệu bằng --data THƯ_MỤC, hoặc chạy "loa controller run" một lần để tạo nó.`,
        en: `loa ${command}: there is no controller database in ${err.dataDir} (${err.dbPath} is missing). Name the data folder with --data DIR, or run "loa controller run" once to make it.`,
      }) + '\n',
    );
    return 2;
  }
  if (err instanceof GlyphsError) return reportGlyphsError(io, lang, command, err);
  if (err instanceof BackupError && err.code === 'target-not-empty') {
    io.stderr.write(`loa ${command}: ${err.message}\n`);
    return 2;
  }
  const known = [BackupError, TlsFilesError, RegistryError, UserError, ContentError, BundleError, SecretFileError, SchemaError, InvalidPeriodError, UnknownCommuneError, BoardError];
  if (known.some((k) => err instanceof k)) {
    io.stderr.write(`loa ${command}: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
  throw err;
}

export async function runController(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(controllerSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, controllerSpec.help) + '\n');
    return help ? 0 : 2;
  }
  const [arg] = args;
  const what = `controller ${command.name}`;
  // The installed default (the package's /usr/bin/loa exports it) for the commands that read the configuration.
  if (values.config === undefined && command.options.includes('config')) values.config = io.env.LOA_CONTROLLER_CONFIG || undefined;
  // Checked before anything is opened, so that a mistake changes nothing.
  if (command.name === 'unit add' && (arg === undefined || values.commune === undefined || values.team === undefined)) {
    throw new UsageError(pick(lang, { vi: 'cần: unit add <mã-xe> --commune XÃ --team TỔ', en: 'needs: unit add <unit-id> --commune C --team T' }));
  }
  if (command.name === 'unit bundle' && arg === undefined) throw new UsageError(pick(lang, { vi: 'cần: unit bundle <mã-xe>', en: 'needs: unit bundle <unit-id>' }));
  if (command.name === 'cues export' && arg === undefined) throw new UsageError(pick(lang, { vi: 'cần: cues export TỆP', en: 'needs: cues export FILE' }));
  if (command.name === 'unit retire' && arg === undefined) throw new UsageError(pick(lang, { vi: 'cần: unit retire <mã-xe>', en: 'needs: unit retire <unit-id>' }));
  if (command.name === 'user add') {
    if (arg === undefined) throw new UsageError(pick(lang, { vi: 'cần tên: user add TÊN --role VAI_TRÒ', en: 'needs a name: user add NAME --role ROLE' }));
    if (values.role === undefined) throw new UsageError(pick(lang, { vi: `cần --role: ${ROLES.join(', ')}`, en: `needs --role: ${ROLES.join(', ')}` }));
    const password = values.password ?? io.env.LOA_PASSWORD;
    if (password === undefined || password === '') {
      throw new UsageError(pick(lang, { vi: 'cần mật khẩu: --password MK hoặc biến môi trường LOA_PASSWORD', en: 'needs a password: --password PW or the LOA_PASSWORD environment variable' }));
    }
  }
  let passphrase = '';
  if (command.name === 'backup' || command.name === 'restore') {
    if (command.name === 'restore' && (arg === undefined || values.data === undefined)) {
      throw new UsageError(pick(lang, { vi: 'cần: restore BẢN_SAO_LƯU --data THƯ_MỤC_MỚI', en: 'needs: restore BACKUP --data NEWDIR' }));
    }
    const variable = values['passphrase-env'] ?? 'LOA_BACKUP_PASSPHRASE';
    passphrase = io.env[variable] ?? '';
    if (passphrase === '') {
      throw new UsageError(pick(lang, { vi: `cần mật khẩu sao lưu trong biến môi trường ${variable} (--passphrase-env BIẾN chọn biến khác)`, en: `needs the backup passphrase in the environment variable ${variable} (--passphrase-env VAR names another)` }));
    }
  }
  try {
    if (command.name === 'restore') return await restore(io, lang, { from: arg!, dataDir: values.data!, passphrase });
    if (command.name === 'mosquitto-setup') return await mosquittoSetup(io, lang, values);
    if (command.name === 'bridge-setup') return await bridgeSetup(io, lang, values);
    const config = await controllerConfig(values);
    if (isCommuneCommand(command.name)) return await runCommune(io, lang, config, command.name, args, values);
    switch (command.name) {
      case 'run':
        return await run(io, lang, config, values.pretty);
      case 'unit add':
        refuseLoopback(lang, config, values['allow-loopback']);
        return await unitAdd(io, lang, config, { unit: arg!, commune: values.commune!, team: values.team!, profile: values.profile, communeName: values['commune-name'], teamName: values['team-name'], out: values.out });
      case 'unit bundle':
        refuseLoopback(lang, config, values['allow-loopback']);
        return await unitBundle(io, lang, config, { unit: arg!, ...(values.out === undefined ? {} : { out: values.out }) });
      case 'unit retire':
        return await unitRetire(io, lang, config, arg!);
      case 'unit list':
        return await unitList(io, lang, config, values.json);
      case 'backup':
        return await backup(io, lang, config, values.out, passphrase);
      case 'map-fonts':
        return await mapFonts(io, lang, config.dataDir, values.font);
      case 'key show':
        return await keyShow(io, lang, config, values.json);
      case 'cues build':
      case 'cues export':
        return await cues(io, lang, config, command.name === 'cues export' ? arg! : null);
      case 'user add':
        return await userAdd(io, lang, config, { name: arg!, role: choiceOf(lang, '--role', values.role!, ROLES), password: (values.password ?? io.env.LOA_PASSWORD)!, displayName: values['display-name'] });
      default:
        throw new UsageError(pick(lang, { vi: `không có lệnh "${what}"`, en: `no command "${what}"` }));
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return reportError(io, lang, what, err);
  }
}

/**
 * A bundle must carry addresses the cart can dial: with the defaults it would carry this machine's 127.0.0.1, and a
 * cart provisioned so could never reach its district. `--allow-loopback` is for a trial with everything on one machine.
 */
function refuseLoopback(lang: Lang, config: ControllerConfig, allowed: boolean): void {
  const found = loopbackBundleAddresses(config);
  if (allowed || found.length === 0) return;
  const addresses = found.map((f) => f.url).join(', ');
  const keys = found.map((f) => f.key).join(pick(lang, { vi: ' và ', en: ' and ' }));
  throw new UsageError(
    pick(lang, {
      vi: `gói cài đặt sẽ ghi địa chỉ chỉ dùng được trong máy này (${addresses}): xe loa sẽ không bao giờ liên lạc được với bộ điều khiển. Đặt ${keys} trong tệp cấu hình (--config) thành địa chỉ xe gọi tới, ví dụ "mqtts://10.0.0.5:1883" và "https://10.0.0.5:8080" (và cho máy chủ nghe trên địa chỉ đó: broker.embedded.host, http.host "0.0.0.0"; ngoài 127.0.0.1 máy chủ dùng TLS); chạy thử trên một máy: thêm --allow-loopback`,
      en: `the bundle would carry addresses of this machine only (${addresses}): the cart could never reach its controller. Set ${keys} in the configuration file (--config) to the addresses carts dial, e.g. "mqtts://10.0.0.5:1883" and "https://10.0.0.5:8080" (and have the controller listen there: broker.embedded.host, http.host "0.0.0.0"; off loopback it speaks TLS); for a trial on one machine add --allow-loopback`,
    }),
  );
}

async function run(io: CliIo, lang: Lang, config: ControllerConfig, pretty: boolean): Promise<number> {
  const logger = createLoggerFactory({ out: io.stdout, pretty, level: logLevelFrom(io.env), syslogPrefix: journalPrefixFrom(io.env, pretty) });
  const systemd = new SystemdNotifier({ env: io.env, log: (m) => logger('loa:ctl:systemd').warn(m) });
  const controller = new DistrictController({ config, logger });
  try {
    await controller.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !/^E[A-Z]+$/.test(code)) throw err;
    io.stderr.write(
      pick(lang, {
        vi: `loa controller run: không khởi động được (${(err as Error).message}). Cổng đã có chương trình khác dùng, hoặc không kết nối được tới máy chủ MQTT? Xem --config.`,
        en: `loa controller run: cannot start (${(err as Error).message}). Is a port taken by another program, or the MQTT broker unreachable? See --config.`,
      }) + '\n',
    );
    return 1;
  }
  const failed = controller.features.filter((f) => !f.ok).map((f) => f.name);
  const ca = controller.caCertPem;
  const caLine = ca === null ? '' : `  ${pick(lang, { vi: 'CA của khu vực (xe ghim chứng chỉ này)', en: 'Area CA (what carts pin)' })}: SHA-256 ${new X509Certificate(ca).fingerprint256}\n`;
  const scope = config.scope.kind === 'province' ? { vi: 'tỉnh', en: 'Province' } : { vi: 'khu vực', en: 'Area' };
  io.stderr.write(
    pick(lang, {
      vi: `Bộ điều khiển ${scope.vi} ${config.scope.name} (${config.district.id}) đang chạy.\n  MQTT: ${controller.brokerUrl}\n  HTTP: ${controller.httpUrl} (API: ${controller.httpUrl}/api/openapi.json)\n  Dữ liệu: ${config.dataDir}\n  Khoá khu vực: ${controller.districtPublicKeyHex}\n${caLine}${failed.length ? `  Chức năng không chạy được: ${failed.join(', ')} (xem nhật ký)\n` : ''}Ctrl-C để dừng.`,
      en: `${scope.en} controller ${config.scope.name} (${config.district.id}) running.\n  MQTT: ${controller.brokerUrl}\n  HTTP: ${controller.httpUrl} (API: ${controller.httpUrl}/api/openapi.json)\n  Data: ${config.dataDir}\n  Area key: ${controller.districtPublicKeyHex}\n${caLine}${failed.length ? `  Features not running: ${failed.join(', ')} (see the log)\n` : ''}Ctrl-C stops it.`,
    }) + '\n',
  );
  // Ready only now: the database is open, the broker and the HTTP server listen.
  systemd.ready(pick(lang, { vi: `Bộ điều khiển ${config.scope.name} đang chạy, HTTP ${controller.httpUrl}`, en: `Controller ${config.scope.name} running, HTTP ${controller.httpUrl}` }));
  systemd.startWatchdog();
  const release = await untilStopSignal();
  systemd.stopping();
  try {
    await controller.stop();
  } finally {
    systemd.close();
    release();
  }
  io.stderr.write(pick(lang, { vi: 'Đã dừng.', en: 'Stopped.' }) + '\n');
  return 0;
}

async function unitAdd(io: CliIo, lang: Lang, config: ControllerConfig, r: Parameters<typeof provisionUnit>[1]): Promise<number> {
  const office = await openOffice(config);
  try {
    const request = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as typeof r;
    const done = await provisionUnit(office, request);
    const b = done.bundle;
    const lines = [
      pick(lang, { vi: `Đã đăng ký xe loa ${b.unitName} (số ${b.unitNumber}), xã ${b.commune}${done.newCommune ? ' (mới)' : ''}, tổ ${b.team}${done.newTeam ? ' (mới)' : ''}.`, en: `Registered cart ${b.unitName} (number ${b.unitNumber}), commune ${b.commune}${done.newCommune ? ' (new)' : ''}, team ${b.team}${done.newTeam ? ' (new)' : ''}.` }),
      pick(lang, { vi: `Gói cài đặt: ${done.path} (chỉ chủ sở hữu đọc được, 0600; chứa khoá bí mật của xe — giữ kín)`, en: `Provisioning bundle: ${done.path} (owner-only, 0600; it holds the cart's secret key — keep it safe)` }),
      `  MQTT: ${b.broker.url} (${b.broker.username})`,
      `  HTTP: ${b.contentUrl}`,
      `  ${pick(lang, { vi: 'Khoá khu vực', en: 'Area key' })}: ${b.districtKeys[0]}`,
      `  SHA-256: ${b.sha256}`,
      ...tlsLines(lang, b.tls),
      ...mosquittoLines(lang, done.mosquittoFiles),
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await office.close();
  }
}

/** What to tell the technician when the Mosquitto files were rewritten (an external broker). */
function mosquittoLines(lang: Lang, files: MosquittoFilesWritten | null): string[] {
  if (files === null) return [];
  const names = [files.passwordFile, files.aclFile, ...(files.crlFile ? [files.crlFile] : [])].join(', ');
  return [pick(lang, { vi: `Đã ghi lại ${names}: gửi SIGHUP cho Mosquitto`, en: `Rewrote ${names}: send Mosquitto SIGHUP` })];
}

/** The bundle's TLS, for the technician: the CA the cart will pin, and that it carries its own certificate. */
function tlsLines(lang: Lang, tls: BundleTls | null): string[] {
  if (tls === null) return [];
  const fingerprint = new X509Certificate(tls.ca).fingerprint256;
  return [pick(lang, { vi: `  TLS: xe chỉ tin chứng chỉ gốc của huyện (SHA-256 ${fingerprint}) và có chứng chỉ riêng của xe`, en: `  TLS: the cart trusts only the district CA (SHA-256 ${fingerprint}) and carries its own certificate` })];
}

async function unitRetire(io: CliIo, lang: Lang, config: ControllerConfig, unit: string): Promise<number> {
  const office = await openOffice(config);
  try {
    const done = await retireUnit(office, unit);
    const lines = [
      pick(lang, { vi: `Đã ngừng dùng xe loa ${unit}: xe không kết nối được nữa; số xe và lịch sử phát được giữ.`, en: `Retired cart ${unit}: it can no longer connect; its number and play history stay.` }),
      ...(done.revoked > 0
        ? [pick(lang, { vi: `  Đã thu hồi ${done.revoked} chứng chỉ (bộ điều khiển đang chạy áp dụng trong vòng 30 giây)`, en: `  Revoked ${done.revoked} certificate(s) (a running controller applies it within 30 s)` })]
        : []),
      ...mosquittoLines(lang, done.mosquittoFiles),
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await office.close();
  }
}

async function unitBundle(io: CliIo, lang: Lang, config: ControllerConfig, r: ReissueRequest): Promise<number> {
  const office = await openOffice(config);
  try {
    const done = await reissueBundle(office, r);
    const b = done.bundle;
    const lines = [
      pick(lang, { vi: `Gói cài đặt mới của xe loa ${b.unitName} (số ${b.unitNumber}): ${done.path} (chỉ chủ sở hữu đọc được, 0600; chứa khoá bí mật của xe — giữ kín)`, en: `New provisioning bundle of cart ${b.unitName} (number ${b.unitNumber}): ${done.path} (owner-only, 0600; it holds the cart's secret key — keep it safe)` }),
      pick(lang, { vi: `  Xe khởi động từ lần ${b.highWater.boot + 1} và đánh số bản ghi từ ${b.highWater.record + 1} trở lên (đã lưu tới lần ${b.highWater.boot}, bản ghi ${b.highWater.record})`, en: `  The cart boots from ${b.highWater.boot + 1} and numbers records from ${b.highWater.record + 1} up (stored so far: boot ${b.highWater.boot}, record ${b.highWater.record})` }),
      pick(lang, { vi: '  Mật khẩu MQTT đã đổi: gói cũ không kết nối được nữa. Cấp phát lại xe bằng gói này (loa unit provision --bundle TỆP).', en: '  The MQTT password changed: the old bundle can no longer connect. Provision the cart with this bundle (loa unit provision --bundle FILE).' }),
      `  SHA-256: ${b.sha256}`,
      ...tlsLines(lang, b.tls),
      ...mosquittoLines(lang, done.mosquittoFiles),
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await office.close();
  }
}

async function unitList(io: CliIo, lang: Lang, config: ControllerConfig, json: boolean): Promise<number> {
  const office = await openOffice(config);
  try {
    const units = await office.registry.listUnits();
    const states = new Map((await listUnitStates(office.db, { now: Math.floor(Date.now() / 1000), staleAfterSeconds: config.staleAfterSeconds })).map((s) => [s.unitId, s]));
    const rows = units.map((u) => ({ id: u.id, number: u.number, commune: u.commune, team: u.team, profile: u.profile, online: states.get(u.id)?.online ?? false, lastSeen: states.get(u.id)?.lastSeen ?? null, soc: states.get(u.id)?.soc ?? null }));
    if (json) {
      io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write(pick(lang, { vi: 'Chưa có xe loa nào: loa controller unit add …', en: 'No carts yet: loa controller unit add …' }) + '\n');
      return 0;
    }
    const head = lang === 'en' ? ['No.', 'Cart', 'Commune', 'Team', 'Board', 'Online', 'Battery'] : ['Số', 'Xe', 'Xã', 'Tổ', 'Bo mạch', 'Trực tuyến', 'Pin'];
    const yes = pick(lang, { vi: 'có', en: 'yes' });
    const no = pick(lang, { vi: 'không', en: 'no' });
    const table = [head, ...rows.map((r) => [String(r.number), r.id, r.commune, r.team, r.profile, r.online ? yes : no, r.soc === null ? '—' : `${r.soc} %`])];
    const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    io.stdout.write(table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
    return 0;
  } finally {
    await office.close();
  }
}

async function userAdd(io: CliIo, lang: Lang, config: ControllerConfig, u: { name: string; role: (typeof ROLES)[number]; password: string; displayName: string | undefined }): Promise<number> {
  const office = await openOffice(config);
  try {
    const user = await office.users.add({ name: u.name, role: u.role, password: u.password, ...(u.displayName === undefined ? {} : { displayName: u.displayName }) });
    io.stdout.write(pick(lang, { vi: `Đã thêm người dùng ${user.name} (vai trò ${user.role}).`, en: `Added user ${user.name} (role ${user.role}).` }) + '\n');
    return 0;
  } finally {
    await office.close();
  }
}

async function backup(io: CliIo, lang: Lang, config: ControllerConfig, out: string | undefined, passphrase: string): Promise<number> {
  const outDir = out ?? config.backup.dir;
  if (outDir === null) throw new UsageError(pick(lang, { vi: 'cần --out THƯ_MỤC (hoặc backup.dir trong cấu hình)', en: 'needs --out DIR (or backup.dir in the configuration)' }));
  const started = Date.now();
  const done = await makeBackup({ dataDir: config.dataDir, outDir, passphrase });
  const size = `${(done.bytes / 1e6).toFixed(1)} MB`;
  const ms = Date.now() - started;
  io.stdout.write(
    pick(lang, {
      vi: `Đã sao lưu vào ${done.path}: ${done.files} tệp (${done.secrets} tệp khoá được mã hoá), ${size}, ${ms} ms. Giữ mật khẩu ở nơi khác: không có nó không khôi phục được khoá.`,
      en: `Backed up to ${done.path}: ${done.files} files (${done.secrets} secret files encrypted), ${size}, ${ms} ms. Keep the passphrase elsewhere: without it the keys cannot be restored.`,
    }) + '\n',
  );
  return 0;
}

async function restore(io: CliIo, lang: Lang, r: { from: string; dataDir: string; passphrase: string }): Promise<number> {
  const done = await restoreBackup(r);
  io.stdout.write(
    pick(lang, {
      vi: `Đã khôi phục ${r.from} vào ${done.dataDir}: ${done.files} tệp, ${done.secrets} tệp khoá.${done.bootCounter === undefined ? '' : ` Số lần khởi động nâng lên ${done.bootCounter} (xe loa bỏ qua khung của lần khởi động cũ).`} Chạy: loa controller run --data ${done.dataDir}`,
      en: `Restored ${r.from} into ${done.dataDir}: ${done.files} files, ${done.secrets} secret files.${done.bootCounter === undefined ? '' : ` Boot counter raised to ${done.bootCounter} (carts drop frames of a boot they have passed).`} Run: loa controller run --data ${done.dataDir}`,
    }) + '\n',
  );
  return 0;
}

async function mapFonts(io: CliIo, lang: Lang, dataDir: string, font: string | undefined): Promise<number> {
  const started = Date.now();
  const done = await writeGlyphRanges({ dataDir, ...(font === undefined ? {} : { fontFile: font }) });
  const ms = Date.now() - started;
  io.stdout.write(
    pick(lang, {
      vi: `Đã ghi ${done.files.length} tệp glyph (${done.glyphs} ký tự, ${ms} ms) vào ${done.dir}. Bản đồ hiện nhãn khi tải lại trang.`,
      en: `Wrote ${done.files.length} glyph files (${done.glyphs} characters, ${ms} ms) to ${done.dir}. The map shows labels once the page is reloaded.`,
    }) + '\n',
  );
  return 0;
}

/**
 * `key show`: the district key's public half, which the province hub registers to check the area's summaries. Reads
 * the key file only: it never makes one (a new key would not be the one the carts pin) nor finishes a rotation.
 */
async function keyShow(io: CliIo, lang: Lang, config: ControllerConfig, json: boolean): Promise<number> {
  const keyFile = join(config.dataDir, 'district-key');
  if (!existsSync(keyFile)) {
    io.stderr.write(
      pick(lang, {
        vi: `loa controller key show: không có khoá khu vực ${keyFile}. Chỉ đúng thư mục dữ liệu của bộ điều khiển bằng --data THƯ_MỤC, hoặc chạy "loa controller run" một lần để tạo nó.`,
        en: `loa controller key show: there is no area key ${keyFile}. Name the controller's data folder with --data DIR, or run "loa controller run" once to make it.`,
      }) + '\n',
    );
    return 2;
  }
  const seed = (await readFile(keyFile, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(seed)) {
    io.stderr.write(pick(lang, { vi: `loa controller key show: tệp khoá ${keyFile} hỏng (cần 64 chữ số hex): khôi phục từ bản sao lưu`, en: `loa controller key show: the key file ${keyFile} is damaged (64 hex digits expected): restore it from the backup` }) + '\n');
    return 1;
  }
  const key = privateKeyFromSeed(Buffer.from(seed, 'hex'));
  const shown = { area: config.district.id, name: config.district.name, keyId: keyId(key), publicKey: rawPublicKey(key).toString('hex') };
  if (json) {
    io.stdout.write(`${JSON.stringify(shown)}\n`);
    return 0;
  }
  const add = `loa province area add ${shown.area} --name "${shown.name}" --key ${shown.publicKey}`;
  io.stdout.write(
    pick(lang, {
      vi: `Khu vực ${shown.area} (${shown.name}), mã khoá ${shown.keyId}\nKhoá công khai: ${shown.publicKey}\nỞ trung tâm tỉnh: ${add}`,
      en: `Area ${shown.area} (${shown.name}), key id ${shown.keyId}\nPublic key: ${shown.publicKey}\nAt the province hub: ${add}`,
    }) + '\n',
  );
  return 0;
}

/**
 * `cues build` speaks and signs the pack again; `cues export FILE` writes it (made first when missing, signed again
 * when the district key changed). Without espeak-ng, or without the district key in the data folder: one line, 2.
 */
async function cues(io: CliIo, lang: Lang, config: ControllerConfig, out: string | null): Promise<number> {
  const keyFile = join(config.dataDir, 'district-key');
  if (!existsSync(keyFile)) {
    io.stderr.write(
      pick(lang, {
        vi: `loa controller cues: không có khoá huyện ${keyFile}. Chỉ đúng thư mục dữ liệu của bộ điều khiển bằng --data THƯ_MỤC, hoặc chạy "loa controller run" một lần để tạo nó.`,
        en: `loa controller cues: there is no district key ${keyFile}. Name the controller's data folder with --data DIR, or run "loa controller run" once to make it.`,
      }) + '\n',
    );
    return 2;
  }
  const key = new DistrictKey({ dir: config.dataDir, district: config.district.id });
  await key.start();
  const packs = new CuePacks({ dataDir: config.dataDir, district: config.district.id, signer: key });
  const started = performance.now();
  let pack;
  try {
    pack = out === null ? await packs.build() : (await packs.ensure()).pack;
  } catch (err) {
    if (!(err instanceof ContentError) || err.code !== 'no-espeak') throw err;
    io.stderr.write(`loa controller cues: ${err.message}
`);
    return 2;
  }
  const ms = Math.round(performance.now() - started);
  const v = pack.document.version;
  const n = pack.document.cues.length;
  const s = lang === 'vi' ? pack.seconds.toFixed(1).replace('.', ',') : pack.seconds.toFixed(1);
  if (out === null) {
    io.stdout.write(pick(lang, { vi: `Đã tạo gói câu nói ${v}: ${n} câu, ${s} giây, ${pack.tar.length} byte, ${ms} ms → ${packs.path}`, en: `Made cue pack ${v}: ${n} cues, ${s} s, ${pack.tar.length} bytes, ${ms} ms → ${packs.path}` }) + '\n');
    return 0;
  }
  await writeFileDurably(out, pack.tar);
  io.stdout.write(
    pick(lang, {
      vi: `Đã ghi gói câu nói ${v} (${n} câu, ${pack.tar.length} byte) vào ${out}. Chép vào xe loa thành /var/lib/loa/unit/content/incoming/cues.tar rồi khởi động lại xe.`,
      en: `Wrote cue pack ${v} (${n} cues, ${pack.tar.length} bytes) to ${out}. Copy it onto the cart as /var/lib/loa/unit/content/incoming/cues.tar and restart the cart.`,
    }) + '\n',
  );
  return 0;
}

/** A missing or unreadable font is a wrong argument (2); a file of someone else's in the way is refused (1). */
function reportGlyphsError(io: CliIo, lang: Lang, command: string, err: GlyphsError): number {
  const say = {
    'font-missing': {
      vi: `không có phông chữ ${err.path}. Cài gói fonts-noto-core (apt-get install fonts-noto-core) hoặc chỉ một tệp TTF/OTF khác bằng --font TỆP.`,
      en: `the font ${err.path} is missing. Install fonts-noto-core (apt-get install fonts-noto-core) or name another TTF/OTF file with --font FILE.`,
    },
    'bad-font': {
      vi: `${err.path} không đọc được như phông TrueType/OpenType. Chỉ một tệp .ttf hoặc .otf bằng --font TỆP.`,
      en: `${err.path} cannot be read as a TrueType/OpenType font. Name a .ttf or .otf file with --font FILE.`,
    },
    'no-data': {
      vi: `không có thư mục dữ liệu ${err.path}. Chỉ đúng thư mục bằng --data THƯ_MỤC, hoặc chạy "loa controller run" một lần để tạo nó.`,
      en: `the data folder ${err.path} does not exist. Name it with --data DIR, or run "loa controller run" once to make it.`,
    },
    'not-ours': {
      vi: `${err.path} không do lệnh này tạo ra nên không bị ghi đè. Nếu không cần nó nữa, xoá hoặc chuyển nó đi rồi chạy lại.`,
      en: `${err.path} was not made by this command, so it is not overwritten. If it is no longer wanted, remove or move it and run again.`,
    },
  }[err.code];
  io.stderr.write(`loa ${command}: ${pick(lang, say)}\n`);
  return err.code === 'not-ours' ? 1 : 2;
}
