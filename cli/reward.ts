/**
 * `loa reward …`: the reward proposals of a period (controller/board/rewards.ts) from the office machine, on the
 * controller's database opened directly: the proposed list, the criteria of each kind of period, the board's
 * additions and removals (an approver named with `--as USER`), and the export for the internal-affairs office.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { openOffice, type Office } from '../controller/app/office.js';
import { boardNote, criteriaLines, figuresText, renderRewardsCsv, renderRewardsDocx } from '../controller/board/render-rewards.js';
import { Rewards } from '../controller/board/rewards.js';
import type { RewardCriteria, RewardProposal } from '../controller/board/types.js';
import { InvalidPeriodError, parsePeriod, reportHeading, type Period } from '../controller/reports/index.js';
import type { PeriodKind } from '../controller/reports/period.js';
import { vnDate } from '../controller/reports/period.js';
import { controllerConfig, reportError } from './controller.js';
import { pick, type Lang, type Text } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa reward list --period KỲ [--json]                       danh sách đề nghị khen thưởng của kỳ
  loa reward criteria show --kind month|quarter|half|year [--json]
  loa reward criteria set --kind month|quarter|half|year [--min-hours GIỜ] [--min-active-ratio 0..1]
                  [--min-communes SỐ] [--min-activities SỐ] [--no-faults | --faults-ok] [--top SỐ]
                  [--min-member-activities SỐ] [--clear min-hours|min-active-ratio|min-communes|min-activities|top …]
                  --as NGƯỜI_DUYỆT          (tiêu chí không nêu thì giữ như cũ; --clear: bỏ không áp dụng)
  loa reward add --period KỲ --team MÃ_TỔ | --member SỐ --reason "…" --as NGƯỜI_DUYỆT     Ban điều hành thêm tên
  loa reward remove --period KỲ --team MÃ_TỔ | --member SỐ --reason "…" --as NGƯỜI_DUYỆT  Ban điều hành bỏ tên
  loa reward export --period KỲ --format csv|docx --out TỆP   gửi Văn phòng (bộ phận Thi đua – Khen thưởng)
      KỲ: 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 (6 tháng), 2026 (năm).
  Tuỳ chọn chung: --config TỆP, --data THƯ_MỤC, --lang en`,
  en: `Usage:
  loa reward list --period P [--json]                        the proposed rewards of a period
  loa reward criteria show --kind month|quarter|half|year [--json]
  loa reward criteria set --kind month|quarter|half|year [--min-hours H] [--min-active-ratio 0..1]
                  [--min-communes N] [--min-activities N] [--no-faults | --faults-ok] [--top N]
                  [--min-member-activities N] [--clear min-hours|min-active-ratio|min-communes|min-activities|top …]
                  --as APPROVER             (criteria not given stay as they are; --clear: no longer applied)
  loa reward add --period P --team TEAM | --member ID --reason "…" --as APPROVER        the board adds a name
  loa reward remove --period P --team TEAM | --member ID --reason "…" --as APPROVER     the board removes a name
  loa reward export --period P --format csv|docx --out FILE  for the internal-affairs office
      P: 2026-11 (month), 2026-Q4 (quarter), 2026-H2 (half-year), 2026 (year).
  Common options: --config FILE, --data DIR, --lang en`,
};

const KINDS = ['month', 'quarter', 'half', 'year'] as const;
const CLEARABLE = ['min-hours', 'min-active-ratio', 'min-communes', 'min-activities', 'top'] as const;

const OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
  period: { type: 'string' },
  json: { type: 'boolean' },
  kind: { type: 'string', choices: KINDS },
  'min-hours': { type: 'string', number: { min: 0, max: 8784 } },
  'min-active-ratio': { type: 'string', number: { min: 0, max: 1 } },
  'min-communes': { type: 'string', number: { min: 0, max: 10_000, integer: true } },
  'min-activities': { type: 'string', number: { min: 0, max: 100_000, integer: true } },
  'no-faults': { type: 'boolean' },
  'faults-ok': { type: 'boolean' },
  top: { type: 'string', number: { min: 1, max: 10_000, integer: true } },
  'min-member-activities': { type: 'string', number: { min: 1, max: 100_000, integer: true } },
  clear: { type: 'string', multiple: true, choices: CLEARABLE },
  team: { type: 'string' },
  member: { type: 'string' },
  reason: { type: 'string' },
  as: { type: 'string' },
  format: { type: 'string', choices: ['csv', 'docx'] },
  out: { type: 'string' },
} as const;

const COMMON = ['config', 'data'] as const;
const SET = ['kind', 'min-hours', 'min-active-ratio', 'min-communes', 'min-activities', 'no-faults', 'faults-ok', 'top', 'min-member-activities', 'clear', 'as'] as const;

export const rewardSpec = {
  name: 'reward',
  help: HELP,
  options: OPTIONS,
  commands: [
    { name: 'list', options: [...COMMON, 'period', 'json'], args: 0 },
    { name: 'criteria show', options: [...COMMON, 'kind', 'json'], args: 0 },
    { name: 'criteria set', options: [...COMMON, ...SET], args: 0 },
    { name: 'add', options: [...COMMON, 'period', 'team', 'member', 'reason', 'as'], args: 0 },
    { name: 'remove', options: [...COMMON, 'period', 'team', 'member', 'reason', 'as'], args: 0 },
    { name: 'export', options: [...COMMON, 'period', 'format', 'out'], args: 0 },
  ],
} as const satisfies GroupSpec;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

function need(lang: Lang, value: string | undefined, what: Text): string {
  if (value === undefined || value.trim() === '') throw new UsageError(pick(lang, what));
  return value;
}

function periodOf(lang: Lang, values: Values): Period {
  const text = need(lang, values.period, { vi: 'cần --period (ví dụ 2026-11)', en: 'needs --period (e.g. 2026-11)' });
  try {
    return parsePeriod(text, lang);
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw new UsageError(err.message);
    throw err;
  }
}

const KIND_WORDS: Record<PeriodKind, Text> = {
  month: { vi: 'kỳ tháng', en: 'monthly periods' },
  quarter: { vi: 'kỳ quý', en: 'quarters' },
  half: { vi: 'kỳ 6 tháng', en: 'half-years' },
  year: { vi: 'kỳ năm', en: 'years' },
};

const AS: Text = { vi: 'cần --as TÊN_NGƯỜI_DÙNG (người thực hiện)', en: 'needs --as USER (who is acting)' };
const KIND: Text = { vi: 'cần --kind month|quarter|half|year', en: 'needs --kind month|quarter|half|year' };

/** Runs one command on the office's database; a domain error is one line, exit 1. */
async function withRewards(io: CliIo, lang: Lang, values: Values, what: string, work: (r: Rewards, office: Office) => Promise<string | Buffer>): Promise<number> {
  try {
    const office = await openOffice(await controllerConfig(values));
    try {
      const rewards = new Rewards({ db: office.db });
      await rewards.start();
      const out = await work(rewards, office);
      io.stdout.write(typeof out === 'string' ? (out === '' ? '' : out + '\n') : out);
      return 0;
    } finally {
      await office.close();
    }
  } catch (err) {
    return reportError(io, lang, what, err);
  }
}

