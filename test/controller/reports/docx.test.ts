// The report as a DOCX laid out per Nghị định 30/2020/NĐ-CP: unzipped with our own reader and checked in
// word/document.xml and word/styles.xml (A4, margins, Times New Roman, sizes, header and signature blocks), every
// commune's figures against the JSON rendering of the same report, byte-for-byte determinism whatever the machine's
// clock, the API route (type, attachment name), and, where LibreOffice is installed, a conversion to PDF.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeReport } from '../../../controller/reports/compute.js';
import { legacyHeading } from '../../../controller/reports/heading.js';
import { parsePeriod } from '../../../controller/reports/period.js';
import { areaNames, dateLine, renderDocx, subjectPeriod } from '../../../controller/reports/render-docx.js';
import { renderJson } from '../../../controller/reports/render-json.js';
import type { Figures, Report } from '../../../controller/reports/report.js';
import { TestClock } from '../../support/clock.js';
import { hasTool, missing } from '../../support/tools.js';
import { readZip, zipText } from '../../support/zip.js';
import { call, loginAs, startController, T, type Rig } from '../app/harness.js';
import { at, fillFixture, HOSTILE, nov, tempDb, type TempDb } from './fixture.js';
import { PROVINCE_HEADING } from './province-heading.js';

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const textOf = (xml: string): string => [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => unescape(m[1]!)).join('');

interface Block {
  kind: 'p' | 'tbl';
  xml: string;
  text: string;
}

/** The body's top-level paragraphs and tables, in order (our tables hold no tables). */
function blocks(documentXml: string): Block[] {
  const body = documentXml.slice(documentXml.indexOf('<w:body>'));
  return [...body.matchAll(/<w:tbl>.*?<\/w:tbl>|<w:p(?:\s[^>]*)?>.*?<\/w:p>|<w:p\/>/gs)].map((m) => ({ kind: m[0].startsWith('<w:tbl>') ? 'tbl' : 'p', xml: m[0], text: textOf(m[0]) }));
}

/** A table's cells as text, row by row. */
const cells = (tableXml: string): string[][] =>
  [...tableXml.matchAll(/<w:tr(?:\s[^>]*)?>.*?<\/w:tr>/gs)].map((r) => [...r[0].matchAll(/<w:tc>.*?<\/w:tc>/gs)].map((c) => textOf(c[0])));

/** The paragraphs (anywhere, in tables too) whose text is `text`. */
const paragraphsWith = (xml: string, text: string): string[] => [...xml.matchAll(/<w:p(?:\s[^>]*)?>.*?<\/w:p>/gs)].map((m) => m[0]).filter((p) => textOf(p) === text);

/** Numbers as Vietnamese write them, by ICU rather than by the code under test. */
const viNumber = (x: number, digits = 0): string => x.toLocaleString('vi-VN', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true });

let t: TempDb;
let report: Report;
let docx: Buffer;
let xml: string;
beforeAll(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  // Computed at 00:00 on 2 December 2026, Vietnam time: the date line's day.
  report = await computeReport(t.db, { period: parsePeriod('2026-11'), now: at(12, 2) });
  docx = await renderDocx(report, { heading: legacyHeading('Triệu Sơn') });
  xml = zipText(docx, 'word/document.xml');
});
afterAll(() => t.dispose());

describe('renderDocx: the page and the fonts of Nghị định 30', () => {
  it('is a well-formed zip with the parts Word needs', () => {
    const names = readZip(docx).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['[Content_Types].xml', '_rels/.rels', 'word/document.xml', 'word/styles.xml', 'docProps/core.xml']));
    expect(zipText(docx, '[Content_Types].xml')).toContain('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml');
  });

  it('is A4 portrait with margins top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm', () => {
    expect(xml).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
    const m = /<w:pgMar ([^>]*)\/>/.exec(xml)![1]!;
    const twips = (side: string): number => Number(new RegExp(`w:${side}="(\\d+)"`).exec(m)![1]);
    const mm = (side: string): number => (twips(side) / 1440) * 25.4;
    for (const [side, lo, hi] of [['top', 20, 25], ['bottom', 20, 25], ['left', 30, 35], ['right', 15, 20]] as const) {
      expect(mm(side), side).toBeGreaterThanOrEqual(lo - 0.05);
      expect(mm(side), side).toBeLessThanOrEqual(hi + 0.05);
    }
  });

  it('sets Times New Roman for every script, by default and in the theme, and names no other font', () => {
    const styles = zipText(docx, 'word/styles.xml');
    const defaults = /<w:docDefaults>.*<\/w:docDefaults>/s.exec(styles)![0];
    expect(defaults).toMatch(/<w:rFonts w:ascii="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman" w:hAnsi="Times New Roman"\/>/);
    expect(defaults).toContain('<w:sz w:val="28"/>');
    expect(defaults).toContain('<w:lang w:val="vi-VN"/>');
    const named = [...(styles + xml).matchAll(/w:(?:ascii|hAnsi|cs|eastAsia)="([^"]+)"/g)].map((x) => x[1]);
    expect(new Set(named)).toEqual(new Set(['Times New Roman']));
    const theme = zipText(docx, 'word/theme/theme1.xml');
    expect([...theme.matchAll(/<a:latin typeface="([^"]*)"/g)].map((x) => x[1])).toEqual(['Times New Roman', 'Times New Roman']);
  });

  it('writes the body at 14 pt (28 half-points) and nothing under 11 pt or over 14 pt', () => {
    const [summary] = blocks(xml).filter((b) => b.text.startsWith('Trong kỳ,'));
    expect(summary!.xml).toContain('<w:sz w:val="28"/>');
    const sizes = new Set([...xml.matchAll(/<w:sz w:val="(\d+)"\/>/g)].map((x) => Number(x[1])));
    for (const s of sizes) expect(s === 2 || (s >= 22 && s <= 28), `size ${s}`).toBe(true);
  });
});

