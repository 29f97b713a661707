// The officers' console in a real browser (Debian's Chromium through playwright-core) against a real controller
// serving the built dist/web, with carts that send real signed frames over MQTT. At a desktop size and a phone size:
// logging in through the page, the fleet on the map and in the list, a fix moving its marker, a clip submitted,
// approved and published into the next signed manifest, the report beside `loa report --format json`, its DOCX, an
// axe-core check and a screenshot of every page, and not one request to another host.
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../controller/app/config.js';
import { DistrictController } from '../../controller/app/controller.js';
import type { Unit } from '../../controller/fleet/registry.js';
import { buildReport, legacyHeading, parsePeriod } from '../../controller/reports/index.js';
import type { Role } from '../../controller/users/roles.js';
import { openSigned, publicKeyFromRaw, type Fix, type Message } from '../../protocol/index.js';
import { launchChromium } from '../../tools/chromium.js';
import { fmtNumber } from '../../web/src/lib/format.js';
import { TestCart } from '../controller/app/harness.js';
import { missing } from '../support/tools.js';
import { docText, expectAccessible, logIn as kitLogIn, vnMonth, watchedContext, type Watch } from './console-kit.js';
import { until } from '../support/wait.js';
import { zipText } from '../support/zip.js';
import { toneWav } from '../support/wav.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'dist', 'web');
const SHOTS = join(ROOT, 'test-results', 'console');
const built = existsSync(join(WEB, 'index.html'));
if (!built) console.warn('[skip] dist/web/index.html is missing (npm test builds it first): the console browser tests are skipped.');
const noBrowser = missing('chromium');

const PASSWORD = 'mat-khau-thu-nghiem';
const USERS: { name: string; role: Role; displayName: string }[] = [
  { name: 'quan-tri', role: 'admin', displayName: 'Nguyễn Văn Quản' },
  { name: 'ca-huyen', role: 'approver', displayName: 'Trần Thị Duyệt' },
  { name: 'phong-vh', role: 'submitter', displayName: 'Lê Văn Gửi' },
  { name: 'xem', role: 'viewer', displayName: 'Phạm Thị Xem' },
  { name: 'ky-thuat', role: 'technician', displayName: 'Hoàng Văn Kỹ' },
];
const PLACES = [
  { id: 'dan-luc-01', commune: 'dan-luc', team: 'dan-luc-ttt', plays: 4 },
  { id: 'dan-luc-02', commune: 'dan-luc', team: 'dan-luc-ttt', plays: 0 },
  { id: 'dinh-tan-01', commune: 'dinh-tan', team: 'dinh-tan-ttt', plays: 2 },
];
const ENERGY = [
  { minutesLeft: 80, minutesLeftNoSun: 55, reserveMinutes: 15, minutesToFull: null, healthPercent: 86 },
  { minutesLeft: 1440, minutesLeftNoSun: 300, reserveMinutes: 40, minutesToFull: 120, healthPercent: null },
];
const SIZES = [
  { width: 1366, height: 768 },
  { width: 360, height: 640 },
] as const;


/** The month (YYYY-MM) of a Unix time in Vietnam (UTC+7, no daylight saving). */


/** The last `translate(Xpx, Ypx)` of a MapLibre marker's transform: where it sits on the map, in pixels. */
function markerXY(transform: string): [number, number] {
  const all = [...transform.matchAll(/translate\(\s*(-?[\d.]+)px,\s*(-?[\d.]+)px\)/g)];
  const last = all.at(-1);
  if (!last) throw new Error(`no pixel translate in the marker's transform ${JSON.stringify(transform)}`);
  return [Number(last[1]), Number(last[2])];
}


