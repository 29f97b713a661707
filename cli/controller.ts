/**
 * `loa controller …`: the district controller and the office's registry commands. The commands that change the
 * database open it directly (no running controller needed), so a technician can use them on the office machine.
 *
 *   loa controller run [--config FILE] [--data DIR] [--pretty]
 *   loa controller unit add <id> --commune C --team T [--commune-name N] [--team-name N] [--profile P] [--out FILE]
 *   loa controller unit list [--json]
 *   loa controller user add NAME --role R [--password P | LOA_PASSWORD] [--display-name N]
 *
 * Every command takes `--config FILE` (the controller's JSON configuration), `--data DIR` (over the file's
 * `dataDir`) and `--lang en`.
 */
import { parseArgs } from 'node:util';
import { BundleError } from '../controller/app/bundle.js';
import { ConfigError, loadControllerConfig, type ControllerConfig } from '../controller/app/config.js';
import { DistrictController } from '../controller/app/controller.js';
import { SecretFileError } from '../controller/app/data-dir.js';
import { openOffice, provisionUnit } from '../controller/app/office.js';
import { ContentError } from '../controller/content/errors.js';
import { SchemaError } from '../controller/db/database.js';
import { RegistryError } from '../controller/fleet/registry.js';
import { listUnitStates } from '../controller/fleet/unit-state.js';
import { InvalidPeriodError, UnknownCommuneError } from '../controller/reports/index.js';
import { isRole, UserError } from '../controller/users/roles.js';
import { createLoggerFactory } from '../lib/logger.js';
import { chooseLang, pick, type Lang, type Text } from './i18n.js';
import { logLevelFrom, printConfigProblems, untilStopSignal, UsageError, type CliIo } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa controller run [--config TỆP] [--data THƯ_MỤC] [--pretty]     chạy bộ điều khiển huyện (Ctrl-C để dừng)
  loa controller unit add <mã-xe> --commune XÃ --team TỔ [--commune-name TÊN] [--team-name TÊN]
                          [--profile pi-zero-2w] [--out TỆP]        đăng ký xe loa, ghi gói cài đặt (chỉ chủ sở hữu đọc được)
  loa controller unit list [--json]                                 danh sách xe loa và trạng thái
  loa controller user add TÊN --role admin|approver|submitter|viewer|technician [--password MK]
                                                                    thêm người dùng (mật khẩu lấy từ --password hoặc LOA_PASSWORD)
  Tuỳ chọn chung: --config TỆP (cấu hình JSON), --data THƯ_MỤC (thư mục dữ liệu), --lang en`,
  en: `Usage:
  loa controller run [--config FILE] [--data DIR] [--pretty]        run the district controller (Ctrl-C stops it)
  loa controller unit add <unit-id> --commune C --team T [--commune-name NAME] [--team-name NAME]
                          [--profile pi-zero-2w] [--out FILE]       register a cart, write its provisioning bundle (owner-only)
  loa controller unit list [--json]                                 the carts and their state
  loa controller user add NAME --role admin|approver|submitter|viewer|technician [--password PW]
                                                                    add a user (password from --password or LOA_PASSWORD)
  Common options: --config FILE (JSON configuration), --data DIR (data folder), --lang en`,
};

/** The configuration from `--config` and `--data`; a ConfigError is printed (exit 2) by {@link reportError}. */
export function controllerConfig(values: { config?: string | undefined; data?: string | undefined }): Promise<ControllerConfig> {
  return loadControllerConfig(values.config, values.data === undefined ? {} : { dataDir: values.data });
}

/** Prints a domain error a person can act on and returns its exit code; rethrows anything else. */
export function reportError(io: CliIo, lang: Lang, command: string, err: unknown): number {
  if (err instanceof ConfigError) return printConfigProblems(io, lang, err.problems);
  const known = [RegistryError, UserError, ContentError, BundleError, SecretFileError, SchemaError, InvalidPeriodError, UnknownCommuneError];
  if (known.some((k) => err instanceof k)) {
    io.stderr.write(`loa ${command}: ${(err as Error).message}\n`);
    return 1;
  }
  throw err;
}

export async function runController(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      data: { type: 'string' },
      commune: { type: 'string' },
      team: { type: 'string' },
      'commune-name': { type: 'string' },
      'team-name': { type: 'string' },
      profile: { type: 'string', default: 'pi-zero-2w' },
      out: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      'display-name': { type: 'string' },
      json: { type: 'boolean', default: false },
      pretty: { type: 'boolean', default: false },
      lang: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const lang = chooseLang(values.lang, io.env);
  const [command, sub, arg] = positionals;
  if (values.help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return values.help ? 0 : 2;
  }
  const what = `controller ${command}${sub ? ` ${sub}` : ''}`;
  try {
    const config = await controllerConfig(values);
    if (command === 'run') return await run(io, lang, config, values.pretty);
    if (command === 'unit' && sub === 'add') {
      if (arg === undefined || values.commune === undefined || values.team === undefined) {
        throw new UsageError(pick(lang, { vi: 'cần: unit add <mã-xe> --commune XÃ --team TỔ', en: 'needs: unit add <unit-id> --commune C --team T' }));
      }
      return await unitAdd(io, lang, config, { unit: arg, commune: values.commune, team: values.team, profile: values.profile, communeName: values['commune-name'], teamName: values['team-name'], out: values.out });
    }
    if (command === 'unit' && sub === 'list') return await unitList(io, lang, config, values.json);
    if (command === 'user' && sub === 'add') return await userAdd(io, lang, config, arg, values.role, values.password ?? io.env.LOA_PASSWORD, values['display-name']);
    throw new UsageError(pick(lang, { vi: `không có lệnh "${what}" (xem loa controller --help)`, en: `no command "${what}" (see loa controller --help)` }));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return reportError(io, lang, what, err);
  }
}

async function run(io: CliIo, lang: Lang, config: ControllerConfig, pretty: boolean): Promise<number> {
  const logger = createLoggerFactory({ out: io.stdout, pretty, level: logLevelFrom(io.env) });
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
  io.stderr.write(
    pick(lang, {
      vi: `Bộ điều khiển huyện ${config.district.name} (${config.district.id}) đang chạy.\n  MQTT: ${controller.brokerUrl}\n  HTTP: ${controller.httpUrl} (API: ${controller.httpUrl}/api/openapi.json)\n  Dữ liệu: ${config.dataDir}\n  Khoá huyện: ${controller.districtPublicKeyHex}\n${failed.length ? `  Chức năng không chạy được: ${failed.join(', ')} (xem nhật ký)\n` : ''}Ctrl-C để dừng.`,
      en: `District controller ${config.district.name} (${config.district.id}) running.\n  MQTT: ${controller.brokerUrl}\n  HTTP: ${controller.httpUrl} (API: ${controller.httpUrl}/api/openapi.json)\n  Data: ${config.dataDir}\n  District key: ${controller.districtPublicKeyHex}\n${failed.length ? `  Features not running: ${failed.join(', ')} (see the log)\n` : ''}Ctrl-C stops it.`,
    }) + '\n',
  );
  await untilStopSignal();
  await controller.stop();
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
      `  ${pick(lang, { vi: 'Khoá huyện', en: 'District key' })}: ${b.districtKeys[0]}`,
      `  SHA-256: ${b.sha256}`,
      ...(done.mosquittoFiles ? [pick(lang, { vi: `Đã ghi lại ${done.mosquittoFiles.passwordFile} và ${done.mosquittoFiles.aclFile}: gửi SIGHUP cho Mosquitto`, en: `Rewrote ${done.mosquittoFiles.passwordFile} and ${done.mosquittoFiles.aclFile}: send Mosquitto SIGHUP` })] : []),
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

async function userAdd(io: CliIo, lang: Lang, config: ControllerConfig, name: string | undefined, role: string | undefined, password: string | undefined, displayName: string | undefined): Promise<number> {
  if (name === undefined) throw new UsageError(pick(lang, { vi: 'cần tên: user add TÊN --role VAI_TRÒ', en: 'needs a name: user add NAME --role ROLE' }));
  if (!isRole(role)) throw new UsageError(`--role ${String(role)}: admin, approver, submitter, viewer ${pick(lang, { vi: 'hoặc', en: 'or' })} technician`);
  if (password === undefined || password === '') {
    throw new UsageError(pick(lang, { vi: 'cần mật khẩu: --password MK hoặc biến môi trường LOA_PASSWORD', en: 'needs a password: --password PW or the LOA_PASSWORD environment variable' }));
  }
  const office = await openOffice(config);
  try {
    const user = await office.users.add({ name, role, password, ...(displayName === undefined ? {} : { displayName }) });
    io.stdout.write(pick(lang, { vi: `Đã thêm người dùng ${user.name} (vai trò ${user.role}).`, en: `Added user ${user.name} (role ${user.role}).` }) + '\n');
    return 0;
  } finally {
    await office.close();
  }
}
