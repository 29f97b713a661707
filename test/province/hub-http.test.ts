// The province view over real HTTP (port 0) on a hub filled through the real path: two generated areas summarise
// their days (area-summary.ts) and the hub ingests the sealed summaries, one area holding back its last day (so it
// is late) and a summary with a wrong signature and one of an unregistered area refused. The pages are read as a
// browser reads them: the front page's areas and figures, the CSV download, a bad period, an unknown area, English.
// And `loa province run` (in-process, on a real Mosquitto) serves it beside the MQTT side and says where.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControllerDb } from '../../controller/db/database.js';
import { summaryPass } from '../../controller/province/area-summary.js';
import { validateHubConfig } from '../../controller/province/hub-config.js';
import { areaHeading, areaStatus, hostAllowed, HubHttp } from '../../controller/province/hub-http.js';
import { ProvinceHub } from '../../controller/province/hub.js';
import { computeReport } from '../../controller/reports/compute.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { InvalidPeriodError, parsePeriod } from '../../controller/reports/period.js';
import { formatNumber } from '../../controller/reports/text.js';
import { ConfigError } from '../../lib/config-error.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { main } from '../../cli/main.js';
import { startMosquitto } from '../support/mosquitto.js';
import { missing } from '../support/tools.js';
import { until } from '../support/wait.js';
import { areaKey, daySummary } from './hub-fakes.js';

const october = parsePeriod('2025-10');
/** 00:00 of 3 November 2025, Vietnam time: 1 November is the last final day an area can have delivered. */
const NOW = parsePeriod('2025-11').start + 2 * 86_400;
const clock = (): number => NOW;
const AREAS = [
  { key: areaKey('trieu-son'), name: 'Triệu Sơn', seed: 3 },
  { key: areaKey('hau-loc'), name: 'Hậu Lộc', seed: 5 },
];
/** Hậu Lộc's bridge has not yet carried its summary of this day. */
const HELD_BACK = { area: 'hau-loc', day: '2025-11-01' };

let dir: string;
let hub: ProvinceHub;
let web: HubHttp;
const dbs = new Map<string, SqliteDb>();
const heading = validateHubConfig({ heading: { province: 'Thanh Hóa' } }).heading;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-hub-http-'));
  hub = await ProvinceHub.open({ dataDir: join(dir, 'hub'), clock });
  for (const a of AREAS) {
    await hub.addArea({ id: a.key.id, name: a.name, publicKey: a.key.publicHex });
    const db = await openControllerDb(join(dir, `${a.key.id}.db`));
    await generateFleet(db, { units: 2, start: october.start + 18 * 86_400, end: NOW, seed: a.seed, unitsPerCommune: 1 });
    dbs.set(a.key.id, db);
    for (const s of await summaryPass(db, { area: a.key.id, key: a.key.key, now: NOW, clock })) {
      if (a.key.id === HELD_BACK.area && s.day === HELD_BACK.day) continue;
      expect(await hub.ingest(s.topic, s.bytes)).toBe('stored');
    }
  }
  const [trieuSon, hauLoc] = AREAS.map((a) => a.key);
  const forged = daySummary({ ...trieuSon!, key: hauLoc!.key }, '2025-11-02', 1, 5);
  expect(await hub.ingest(forged.topic, forged.bytes)).toBe('bad-signature');
  const stranger = daySummary(areaKey('nga-son'), '2025-11-01', 1, 5);
  expect(await hub.ingest(stranger.topic, stranger.bytes)).toBe('unknown-area');
  web = new HubHttp({ hub, heading, port: 0, clock });
  await web.start();
}, 30_000);

