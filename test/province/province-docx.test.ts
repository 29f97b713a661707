// The province report as a Word file: a province of two areas built from area reports (the hub's fakes, summed by the
// real provinceReportOf), rendered, unzipped and read in word/document.xml: the heading of Nghị định 30, the tables
// holding the very cell texts of the HTML page, a ranking row, the signature block, English, the same bytes whatever
// the machine's clock; `loa province report --format docx` (refused without --out, written with it) and the province
// view's download over real HTTP.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateHubConfig } from '../../controller/province/hub-config.js';
import { HubHttp, type HubView } from '../../controller/province/hub-http.js';
import { renderProvinceDocx } from '../../controller/province/province-docx.js';
import { renderProvinceHtml } from '../../controller/province/province-render.js';
import { provinceReportOf, type AreaReport, type ProvinceReport } from '../../controller/province/province-report.js';
import { parsePeriod } from '../../controller/reports/period.js';
import type { CommuneRow, Figures, TeamRank, UnitRow } from '../../controller/reports/report.js';
import { runLoa } from '../support/cli.js';
import { readZip, zipText } from '../support/zip.js';
import { areaKey, emptyFigures, fakeReport } from './hub-fakes.js';

const period = parsePeriod('2025-10');
/** 00:00 on 6 November 2025, Vietnam time: the date line's day. */
const NOW = parsePeriod('2025-11').start + 5 * 86_400;
const heading = validateHubConfig({
  heading: { province: 'Thanh Hóa', issuers: ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA'], signer: { name: 'Lê Văn Tỉnh' } },
}).heading;

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const textOf = (xml: string): string => [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => unescape(m[1]!)).join('');
/** Every paragraph's text, in order, those inside tables too. */
const paragraphs = (xml: string): string[] => [...xml.matchAll(/<w:p(?:\s[^>]*)?>.*?<\/w:p>|<w:p\/>/gs)].map((m) => textOf(m[0]));
/** The body's tables, each as its cells' texts row by row (our tables hold no tables). */
const tables = (xml: string): string[][][] =>
  [...xml.matchAll(/<w:tbl>.*?<\/w:tbl>/gs)].map((t) => [...t[0].matchAll(/<w:tr(?:\s[^>]*)?>.*?<\/w:tr>/gs)].map((r) => [...r[0].matchAll(/<w:tc>.*?<\/w:tc>/gs)].map((c) => textOf(c[0]))));
/** The HTML page's data tables, the same way. */
const htmlTables = (html: string): string[][][] =>
  [...html.matchAll(/<table class="data">(.*?)<\/table>/gs)].map((t) => [...t[1]!.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((c) => unescape(c[1]!))));

function unit(communeId: string, teamId: string, teamName: string, f: Partial<Figures>): UnitRow {
  return { ...emptyFigures({ units: 1, ...f }), unitId: `${teamId}-1`, number: 1, communeId, teamId, teamName, retired: false, amplifierEstimated: false };
}

function commune(id: string, name: string, u: UnitRow): CommuneRow {
  return { communeId: id, code: null, name, units: [u], totals: { ...u } };
}

/** Each commune's team ranked as its area ranks it: hours × active days ÷ the 31 days of October. */
function rankOf(communes: CommuneRow[]): TeamRank[] {
  const teams = communes.map((c) => {
    const u = c.units[0]!;
    const score = Math.round((u.broadcastSeconds / 3600) * (u.activeDays / 31) * 100) / 100;
    return { teamId: u.teamId, teamName: u.teamName, communeId: c.communeId, communeName: c.name, broadcastSeconds: u.broadcastSeconds, activeDays: u.activeDays, daysElapsed: 31, score };
  });
  return teams.sort((a, b) => b.score - a.score).map((t, i) => ({ rank: i + 1, ...t }));
}

function area(areaId: string, name: string, communes: CommuneRow[], totals: Partial<Figures>): AreaReport {
  const report = { ...fakeReport(period, NOW, emptyFigures(totals)), communes, ranking: rankOf(communes) };
  return { areaId, name, provinceCode: '38', report };
}

const trieuSon = area(
  'trieu-son',
  'Triệu Sơn',
  [
    commune('tho-dan', 'Xã Thọ Dân', unit('tho-dan', 'td', 'Tổ Thọ Dân', { plays: 12_000, broadcastSeconds: 45_000, sessions: 40, km: 120.5, activeDays: 20 })),
    commune('dan-ly', 'Xã Dân Lý', unit('dan-ly', 'dl', 'Tổ Dân Lý', { plays: 345, broadcastSeconds: 3600, sessions: 5, km: 10, activeDays: 3 })),
  ],
  { units: 2, plays: 12_345, broadcastSeconds: 48_600, sessions: 45, km: 130.5, activeDays: 20, daysCounted: 62, faults: 1, faultsByCode: [{ code: 'gnss', count: 1 }] },
);
trieuSon.report.clips = [{ clip: 'c-001', title: 'Phòng chống ma túy', plays: 10_000, seconds: 40_000, units: 2 }];
const hauLoc = area(
  'hau-loc',
  'Hậu Lộc <&>',
  [commune('hoa-loc', 'Xã Hoa Lộc', unit('hoa-loc', 'hl', 'Tổ Hoa Lộc', { plays: 500, broadcastSeconds: 7200, sessions: 10, km: 30, activeDays: 10 }))],
  { units: 1, plays: 500, broadcastSeconds: 7200, sessions: 10, km: 30, activeDays: 10, daysCounted: 31 },
);
const report: ProvinceReport = provinceReportOf([trieuSon, hauLoc], { period, now: NOW, activeDays: 25 });

let docx: Buffer;
let xml: string;
beforeAll(async () => {
  docx = await renderProvinceDocx(report, { heading });
  xml = zipText(docx, 'word/document.xml');
});

describe('renderProvinceDocx', () => {
  it('is a Word document with the heading of Nghị định 30: the bodies, the province, the motto, the date, the subject', () => {
    expect(readZip(docx).map((e) => e.name)).toEqual(expect.arrayContaining(['[Content_Types].xml', 'word/document.xml', 'docProps/core.xml']));
    const p = paragraphs(xml);
    const head = ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA', 'TỈNH THANH HÓA', '', 'Số:        /BC-BĐH', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', '', 'Thanh Hóa, ngày 06 tháng 11 năm 2025'];
    expect(p.slice(0, head.length)).toEqual(head);
    expect(p.slice(head.length, head.length + 5)).toEqual(['BÁO CÁO', 'Kết quả hoạt động mô hình “Loa thanh niên – Vì an ninh Tổ quốc”', 'toàn tỉnh tháng 10/2025', '', 'Kính gửi: Công an tỉnh (PV05); Tỉnh đoàn.']);
    // The province is the issuing body (bold), the bodies above it upright.
    const province = [...xml.matchAll(/<w:p(?:\s[^>]*)?>.*?<\/w:p>/gs)].map((m) => m[0]).find((x) => textOf(x) === 'TỈNH THANH HÓA')!;
    expect(province).toMatch(/<w:b\/>/);
    expect(zipText(docx, 'docProps/core.xml')).toContain('<dcterms:created xsi:type="dcterms:W3CDTF">2025-11-05T17:00:00Z</dcterms:created>');
  });

  it("holds the HTML page's tables cell for cell, an area's figures and the province's, and the ranking", () => {
    const all = tables(xml);
    const data = all.slice(1, -1); // the header and the signature blocks are tables too
    expect(data).toEqual(htmlTables(renderProvinceHtml(report, { heading, issuedAt: NOW })));
    const byArea = data[1]!;
    expect(byArea[0]).toEqual(['Khu vực', 'Số xã', 'Số xe', 'Số lượt phát', 'Giờ phát thanh', 'Số buổi', 'Km', 'Ngày hoạt động', 'Ngày mất kết nối', 'Số lỗi']);
    expect(byArea).toContainEqual(['Triệu Sơn', '2', '2', '12.345', '13,5', '45', '130,5', '20', '0', '1']);
    expect(byArea).toContainEqual(['Hậu Lộc <&>', '1', '1', '500', '2,0', '10', '30,0', '10', '0', '0']);
    expect(byArea.at(-1)).toEqual(['Toàn tỉnh', '3', '3', '12.845', '15,5', '55', '160,5', '25', '0', '1']);
    const ranking = data[3]!;
    expect(ranking[1]).toEqual(['1', 'Tổ Thọ Dân', 'Xã Thọ Dân', 'Triệu Sơn (1)', '12,5', '20/31', '8,06']);
    expect(ranking.map((r) => r[1])).toEqual(['Tổ', 'Tổ Thọ Dân', 'Tổ Hoa Lộc', 'Tổ Dân Lý']);
    expect(xml).toContain('Hậu Lộc &lt;&amp;&gt;');
    expect(paragraphs(xml)).toContain('IV. XẾP HẠNG THI ĐUA CÁC TỔ TOÀN TỈNH');
    expect(paragraphs(xml)).toContain('2. Triệu Sơn'); // the clips of each area, in the areas' order
    expect(paragraphs(xml).find((x) => x.startsWith('1. Số liệu toàn tỉnh là tổng số liệu của 2 khu vực'))).toBeDefined();
  });

  it('ends with "Nơi nhận" and the signature block', () => {
    const sign = tables(xml).at(-1)!;
    expect(sign).toHaveLength(1);
    const [left, right] = sign[0]!;
    expect(left).toBe('Nơi nhận:- Công an tỉnh (PV05);- Tỉnh đoàn;- Lưu: VT.');
    expect(right).toBe('TM. BAN ĐIỀU HÀNHTRƯỞNG BANLê Văn Tỉnh');
  });

  it('is the same bytes for the same report and issue time whatever the machine clock; another issue time changes them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2031-05-06T07:08:09Z'));
      const a = await renderProvinceDocx(report, { heading });
      vi.setSystemTime(new Date('2044-10-11T12:13:14Z'));
      const b = await renderProvinceDocx(report, { heading });
      expect(a.equals(b)).toBe(true);
      expect(a.equals(docx)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    const dos = ((2025 - 1980) << 9) | (11 << 5) | 6; // 6 November 2025, 00:00 Vietnam time
    for (const e of readZip(docx)) expect([e.name, e.dosDate, e.dosTime]).toEqual([e.name, dos, 0]);
    const later = await renderProvinceDocx(report, { heading, issuedAt: NOW + 9 * 86_400 });
    expect(later.equals(docx)).toBe(false);
    expect(paragraphs(zipText(later, 'word/document.xml'))).toContain('Thanh Hóa, ngày 15 tháng 11 năm 2025');
  });

  it('speaks English with lang en', async () => {
    const en = zipText(await renderProvinceDocx(report, { heading, lang: 'en' }), 'word/document.xml');
    const p = paragraphs(en);
    for (const line of ['SOCIALIST REPUBLIC OF VIETNAM', 'Thanh Hóa, 6 November 2025', 'REPORT', 'in the province, October 2025', 'II. RESULTS BY AREA', 'IV. TEAM RANKING OF THE PROVINCE', 'VI. NOTES']) {
      expect(p, line).toContain(line);
    }
    expect(tables(en)[2]).toContainEqual(['Triệu Sơn', '2', '2', '12,345', '13.5', '45', '130.5', '20', '0', '1']);
    expect(tables(en).at(-1)![0]).toEqual(['Recipients:- Công an tỉnh (PV05);- Tỉnh đoàn;- Lưu: VT.', 'FOR THE OPERATING BOARDCHAIRLê Văn Tỉnh']);
    expect(p).not.toContain('BÁO CÁO');
  });

  it('makes the bodies the issuing body and leaves the place blank for a hub that names no province', async () => {
    const bare = validateHubConfig(undefined).heading;
    const p = paragraphs(zipText(await renderProvinceDocx(report, { heading: bare }), 'word/document.xml'));
    expect(p.slice(0, 2)).toEqual(['BAN ĐIỀU HÀNH MÔ HÌNH', 'LOA THANH NIÊN VÌ AN NINH TỔ QUỐC']);
    expect(p).toContain('………, ngày 06 tháng 11 năm 2025');
    expect(p).toContain('[Họ và tên]');
  });
});