/** The list as a person reads it: each proposed name with its figures and reasons, then the removed ones. */
export function listText(p: RewardProposal, lang: Lang): string {
  const vi = lang === 'vi';
  const kind = (k: 'team' | 'member'): string => (k === 'team' ? (vi ? 'Tập thể' : 'Team') : vi ? 'Cá nhân' : 'Member');
  const lines = [vi ? `Đề nghị khen thưởng kỳ ${p.period}:` : `Proposed rewards, ${p.period}:`];
  const shown = p.candidates.filter((c) => c.removed === null);
  if (shown.length === 0) lines.push(vi ? '  Không có tập thể, cá nhân nào đạt tiêu chí.' : '  No team or member meets the criteria.');
  shown.forEach((c, i) => {
    lines.push(`${i + 1}. ${kind(c.kind)}: ${c.name} (${c.teamName}, ${c.communeName})`, `   ${figuresText(c, lang)}`);
    for (const r of c.reasons) lines.push(`   - ${r[lang]}`);
    if (c.added !== null) lines.push(`   ${boardNote(c, lang)}`);
  });
  const removed = p.candidates.filter((c) => c.removed !== null);
  if (removed.length > 0) lines.push(vi ? 'Ban điều hành không đề nghị:' : 'Removed by the board:');
  for (const c of removed) lines.push(`- ${kind(c.kind)}: ${c.name} (${c.teamName}) — ${boardNote(c, lang)}`);
  return lines.join('\n');
}

/** The criteria of `criteria set`: the ones in force, changed by the options given. */
function changedCriteria(c: RewardCriteria, values: Values): RewardCriteria {
  const out = { ...c };
  const set = (key: keyof RewardCriteria, v: string | undefined): void => {
    if (v !== undefined) (out as Record<string, unknown>)[key] = Number(v);
  };
  set('minHours', values['min-hours']);
  set('minActiveRatio', values['min-active-ratio']);
  set('minCommunesReached', values['min-communes']);
  set('minActivities', values['min-activities']);
  set('topRanks', values.top);
  set('minMemberActivities', values['min-member-activities']);
  if (values['no-faults']) out.noFaults = true;
  if (values['faults-ok']) out.noFaults = false;
  const keyOf = { 'min-hours': 'minHours', 'min-active-ratio': 'minActiveRatio', 'min-communes': 'minCommunesReached', 'min-activities': 'minActivities', top: 'topRanks' } as const;
  for (const name of values.clear ?? []) out[keyOf[name as (typeof CLEARABLE)[number]]] = null;
  return out;
}

