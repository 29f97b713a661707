/**
 * A period's reward proposals as the internal-affairs office (Văn phòng, bộ phận thi đua – khen thưởng) takes them:
 * a CSV for Excel (UTF-8 with a byte-order mark, like reports/render-csv.ts) and a Word document in the
 * administrative layout of the reports (reports/render-docx.ts `packReport`): the criteria used, the proposed teams
 * and members with their figures and reasons, and apart from them the names the board removed, with its reason.
 * The same proposal and options always give the same bytes.
 */
import type { Paragraph, Table } from 'docx';
import { headingWords, type ReportHeading } from '../reports/heading.js';
import { parsePeriod, vnDate, type Lang } from '../reports/period.js';
import { BOM, csvLine } from '../reports/render-csv.js';
import { grid, heading, MODEL_WORDS, packReport, subjectPeriod, text, TEXT_WIDTH } from '../reports/render-docx.js';
import { num } from './rewards.js';
import type { RewardCandidate, RewardCriteria, RewardProposal } from './types.js';

type Words = { vi: string; en: string };
const say = (w: Words, lang: Lang): string => w[lang];

const KIND: Record<RewardCandidate['kind'], Words> = { team: { vi: 'Tập thể', en: 'Team' }, member: { vi: 'Cá nhân', en: 'Member' } };

/** The figures behind a name in one cell: a team's cart and activity figures, a member's attendance. */
export function figuresText(c: RewardCandidate, lang: Lang): string {
  const f = c.figures;
  const vi = lang === 'vi';
  if (c.kind === 'member') {
    return vi ? `Có mặt ${f.activities} hoạt động, ${num(f.peopleReached, lang)} lượt người được tuyên truyền` : `Present at ${f.activities} activities, ${num(f.peopleReached, lang)} people reached`;
  }
  const rank = f.rank === null ? '—' : String(f.rank);
  return vi
    ? `Hạng ${rank}, điểm ${num(f.score, lang)}; ${num(f.broadcastHours, lang)} giờ phát; ${f.activeDays}/${f.daysElapsed} ngày hoạt động; đến ${f.communesReached} xã; ${f.faults} lỗi xe; ${f.activities} hoạt động, ${num(f.peopleReached, lang)} lượt người`
    : `Rank ${rank}, score ${num(f.score, lang)}; ${num(f.broadcastHours, lang)} broadcast hours; active ${f.activeDays}/${f.daysElapsed} days; ${f.communesReached} communes; ${f.faults} cart faults; ${f.activities} activities, ${num(f.peopleReached, lang)} people`;
}

/** The board's note on a name: its addition or its removal, who and when, and the reason. */
export function boardNote(c: RewardCandidate, lang: Lang): string {
  const vi = lang === 'vi';
  const n = c.removed ?? c.added;
  if (n === null) return '';
  const what = c.removed !== null ? (vi ? 'Ban điều hành không đề nghị' : 'Removed by the board') : vi ? 'Ban điều hành bổ sung' : 'Added by the board';
  return `${what} (${n.by}, ${vnDate(n.at)}): ${n.reason}`;
}

const reasonsText = (c: RewardCandidate, lang: Lang): string => c.reasons.map((r) => say(r, lang)).join('; ');
const proposed = (p: RewardProposal): RewardCandidate[] => p.candidates.filter((c) => c.removed === null);
const removed = (p: RewardProposal): RewardCandidate[] => p.candidates.filter((c) => c.removed !== null);

const CSV_HEAD: Record<Lang, string[]> = {
  vi: ['STT', 'Loại', 'Tên', 'Tổ', 'Xã', 'Số liệu', 'Lý do', 'Ghi chú của Ban điều hành'],
  en: ['No.', 'Kind', 'Name', 'Team', 'Commune', 'Figures', 'Reasons', "Board's note"],
};

/** The CSV text, BOM first: the proposed names numbered, then the removed ones without a number. */
export function renderRewardsCsv(p: RewardProposal, lang: Lang): string {
  const row = (c: RewardCandidate, no: number | null): string =>
    csvLine([no, say(KIND[c.kind], lang), c.name, c.teamName, c.communeName, figuresText(c, lang), reasonsText(c, lang), boardNote(c, lang)]);
  return BOM + csvLine(CSV_HEAD[lang]) + proposed(p).map((c, i) => row(c, i + 1)).join('') + removed(p).map((c) => row(c, null)).join('');
}

/** The criteria in force, a line each. */
export function criteriaLines(c: RewardCriteria, lang: Lang): string[] {
  const vi = lang === 'vi';
  const lines: string[] = [];
  if (c.minHours !== null) lines.push(vi ? `Số giờ phát thanh của các xe loa của tổ trong kỳ từ ${num(c.minHours, lang)} giờ trở lên` : `The team's carts broadcast at least ${num(c.minHours, lang)} hours in the period`);
  if (c.minActiveRatio !== null) lines.push(vi ? `Số ngày hoạt động từ ${Math.round(c.minActiveRatio * 100)} % số ngày của kỳ trở lên` : `Active on at least ${Math.round(c.minActiveRatio * 100)} % of the days of the period`);
  if (c.minCommunesReached !== null) lines.push(vi ? `Xe loa của tổ đến từ ${c.minCommunesReached} xã trở lên` : `The team's carts reached at least ${c.minCommunesReached} communes`);
  if (c.minActivities !== null) lines.push(vi ? `Có từ ${c.minActivities} hoạt động tuyên truyền, sinh hoạt đã được xác nhận trở lên` : `At least ${c.minActivities} confirmed activities`);
  if (c.noFaults) lines.push(vi ? 'Không có lỗi xe loa trong kỳ' : 'No cart fault in the period');
  if (c.topRanks !== null) lines.push(vi ? `Nằm trong ${c.topRanks} hạng đầu của bảng xếp hạng thi đua` : `Among the first ${c.topRanks} of the thi đua ranking`);
  lines.push(vi ? `Cá nhân: thành viên của tổ được đề nghị, có mặt ở từ ${c.minMemberActivities} hoạt động đã xác nhận trở lên` : `Members: of a proposed team, present at ${c.minMemberActivities} or more confirmed activities`);
  return lines;
}