describe('renderDocx: the blocks of an administrative report', () => {
  it('has the issuing body, its number, the motto, the place and date, side by side in a borderless table', () => {
    const [head] = blocks(xml);
    expect(head!.kind).toBe('tbl');
    const borders = [...head!.xml.matchAll(/<w:(?:tblBorders|tcBorders)>.*?<\/w:(?:tblBorders|tcBorders)>/gs)].map((b) => b[0]);
    expect(borders).toHaveLength(3);
    for (const b of borders) expect(b).not.toMatch(/w:val="(?!none)/);
    const [left, right] = cells(head!.xml)[0]!;
    expect(left).toBe('BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”HUYỆN TRIỆU SƠNSố:        /BC-BĐH');
    expect(right).toBe('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập - Tự do - Hạnh phúcTriệu Sơn, ngày 02 tháng 12 năm 2026');
    const run = (text: string): string => paragraphsWith(xml, text)[0] ?? '';
    expect(run('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM')).toMatch(/<w:b\/>.*<w:sz w:val="2[46]"\/>/s);
    expect(run('Độc lập - Tự do - Hạnh phúc')).toMatch(/<w:b\/>.*<w:sz w:val="2[68]"\/>/s);
    expect(run('Triệu Sơn, ngày 02 tháng 12 năm 2026')).toMatch(/<w:i\/>/);
    expect(run('HUYỆN TRIỆU SƠN')).toMatch(/<w:b\/>/);
    // The short rules under the issuing body and under the motto: bordered empty paragraphs, the motto's the longer.
    const rules = [...head!.xml.matchAll(/<w:p>(?:(?!<\/w:p>).)*<w:pBdr><w:top w:val="single".*?<w:ind w:left="(\d+)" w:right="(\d+)"\/>/gs)];
    expect(rules).toHaveLength(2);
  });

  it('has "BÁO CÁO", the subject with the period, bold and centred, then the recipients and the signature', () => {
    const all = blocks(xml);
    const title = all.findIndex((b) => b.text === 'BÁO CÁO');
    expect(title).toBeGreaterThan(0);
    expect(all[title + 1]!.text).toBe('Kết quả hoạt động mô hình “Loa thanh niên – Vì an ninh Tổ quốc”');
    expect(all[title + 2]!.text).toBe('tháng 11/2026');
    for (const b of all.slice(title, title + 3)) expect(b.xml).toMatch(/<w:jc w:val="center"\/>.*<w:b\/>/s);
    const last = all.filter((b) => b.kind === 'tbl').at(-1)!;
    const [recipients, sign] = cells(last.xml)[0]!;
    expect(recipients).toBe('Nơi nhận:- Như trên;- Lưu: VT.');
    expect(sign).toBe('TM. BAN ĐIỀU HÀNHTRƯỞNG BAN[Họ và tên]');
    expect(paragraphsWith(last.xml, 'Nơi nhận:')[0]).toMatch(/<w:b\/>.*<w:i\/>.*<w:sz w:val="24"\/>/s);
    expect(paragraphsWith(last.xml, 'TRƯỞNG BAN')[0]).toMatch(/<w:b\/>/);
    expect(xml).toContain('<w:titlePg/>'); // page numbers from page 2 on
  });

  it('shows every figure of every commune, and the totals, as the JSON report has them', () => {
    const json = JSON.parse(renderJson(report, 'vi')) as Report;
    expect(json.communes.length).toBe(3);
    const all = blocks(xml);
    const check = (table: string[][], column: number, f: Figures): void => {
      const row = (label: string): string => table.find((r) => r[0] === label)![column]!;
      expect(row('Số lượt phát')).toBe(viNumber(f.plays));
      expect(row('Số buổi phát')).toBe(viNumber(f.sessions));
      expect(row('Giờ phát thanh')).toBe(viNumber(f.broadcastSeconds / 3600, 1));
      expect(row('Quãng đường (km)')).toBe(viNumber(f.km, 1));
      expect(row('Số ngày hoạt động')).toBe(viNumber(f.activeDays));
      expect(row('Số ngày mất kết nối')).toBe(viNumber(f.offlineDays));
      expect(row('Số lỗi')).toBe(viNumber(f.faults));
      expect(row('Pin thấp nhất (%)')).toBe(f.battery.minSoc === null ? '' : viNumber(f.battery.minSoc));
    };
    const totals = all.findIndex((b) => b.text.startsWith('I. TỔNG HỢP CHUNG'));
    check(cells(all[totals + 2]!.xml), 1, json.totals);
    json.communes.forEach((c, i) => {
      const at = all.findIndex((b) => b.text === `${i + 1}. ${c.name}`);
      expect(at, c.name).toBeGreaterThan(0);
      const table = cells(all[at + 1]!.xml);
      c.units.forEach((u, k) => {
        expect(table[0]![k + 1]).toBe(`Xe ${u.unitId} (${u.teamName})`);
        check(table, k + 1, u);
      });
      check(table, c.units.length > 1 ? c.units.length + 1 : 1, c.totals);
    });
    expect(xml).toContain(HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
  });

  it('is the same bytes for the same report whatever the machine clock, its zip entries dated by the report', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2031-05-06T07:08:09Z'));
      const a = await renderDocx(report, { heading: legacyHeading('Triệu Sơn') });
      vi.setSystemTime(new Date('2044-10-11T12:13:14Z'));
      const b = await renderDocx(report, { heading: legacyHeading('Triệu Sơn') });
      expect(a.equals(b)).toBe(true);
      expect(a.equals(docx)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    const dos = ((2026 - 1980) << 9) | (12 << 5) | 2; // 2 December 2026, 00:00 Vietnam time
    for (const e of readZip(docx)) expect([e.name, e.dosDate, e.dosTime]).toEqual([e.name, dos, 0]);
    expect(zipText(docx, 'docProps/core.xml')).toContain('<dcterms:created xsi:type="dcterms:W3CDTF">2026-12-01T17:00:00Z</dcterms:created>');
    const later = zipText(await renderDocx(report, { heading: { ...legacyHeading('Triệu Sơn'), place: 'Hậu Lộc' }, issuedAt: nov(30, 9) }), 'word/document.xml');
    expect(textOf(later)).toContain('Hậu Lộc, ngày 30 tháng 11 năm 2026');
  });

  it('is available in English with the same layout', async () => {
    const en = zipText(await renderDocx(report, { heading: legacyHeading('Triệu Sơn'), lang: 'en' }), 'word/document.xml');
    const text = textOf(en);
    for (const s of ['SOCIALIST REPUBLIC OF VIETNAM', 'Independence - Freedom - Happiness', 'TRIỆU SƠN DISTRICT', 'Triệu Sơn, 2 December 2026', 'REPORT', 'November 2026', 'RESULTS BY COMMUNE', 'Recipients:', 'FOR THE OPERATING BOARD']) {
      expect(text).toContain(s);
    }
    expect(en).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
  });
});

describe('renderDocx: a province\'s heading', () => {
  it('puts its bodies upright above the bold board, then "Kính gửi", "Toàn tỉnh", the recipients and the signer', async () => {
    const doc = zipText(await renderDocx(report, { heading: PROVINCE_HEADING }), 'word/document.xml');
    const all = blocks(doc);
    const [left, right] = cells(all[0]!.xml)[0]!;
    expect(left).toBe('CÔNG AN TỈNH THANH HÓAĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓABAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”Số:        /BC-BĐH');
    expect(right).toBe('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập - Tự do - Hạnh phúcThanh Hóa, ngày 02 tháng 12 năm 2026');
    expect(paragraphsWith(doc, 'CÔNG AN TỈNH THANH HÓA')[0]).not.toMatch(/<w:b\/>/);
    expect(paragraphsWith(doc, 'BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”')[0]).toMatch(/<w:b\/>/);
    expect(all.some((b) => b.text === 'Kính gửi: Công an tỉnh Thanh Hóa (PV05); Tỉnh đoàn Thanh Hóa.')).toBe(true);
    const totals = all.findIndex((b) => b.text.startsWith('I. TỔNG HỢP CHUNG'));
    expect(cells(all[totals + 2]!.xml)[0]).toEqual(['Chỉ tiêu', 'Toàn tỉnh']);
    const [recipients, sign] = cells(all.filter((b) => b.kind === 'tbl').at(-1)!.xml)[0]!;
    expect(recipients).toBe('Nơi nhận:- Như trên;- Lưu: VT.');
    expect(sign).toBe('TM. BAN ĐIỀU HÀNHTRƯỞNG BANLê Văn Tỉnh');
    expect(textOf(doc)).not.toMatch(/huyện|Huyện|HUYỆN/);
    const en = textOf(zipText(await renderDocx(report, { heading: PROVINCE_HEADING, lang: 'en' }), 'word/document.xml'));
    for (const s of ['OPERATING BOARD OF THE “YOUTH LOUDSPEAKER – FOR NATIONAL SECURITY” MODEL', 'To: Công an tỉnh Thanh Hóa (PV05); Tỉnh đoàn Thanh Hóa.', 'Thanh Hóa, 2 December 2026', 'Province', 'FOR THE OPERATING BOARD', 'Lê Văn Tỉnh']) {
      expect(en).toContain(s);
    }
  });

  it('keeps the rule under a long board within half its column', async () => {
    const doc = zipText(await renderDocx(report, { heading: { ...PROVINCE_HEADING, board: 'BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC” TỈNH THANH HÓA' } }), 'word/document.xml');
    const [first] = [...blocks(doc)[0]!.xml.matchAll(/<w:pBdr><w:top w:val="single".*?<w:ind w:left="(\d+)" w:right="(\d+)"\/>/gs)];
    expect(Number(first![1])).toBeGreaterThan(800); // (3700 - 216) / 4 on each side
  });
});

describe('renderDocx: words of the header', () => {
  it('names the area by its kind, dates with the zeros of Nghị định 30, and words the period', () => {
    expect(areaNames('Triệu Sơn', 'vi')).toEqual({ upper: 'HUYỆN TRIỆU SƠN', inText: 'huyện Triệu Sơn', place: 'Triệu Sơn' });
    expect(areaNames('Tỉnh Thanh Hóa', 'vi')).toEqual({ upper: 'TỈNH THANH HÓA', inText: 'tỉnh Thanh Hóa', place: 'Thanh Hóa' });
    expect(dateLine('Triệu Sơn', at(1, 5, 9), 'vi')).toBe('Triệu Sơn, ngày 05 tháng 01 năm 2026');
    expect(dateLine('Triệu Sơn', at(3, 15, 9), 'vi')).toBe('Triệu Sơn, ngày 15 tháng 3 năm 2026');
    expect(dateLine('Triệu Sơn', at(12, 1, 23, 30), 'vi')).toBe('Triệu Sơn, ngày 01 tháng 12 năm 2026'); // 16:30 UTC: still the 1st in Vietnam
    expect(subjectPeriod(parsePeriod('2026-Q4'), 'vi')).toBe('quý IV năm 2026');
    expect(subjectPeriod(parsePeriod('2026-H1'), 'vi')).toBe('6 tháng đầu năm 2026');
  });
});

describe('GET /api/reports?format=docx', () => {
  let rig: Rig;
  // The controller's clock: 2026-11-29 07:00 Vietnam time, whatever the machine's date.
  const clock = new TestClock((T - 3600) * 1000);
  beforeAll(async () => {
    rig = await startController({}, { clock: clock.now });
  });
  afterAll(() => rig.close());

  it('answers the Word document as an attachment with an ASCII name, dated by the controller clock', async () => {
    const token = await loginAs(rig, 'xem', 'viewer');
    const res = await fetch(`${rig.controller.httpUrl}/api/reports?period=2026-11&format=docx`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-2026-11.docx"');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    const text = textOf(zipText(body, 'word/document.xml'));
    expect(text).toContain('Triệu Sơn, ngày 29 tháng 11 năm 2026');
    expect(text).toContain('BÁO CÁO');
    const bad = await call(rig.controller.httpUrl, 'GET', '/api/reports?period=2026-11&format=pdf', { token });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('docx');
  });
});

// LibreOffice is rarely installed on a developer's machine: the test says so and skips (tools.ts prints the reason).
describe.skipIf(missing('libreoffice'))('the DOCX opens in LibreOffice', () => {
  it('converts to a PDF that holds the motto and the title', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loa-docx-'));
    try {
      await writeFile(join(dir, 'bao-cao.docx'), docx);
      const r = spawnSync('libreoffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'pdf', '--outdir', dir, join(dir, 'bao-cao.docx')], { encoding: 'utf8', timeout: 90_000 });
      expect(r.status, r.stderr).toBe(0);
      const pdf = await readFile(join(dir, 'bao-cao.pdf'));
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      if (hasTool('pdftotext')) {
        const text = spawnSync('pdftotext', ['-layout', join(dir, 'bao-cao.pdf'), '-'], { encoding: 'utf8' }).stdout;
        expect(text).toContain('Độc lập - Tự do - Hạnh phúc');
        expect(text).toContain('BÁO CÁO');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
