/**
 * `loa member …`: the teams' members (the registry) and their training records (controller/board/training.ts), on
 * the controller's database opened directly. Adding a member is the host's administration, like `loa controller unit
 * add`; a training record names who recorded it with `--as USER`.
 */
import { openOffice, type Office } from '../controller/app/office.js';
import { TrainingRecords } from '../controller/board/training.js';
import type { Member, MemberRole } from '../controller/fleet/registry.js';
import { vnDate, vnDayRange } from '../controller/reports/period.js';
import { actorOf, AS, need, table } from './activity.js';
import { controllerConfig, reportError } from './controller.js';
import { pick, type Lang, type Text } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa member add --team TỔ --name "Họ và tên" [--role leader|member] [--phone SỐ]    thêm thành viên vào tổ (leader: tổ trưởng)
  loa member list [--team TỔ] [--json]
  loa member training add --member MÃ --course "tên khoá" --date dd/mm/yyyy --as NGƯỜI_GHI   ghi một khoá tập huấn
  loa member training list [--member MÃ] [--team TỔ] [--json]
  Tuỳ chọn chung: --config TỆP, --data THƯ_MỤC, --lang en`,
  en: `Usage:
  loa member add --team T --name "Full name" [--role leader|member] [--phone NUMBER]   add a member to a team
  loa member list [--team T] [--json]
  loa member training add --member ID --course "course name" --date dd/mm/yyyy --as USER   record a training course
  loa member training list [--member ID] [--team T] [--json]
  Common options: --config FILE, --data DIR, --lang en`,
};

const OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
  as: { type: 'string' },
  team: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string', choices: ['leader', 'member'] },
  phone: { type: 'string' },
  member: { type: 'string', number: { min: 1, max: 2_147_483_647, integer: true } },
  course: { type: 'string' },
  date: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const COMMON = ['config', 'data'] as const;

export const memberSpec = {
  name: 'member',
  help: HELP,
  options: OPTIONS,
  commands: [
    { name: 'add', options: [...COMMON, 'team', 'name', 'role', 'phone'], args: 0 },
    { name: 'list', options: [...COMMON, 'team', 'json'], args: 0 },
    { name: 'training add', options: [...COMMON, 'member', 'course', 'date', 'as'], args: 0 },
    { name: 'training list', options: [...COMMON, 'member', 'team', 'json'], args: 0 },
  ],
} as const satisfies GroupSpec;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

const ROLE_WORDS: Record<MemberRole, Text> = { leader: { vi: 'tổ trưởng', en: 'leader' }, member: { vi: 'thành viên', en: 'member' } };

async function withOffice(io: CliIo, lang: Lang, values: Values, what: string, work: (office: Office) => Promise<string>): Promise<number> {
  try {
    const office = await openOffice(await controllerConfig(values));
    try {
      io.stdout.write((await work(office)) + '\n');
      return 0;
    } finally {
      await office.close();
    }
  } catch (err) {
    return reportError(io, lang, what, err);
  }
}

async function training(office: Office): Promise<TrainingRecords> {
  const t = new TrainingRecords({ db: office.db });
  await t.start();
  return t;
}

function membersText(members: Member[], lang: Lang): string {
  if (members.length === 0) return pick(lang, { vi: 'Chưa có thành viên nào.', en: 'No members.' });
  const head = lang === 'en' ? ['ID', 'Team', 'Role', 'Phone', 'Name'] : ['Mã', 'Tổ', 'Vai trò', 'Điện thoại', 'Họ và tên'];
  return table(head, members.map((m) => [String(m.id), m.team, pick(lang, ROLE_WORDS[m.role]), m.phone ?? '—', m.name]));
}

/** `YYYY-MM-DD` → dd/mm/yyyy. */
function dayDate(day: string): string {
  const range = vnDayRange(day);
  return range === undefined ? day : vnDate(range.start);
}

export async function runMember(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, values, help } = parseCommand(memberSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const what = `member ${command.name}`;
  const member = values.member === undefined ? undefined : Number(values.member);
  switch (command.name) {
    case 'add': {
      const team = need(lang, values.team, { vi: 'cần --team TỔ', en: 'needs --team T' });
      const name = need(lang, values.name?.trim(), { vi: 'cần --name "Họ và tên"', en: 'needs --name "Full name"' });
      const role = values.role === 'leader' ? 'leader' : 'member';
      return withOffice(io, lang, values, what, async (office) => {
        const m = await office.registry.addMember({ team, name, role, ...(values.phone === undefined ? {} : { phone: values.phone }) });
        return pick(lang, {
          vi: `Đã thêm thành viên ${m.id} "${m.name}" (${ROLE_WORDS[m.role].vi}) vào tổ ${m.team}.`,
          en: `Added member ${m.id} "${m.name}" (${ROLE_WORDS[m.role].en}) to team ${m.team}.`,
        });
      });
    }
    case 'list':
      return withOffice(io, lang, values, what, async (office) => {
        const members = await office.registry.listMembers(values.team);
        return values.json ? JSON.stringify(members, null, 2) : membersText(members, lang);
      });
    case 'training add': {
      if (member === undefined) throw new UsageError(pick(lang, { vi: 'cần --member MÃ (xem loa member list)', en: 'needs --member ID (see loa member list)' }));
      const id = member;
      const course = need(lang, values.course?.trim(), { vi: 'cần --course "tên khoá tập huấn"', en: 'needs --course "course name"' });
      const day = need(lang, values.date, { vi: 'cần --date dd/mm/yyyy (ngày cuối của khoá)', en: "needs --date dd/mm/yyyy (the course's last day)" });
      const as = need(lang, values.as, AS);
      return withOffice(io, lang, values, what, async (office) => {
        const r = await (await training(office)).add(await actorOf(office, as), { member: id, course, day });
        return pick(lang, {
          vi: `Đã ghi tập huấn của ${r.memberName} (${r.memberId}): "${r.course}", ngày ${dayDate(r.day)}.`,
          en: `Recorded training of ${r.memberName} (${r.memberId}): "${r.course}", on ${dayDate(r.day)}.`,
        });
      });
    }
    case 'training list':
      return withOffice(io, lang, values, what, async (office) => {
        const list = await (await training(office)).list({ ...(member === undefined ? {} : { member }), ...(values.team === undefined ? {} : { team: values.team }) });
        if (values.json) return JSON.stringify(list, null, 2);
        if (list.length === 0) return pick(lang, { vi: 'Chưa có khoá tập huấn nào.', en: 'No training records.' });
        const head = lang === 'en' ? ['Date', 'Member', 'Team', 'Recorded by', 'Course'] : ['Ngày', 'Thành viên', 'Tổ', 'Người ghi', 'Khoá tập huấn'];
        return table(head, list.map((r) => [dayDate(r.day), `${r.memberName} (${r.memberId})`, r.teamId, r.recordedBy, r.course]));
      });
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}" (xem loa member --help)`, en: `no command "${command.name}" (see loa member --help)` }));
  }
}
