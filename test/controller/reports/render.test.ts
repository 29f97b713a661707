import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeReport } from '../../../controller/reports/compute.js';
import { legacyHeading } from '../../../controller/reports/heading.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import type { Report } from '../../../controller/reports/report.js';
import { BOM, csvField, renderCsv } from '../../../controller/reports/render-csv.js';
import { escapeHtml, renderHtml } from '../../../controller/reports/render-html.js';
import { renderJson } from '../../../controller/reports/render-json.js';
import { formatNumber } from '../../../controller/reports/text.js';
import { fillFixture, HOSTILE, nov, tempDb, type TempDb } from './fixture.js';
import { PROVINCE_HEADING } from './province-heading.js';

let t: TempDb;
let report: Report;
beforeAll(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  report = await computeReport(t.db, { period: parsePeriod('2026-11'), now: nov(30) + 3 * 86_400 });
});
afterAll(() => t.dispose());

/** A strict RFC 4180 reader, to read back what the writer wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else if (c === '\n') throw new Error(`bare LF at ${i}`);
    else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('the last line has no CRLF');
  return rows;
}

describe('numbers the Vietnamese way', () => {
  it('groups with dots and decimals with a comma', () => {
    expect(formatNumber(1234.5, 'vi', 1)).toBe('1.234,5');
    expect(formatNumber(1234567, 'vi')).toBe('1.234.567');
    expect(formatNumber(1234.5, 'en', 1)).toBe('1,234.5');
    expect(formatNumber(0.04, 'vi', 1)).toBe('0,0');
    expect(formatNumber(-1234.56, 'vi', 2)).toBe('-1.234,56');
  });
});

describe('renderCsv', () => {
  it('starts with a BOM, ends lines with CRLF, and round-trips diacritics and hostile text', () => {
    const csv = renderCsv(report, 'vi');
    expect(csv.startsWith(BOM)).toBe(true);
    const bytes = Buffer.from(csv, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    expect(rows[0]!.slice(0, 7)).toEqual(['Kỳ báo cáo', 'Mã xã', 'Xã', 'Tổ', 'Xe', 'Số hiệu xe', 'Giờ phát thanh']);
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    const b1 = rows.find((r) => r[4] === 'b1')!;
    expect(b1.slice(0, 6)).toEqual(['Tháng 11 năm 2026', 'dan-ly', 'Xã Dân Lý', HOSTILE, 'b1', '3']);
    expect(b1[rows[0]!.indexOf('Lỗi theo mã')]).toBe('audio: 2; gnss: 1');
    const a1 = rows.find((r) => r[4] === 'a1')!;
    expect(a1[rows[0]!.indexOf('Số lượt phát')]).toBe('5');
    expect(a1[rows[0]!.indexOf('Pin trung vị (%)')]).toBe('31');
    expect(rows.at(-1)!.slice(2, 3)).toEqual(['Tổng cộng']);
    expect(rows.at(-1)![rows[0]!.indexOf('Giờ phát thanh')]).toBe('0.2'); // 720 s
    expect(renderCsv(report, 'en').split('\r\n')[0]).toContain('Broadcast hours');
  });

  it('quotes per RFC 4180 and defuses formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('Xã Dân Lực')).toBe('Xã Dân Lực');
    expect(csvField(1.5)).toBe('1.5');
    expect(csvField(null)).toBe('');
  });
});

describe('renderHtml', () => {
  const html = () => renderHtml(report, { heading: legacyHeading('Hậu Lộc'), issuedAt: nov(30, 9) + 5 * 86_400 });

  it('has the headings of an official report, the period, a table per commune, the ranking and the notes', () => {
    const h = html();
    expect(h).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(h).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(h).toContain('BAN ĐIỀU HÀNH MÔ HÌNH<br>LOA THANH NIÊN VÌ AN NINH TỔ QUỐC<br><b>HUYỆN HẬU LỘC</b>');
    expect(h).toContain('BÁO CÁO KẾT QUẢ HOẠT ĐỘNG');
    expect(h).toContain('Tháng 11 năm 2026');
    expect(h).toContain('Hậu Lộc, ngày 05 tháng 12 năm 2026');
    for (const name of ['Xã Dân Lực', 'Xã Dân Lý', 'Xã Xa Xôi']) expect(h).toContain(`. ${name}</h3>`);
    expect(h).toContain('XẾP HẠNG THI ĐUA');
    expect(h).toContain('GHI CHÚ');
    expect(h).toContain('@media print');
    expect(h).toContain('size: A4');
    expect(h).toContain('<td class="n">0,4*</td>'); // commune A: 1602,5 s of amplifier, partly estimated
    expect(h).toContain('khu vực');
  });

  it('escapes a hostile clip id and team name everywhere', () => {
    const h = html();
    expect(h).not.toContain('<script>');
    expect(h).toContain(escapeHtml(HOSTILE));
    expect(escapeHtml(HOSTILE)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;, ok');
  });

  it('is available in English', () => {
    const h = renderHtml(report, { heading: legacyHeading('Hậu Lộc'), lang: 'en' });
    expect(h).toContain('TEAM RANKING');
    expect(h).toContain('November 2026');
  });

  it('carries a province\'s heading: its bodies, the board, "Kính gửi", "Toàn tỉnh", the recipients and the signer', () => {
    const h = renderHtml(report, { heading: PROVINCE_HEADING, issuedAt: nov(30, 9) + 5 * 86_400 });
    expect(h).toContain('<td class="body">CÔNG AN TỈNH THANH HÓA<br>ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA<br><b>BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”</b></td>');
    expect(h).toContain('Thanh Hóa, ngày 05 tháng 12 năm 2026');
    expect(h).toContain('Kính gửi: Công an tỉnh Thanh Hóa (PV05); Tỉnh đoàn Thanh Hóa.');
    expect(h).toContain('<th>Toàn tỉnh</th>');
    expect(h).toContain('<br>- Như trên;<br>- Lưu: VT.</td>');
    expect(h).toContain('TM. BAN ĐIỀU HÀNH<br>TRƯỞNG BAN<br><br><br><br><br>Lê Văn Tỉnh</td>');
    expect(h).not.toMatch(/huyện|Huyện|HUYỆN/);
    const en = renderHtml(report, { heading: PROVINCE_HEADING, lang: 'en' });
    expect(en).toContain('<b>OPERATING BOARD OF THE “YOUTH LOUDSPEAKER – FOR NATIONAL SECURITY” MODEL</b>');
    expect(en).toContain('To: Công an tỉnh Thanh Hóa (PV05); Tỉnh đoàn Thanh Hóa.');
    expect(en).toContain('<th>Province</th>');
    expect(en).toContain('FOR THE OPERATING BOARD<br>CHAIR');
    expect(en).toContain('<b><i>Recipients:</i></b><br>- As above;<br>- File: VT.</td>');
  });

  it('escapes the words of a configured heading', () => {
    const h = renderHtml(report, { heading: { ...PROVINCE_HEADING, issuers: ['<b>CÔNG AN</b>'], addressees: ['A & B'] } });
    expect(h).toContain('&lt;b&gt;CÔNG AN&lt;/b&gt;<br><b>');
    expect(h).toContain('Kính gửi: A &amp; B.');
  });
});

describe('renderJson', () => {
  it('carries the figures, the label and the notes as sentences', () => {
    const back = JSON.parse(renderJson(report, 'vi')) as Omit<Report, 'notes'> & { periodLabel: string; notes: { code: string; text: string }[] };
    expect(back.periodLabel).toBe('Tháng 11 năm 2026');
    expect(back.totals.plays).toBe(8);
    expect(back.period.start).toBe(report.period.start);
    expect(back.notes.find((n) => n.code === 'amplifier-estimated')!.text).toContain('a2');
    expect(back.clips.map((c) => c.clip)).toContain(HOSTILE);
  });
});
