/**
 * `loa release …` on the district's office machine: the releases the controller keeps and their staged rollouts
 * (controller/releases/), on the controller's database opened directly, as `loa content …` does. The acting person is
 * named with `--as USER` and recorded with the release, the rollout and every order.
 *
 *   loa release add FILE --as USER                      verify (release keys of the configuration) and store
 *   loa release list [--json]
 *   loa release rollout VERSION --canary UNIT[,UNIT] [--then commune:ID|team:ID|all] [--pause] [--healthy-minutes N] --as USER
 *   loa release resume | stop | rollback VERSION --as USER
 *   loa release status [VERSION] [--json]               each cart's version and the rollout's state
 *
 * These commands write what is asked into the database; the running controller signs and sends the orders (within
 * its rollout interval, 15 s), because only it may count the district frames the carts check (see cli/unit-command.ts).
 */
import { openOffice, type Office } from '../controller/app/office.js';
import { rolloutStatus, type RolloutStatus } from '../controller/releases/outcomes.js';
import { parseThen, Rollouts, unitFirmware } from '../controller/releases/rollout.js';
import { configuredReleaseKeys, ReleaseError, ReleaseStore } from '../controller/releases/store.js';
import type { Role } from '../controller/users/roles.js';
import { isReleaseVersion } from '../protocol/index.js';
import { controllerConfig, reportError } from './controller.js';
import { pick, type Lang, type Text } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec, type Values } from './io.js';

const COMMON = ['config', 'data'] as const;

export const releaseControllerSpec = {
  name: 'release',
  help: {
    vi: `Cách dùng:
  loa release add TỆP --as NGƯỜI_DÙNG                 kiểm tra chữ ký (khoá phát hành trong cấu hình, releases.keys) và lưu gói
  loa release list [--json]                           các bản phát hành đã lưu
  loa release rollout PHIÊN_BẢN --canary XE[,XE] [--then commune:MÃ|team:MÃ|all] [--pause] [--healthy-minutes N] --as NGƯỜI_DUYỆT
                                                      cập nhật theo đợt: xe thử trước; các xe còn lại sau khi xe thử chạy tốt
                                                      N phút (mặc định 30); --pause: chờ "resume" sau xe thử
  loa release resume PHIÊN_BẢN --as NGƯỜI_DUYỆT        tiếp tục đợt đang chờ
  loa release stop PHIÊN_BẢN --as NGƯỜI_DUYỆT          dừng gửi lệnh cập nhật
  loa release rollback PHIÊN_BẢN --as NGƯỜI_DUYỆT      dừng và đưa mọi xe đã nhận lệnh về phiên bản trước đó của xe
  loa release status [PHIÊN_BẢN] [--json]             phiên bản của từng xe và trạng thái đợt cập nhật
  Tuỳ chọn chung: --config TỆP, --data THƯ_MỤC, --lang en
  Bộ điều khiển đang chạy ký và gửi lệnh trong vòng 15 giây.`,
    en: `Usage:
  loa release add FILE --as USER                      verify the signature (release keys of the configuration, releases.keys), store it
  loa release list [--json]                           the stored releases
  loa release rollout VERSION --canary UNIT[,UNIT] [--then commune:ID|team:ID|all] [--pause] [--healthy-minutes N] --as APPROVER
                                                      a staged rollout: the canary first; the rest after the canary has run
                                                      healthy for N minutes (default 30); --pause: wait for "resume" after it
  loa release resume VERSION --as APPROVER             let a waiting rollout go on
  loa release stop VERSION --as APPROVER               stop sending update orders
  loa release rollback VERSION --as APPROVER           stop, and send every cart that took it back to the version it ran before
  loa release status [VERSION] [--json]               each cart's version and the rollout's state
  Common options: --config FILE, --data DIR, --lang en
  The running controller signs and sends the orders within 15 s.`,
  },
  options: {
    config: { type: 'string' },
    data: { type: 'string' },
    as: { type: 'string' },
    json: { type: 'boolean' },
    canary: { type: 'string' },
    then: { type: 'string' },
    pause: { type: 'boolean' },
    'healthy-minutes': { type: 'string', number: { min: 0, max: 10_080, integer: true } },
  },
  commands: [
    { name: 'add', options: [...COMMON, 'as'], args: 1 },
    { name: 'list', options: [...COMMON, 'json'], args: 0 },
    { name: 'rollout', options: [...COMMON, 'as', 'canary', 'then', 'pause', 'healthy-minutes'], args: 1 },
    { name: 'resume', options: [...COMMON, 'as'], args: 1 },
    { name: 'stop', options: [...COMMON, 'as'], args: 1 },
    { name: 'rollback', options: [...COMMON, 'as'], args: 1 },
    { name: 'status', options: [...COMMON, 'json'], args: 1 },
  ],
} as const satisfies GroupSpec;

type ReleaseValues = Values<typeof releaseControllerSpec.options>;
/** The office opened on the data folder, and the release keys to verify bundles with. */
interface Desk {
  office: Office;
  keys: readonly string[];
}

type Run = (io: CliIo, lang: Lang, desk: Desk, arg: string | undefined, values: ReleaseValues) => Promise<number>;

