// A review's documents: the DOCX (unzipped) and the HTML page hold the narrative as saved, the figures beside the
// previous period and last year, the communes, the late notes; a draft says so; the same review gives the same bytes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderReviewDocx, renderReviewHtml, reviewSubject } from '../../../controller/board/render-review.js';
import { Reviews } from '../../../controller/board/reviews.js';
import type { ReviewRecord } from '../../../controller/board/types.js';
import { legacyHeading } from '../../../controller/reports/heading.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import { formatNumber } from '../../../controller/reports/text.js';
import { zipText } from '../../support/zip.js';
import { tempDb, type TempDb } from '../reports/fixture.js';
import { addPlay, DEC5, fillReviewFixture, vn } from './review-fixture.js';

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
/** The text of every run of the document, paragraph by paragraph (a line each). */
const docText = (docx: Buffer): string =>
  [...zipText(docx, 'word/document.xml').matchAll(/<w:p(?:\s[^>]*)?>.*?<\/w:p>/gs)]
    .map((p) => [...p[0].matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => unescape(m[1]!)).join(''))
    .join('\n');
const htmlText = (html: string): string => unescape(html.replace(/<[^>]+>/g, '\n'));

const heading = legacyHeading('Triệu Sơn');
let t: TempDb;
let now: number;
let reviews: Reviews;
beforeEach(async () => {
  t = await tempDb();
  await fillReviewFixture(t.db);
  now = DEC5;
  reviews = new Reviews({ db: t.db, clock: () => now });
  await reviews.start();
});
afterEach(() => t.dispose());

/** The saved text and the figures every document of `r` must hold. */
function mustHold(r: ReviewRecord): string[] {
  const f = r.data.totals;
  return [
    'Dùng thử <b>không</b> phải HTML & "ký tự" đặc biệt',
    r.sections.situation.split('\n\n')[0]!,
    'I. TÌNH HÌNH', 'II. KẾT QUẢ THỰC HIỆN', 'III. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN', 'VI. ĐỀ XUẤT, KIẾN NGHỊ',
    'Giờ phát thanh', formatNumber(f.broadcastHours.value, 'vi', 1), formatNumber(f.plays.value, 'vi'),
    `+${formatNumber(f.plays.percentPrevious!, 'vi', 1)}`, // plays up on October
    'Số tin báo cho cơ quan Công an', 'Xã Dân Lực', 'Xã Xa Xôi', 'Tháng 10 năm 2026', 'Tháng 11 năm 2025',
  ];
}

describe('the documents of a review', () => {
  it('hold the narrative and the figures, say DỰ THẢO on a draft, and give the same bytes again', async () => {
    const opened = await reviews.open({ name: 'bdh', role: 'approver' }, '2026-11', null);
    const r = await reviews.save({ name: 'bdh', role: 'approver' }, opened.id, { lessons: 'Dùng thử <b>không</b> phải HTML & "ký tự" đặc biệt' }, 1);
    const docx = await renderReviewDocx(r, { lang: 'vi', heading });
    const text = docText(docx);
    for (const s of mustHold(r)) expect(text).toContain(s);
    expect(text).toContain('DỰ THẢO (phiên bản 2)');
    expect(text).toContain('Kết quả thực hiện mô hình “Loa thanh niên – Vì an ninh Tổ quốc”\ntháng 11/2026');
    const html = renderReviewHtml(r, { lang: 'vi', heading });
    expect(html).not.toContain('<b>không</b>'); // escaped
    for (const s of mustHold(r)) expect(htmlText(html)).toContain(s);
    expect(html).toContain('DỰ THẢO');
    expect((await renderReviewDocx(r, { lang: 'vi', heading })).equals(docx)).toBe(true);
    expect(renderReviewHtml(r, { lang: 'vi', heading })).toBe(html);
    const en = docText(await renderReviewDocx(r, { lang: 'en', heading }));
    expect(en).toContain('DRAFT (version 2)');
    expect(en).toContain('Broadcast hours');
  });

  it('list the late notes of a final review, without DỰ THẢO', async () => {
    const approver = { name: 'bdh', role: 'approver' } as const;
    await reviews.finalise(approver, (await reviews.open(approver, '2026-11', null)).id);
    await addPlay(t.db, 'c1', vn(2026, 11, 28, 8), 900);
    now = vn(2027, 1, 3, 9);
    const dec = await reviews.finalise(approver, (await reviews.open(approver, '2026-12', null)).id);
    const text = docText(await renderReviewDocx(dec, { lang: 'vi', heading }));
    expect(text).not.toContain('DỰ THẢO');
    expect(text).toContain('Số liệu đến muộn của các kỳ đã ký');
    expect(text).toMatch(/Tháng 11 năm 2026\n05\/12\/2026\n\+1\n\+0,3\n0\n0/);
    expect(htmlText(renderReviewHtml(dec, { lang: 'vi', heading }))).toMatch(/Tháng 11 năm 2026\n+05\/12\/2026\n+\+1\n+\+0,3/);
  });

  it('names the period as each kind of review does', () => {
    const s = (id: string): string => reviewSubject(parsePeriod(id), 'vi').join(' ');
    expect(s('2026-11')).toBe('Kết quả thực hiện mô hình “Loa thanh niên – Vì an ninh Tổ quốc” tháng 11/2026');
    expect(s('2026-Q4')).toBe('Kết quả thực hiện mô hình “Loa thanh niên – Vì an ninh Tổ quốc” quý IV năm 2026');
    expect(s('2026-H1')).toBe('Sơ kết 6 tháng đầu năm 2026 thực hiện mô hình “Loa thanh niên – Vì an ninh Tổ quốc”');
    expect(s('2026-H2')).toBe('Sơ kết 6 tháng cuối năm 2026 thực hiện mô hình “Loa thanh niên – Vì an ninh Tổ quốc”');
    expect(s('2026')).toBe('Tổng kết năm 2026 thực hiện mô hình “Loa thanh niên – Vì an ninh Tổ quốc”');
  });
});