describe('loa province report --format docx', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-province-docx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to print the Word file without --out: one line saying to add it, exit 2', async () => {
    const viRun = await runLoa(['province', 'report', '--period', '2025-10', '--format', 'docx', '--data', join(dir, 'none')]);
    expect(viRun.code).toBe(2);
    expect(viRun.stdout).toBe('');
    expect(viRun.stderr).toBe('loa province report: --format docx là tệp Word, không in ra màn hình được: thêm --out bao-cao-toan-tinh-2025-10.docx\n');
    const en = await runLoa(['province', 'report', '--period', '2025-Q4', '--format', 'docx', '--lang', 'en']);
    expect(en.code).toBe(2);
    expect(en.stderr).toBe('loa province report: --format docx is a Word file and cannot go to the terminal: add --out bao-cao-toan-tinh-2025-Q4.docx\n');
  });

  it('writes it with --out, with the configured heading', async () => {
    const a = areaKey('trieu-son');
    const data = join(dir, 'hub');
    expect((await runLoa(['province', 'area', 'add', a.id, '--name', 'Triệu Sơn', '--key', a.publicHex, '--data', data])).code).toBe(0);
    const config = join(dir, 'hub.json');
    await writeFile(config, JSON.stringify({ dataDir: data, heading: { province: 'Thanh Hóa' } }));
    const out = join(dir, 'bao-cao.docx');
    const r = await runLoa(['province', 'report', '--period', '2025-10', '--format', 'docx', '--out', out, '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`Đã ghi báo cáo toàn tỉnh 2025-10 vào ${out}.\n`);
    const p = paragraphs(zipText(await readFile(out), 'word/document.xml'));
    expect(p).toContain('TỈNH THANH HÓA');
    expect(p).toContain('toàn tỉnh tháng 10/2025');
    expect(tables(zipText(await readFile(out), 'word/document.xml'))[2]).toContainEqual(['Triệu Sơn', '0', '0', '0', '0,0', '0', '0,0', '0', '0', '0']);
  });
});