/** Who may do what: adding a release pushes nothing; a rollout decides what carts run. */
const MAY_ADD: readonly Role[] = ['admin', 'approver', 'technician'];
const MAY_ROLL: readonly Role[] = ['admin', 'approver'];

function line(io: CliIo, lang: Lang, text: Text): void {
  io.stdout.write(pick(lang, text) + '\n');
}

/** The acting user, who must exist, be enabled and have one of `roles`. */
async function actor(office: Office, name: string, roles: readonly Role[]): Promise<string> {
  const user = await office.users.get(name);
  if (user.disabled || !roles.includes(user.role)) {
    throw new ReleaseError('not-allowed', `${name} (vai trò ${user.role}) không được làm việc này: cần ${roles.join(' / ')}`, `${name} (role ${user.role}) may not do this: it needs ${roles.join(' / ')}`);
  }
  return user.name;
}

function stores({ office, keys }: Desk): { store: ReleaseStore; rollouts: Rollouts } {
  const store = new ReleaseStore({ db: office.db, dataDir: office.config.dataDir, keys });
  return { store, rollouts: new Rollouts({ db: office.db, registry: office.registry, releases: store }) };
}

const add: Run = async (io, lang, desk, file, values) => {
  const by = await actor(desk.office, values.as!, MAY_ADD);
  const { store } = stores(desk);
  const done = await store.add(file!, by);
  const r = done.release;
  const mb = (r.payload.bytes / 1e6).toFixed(1);
  line(io, lang, done.added
    ? { vi: `Đã lưu bản phát hành ${r.version} (${r.arch}, ${mb} MB, khoá ${r.keyId}); SHA-256 ${r.payload.sha256}`, en: `Stored release ${r.version} (${r.arch}, ${mb} MB, key ${r.keyId}); SHA-256 ${r.payload.sha256}` }
    : { vi: `Bản phát hành ${r.version} (${r.arch}) đã có sẵn, giống hệt gói này: không ghi gì.`, en: `Release ${r.version} (${r.arch}) is already there, the same bytes: nothing written.` });
  return 0;
};

const list: Run = async (io, lang, desk, _arg, values) => {
  const releases = await stores(desk).store.list();
  if (values.json) {
    io.stdout.write(JSON.stringify(releases, null, 2) + '\n');
    return 0;
  }
  if (releases.length === 0) {
    line(io, lang, { vi: 'Chưa có bản phát hành nào: loa release add TỆP --as NGƯỜI_DÙNG', en: 'No release yet: loa release add FILE --as USER' });
    return 0;
  }
  const head = lang === 'en' ? ['Version', 'Arch', 'MB', 'Added', 'By'] : ['Phiên bản', 'Kiến trúc', 'MB', 'Thêm lúc', 'Người thêm'];
  table(io, [head, ...releases.map((r) => [r.version, r.arch, (r.payload.bytes / 1e6).toFixed(1), vnTime(r.addedAt), r.addedBy])]);
  return 0;
};