const WIDTHS = [600, 2200, 1900, 2300, TEXT_WIDTH - 600 - 2200 - 1900 - 2300];

function proposedTable(list: RewardCandidate[], lang: Lang): Table {
  const vi = lang === 'vi';
  const rows = [[vi ? 'STT' : 'No.', vi ? 'Tập thể, cá nhân' : 'Team or member', vi ? 'Tổ, xã' : 'Team, commune', vi ? 'Thành tích (số liệu)' : 'Figures', vi ? 'Lý do đề nghị' : 'Reasons']];
  list.forEach((c, i) => {
    const reasons = [reasonsText(c, lang), boardNote(c, lang)].filter((x) => x !== '').join('; ');
    rows.push([`${i + 1}`, `${say(KIND[c.kind], lang)}: ${c.name}`, `${c.teamName}, ${c.communeName}`, figuresText(c, lang), reasons]);
  });
  return grid(rows, WIDTHS, (col) => col === 0);
}

function removedTable(list: RewardCandidate[], lang: Lang): Table {
  const vi = lang === 'vi';
  const rows = [[vi ? 'STT' : 'No.', vi ? 'Tập thể, cá nhân' : 'Team or member', vi ? 'Tổ, xã' : 'Team, commune', vi ? 'Thành tích (số liệu)' : 'Figures', vi ? 'Lý do của Ban điều hành' : "The board's reason"]];
  list.forEach((c, i) => rows.push([`${i + 1}`, `${say(KIND[c.kind], lang)}: ${c.name}`, `${c.teamName}, ${c.communeName}`, figuresText(c, lang), boardNote(c, lang)]));
  return grid(rows, WIDTHS, (col) => col === 0);
}

function body(p: RewardProposal, lang: Lang, office: string): (Paragraph | Table)[] {
  const vi = lang === 'vi';
  const period = subjectPeriod(parsePeriod(p.period), lang);
  const out: (Paragraph | Table)[] = [heading(vi ? 'I. CĂN CỨ VÀ TIÊU CHÍ XÉT ĐỀ NGHỊ' : 'I. BASIS AND CRITERIA')];
  out.push(text(vi
    ? `Căn cứ kết quả hoạt động ${period} (số liệu của các xe loa, nhật ký hoạt động đã được xác nhận) và bảng xếp hạng thi đua các tổ, Ban điều hành xét đề nghị khen thưởng theo các tiêu chí sau (tổ phải đạt tất cả):`
    : `From the results of ${period} (the carts' figures, the confirmed activity log) and the thi đua ranking of the teams, the board proposes rewards by these criteria (a team must meet them all):`));
  for (const line of criteriaLines(p.criteria, lang)) out.push(text(`- ${line}.`));

  const list = proposed(p);
  out.push(heading(vi ? 'II. DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG' : 'II. PROPOSED FOR A REWARD'));
  const teams = list.filter((c) => c.kind === 'team').length;
  out.push(text(vi ? `Gồm ${teams} tập thể và ${list.length - teams} cá nhân.` : `${teams} teams and ${list.length - teams} members.`));
  if (list.length > 0) out.push(proposedTable(list, lang));

  const gone = removed(p);
  if (gone.length > 0) {
    out.push(heading(vi ? 'III. CÁC TRƯỜNG HỢP BAN ĐIỀU HÀNH KHÔNG ĐỀ NGHỊ' : 'III. REMOVED BY THE BOARD'));
    out.push(removedTable(gone, lang));
  }
  out.push(text(vi
    ? `Ban điều hành kính đề nghị ${office} xem xét, trình cấp có thẩm quyền khen thưởng các tập thể, cá nhân nêu trên./.`
    : `The board asks ${office} to consider the teams and members above and to submit them for a reward.`));
  return out;
}

const OFFICE: Words = { vi: 'Văn phòng (bộ phận Thi đua – Khen thưởng)', en: 'the Office (emulation and rewards section)' };

/** The DOCX bytes of the proposals, addressed to the internal-affairs office; the same input gives the same bytes. */
export async function renderRewardsDocx(p: RewardProposal, o: { lang: Lang; heading: ReportHeading; issuedAt?: number }): Promise<Buffer> {
  const { lang } = o;
  const period = subjectPeriod(parsePeriod(p.period), lang);
  const subject = lang === 'vi'
    ? ['Danh sách đề nghị khen thưởng tập thể, cá nhân', `có thành tích trong thực hiện ${MODEL_WORDS.vi}`, period]
    : ['Teams and members proposed for a reward', `for their work in ${MODEL_WORDS.en}`, period];
  const words = { ...headingWords(o.heading, lang), addressees: [say(OFFICE, lang)] };
  return packReport({
    form: 'submission',
    lang,
    words,
    issuedAt: o.issuedAt ?? p.computedAt,
    title: subject.join(' '),
    subject,
    body: body(p, lang, say(OFFICE, lang)),
  });
}
