/**
 * `loa review …`: the board's review of a period (controller/board/reviews.ts) from the office machine, on the
 * controller's database opened directly. The acting user is named with `--as USER` (an approver or admin).
 *
 *   loa review open --period P [--commune C] --as U           create it with the controller's draft (or show it)
 *   loa review show --period P [--commune C] [--json]
 *   loa review edit --period P [--commune C] --section S --file TEXT.txt --as U   a new version of one section
 *   loa review finalise --period P [--commune C] --as U       sign it: figures and text frozen
 *   loa review export --period P [--commune C] --format docx|html --out FILE
 */
import { readFile, writeFile } from 'node:fs/promises';
import { openOffice, type Office } from '../controller/app/office.js';
import { renderReviewDocx, renderReviewHtml } from '../controller/board/render-review.js';
import { Reviews } from '../controller/board/reviews.js';
import { REVIEW_SECTIONS, type ReviewRecord, type ReviewSection } from '../controller/board/types.js';
import { InvalidPeriodError, parsePeriod, reportHeading } from '../controller/reports/index.js';
import { formatNumber } from '../controller/reports/text.js';
import type { Actor } from '../controller/users/roles.js';
import { controllerConfig, reportError } from './controller.js';
import { pick, type Lang, type Text } from './i18n.js';
import { choiceOf, parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa review open --period KỲ [--commune MÃ_XÃ] --as NGƯỜI_DUYỆT [--data THƯ_MỤC] [--config TỆP]
                                                 mở báo cáo của kỳ (lần đầu: bản nháp do máy soạn từ số liệu)
  loa review show --period KỲ [--commune MÃ_XÃ] [--json] [--data THƯ_MỤC] [--config TỆP]
                                                 xem báo cáo: số liệu và nội dung
  loa review edit --period KỲ [--commune MÃ_XÃ] --section MỤC --file TỆP.txt --as NGƯỜI_DUYỆT [--data THƯ_MỤC] [--config TỆP]
                                                 lưu phiên bản mới của một mục (${REVIEW_SECTIONS.join(', ')})
  loa review finalise --period KỲ [--commune MÃ_XÃ] --as NGƯỜI_DUYỆT [--data THƯ_MỤC] [--config TỆP]
                                                 ký ban hành: số liệu và nội dung không đổi nữa
  loa review export --period KỲ [--commune MÃ_XÃ] --format docx|html --out TỆP [--data THƯ_MỤC] [--config TỆP]
                                                 xuất văn bản Word hoặc trang in A4
      KỲ: 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 (6 tháng), 2026 (năm).`,
  en: `Usage:
  loa review open --period P [--commune ID] --as APPROVER [--data DIR] [--config FILE]
                                                 open the period's review (first time: the controller's draft from the figures)
  loa review show --period P [--commune ID] [--json] [--data DIR] [--config FILE]
                                                 show the review: figures and text
  loa review edit --period P [--commune ID] --section S --file TEXT.txt --as APPROVER [--data DIR] [--config FILE]
                                                 save a new version of one section (${REVIEW_SECTIONS.join(', ')})
  loa review finalise --period P [--commune ID] --as APPROVER [--data DIR] [--config FILE]
                                                 sign it: figures and text never change again
  loa review export --period P [--commune ID] --format docx|html --out FILE [--data DIR] [--config FILE]
                                                 write the Word document or the printable A4 page
      P: 2026-11 (month), 2026-Q4 (quarter), 2026-H2 (half-year), 2026 (year).`,
};

const FORMATS = ['docx', 'html'] as const;

const OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
  as: { type: 'string' },
  period: { type: 'string' },
  commune: { type: 'string' },
  section: { type: 'string', choices: REVIEW_SECTIONS },
  file: { type: 'string' },
  format: { type: 'string', choices: FORMATS },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const SCOPE = ['config', 'data', 'period', 'commune'] as const;

export const reviewSpec = {
  name: 'review',
  help: HELP,
  options: OPTIONS,
  commands: [
    { name: 'open', options: [...SCOPE, 'as'], args: 0 },
    { name: 'show', options: [...SCOPE, 'json'], args: 0 },
    { name: 'edit', options: [...SCOPE, 'section', 'file', 'as'], args: 0 },
    { name: 'finalise', options: [...SCOPE, 'as'], args: 0 },
    { name: 'export', options: [...SCOPE, 'format', 'out'], args: 0 },
  ],
} as const satisfies GroupSpec;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

function need(lang: Lang, value: string | undefined, what: Text): string {
  if (value === undefined || value === '') throw new UsageError(pick(lang, what));
  return value;
}

const AS: Text = { vi: 'cần --as TÊN_NGƯỜI_DÙNG (người duyệt thực hiện)', en: 'needs --as USER (the approver acting)' };

/** The period's id, or the usage error that repeats it. */
function periodOf(lang: Lang, values: Values): string {
  const text = need(lang, values.period, { vi: 'cần --period (ví dụ 2026-11)', en: 'needs --period (e.g. 2026-11)' });
  try {
    return parsePeriod(text, lang).id;
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw new UsageError(err.message);
    throw err;
  }
}

interface Work {
  office: Office;
  reviews: Reviews;
  actor(): Promise<Actor>;
}

/** Runs one review command on the configured data folder; a board error is one line, exit code 1. */
async function withReviews(io: CliIo, lang: Lang, values: Values, what: string, work: (w: Work) => Promise<string | Buffer>): Promise<number> {
  try {
    const config = await controllerConfig(values);
    const office = await openOffice(config);
    try {
      const reviews = new Reviews({ db: office.db });
      await reviews.start();
      const actor = async (): Promise<Actor> => {
        const user = await office.users.get(values.as!);
        return { name: user.name, role: user.role };
      };
      const out = await work({ office, reviews, actor });
      io.stdout.write(typeof out === 'string' ? out + '\n' : out);
      return 0;
    } finally {
      await office.close();
    }
  } catch (err) {
    return reportError(io, lang, what, err);
  }
}

/** A short text of a review: its state, the main figures and the sections. */
function describe(r: ReviewRecord, lang: Lang): string {
  const vi = lang === 'vi';
  const t = r.data.totals;
  const scope = r.data.communeName ?? (vi ? 'toàn địa bàn' : 'the whole area');
  const state = r.status === 'final' ? (vi ? `đã ký ban hành (${r.finalisedBy})` : `final (signed by ${r.finalisedBy})`) : vi ? 'dự thảo' : 'draft';
  const lines = [
    `${vi ? 'Báo cáo' : 'Review'} ${r.period} — ${scope}: ${state}, ${vi ? 'phiên bản' : 'version'} ${r.version}`,
    vi
      ? `Giờ phát thanh ${formatNumber(t.broadcastHours.value, lang, 1)}; lượt phát ${formatNumber(t.plays.value, lang)}; hoạt động ${formatNumber(t.activities.value, lang)}; lượt người ${formatNumber(t.peopleReached.value, lang)}; số liệu muộn của kỳ trước: ${r.data.lateNotes.length}`
      : `Broadcast hours ${formatNumber(t.broadcastHours.value, lang, 1)}; plays ${formatNumber(t.plays.value, lang)}; activities ${formatNumber(t.activities.value, lang)}; people reached ${formatNumber(t.peopleReached.value, lang)}; late notes: ${r.data.lateNotes.length}`,
  ];
  for (const s of REVIEW_SECTIONS) lines.push('', `[${s}]`, r.sections[s]);
  return lines.join('\n');
}

export async function runReview(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, values, help } = parseCommand(reviewSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const what = `review ${command.name}`;
  const period = periodOf(lang, values);
  const commune = values.commune ?? null;
  switch (command.name) {
    case 'open': {
      need(lang, values.as, AS);
      return withReviews(io, lang, values, what, async ({ reviews, actor }) => describe(await reviews.open(await actor(), period, commune, lang), lang));
    }
    case 'show':
      return withReviews(io, lang, values, what, async ({ reviews }) => {
        const r = await reviews.find(period, commune);
        return values.json ? JSON.stringify(r, null, 2) : describe(r, lang);
      });
    case 'edit': {
      need(lang, values.as, AS);
      const section = need(lang, values.section, { vi: `cần --section (một trong: ${REVIEW_SECTIONS.join(', ')})`, en: `needs --section (one of: ${REVIEW_SECTIONS.join(', ')})` }) as ReviewSection;
      const file = need(lang, values.file, { vi: 'cần --file TỆP.txt (nội dung mới của mục)', en: 'needs --file TEXT.txt (the new text of the section)' });
      let content: string;
      try {
        content = await readFile(file, 'utf8');
      } catch (err) {
        io.stderr.write(pick(lang, { vi: `loa ${what}: không đọc được ${file} (${(err as NodeJS.ErrnoException).code ?? ''})`, en: `loa ${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? ''})` }) + '\n');
        return 1;
      }
      return withReviews(io, lang, values, what, async ({ reviews, actor }) => {
        const r = await reviews.find(period, commune);
        return describe(await reviews.save(await actor(), r.id, { [section]: content.replace(/\s+$/, '') }, r.version), lang);
      });
    }
    case 'finalise': {
      need(lang, values.as, AS);
      return withReviews(io, lang, values, what, async ({ reviews, actor }) => {
        const r = await reviews.find(period, commune);
        return describe(await reviews.finalise(await actor(), r.id), lang);
      });
    }
    case 'export': {
      const format = choiceOf(lang, '--format', need(lang, values.format, { vi: 'cần --format docx|html', en: 'needs --format docx|html' }), FORMATS);
      const out = need(lang, values.out, { vi: `cần --out TỆP (ví dụ bao-cao-${period}.${format})`, en: `needs --out FILE (e.g. review-${period}.${format})` });
      return withReviews(io, lang, values, what, async ({ office, reviews }) => {
        const r = await reviews.find(period, commune);
        const heading = reportHeading(office.config);
        const bytes = format === 'docx' ? await renderReviewDocx(r, { lang, heading }) : Buffer.from(renderReviewHtml(r, { lang, heading }));
        await writeFile(out, bytes);
        return pick(lang, { vi: `Đã ghi báo cáo ${period} vào ${out}.`, en: `Wrote the ${period} review to ${out}.` });
      });
    }
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}" (xem loa review --help)`, en: `no command "${command.name}" (see loa review --help)` }));
  }
}