const rollout: Run = async (io, lang, desk, version, values) => {
  const canary = (values.canary ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const by = await actor(desk.office, values.as!, MAY_ROLL);
  const r = await stores(desk).rollouts.start(
    { version: version!, canary, then: values.then ?? null, pause: values.pause, ...(values['healthy-minutes'] === undefined ? {} : { healthyMinutes: Number(values['healthy-minutes']) }) },
    by,
  );
  const minutes = r.healthySeconds / 60;
  line(io, lang, {
    vi: `Đã bắt đầu cập nhật ${r.version}: xe thử ${r.canary.join(', ')}; sau đó ${r.then ?? '(không)'} khi xe thử chạy tốt ${minutes} phút${r.pause ? ', rồi chờ "loa release resume"' : ''}. Bộ điều khiển đang chạy gửi lệnh trong vòng 15 giây.`,
    en: `Rollout of ${r.version} started: canary ${r.canary.join(', ')}; then ${r.then ?? '(none)'} once the canary has run healthy for ${minutes} min${r.pause ? ', then waits for "loa release resume"' : ''}. The running controller sends the orders within 15 s.`,
  });
  return 0;
};

const step = (what: 'resume' | 'stop' | 'rollback', said: Text): Run => async (io, lang, desk, version, values) => {
  const by = await actor(desk.office, values.as!, MAY_ROLL);
  const r = await stores(desk).rollouts[what](version!, by);
  line(io, lang, { vi: `${said.vi} ${r.version}: trạng thái ${r.state}.`, en: `${said.en} ${r.version}: state ${r.state}.` });
  return 0;
};

const status: Run = async (io, lang, desk, version, values) => {
  const { rollouts } = stores(desk);
  const chosen = version ?? (await rollouts.list())[0]?.version;
  const s: RolloutStatus | undefined = chosen === undefined ? undefined : await rolloutStatus(rollouts, chosen);
  if (version !== undefined && s === undefined) throw new ReleaseError('unknown-release', `không có đợt cập nhật ${version}`, `there is no rollout of ${version}`);
  const firmware = await unitFirmware(desk.office.db);
  if (values.json) {
    io.stdout.write(JSON.stringify({ units: [...firmware].map(([id, fw]) => ({ id, firmware: fw })), rollout: s ?? null }, null, 2) + '\n');
    return 0;
  }
  if (s !== undefined) {
    const r = s.rollout;
    line(io, lang, { vi: `Đợt cập nhật ${r.version}: ${r.state}${r.reason ? ` (${r.reason})` : ''}; xe thử ${r.canary.join(', ')}; sau đó ${r.then ?? '—'}`, en: `Rollout ${r.version}: ${r.state}${r.reason ? ` (${r.reason})` : ''}; canary ${r.canary.join(', ')}; then ${r.then ?? '—'}` });
  } else {
    line(io, lang, { vi: 'Chưa có đợt cập nhật nào.', en: 'No rollout yet.' });
  }
  const inRollout = new Map((s?.units ?? []).map((u) => [u.unitId, u]));
  const head = lang === 'en' ? ['Cart', 'Version', 'Rollout', 'Before', 'Detail'] : ['Xe', 'Phiên bản', 'Đợt', 'Trước đó', 'Chi tiết'];
  table(io, [head, ...[...firmware].map(([id, fw]) => {
    const u = inRollout.get(id);
    return [id, fw ?? '—', u ? `${u.stage}: ${u.state}` : '—', u?.previous ?? '—', u?.detail ?? ''];
  })]);
  return 0;
};

/** Each `loa release` command of the controller's side, by name (the lead merges them with cli/release-tools.ts). */
export const releaseControllerCommands: Record<(typeof releaseControllerSpec.commands)[number]['name'], Run> = {
  add,
  list,
  rollout,
  resume: step('resume', { vi: 'Đã cho tiếp tục đợt cập nhật', en: 'Resumed the rollout of' }),
  stop: step('stop', { vi: 'Đã dừng đợt cập nhật', en: 'Stopped the rollout of' }),
  rollback: step('rollback', { vi: 'Đang đưa các xe về phiên bản trước của đợt', en: 'Rolling back the rollout of' }),
  status,
};

/** What is wrong with the words before anything is opened, so that a mistake changes nothing (exit 2). */
function checkUsage(lang: Lang, name: string, arg: string | undefined, values: ReleaseValues): void {
  const needsArg = name !== 'list' && name !== 'status';
  if (needsArg && arg === undefined) {
    throw new UsageError(pick(lang, name === 'add' ? { vi: 'cần tệp gói: add TỆP', en: 'which bundle: add FILE' } : { vi: `cần phiên bản: ${name} PHIÊN_BẢN`, en: `which version: ${name} VERSION` }));
  }
  if (name !== 'add' && arg !== undefined && !isReleaseVersion(arg)) throw new UsageError(pick(lang, { vi: `"${arg}" không phải phiên bản (như 1.2.3)`, en: `"${arg}" is not a version (like 1.2.3)` }));
  if (needsArg && (values.as === undefined || values.as === '')) throw new UsageError(pick(lang, { vi: 'cần --as NGƯỜI_DÙNG (ai làm việc này)', en: 'needs --as USER (who does this)' }));
  if (name === 'rollout') {
    if ((values.canary ?? '').split(',').every((s) => s.trim() === '')) throw new UsageError(pick(lang, { vi: 'cần --canary XE[,XE] (xe thử trước)', en: 'needs --canary UNIT[,UNIT] (the carts that go first)' }));
    if (values.then !== undefined) {
      try {
        parseThen(values.then);
      } catch (err) {
        if (err instanceof ReleaseError) throw new UsageError(pick(lang, err));
        throw err;
      }
    }
  }
}

export interface ReleaseCliOptions {
  /** The release keys (hex); default: the configuration's `releases.keys`. */
  releaseKeys?: readonly string[];
}

/** Runs `loa release <add|list|rollout|resume|stop|rollback|status>`. */
export async function runReleaseController(argv: string[], io: CliIo, lang: Lang, options: ReleaseCliOptions = {}): Promise<number> {
  const { command, args, values, help } = parseCommand(releaseControllerSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, releaseControllerSpec.help) + '\n');
    return help ? 0 : 2;
  }
  const [arg] = args;
  const what = `release ${command.name}`;
  checkUsage(lang, command.name, arg, values);
  if (values.config === undefined) values.config = io.env.LOA_CONTROLLER_CONFIG || undefined;
  try {
    const office = await openOffice(await controllerConfig(values));
    try {
      await new ReleaseStore({ db: office.db, dataDir: office.config.dataDir }).start();
      const desk = { office, keys: options.releaseKeys ?? configuredReleaseKeys(office.config) };
      return await releaseControllerCommands[command.name as keyof typeof releaseControllerCommands](io, lang, desk, arg, values);
    } finally {
      await office.close();
    }
  } catch (err) {
    if (err instanceof ReleaseError) {
      io.stderr.write(`loa ${what}: ${pick(lang, err)}\n`);
      return 1;
    }
    return reportError(io, lang, what, err);
  }
}

function vnTime(seconds: number): string {
  return new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' }).format(seconds * 1000);
}

function table(io: CliIo, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  io.stdout.write(rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
}