async function shoot(page: Page, name: string, size: { width: number; height: number }): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}-${size.width}x${size.height}.png`), fullPage: true });
}

describe.skipIf(noBrowser || !built)('the officers’ console in Chromium', () => {
  let dir: string;
  let controller: DistrictController;
  let base: string;
  let browser: Browser;
  const carts = new Map<string, TestCart>();
  const units = new Map<string, Unit>();
  /** Every URL the pages asked for that is not the controller's. */
  const watch: Watch = { foreign: [], pageErrors: [], cspErrors: [] };
  const { foreign, pageErrors, cspErrors } = watch;
  /** The fix each cart sent last; a test moves one from there. */
  const lastFix = new Map<string, Fix>();
  let playsInPeriod = 0;
  let period: string;

  const fixOf = (lat: number, lon: number): Fix => ({ type: 'fix', time: Math.floor(Date.now() / 1000), lat, lon, speed: 1.2, course: 10, hdop: 0.9, satellites: 9, quality: 'gps' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-console-e2e-'));
    const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
    // The controller's clock is the real one (fixes carry real GNSS times), except that the carts are registered two
    // hours back: the report counts no play that starts before its cart's registration.
    let lagMs = 2 * 3600_000;
    controller = new DistrictController({ config, webDir: WEB, clock: () => Date.now() - lagMs });
    await controller.start();
    base = controller.httpUrl;
    const registry = controller.registry;
    await registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
    await registry.addCommune({ id: 'dinh-tan', name: 'Xã Định Tân' });
    await registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
    await registry.addTeam({ id: 'dinh-tan-ttt', commune: 'dinh-tan', name: 'Tổ tuyên truyền Định Tân' });
    for (const u of USERS) await controller.users.add({ ...u, password: PASSWORD });

    const creds = new Map<string, Awaited<ReturnType<typeof registry.addUnit>>>();
    for (const p of PLACES) creds.set(p.id, await registry.addUnit({ id: p.id, commune: p.commune, team: p.team, profile: 'pi-zero-2w' }));
    lagMs = 0;
    const now = Math.floor(Date.now() / 1000);
    // The plays lie in the hour before now; the report is the Vietnamese month of half an hour ago.
    period = vnMonth(now - 1800);
    for (const [i, p] of PLACES.entries()) {
      const cred = creds.get(p.id)!;
      units.set(p.id, cred.unit);
      const cart = await TestCart.connect(controller.brokerUrl, cred, controller.districtPublicKeyHex);
      carts.set(p.id, cart);
      const fix = fixOf(config.district.origin.lat + 0.01 * (i - 1), config.district.origin.lon + 0.012 * (i - 1));
      lastFix.set(p.id, fix);
      const plays: Message[] = Array.from({ length: p.plays }, (_, k) => {
        const start = now - 3300 + k * 600 + i * 60;
        if (vnMonth(start) === period) playsInPeriod++;
        return { type: 'play', record: cart.nextRecord(), start: { time: start, source: 'gnss' }, clip: 'c-0001', manifestVersion: 1, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60 };
      });
      const telemetry: Message = { type: 'telemetry', batteryMv: 12_400 - i * 300, soc: 80 - i * 25, state: { amplifierOn: false, relayOn: false, player: 'idle' }, volume: 60 };
      // The first cart's forecast: 1 h 20 min left, health 86 %; the second one's: a day or more, charging.
      if (i < ENERGY.length) telemetry.energy = ENERGY[i];
      await cart.send([telemetry, fix, ...plays]);
      await until(() => plays.every((m) => m.type === 'play' && cart.acked.has(m.record)), `the acks of ${p.id}'s plays`);
    }
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const cart of carts.values()) await cart.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const newContext = (size: { width: number; height: number }): Promise<BrowserContext> => watchedContext(browser, base, size, watch);

  const logIn = (page: Page, name: string): Promise<void> => kitLogIn(page, base, name, PASSWORD);

  for (const size of SIZES) {
    describe(`at ${size.width}×${size.height}`, () => {
      let approver: BrowserContext;
      let submitter: BrowserContext;
      let page: Page;
      const title = `Phòng cháy chữa cháy mùa khô (${size.width})`;
      let clipId = '';

      beforeAll(async () => {
        approver = await newContext(size);
        submitter = await newContext(size);
        page = await approver.newPage();
      });

      afterAll(async () => {
        await approver?.close();
        await submitter?.close();
      });

      it('logs in through the page and shows every cart on the map and in the list', async () => {
        await page.goto(`${base}/`);
        await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
        await shoot(page, 'login', size);
        await expectAccessible(page, 'the login page');
        await logIn(page, 'ca-huyen');
        await page.getByRole('heading', { name: 'Xe loa (3)' }).waitFor();
        await expect.poll(() => page.locator('table.units tbody tr').count()).toBe(3);
        for (const id of units.keys()) await page.locator(`a.cart-marker[href="/xe/${id}"]`).waitFor();
        await page.getByText('Cập nhật trực tiếp', { exact: true }).waitFor();
        const rows = await page.locator('table.units tbody tr').allInnerTexts();
        expect(rows.join('\n')).toContain('Xã Định Tân');
        expect(rows.join('\n')).toContain('Tổ tuyên truyền Dân Lực');
        expect(rows.join('\n')).toContain('Còn phát ≈ 1 giờ 20 phút');
        expect(rows.join('\n')).toContain('Còn phát ≈ hơn một ngày · đang sạc, đầy sau 2 giờ');
        await shoot(page, 'overview', size);
        await expectAccessible(page, 'the overview');
      });

      it('moves a cart’s marker within 2 s of the fix the cart sends', async () => {
        const marker = page.locator('a.cart-marker[href="/xe/dan-luc-01"]');
        const read = (): Promise<string> => marker.evaluate((el) => (el as unknown as { style: { transform: string } }).style.transform);
        // The map has framed the fleet; wait until the marker stands still.
        let before = await read();
        await until(async () => {
          await new Promise((r) => setTimeout(r, 150));
          const now = await read();
          const still = now === before;
          before = now;
          return still;
        }, 'the marker to stand still', 5000, 0);
        const handle = await marker.elementHandle();
        const old = lastFix.get('dan-luc-01')!;
        const moved = fixOf(old.lat + 0.004, old.lon);
        const started = performance.now();
        await carts.get('dan-luc-01')!.send([moved]);
        await page.waitForFunction(([el, was]) => (el as unknown as { style: { transform: string } }).style.transform !== was, [handle, before] as const, { polling: 'raf', timeout: 2000 });
        const ms = performance.now() - started;
        console.log(`[console ${size.width}×${size.height}] fix published → marker moved: ${ms.toFixed(0)} ms`);
        expect(ms).toBeLessThan(2000);
        lastFix.set('dan-luc-01', moved);
        // North is up: the marker went up the screen, not sideways.
        const [x0, y0] = markerXY(before);
        const [x1, y1] = markerXY(await read());
        expect(y1).toBeLessThan(y0);
        expect(Math.abs(x1 - x0)).toBeLessThan(1);
      });

      it('opens a cart’s page and the commands page', async () => {
        const number = units.get('dan-luc-01')!.number;
        await page.getByRole('link', { name: `Xe loa số ${number}`, exact: true }).click();
        await page.waitForURL(`${base}/xe/dan-luc-01`);
        await page.getByRole('heading', { level: 1, name: `Xe loa số ${number}` }).waitFor();
        await page.getByText('Pin: còn ≈ 86 % dung lượng').waitFor();
        await page.getByText('Dự phòng cho tin khẩn cấp: 15 phút', { exact: false }).waitFor();
        await shoot(page, 'unit', size);
        await expectAccessible(page, 'a cart’s page');
        await page.getByRole('navigation', { name: 'Các trang' }).getByRole('link', { name: 'Lệnh' }).click();
        await page.getByRole('heading', { name: 'Lệnh điều khiển' }).waitFor();
        await page.getByRole('heading', { name: 'Kết quả lệnh' }).waitFor();
        await shoot(page, 'commands', size);
        await expectAccessible(page, 'the commands page');
      });

      it('opens the software page: each cart’s version, no rollout yet', async () => {
        await page.getByRole('navigation', { name: 'Các trang' }).getByRole('link', { name: 'Phiên bản' }).click();
        await page.getByRole('heading', { level: 1, name: 'Phiên bản phần mềm xe loa' }).waitFor();
        await page.getByText('Chưa có đợt cập nhật nào', { exact: false }).waitFor();
        await expect.poll(() => page.locator('.releases table tbody tr').count()).toBe(3);
        await shoot(page, 'releases', size);
        await expectAccessible(page, 'the software page');
      });

      it('lets a submitter upload a clip, and never offers the submitter approval', async () => {
        const sub = await submitter.newPage();
        await logIn(sub, 'phong-vh');
        await sub.getByRole('heading', { name: 'Nội dung tuyên truyền' }).waitFor();
        // A submitter cannot read the fleet: no overview in the navigation; it records its team's activities.
        expect(await sub.getByRole('navigation', { name: 'Các trang' }).getByRole('link').allInnerTexts()).toEqual(['Nội dung', 'Hoạt động']);
        await sub.getByLabel('Tiêu đề').fill(title);
        await sub.getByLabel('Tệp âm thanh (WAV hoặc MP3, tối đa 50 MB)').setInputFiles({ name: 'phong-chay.wav', mimeType: 'audio/wav', buffer: toneWav(2) });
        await sub.getByRole('button', { name: 'Gửi để duyệt' }).click();
        const heading = sub.getByRole('heading', { name: new RegExp(`— ${title.replace(/[()]/g, '\\$&')}$`) });
        await heading.waitFor();
        clipId = (await heading.innerText()).split(' — ')[0]!;
        expect(clipId).toMatch(/^c-\d+$/);
        await sub.getByRole('heading', { name: 'Lịch sử xử lý' }).waitFor();
        expect(await sub.getByRole('button', { name: 'Phê duyệt' }).count()).toBe(0);
        expect(await sub.getByRole('button', { name: 'Phát hành ngay' }).count()).toBe(0);
        await sub.getByRole('button', { name: 'Rút bản tin' }).waitFor();
        await shoot(sub, 'content-submitter', size);
        await expectAccessible(sub, 'the content page of a submitter');
        await sub.close();
      });

      it('lets an approver approve the clip and publish it: the next signed manifest lists it', async () => {
        expect(clipId, 'the clip of the previous test').not.toBe('');
        await page.getByRole('navigation', { name: 'Các trang' }).getByRole('link', { name: 'Nội dung' }).click();
        await page.getByRole('row', { name: new RegExp(clipId) }).getByRole('button', { name: 'Nghe và xử lý' }).click();
        await page.getByRole('button', { name: 'Phê duyệt', exact: true }).click();
        await page.getByRole('button', { name: 'Xác nhận phê duyệt' }).click();
        const detail = page.locator('section.detail');
        await detail.getByText('Đã duyệt', { exact: true }).waitFor();
        const before = (await controller.publisher.latest())?.version ?? 0;
        await page.getByRole('button', { name: 'Phát hành ngay' }).click();
        const done = page.getByText(/Đã phát hành danh sách phát phiên bản \d+/);
        await done.waitFor();
        const version = Number(/phiên bản (\d+)/.exec(await done.innerText())![1]);
        expect(version).toBe(before + 1);
        const res = await fetch(`${base}/content/manifest`);
        expect(res.status).toBe(200);
        const key = publicKeyFromRaw(Buffer.from(controller.districtPublicKeyHex, 'hex'));
        const body = openSigned(Buffer.from(await res.arrayBuffer()), [key]).body;
        if (body.type !== 'manifest') throw new Error(`the latest manifest opened as a ${body.type}`);
        expect(res.headers.get('x-loa-manifest-version')).toBe(String(version));
        expect(body.manifest.clips.map((c) => c.id)).toContain(clipId);
        await shoot(page, 'content', size);
        await expectAccessible(page, 'the content page of an approver');
      });

      it('shows the report of the period with the totals of loa report --format json, and downloads its DOCX', async () => {
        await page.getByRole('navigation', { name: 'Các trang' }).getByRole('link', { name: 'Báo cáo' }).click();
        await page.getByRole('heading', { name: 'Báo cáo' }).first().waitFor();
        const [year, month] = period.split('-').map(Number) as [number, number];
        // A select's name is its label and its chosen option ("Năm 2026"): matched by how it starts.
        await page.getByRole('combobox', { name: /^Loại kỳ/ }).selectOption('month');
        await page.getByRole('combobox', { name: /^Năm/ }).selectOption(String(year));
        await page.getByRole('combobox', { name: /^Tháng/ }).selectOption(String(month));
        const answer = page.waitForResponse((r) => r.url().includes(`period=${period}&`) && r.url().includes('format=json'));
        await page.getByRole('button', { name: 'Xem báo cáo' }).click();
        const shown = (await (await answer).json()) as { totals: Record<string, number>; communes: unknown[] };
        const expected = JSON.parse(
          (await buildReport(controller.db, controller.library, { period: parsePeriod(period, 'vi'), now: Math.floor(Date.now() / 1000), format: 'json', lang: 'vi', heading: legacyHeading('Triệu Sơn') })).toString('utf8'),
        ) as typeof shown;
        expect(shown.totals).toEqual(expected.totals);
        expect(shown.communes).toEqual(expected.communes);
        expect(expected.totals.plays).toBe(playsInPeriod);
        expect(playsInPeriod).toBeGreaterThan(0);
        const total = page.locator('tr.total');
        await total.waitFor();
        const cells = await total.locator('td').allInnerTexts();
        expect(cells[0]).toBe(fmtNumber(expected.totals.units!, 'vi'));
        expect(cells[1]).toBe(fmtNumber(expected.totals.broadcastSeconds! / 3600, 'vi', 1));
        expect(cells[2]).toBe(fmtNumber(expected.totals.plays!, 'vi'));
        await shoot(page, 'reports', size);
        await expectAccessible(page, 'the reports page');

        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải văn bản DOCX' }).click()]);
        expect(download.suggestedFilename()).toBe(`bao-cao-${period}.docx`);
        const text = docText(zipText(await readFile((await download.path())!), 'word/document.xml'));
        expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
        expect(text).toContain('BÁO CÁO');
        expect(text).toContain('Xã Dân Lực');
        expect(text).toContain('Xã Định Tân');
        expect(text).toContain('Tổ tuyên truyền Dân Lực');
      });

      it('shows an administrator every user', async () => {
        const admin = await newContext(size);
        try {
          const p = await admin.newPage();
          await logIn(p, 'quan-tri');
          await p.getByRole('navigation', { name: 'Các trang' }).getByRole('link', { name: 'Người dùng' }).click();
          await p.getByRole('heading', { name: 'Người dùng' }).first().waitFor();
          for (const u of USERS) await p.getByRole('cell', { name: u.displayName, exact: true }).waitFor();
          await shoot(p, 'users', size);
          await expectAccessible(p, 'the users page');
        } finally {
          await admin.close();
        }
      });
    });
  }

  it('asked no host but the controller for anything, broke no CSP rule and threw no error', () => {
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