async function outFolderProblem(out: string, lang: Lang): Promise<string | undefined> {
  const folder = dirname(out);
  if (await stat(folder).then((s) => s.isDirectory(), () => false)) return undefined;
  return pick(lang, { vi: `--out ${out}: không có thư mục ${folder} (tạo nó trước, hoặc chọn nơi khác)`, en: `--out ${out}: there is no folder ${folder} (make it first, or choose another place)` });
}

export async function runReward(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, values, help } = parseCommand(rewardSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const what = `reward ${command.name}`;
  switch (command.name) {
    case 'list': {
      const period = periodOf(lang, values);
      return withRewards(io, lang, values, what, async (r) => {
        const p = await r.propose(period.id);
        return values.json ? JSON.stringify(p, null, 2) : listText(p, lang);
      });
    }
    case 'criteria show': {
      const kind = need(lang, values.kind, KIND) as PeriodKind;
      return withRewards(io, lang, values, what, async (r) => {
        const c = await r.criteria(kind);
        if (values.json) return JSON.stringify(c, null, 2);
        const by = c.setBy === null ? pick(lang, { vi: '(mặc định)', en: '(the defaults)' }) : `(${c.setBy}, ${vnDate(c.setAt!)})`;
        return [`${pick(lang, KIND_WORDS[kind])} ${by}:`, ...criteriaLines(c.criteria, lang).map((l) => `- ${l}`)].join('\n');
      });
    }
    case 'criteria set': {
      const kind = need(lang, values.kind, KIND) as PeriodKind;
      const as = need(lang, values.as, AS);
      if (values['no-faults'] && values['faults-ok']) {
        throw new UsageError(pick(lang, { vi: 'chỉ dùng một trong --no-faults và --faults-ok', en: 'give only one of --no-faults and --faults-ok' }));
      }
      return withRewards(io, lang, values, what, async (r, office) => {
        const actor = await office.users.get(as);
        const criteria = changedCriteria((await r.criteria(kind)).criteria, values);
        await r.setCriteria(actor, kind, criteria);
        return [pick(lang, { vi: `Đã đặt tiêu chí khen thưởng cho ${KIND_WORDS[kind].vi}:`, en: `Set the reward criteria of ${KIND_WORDS[kind].en}:` }), ...criteriaLines(criteria, lang).map((l) => `- ${l}`)].join('\n');
      });
    }
    case 'add':
    case 'remove': {
      const period = periodOf(lang, values);
      if ((values.team === undefined) === (values.member === undefined)) {
        throw new UsageError(pick(lang, { vi: 'cần đúng một trong hai: --team MÃ_TỔ hoặc --member SỐ', en: 'give exactly one of --team TEAM or --member ID' }));
      }
      const reason = need(lang, values.reason, { vi: 'cần --reason "lý do"', en: 'needs --reason "why"' });
      const as = need(lang, values.as, AS);
      const subject = values.team !== undefined ? { kind: 'team' as const, id: values.team } : { kind: 'member' as const, id: values.member! };
      return withRewards(io, lang, values, what, async (r, office) => {
        const p = await r.adjust(await office.users.get(as), period.id, { ...subject, action: command.name === 'add' ? 'add' : 'remove', reason });
        return listText(p, lang);
      });
    }
    case 'export': {
      const period = periodOf(lang, values);
      const format = need(lang, values.format, { vi: '--format: cần csv hoặc docx', en: '--format: needs csv or docx' });
      const out = need(lang, values.out, { vi: '--out: cần tên tệp để ghi', en: '--out: needs the file to write' });
      const problem = await outFolderProblem(out, lang);
      if (problem !== undefined) throw new UsageError(problem);
      return withRewards(io, lang, values, what, async (r, office) => {
        const p = await r.propose(period.id);
        const bytes = format === 'csv' ? Buffer.from(renderRewardsCsv(p, lang), 'utf8') : await renderRewardsDocx(p, { lang, heading: reportHeading(office.config) });
        await writeFile(out, bytes);
        return pick(lang, { vi: `Đã ghi danh sách đề nghị khen thưởng kỳ ${p.period} vào ${out}.`, en: `Wrote the ${p.period} reward proposals to ${out}.` });
      });
    }
  }
  return 2;
}