afterAll(async () => {
  await web?.stop();
  await hub?.close();
  for (const db of dbs.values()) await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; type: string; headers: Headers; text: string }> {
  const res = await fetch(`${web.url}${path}`, { redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, text: await res.text() };
}

/** The row of the areas table that names `id`. */
const rowOf = (page: string, id: string): string => page.split('<tr>').find((r) => r.includes(`(${id})`)) ?? '';

async function octoberPlays(): Promise<number> {
  let plays = 0;
  for (const db of dbs.values()) plays += (await computeReport(db, { period: october, now: NOW, clock })).totals.plays;
  return plays;
}

describe('the province view', () => {
  it('listens on loopback and shows the current month with every area, the late one and the refusals', async () => {
    expect(new URL(web.url).hostname).toBe('127.0.0.1');
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).not.toContain('<script');
    expect(page.text).toContain('Tháng 11 năm 2025');
    expect(page.text).toContain('TỈNH THANH HÓA');
    expect(rowOf(page.text, 'trieu-son')).toContain('01/11/2025');
    expect(rowOf(page.text, 'trieu-son')).toContain('đúng hạn');
    expect(rowOf(page.text, 'trieu-son')).toContain('sai chữ ký: 1');
    expect(rowOf(page.text, 'hau-loc')).toContain('31/10/2025');
    expect(rowOf(page.text, 'hau-loc')).toContain('chậm 1 ngày');
    expect(page.text).toContain('Khu vực chậm hoặc có vấn đề: Hậu Lộc, nga-son.');
    expect(page.text.split('<tr>').find((r) => r.startsWith('<td>nga-son</td>'))).toContain('khu vực chưa đăng ký: 1');
    expect(page.text).toContain('href="/report?period=2025-11&amp;format=csv"');
    expect(page.text).toContain('href="/areas/hau-loc?period=2025-11"');
  });

  it("shows a chosen period's figures, the sum of the areas' own reports", async () => {
    const plays = await octoberPlays();
    expect(plays).toBeGreaterThan(0);
    const page = await get('/?period=2025-10');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Tháng 10 năm 2025');
    expect(page.text).toContain(`đã phát ${formatNumber(plays, 'vi')} lượt`);
    expect(page.text).toContain('<input name="period" value="2025-10"');
  });

  it('downloads the CSV and the JSON with their type, file name and header', async () => {
    const csv = await get('/report?period=2025-10&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-toan-tinh-2025-10.csv"');
    const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toMatch(/^Kỳ báo cáo,Mã khu vực,Khu vực,Mã xã,Xã,Số xe,/);
    const total = lines.find((l) => l.includes(',Toàn tỉnh,'))!.split(',');
    expect(Number(total[9])).toBe(await octoberPlays());
    const json = await get('/report?period=2025-Q4&format=json');
    expect(json.type).toBe('application/json; charset=utf-8');
    expect(json.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-toan-tinh-2025-Q4.json"');
    expect(JSON.parse(json.text)).toMatchObject({ period: { id: '2025-Q4' }, lang: 'vi', areas: [{ areaId: 'hau-loc' }, { areaId: 'trieu-son' }] });
    const html = await get('/report?period=2025');
    expect(html.type).toBe('text/html; charset=utf-8');
    expect(html.text).toContain('Năm 2025');
    expect(html.text).not.toContain('class="hub"');
  });

  it('answers a bad period with 400 and one line saying the accepted forms, in the chosen language', async () => {
    const vi = await get('/report?period=2025-13&format=csv');
    expect(vi.status).toBe(400);
    expect(vi.type).toBe('text/plain; charset=utf-8');
    expect(vi.text).toBe(`${new InvalidPeriodError('2025-13', 'vi').message}\n`);
    expect(vi.text).toMatch(/^Kỳ báo cáo không hợp lệ: "2025-13"\. Hãy dùng .*2026-11 \(tháng\), 2026-Q4 \(quý\).*2026 \(năm\)\.\n$/);
    const en = await get('/?period=last-month&lang=en');
    expect(en.status).toBe(400);
    expect(en.text).toBe(`${new InvalidPeriodError('last-month', 'en').message}\n`);
    expect((await get('/report?format=pdf')).status).toBe(400);
    expect((await get('/?lang=fr')).status).toBe(400);
  });

  it("shows one area's report as the area renders it, and 404 for an unknown area", async () => {
    const own = await computeReport(dbs.get('trieu-son')!, { period: october, now: NOW, clock });
    const page = await get('/areas/trieu-son?period=2025-10');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Khu vực Triệu Sơn (trieu-son)');
    expect(page.text).toContain(`đã phát ${formatNumber(own.totals.plays, 'vi')} lượt`);
    expect(page.text).toContain('<b>TỈNH THANH HÓA</b>');
    expect(page.text).toContain('Kính gửi: Công an tỉnh (PV05); Tỉnh đoàn.');
    const unknown = await get('/areas/nga-son');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('Không có khu vực "nga-son" ở trung tâm tỉnh: xem danh sách ở trang chủ (/).\n');
    expect((await get('/areas/nga-son?lang=en')).text).toMatch(/^There is no area "nga-son"/);
  });

  it('speaks English with ?lang=en, and keeps it in its links', async () => {
    const page = await get('/?period=2025-10&lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('October 2025');
    expect(page.text).toContain('PROVINCE REPORT');
    expect(rowOf(page.text, 'hau-loc')).toContain('1 day(s) late');
    expect(rowOf(page.text, 'trieu-son')).toContain('bad signature: 1');
    expect(page.text).toContain('href="/report?period=2025-10&amp;format=csv&amp;lang=en"');
    expect(page.text).toContain('href="/?period=2025-10">Tiếng Việt</a>');
    const csv = await get('/report?period=2025-10&format=csv&lang=en');
    expect(csv.text.replace(/^\uFEFF/, '')).toMatch(/^Period,Area id,Area,/);
    const area = await get('/areas/hau-loc?period=2025-10&lang=en');
    expect(area.text).toContain('Area Hậu Lộc (hau-loc)');
    expect(area.text).toContain('RESULTS BY COMMUNE');
  });

  it('is read-only: a POST is refused', async () => {
    const res = await fetch(`${web.url}/report?period=2025-10`, { method: 'POST' });
    expect(res.status).toBe(405);
  });

  it('refuses a page asked for by another host name (a web site rebinding its name to loopback)', async () => {
    const status = (host: string): Promise<number | undefined> =>
      new Promise((resolve, reject) => {
        httpGet(`${web.url}/`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
    expect(await status(`evil.example:${web.port}`)).toBe(403);
    expect(await status(`localhost:${web.port}`)).toBe(200);
    expect(hostAllowed('[::1]:8090', '127.0.0.1')).toBe(true);
    expect(hostAllowed('hub.tinh.vpn:8090', '10.8.0.1')).toBe(true);
  });
});

describe('the parts of the view', () => {
  it('words an area as the 2021 plan did when the hub names no province', () => {
    const legacy = areaHeading(validateHubConfig(undefined).heading, { name: 'Triệu Sơn', provinceCode: null });
    expect(legacy.legacy).toBe(true);
    expect(legacy.board).toContain('HUYỆN TRIỆU SƠN');
    const province = areaHeading(heading, { name: 'Triệu Sơn', provinceCode: '38' });
    expect(province).toMatchObject({ legacy: false, board: 'TỈNH THANH HÓA', place: 'Thanh Hóa', wholeScope: { vi: 'Triệu Sơn' }, recipients: ['Công an tỉnh (PV05)', 'Tỉnh đoàn', 'Lưu: VT'] });
  });

  it('counts an area late from the last day it could have delivered, whatever the hour of the day', () => {
    const areas = [{ id: 'a', name: 'A' }];
    const held = (lastDay: string | null) => [{ area: 'a', last: null, lastDay }];
    // 01:30 on 3 November: 2 November is not final before 01:00 and may take up to an hour more to arrive.
    const early = parsePeriod('2025-11').start + 2 * 86_400 + 5400;
    expect(areaStatus(areas, held('2025-11-01'), [], early)[0]!.daysLate).toBe(0);
    expect(areaStatus(areas, held('2025-11-01'), [], early + 3600)[0]!.daysLate).toBe(1);
    expect(areaStatus(areas, held(null), [], early)[0]!.daysLate).toBeNull();
    expect(areaStatus(areas, held('2025-11-01'), [{ area: 'a', outcome: 'duplicate', n: 3 }], early)[0]!.refused).toEqual([]);
  });

  it('listens on 127.0.0.1:8090 by default; null turns the view off; the port is checked', () => {
    expect(validateHubConfig(undefined).http).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(validateHubConfig({ http: { port: 9000 } }).http).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(validateHubConfig({ http: null }).http).toBeNull();
    expect(() => validateHubConfig({ http: { port: 70_000 } })).toThrow(ConfigError);
  });
});

/** `loa province run` in-process: what it has printed so far, and its exit code once a stop signal ended it. */
function startRun(args: string[]): { err: () => string; code: Promise<number> } {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end();
  let text = '';
  out.resume();
  err.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { err: () => text, code: main(['province', 'run', ...args], { stdout: out, stderr: err, stdin: input, env: {} }) };
}

describe.skipIf(missing('mosquitto'))('loa province run', () => {
  it('serves the province view beside the MQTT side, says where, and stops it at the stop signal', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'loa-hub-run-'));
    const broker = await startMosquitto({ dir: runDir, conf: (port) => `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n` });
    const blocker = createServer();
    try {
      const file = join(runDir, 'hub.json');
      const config = (http: unknown): string =>
        JSON.stringify({ dataDir: join(runDir, 'hub'), broker: { url: broker.url, username: 'loa_hub', password: 'not-checked-here' }, heading: { province: 'Thanh Hóa' }, http });
      await writeFile(file, config({ host: '127.0.0.1', port: 0 }));
      const run = startRun(['--config', file]);
      await until(() => run.err().includes('Ctrl-C'), `the running lines (${run.err()})`, 4000);
      const url = /Trang toàn tỉnh: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(run.err())?.[1];
      expect(url, run.err()).toBeDefined();
      const page = await fetch(`${url!}/?lang=en`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Province hub Thanh Hóa');
      process.emit('SIGTERM');
      expect(await run.code).toBe(0);
      expect(run.err()).toContain('Đã dừng.');
      await expect(fetch(`${url!}/`)).rejects.toThrow();

      // A port already taken: one line saying what to change, and the hub does not run.
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const taken = (blocker.address() as AddressInfo).port;
      await writeFile(file, config({ port: taken }));
      const busy = startRun(['--config', file]);
      expect(await busy.code).toBe(1);
      expect(busy.err()).toBe(`loa province run: không mở được trang toàn tỉnh ở 127.0.0.1:${taken} (EADDRINUSE). Đổi "http" trong --config (hoặc "http": null để tắt trang).\n`);
    } finally {
      blocker.close();
      await broker.stop();
      await rm(runDir, { recursive: true, force: true });
    }
  }, 15_000);
});
