// The words around a report's figures (controller/reports/heading.ts): without a configured heading a report is, byte
// for byte, what Loa printed before the heading became configurable (frozen reports and their renderings in
// test/fixtures/reports-2021/); with a province's heading, its bodies, addressees, signer and "Toàn tỉnh" are there in
// every format, in Vietnamese and in English.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../../controller/app/config.js';
import { legacyHeading, reportHeading } from '../../../controller/reports/heading.js';
import { renderCsv } from '../../../controller/reports/render-csv.js';
import { renderDocx } from '../../../controller/reports/render-docx.js';
import { renderHtml } from '../../../controller/reports/render-html.js';
import { renderJson } from '../../../controller/reports/render-json.js';
import type { Report } from '../../../controller/reports/report.js';
import { zipText } from '../../support/zip.js';
import { nov } from './fixture.js';
import { THANH_HOA } from './province-heading.js';

const FROZEN = new URL('../../fixtures/reports-2021/', import.meta.url);
const frozen = (name: string): Buffer => readFileSync(new URL(name, FROZEN));
const r1 = JSON.parse(frozen('r1.json').toString('utf8')) as Report;
const r2 = JSON.parse(frozen('r2.json').toString('utf8')) as Report;

describe('the default heading: the plan\'s words for the district, as before', () => {
  it('prints the HTML page, the CSV and the JSON byte for byte as before, in both languages', () => {
    for (const lang of ['vi', 'en'] as const) {
      expect(renderHtml(r1, { heading: legacyHeading('Hậu Lộc'), lang, issuedAt: nov(30, 9) + 5 * 86_400 }), lang).toBe(frozen(`r1.${lang}.html`).toString('utf8'));
      expect(renderCsv(r1, lang, legacyHeading('Hậu Lộc')), lang).toBe(frozen(`r1.${lang}.csv`).toString('utf8'));
      expect(renderCsv(r1, lang), lang).toBe(frozen(`r1.${lang}.csv`).toString('utf8'));
      expect(renderJson(r1, lang, legacyHeading('Hậu Lộc')), lang).toBe(frozen(`r1.${lang}.json`).toString('utf8'));
    }
  });

  it('writes the very same DOCX bytes as before, in both languages', async () => {
    for (const lang of ['vi', 'en'] as const) {
      const docx = await renderDocx(r2, { heading: legacyHeading('Triệu Sơn'), lang });
      expect(docx.equals(frozen(`r2.${lang}.docx`)), lang).toBe(true);
    }
  });

  it('is what a configuration without reportHeading gives, named after district.name', () => {
    const c = validateControllerConfig({ district: { name: 'Hậu Lộc' } });
    expect(c.reportHeading).toBeNull();
    expect(c.scope).toEqual({ kind: 'area', name: 'Hậu Lộc', province: null });
    expect(reportHeading(c)).toEqual(legacyHeading('Hậu Lộc'));
    expect(legacyHeading('Hậu Lộc')).toMatchObject({ wholeScope: { vi: 'Toàn huyện', en: 'District' }, place: 'Hậu Lộc', legacy: true });
    // A name that says its kind keeps it: "Toàn tỉnh", and "Thanh Hóa province" in English.
    expect(legacyHeading('Tỉnh Thanh Hóa')).toMatchObject({ wholeScope: { vi: 'Toàn tỉnh', en: 'Province' }, board: expect.stringMatching(/\nTỈNH THANH HÓA$/), en: { board: expect.stringMatching(/\nTHANH HÓA PROVINCE$/) } });
  });
});

describe('a province heading', () => {
  const h = reportHeading(THANH_HOA);

  it('is completed from the scope: place, "Toàn tỉnh", English words where the plan has them', () => {
    expect(h).toMatchObject({
      issuers: ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA'],
      board: 'BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”',
      place: 'Thanh Hóa',
      recipients: ['Như trên', 'Lưu: VT'],
      signer: { for: 'TM. BAN ĐIỀU HÀNH', title: 'TRƯỞNG BAN', name: 'Lê Văn Tỉnh' },
      wholeScope: { vi: 'Toàn tỉnh', en: 'Province' },
      scopeName: 'Thanh Hóa',
      legacy: false,
    });
    expect(h.en).toMatchObject({
      issuers: ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA'],
      board: 'OPERATING BOARD OF THE “YOUTH LOUDSPEAKER – FOR NATIONAL SECURITY” MODEL',
      recipients: ['As above', 'File: VT'],
      signer: { for: 'FOR THE OPERATING BOARD', title: 'CHAIR', name: 'Lê Văn Tỉnh' },
    });
  });

  it('names the whole province in the CSV total row and the JSON', () => {
    expect(renderCsv(r1, 'vi', h).split('\r\n').at(-2)).toMatch(/^Tháng 11 năm 2026,,Toàn tỉnh,/);
    expect(renderCsv(r1, 'en', h).split('\r\n').at(-2)).toMatch(/^November 2026,,Province,/);
    expect(JSON.parse(renderJson(r1, 'vi', h)).scope).toEqual({ name: 'Thanh Hóa', whole: 'Toàn tỉnh' });
    expect(JSON.parse(renderJson(r1, 'vi')).scope).toBeUndefined();
  });

  it('leaves no district word in the HTML or the DOCX', async () => {
    const html = renderHtml(r1, { heading: h });
    const docx = zipText(await renderDocx(r2, { heading: h }), 'word/document.xml');
    for (const text of [html, docx]) expect(text).not.toMatch(/huyện|Huyện|HUYỆN/);
  });
});
