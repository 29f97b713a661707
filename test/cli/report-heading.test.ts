// `loa report` with a province's configuration: the heading configured in the file (the province's bodies, "Kính
// gửi", "Toàn tỉnh") reaches every format, and a heading that is wrong is one line per problem with its key, exit 2.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControllerDb } from '../../controller/db/database.js';
import { generateFleet, parsePeriod } from '../../controller/reports/index.js';
import { runLoa } from '../support/cli.js';
import { zipText } from '../support/zip.js';

let dir: string;
let data: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-heading-'));
  data = join(dir, 'data');
  config = join(dir, 'controller.json');
  await writeFile(config, JSON.stringify({
    district: { id: 'thanh-hoa', name: 'Thanh Hóa' },
    scope: { kind: 'province', name: 'Thanh Hóa', province: { code: '38', name: 'Thanh Hóa' } },
    reportHeading: { issuers: ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA'], addressees: ['Công an tỉnh Thanh Hóa (PV05)', 'Tỉnh đoàn Thanh Hóa'] },
  }));
  await mkdir(data, { recursive: true });
  const db = await openControllerDb(join(data, 'controller.db'));
  const nov = parsePeriod('2026-11');
  try {
    await generateFleet(db, { units: 2, start: nov.start, end: nov.start + 2 * 86_400, seed: 3, unitsPerCommune: 2 });
  } finally {
    await db.close();
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loa report with a configured heading', () => {
  it('prints the province\'s heading in HTML, DOCX, CSV and JSON', async () => {
    const report = (format: string, ...more: string[]) => runLoa(['report', '--period', '2026-11', '--format', format, '--config', config, '--data', data, ...more]);
    const html = await report('html');
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('CÔNG AN TỈNH THANH HÓA<br>ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA<br><b>BAN ĐIỀU HÀNH');
    expect(html.stdout).toContain('Kính gửi: Công an tỉnh Thanh Hóa (PV05); Tỉnh đoàn Thanh Hóa.');
    expect(html.stdout).not.toMatch(/huyện|HUYỆN/);
    const out = join(dir, 'bao-cao.docx');
    expect((await report('docx', '--out', out)).code).toBe(0);
    const docx = zipText(await readFile(out), 'word/document.xml');
    for (const s of ['CÔNG AN TỈNH THANH HÓA', 'Toàn tỉnh', 'Kính gửi: Công an tỉnh Thanh Hóa (PV05); Tỉnh đoàn Thanh Hóa.']) expect(docx).toContain(s);
    expect((await report('csv')).stdout).toContain('\r\nTháng 11 năm 2026,,Toàn tỉnh,');
    expect(JSON.parse((await report('json', '--lang', 'en')).stdout).scope).toEqual({ name: 'Thanh Hóa', whole: 'Province' });
  });

  it('refuses a heading without addressees, naming the key', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ scope: { kind: 'province' }, reportHeading: { issuers: ['CÔNG AN TỈNH THANH HÓA'] } }));
    const r = await runLoa(['report', '--period', '2026-11', '--format', 'csv', '--config', bad, '--data', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('reportHeading.addressees');
    expect(r.stderr).toContain('scope.province');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