describe('the province view’s Word download', () => {
  const hub: HubView = {
    areas: () => Promise.resolve([]),
    held: () => Promise.resolve([]),
    counters: () => Promise.resolve([]),
    areaReport: () => Promise.reject(new Error('no area pages in this test')),
    provinceReport: () => Promise.resolve(report),
  };
  let web: HubHttp;
  beforeAll(async () => {
    web = new HubHttp({ hub, heading, port: 0, clock: () => NOW });
    await web.start();
  });
  afterAll(async () => {
    await web?.stop();
  });

  it('answers format=docx as a Word attachment, linked from the page beside the CSV', async () => {
    const res = await fetch(`${web.url}/report?period=2025-10&format=docx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-toan-tinh-2025-10.docx"');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.equals(docx)).toBe(true);
    const page = await (await fetch(`${web.url}/?period=2025-10`)).text();
    expect(page).toContain('<a href="/report?period=2025-10&amp;format=csv">Tải CSV (Excel)</a><a href="/report?period=2025-10&amp;format=docx">Tải Word (DOCX)</a>');
    const en = await (await fetch(`${web.url}/?period=2025-10&lang=en`)).text();
    expect(en).toContain('<a href="/report?period=2025-10&amp;format=docx&amp;lang=en">Download Word (DOCX)</a>');
    const bad = await fetch(`${web.url}/report?format=pdf`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Định dạng không hợp lệ: "pdf". Hãy dùng format=html, csv, json hoặc docx.\n');
  });
});
