/**
 * `loa activity …`: the team activity log from the office machine (controller/board/activities.ts does the work), on
 * the controller's database opened directly. The acting user is named with `--as USER`; since `--as` is only a claim
 * on a database opened directly, every audit row also names the system account that ran the command.
 */
import { openOffice, type Office } from '../controller/app/office.js';
import { ActivityLog, type BoardActor } from '../controller/board/activities.js';
import { activityInput } from '../controller/board/activity-input.js';
import { KIND_WORDS, STATUS_WORDS } from '../controller/board/words.js';
import { BoardError } from '../controller/board/errors.js';
import { readPhoto } from '../controller/board/photos.js';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, MAX_PHOTOS, type ActivityAuditEntry, type ActivityFilter, type ActivityRecord } from '../controller/board/types.js';
import { InvalidPeriodError, parsePeriod, vnDate, VN_OFFSET_S } from '../controller/reports/period.js';
import { formatNumber } from '../controller/reports/text.js';
import { controllerConfig, reportError } from './controller.js';
import { cliOrigin } from './origin.js';
import { pick, type Lang, type Text } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

const KINDS = ACTIVITY_KINDS.join('|');
const STATUSES = ACTIVITY_STATUSES.join('|');

const HELP: Text = {
  vi: `Cách dùng:
  loa activity add --kind ${KINDS} --date dd/mm/yyyy [--time HH:MM] --commune XÃ --team TỔ
                   [--place "thôn, xóm"] [--lat VĨ_ĐỘ --lon KINH_ĐỘ] [--member MÃ …] --people SỐ_NGƯỜI [--note "…"]
                   [--photo TỆP.jpg|png|webp …] --as NGƯỜI_GHI
                   ghi một hoạt động của tổ (giờ Việt Nam, mặc định 08:00; --member lặp lại hoặc 1,2,3; tối đa ${MAX_PHOTOS} ảnh)
  loa activity list [--status ${STATUSES}] [--commune XÃ] [--team TỔ] [--period 2026-11] [--json]
  loa activity show MÃ                               chi tiết, thành viên, ảnh và nhật ký (MÃ: HD-12 hoặc 12)
  loa activity confirm MÃ --as NGƯỜI_DUYỆT           xác nhận (người duyệt khác người ghi)
  loa activity return MÃ --reason "cần sửa gì" --as NGƯỜI_DUYỆT
  loa activity withdraw MÃ [--reason "…"] --as NGƯỜI_DÙNG   (rút hoạt động đã xác nhận cần --reason)
  Tuỳ chọn chung: --config TỆP, --data THƯ_MỤC, --lang en`,
  en: `Usage:
  loa activity add --kind ${KINDS} --date dd/mm/yyyy [--time HH:MM] --commune C --team T
                   [--place "village"] [--lat DEG --lon DEG] [--member ID …] --people N [--note "…"]
                   [--photo FILE.jpg|png|webp …] --as SUBMITTER
                   record a team activity (Vietnam time, default 08:00; --member repeated or 1,2,3; at most ${MAX_PHOTOS} photos)
  loa activity list [--status ${STATUSES}] [--commune C] [--team T] [--period 2026-11] [--json]
  loa activity show ID                               details, members, photos and audit trail (ID: HD-12 or 12)
  loa activity confirm ID --as APPROVER              confirm (an approver other than who recorded it)
  loa activity return ID --reason "what to correct" --as APPROVER
  loa activity withdraw ID [--reason "…"] --as USER   (withdrawing a confirmed activity needs --reason)
  Common options: --config FILE, --data DIR, --lang en`,
};

const OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
  as: { type: 'string' },
  kind: { type: 'string', choices: ACTIVITY_KINDS },
  date: { type: 'string' },
  time: { type: 'string' },
  commune: { type: 'string' },
  team: { type: 'string' },
  place: { type: 'string' },
  lat: { type: 'string', number: { min: -90, max: 90 } },
  lon: { type: 'string', number: { min: -180, max: 180 } },
  member: { type: 'string', multiple: true },
  people: { type: 'string', number: { min: 0, max: 100_000, integer: true } },
  note: { type: 'string' },
  photo: { type: 'string', multiple: true },
  status: { type: 'string', choices: ACTIVITY_STATUSES },
  period: { type: 'string' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const COMMON = ['config', 'data'] as const;

export const activitySpec = {
  name: 'activity',
  help: HELP,
  options: OPTIONS,
  commands: [
    { name: 'add', options: [...COMMON, 'kind', 'date', 'time', 'commune', 'team', 'place', 'lat', 'lon', 'member', 'people', 'note', 'photo', 'as'], args: 0 },
    { name: 'list', options: [...COMMON, 'status', 'commune', 'team', 'period', 'json'], args: 0 },
    { name: 'show', options: [...COMMON], args: 1 },
    { name: 'confirm', options: [...COMMON, 'as'], args: 1 },
    { name: 'return', options: [...COMMON, 'reason', 'as'], args: 1 },
    { name: 'withdraw', options: [...COMMON, 'reason', 'as'], args: 1 },
  ],
} as const satisfies GroupSpec;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

/** The user named by --as, with where the command runs from. */
export async function actorOf(office: Office, name: string): Promise<BoardActor> {
  const user = await office.users.get(name);
  return { name: user.name, role: user.role, origin: cliOrigin() };
}

export function need(lang: Lang, value: string | undefined, what: Text): string {
  if (value === undefined || value === '') throw new UsageError(pick(lang, what));
  return value;
}

export const AS: Text = { vi: 'cần --as TÊN_NGƯỜI_DÙNG (người thực hiện)', en: 'needs --as USER (who is acting)' };

/** Runs one command with the office opened on the configured data folder and the activity log started. */
async function withLog(io: CliIo, lang: Lang, values: Values, what: string, work: (office: Office, log: ActivityLog) => Promise<string>): Promise<number> {
  try {
    const config = await controllerConfig(values);
    const office = await openOffice(config);
    try {
      const log = new ActivityLog({ db: office.db, dataDir: config.dataDir });
      await log.start();
      io.stdout.write((await work(office, log)) + '\n');
      return 0;
    } finally {
      await office.close();
    }
  } catch (err) {
    return reportError(io, lang, what, err);
  }
}

/** `HD-12` or `12` → 12. */
function activityId(lang: Lang, arg: string | undefined): number {
  const m = /^(?:HD-)?(\d{1,9})$/i.exec(need(lang, arg, { vi: 'cần mã hoạt động (ví dụ HD-12)', en: 'needs an activity id (e.g. HD-12)' }).trim());
  if (!m) throw new UsageError(pick(lang, { vi: `"${arg}" không phải mã hoạt động (dạng HD-12)`, en: `"${arg}" is not an activity id (like HD-12)` }));
  return Number(m[1]);
}

/** dd/mm/yyyy HH:MM, Vietnam time. */
function dateTime(t: number): string {
  const d = new Date((t + VN_OFFSET_S) * 1000);
  return `${vnDate(t)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** A table with its columns padded; the last column is not. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]!].length)));
  return [head, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  ')).join('\n');
}

function listText(activities: ActivityRecord[], lang: Lang): string {
  if (activities.length === 0) return pick(lang, { vi: 'Chưa có hoạt động nào.', en: 'No activities.' });
  const head = lang === 'en' ? ['No.', 'Date', 'Kind', 'Commune', 'Team', 'People', 'Status'] : ['Số', 'Ngày', 'Loại', 'Xã', 'Tổ', 'Số người', 'Trạng thái'];
  const rows = activities.map((a) => [`HD-${a.id}`, dateTime(a.at), pick(lang, KIND_WORDS[a.kind]), a.communeName, a.teamName, formatNumber(a.peopleReached, lang), pick(lang, STATUS_WORDS[a.status])]);
  return table(head, rows);
}

function auditLine(a: ActivityAuditEntry): string {
  return `  ${dateTime(a.time)}  ${a.actor} (${a.actorRole})  ${a.action}  ${a.from ?? '—'} → ${a.to}${a.detail ? `  ${a.detail}` : ''}`;
}

function showText(a: ActivityRecord, audit: ActivityAuditEntry[], lang: Lang): string {
  const en = lang === 'en';
  const point = a.lat === null || a.lon === null ? '' : ` (${a.lat}, ${a.lon})`;
  const lines = [
    `HD-${a.id}  ${pick(lang, KIND_WORDS[a.kind])}  ${dateTime(a.at)}`,
    `${en ? 'Status' : 'Trạng thái'}: ${pick(lang, STATUS_WORDS[a.status])}${a.decidedBy ? ` — ${a.decidedBy}, ${dateTime(a.decidedAt!)}` : ''}${a.reason ? ` — ${en ? 'returned because' : 'lý do trả lại'}: ${a.reason}` : ''}`,
    `${en ? 'Commune' : 'Xã'}: ${a.communeName} (${a.communeId})   ${en ? 'Team' : 'Tổ'}: ${a.teamName} (${a.teamId})`,
    `${en ? 'Place' : 'Địa điểm'}: ${a.place || '—'}${point}`,
    `${en ? 'People reached' : 'Số người được tuyên truyền'}: ${formatNumber(a.peopleReached, lang)}`,
    `${en ? 'Members present' : 'Thành viên tham gia'}: ${a.members.map((m) => `${m.name} (${m.id})`).join(', ') || '—'}`,
    `${en ? 'Note' : 'Ghi chú'}: ${a.note || '—'}`,
    `${en ? 'Recorded by' : 'Người ghi'}: ${a.submitter}, ${dateTime(a.submittedAt)}`,
    `${en ? 'Photos' : 'Ảnh'}:${a.photos.length === 0 ? ' —' : ''}`,
    ...a.photos.map((p) => `  ${p.sha256}  ${p.type}  ${formatNumber(p.size, lang)} ${en ? 'bytes' : 'byte'}`),
    en ? 'Audit trail:' : 'Nhật ký:',
    ...audit.map(auditLine),
  ];
  return lines.join('\n');
}

/** `--period` to the filter's [from, until), checked before anything is opened. */
function periodFilter(lang: Lang, text: string | undefined): Pick<ActivityFilter, 'from' | 'until'> {
  if (text === undefined) return {};
  try {
    const p = parsePeriod(text, lang);
    return { from: p.start, until: p.end };
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw new UsageError(`--period: ${err.message}`);
    throw err;
  }
}

const CLI_NAMES = { kind: '--kind', date: '--date', time: '--time', commune: '--commune', team: '--team', lat: '--lat', lon: '--lon', members: '--member', peopleReached: '--people' };

/** The activity of `loa activity add`, checked before anything is opened: a mistake in it is a usage error. */
function addInput(lang: Lang, values: Values): ReturnType<typeof activityInput> {
  const fields = {
    kind: values.kind, date: values.date, time: values.time, commune: values.commune, team: values.team, place: values.place,
    lat: values.lat, lon: values.lon, members: values.member, peopleReached: values.people, note: values.note,
  };
  try {
    return activityInput(fields, lang, CLI_NAMES);
  } catch (err) {
    if (err instanceof BoardError) throw new UsageError(err.message);
    throw err;
  }
}

async function add(io: CliIo, lang: Lang, values: Values): Promise<number> {
  const input = addInput(lang, values);
  const as = need(lang, values.as, AS);
  const files = values.photo ?? [];
  if (files.length > MAX_PHOTOS) throw new UsageError(pick(lang, { vi: `tối đa ${MAX_PHOTOS} --photo`, en: `at most ${MAX_PHOTOS} --photo` }));
  try {
    // The photos are checked before the activity is recorded, so that a wrong file leaves nothing half done.
    for (const f of files) await readPhoto(f);
  } catch (err) {
    return reportError(io, lang, 'activity add', err);
  }
  return withLog(io, lang, values, 'activity add', async (office, log) => {
    const actor = await actorOf(office, as);
    const a = await log.record(actor, input);
    for (const f of files) await log.addPhoto(actor, a.id, f);
    return pick(lang, {
      vi: `Đã ghi hoạt động HD-${a.id} (${KIND_WORDS[a.kind].vi}, ${dateTime(a.at)}, ${a.communeName}${files.length ? `, ${files.length} ảnh` : ''}), đang chờ Ban điều hành xác nhận.`,
      en: `Recorded activity HD-${a.id} (${KIND_WORDS[a.kind].en}, ${dateTime(a.at)}, ${a.communeName}${files.length ? `, ${files.length} photos` : ''}), waiting for the board to confirm it.`,
    });
  });
}

export async function runActivity(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(activitySpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const [arg] = args;
  const what = `activity ${command.name}`;
  switch (command.name) {
    case 'add':
      return add(io, lang, values);
    case 'list': {
      const status = ACTIVITY_STATUSES.find((s) => s === values.status);
      const filter: ActivityFilter = { ...periodFilter(lang, values.period), ...(status && { status }), ...(values.commune && { commune: values.commune }), ...(values.team && { team: values.team }) };
      return withLog(io, lang, values, what, async (_, log) => {
        const list = await log.list(filter);
        return values.json ? JSON.stringify(list, null, 2) : listText(list, lang);
      });
    }
    case 'show': {
      const id = activityId(lang, arg);
      return withLog(io, lang, values, what, async (_, log) => showText(await log.get(id), await log.audit(id), lang));
    }
    case 'confirm': {
      const [id, as] = [activityId(lang, arg), need(lang, values.as, AS)];
      return withLog(io, lang, values, what, async (office, log) => {
        const a = await log.confirm(await actorOf(office, as), id);
        return pick(lang, { vi: `Đã xác nhận hoạt động HD-${a.id}.`, en: `Confirmed activity HD-${a.id}.` });
      });
    }
    case 'return': {
      const [id, as] = [activityId(lang, arg), need(lang, values.as, AS)];
      const reason = need(lang, values.reason, { vi: 'cần --reason "cần sửa gì"', en: 'needs --reason "what to correct"' });
      return withLog(io, lang, values, what, async (office, log) => {
        const a = await log.sendBack(await actorOf(office, as), id, reason);
        return pick(lang, { vi: `Đã trả lại hoạt động HD-${a.id} cho ${a.submitter}: ${a.reason ?? ''}`, en: `Returned activity HD-${a.id} to ${a.submitter}: ${a.reason ?? ''}` });
      });
    }
    case 'withdraw': {
      const [id, as] = [activityId(lang, arg), need(lang, values.as, AS)];
      return withLog(io, lang, values, what, async (office, log) => {
        const a = await log.withdraw(await actorOf(office, as), id, values.reason ?? '');
        return pick(lang, { vi: `Đã rút hoạt động HD-${a.id}.`, en: `Withdrew activity HD-${a.id}.` });
      });
    }
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}" (xem loa activity --help)`, en: `no command "${command.name}" (see loa activity --help)` }));
  }
}
