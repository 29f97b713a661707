// The board's three console pages (Hoạt động, Sơ kết, Khen thưởng) in a real browser (Debian's Chromium through
// playwright-core) against a real controller serving the built dist/web: a submitter records an activity with a
// photo, an approver confirms it, opens the month's review, edits a section and saves it (and meets someone else's
// newer save), finalises it and downloads its DOCX; the rewards page shows the proposal and takes the board's
// addition; a viewer reads the three pages at a phone's width without any writing control; axe-core finds no
// serious violation on any of them, and no request leaves the controller.
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { png } from '../../tools/images.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../controller/app/config.js';
import { DistrictController } from '../../controller/app/controller.js';
import type { Role } from '../../controller/users/roles.js';
import { launchChromium } from '../../tools/chromium.js';
import { missing } from '../support/tools.js';
import { docText, expectAccessible, logIn as kitLogIn, vnMonth, watchedContext, type Watch } from './console-kit.js';
import { zipText } from '../support/zip.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'dist', 'web');
const SHOTS = join(ROOT, 'test-results', 'board-console');
const built = existsSync(join(WEB, 'index.html'));
if (!built) console.warn('[skip] dist/web/index.html is missing (npm run build:web makes it): the board console browser tests are skipped.');
const noBrowser = missing('chromium');

const PASSWORD = 'mat-khau-thu-nghiem';
const USERS: { name: string; role: Role; displayName: string }[] = [
  { name: 'ca-huyen', role: 'approver', displayName: 'Trần Thị Duyệt' },
  { name: 'phong-vh', role: 'submitter', displayName: 'Lê Văn Gửi' },
  { name: 'xem', role: 'viewer', displayName: 'Phạm Thị Xem' },
];


/** A full-page screenshot for a person to look at (CI keeps test-results/). */
async function shoot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize()!;
  await page.screenshot({ path: join(SHOTS, `${name}-${size.width}x${size.height}.png`), fullPage: true });
}



describe.skipIf(noBrowser || !built)('the board’s pages of the console in Chromium', () => {
  let dir: string;
  let controller: DistrictController;
  let base: string;
  let browser: Browser;
  let approver: BrowserContext;
  let page: Page;
  const watch: Watch = { foreign: [], pageErrors: [], cspErrors: [] };
  const { foreign, pageErrors, cspErrors } = watch;
  let period = '';
  let activityId = 0;
  let reviewId = 0;
  const edited = 'Các tổ đã tuyên truyền miệng tại Thôn 3, kiểm tra trên trình duyệt.';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-board-e2e-'));
    const config = validateControllerConfig({ dataDir: join(dir, 'data'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
    controller = new DistrictController({ config, webDir: WEB });
    await controller.start();
    base = controller.httpUrl;
    const registry = controller.registry;
    await registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
    await registry.addCommune({ id: 'dinh-tan', name: 'Xã Định Tân' });
    await registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
    await registry.addTeam({ id: 'dinh-tan-ttt', commune: 'dinh-tan', name: 'Tổ tuyên truyền Định Tân' });
    await registry.addMember({ team: 'dan-luc-ttt', name: 'Nguyễn Văn An', role: 'leader' });
    await registry.addMember({ team: 'dan-luc-ttt', name: 'Lê Thị Bình' });
    await registry.addMember({ team: 'dinh-tan-ttt', name: 'Hoàng Văn Cường' });
    for (const u of USERS) await controller.users.add({ ...u, password: PASSWORD });
    period = vnMonth(Math.floor(Date.now() / 1000));
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    approver = await newContext({ width: 1366, height: 768 });
    page = await approver.newPage();
  });

  afterAll(async () => {
    await approver?.close();
    await browser?.close();
    await controller?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const newContext = (size: { width: number; height: number }): Promise<BrowserContext> => watchedContext(browser, base, size, watch);

  const logIn = (page: Page, name: string): Promise<void> => kitLogIn(page, base, name, PASSWORD);

  const nav = (p: Page) => p.getByRole('navigation', { name: 'Các trang' });

  it('lets a submitter record an activity with its members and a photo, and offers no confirmation', async () => {
    const context = await newContext({ width: 1366, height: 768 });
    try {
      const sub = await context.newPage();
      await logIn(sub, 'phong-vh');
      expect(await nav(sub).getByRole('link').allInnerTexts()).toEqual(['Nội dung', 'Hoạt động']);
      await nav(sub).getByRole('link', { name: 'Hoạt động' }).click();
      await sub.getByRole('heading', { level: 1, name: 'Hoạt động của các tổ' }).waitFor();
      await sub.getByRole('button', { name: 'Ghi nhận hoạt động mới' }).click();
      const form = sub.getByRole('form', { name: 'Ghi nhận hoạt động mới' });
      await form.getByLabel('Loại hoạt động').selectOption({ label: 'Tuyên truyền miệng' });
      // A day inside the month the review will cover, whatever the time of day the test runs at.
      await form.getByLabel('Ngày').fill(`${period}-02`);
      await form.getByLabel('Giờ').fill('19:30');
      await form.getByRole('combobox', { name: 'Xã' }).selectOption({ label: 'Xã Dân Lực' });
      await form.getByRole('combobox', { name: 'Tổ' }).selectOption({ label: 'Tổ tuyên truyền Dân Lực' });
      await form.getByRole('checkbox', { name: 'Nguyễn Văn An' }).check();
      await form.getByLabel('Địa điểm (thôn, xóm)').fill('Thôn 3');
      await form.getByLabel('Số người được tuyên truyền').fill('120');
      await form.getByLabel('Ghi chú').fill('Tuyên truyền phòng chống ma tuý');
      await form.getByLabel(/^Ảnh/).setInputFiles({ name: 'thon-3.png', mimeType: 'image/png', buffer: png(64, 48, [0x2a, 0x7a, 0xc0]) });
      await form.getByRole('button', { name: 'Gửi để xác nhận' }).click();
      const heading = sub.getByRole('heading', { level: 2, name: /^HD-\d+ — Tuyên truyền miệng$/ });
      await heading.waitFor();
      activityId = Number(/HD-(\d+)/.exec(await heading.innerText())![1]);
      // The record as stored: the form's fields, the member ticked, the photo.
      const stored = await controller.board.activities.get(activityId);
      expect(stored).toMatchObject({ kind: 'oral', communeId: 'dan-luc', teamId: 'dan-luc-ttt', place: 'Thôn 3', peopleReached: 120, status: 'submitted', submitter: 'phong-vh' });
      expect(stored.members.map((m) => m.name)).toEqual(['Nguyễn Văn An']);
      expect(stored.photos).toHaveLength(1);
      // 19:30 on the 2nd, Vietnam time, whatever the browser's zone (Los Angeles here).
      expect(new Date((stored.at + 7 * 3600) * 1000).toISOString().slice(0, 16)).toBe(`${period}-02T19:30`);
      // The thumbnail comes from the photo route and is drawn.
      const img = sub.getByRole('img', { name: `Ảnh 1 của hoạt động HD-${activityId}` });
      await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
      await sub.getByRole('button', { name: 'Rút', exact: true }).waitFor();
      expect(await sub.getByRole('button', { name: 'Xác nhận', exact: true }).count()).toBe(0);
      expect(await sub.getByRole('button', { name: 'Trả lại', exact: true }).count()).toBe(0);
      await shoot(sub, 'activities-submitter');
      await expectAccessible(sub, 'the activities page of a submitter');
    } finally {
      await context.close();
    }
  });

  it('lets an approver confirm the activity', async () => {
    expect(activityId, 'the activity of the previous test').toBeGreaterThan(0);
    await logIn(page, 'ca-huyen');
    await nav(page).getByRole('link', { name: 'Hoạt động' }).click();
    await page.getByRole('button', { name: `Xem hoạt động HD-${activityId}` }).click();
    const detail = page.locator('section.detail');
    await detail.getByRole('button', { name: 'Xác nhận', exact: true }).click();
    await detail.getByRole('button', { name: 'Xác nhận hoạt động' }).click();
    await detail.getByText('Đã xác nhận', { exact: true }).waitFor();
    expect((await controller.board.activities.get(activityId)).status).toBe('confirmed');
    await detail.getByRole('cell', { name: 'Xác nhận', exact: true }).waitFor();
    await expectAccessible(page, 'the activities page of an approver');
  });

  it('lets an approver return an activity with a reason, and its submitter correct and resubmit it', async () => {
    // A second activity of the submitter's, recorded through the service (the form was the first test's).
    const [year, month] = period.split('-').map(Number) as [number, number];
    const at = Date.UTC(year, month - 1, 3, 1, 15) / 1000; // 08:15 on the 3rd, Vietnam time
    const made = await controller.board.activities.record({ name: 'phong-vh', role: 'submitter' }, { kind: 'leaflets', at, commune: 'dinh-tan', team: 'dinh-tan-ttt', peopleReached: 30 });
    const id = made.id;
    await page.getByRole('combobox', { name: /^Trạng thái/ }).selectOption({ label: 'Chờ xác nhận' });
    await page.getByRole('button', { name: `Xem hoạt động HD-${id}` }).click();
    const detail = page.locator('section.detail');
    await detail.getByRole('button', { name: 'Trả lại', exact: true }).click();
    await detail.getByLabel('Lý do trả lại (người gửi sẽ đọc)').fill('Ghi thiếu thành viên');
    await detail.getByRole('button', { name: 'Trả lại kèm lý do' }).click();
    await detail.getByText('Ghi thiếu thành viên', { exact: true }).first().waitFor();
    expect(await controller.board.activities.get(id)).toMatchObject({ status: 'returned', reason: 'Ghi thiếu thành viên' });
    expect(await detail.getByRole('button', { name: 'Sửa và gửi lại' }).count()).toBe(0);

    const context = await newContext({ width: 1366, height: 768 });
    try {
      const sub = await context.newPage();
      await logIn(sub, 'phong-vh');
      await sub.goto(`${base}/hoat-dong`);
      await sub.getByRole('button', { name: `Xem hoạt động HD-${id}` }).click();
      await sub.locator('section.detail').getByRole('button', { name: 'Sửa và gửi lại' }).click();
      const again = sub.getByRole('form', { name: `Sửa và gửi lại HD-${id}` });
      // The form comes back filled in with the record as stored, in Vietnam time (the browser is in Los Angeles).
      expect(await again.getByLabel('Ngày').inputValue()).toBe(`${period}-03`);
      expect(await again.getByLabel('Giờ').inputValue()).toBe('08:15');
      expect(await again.getByLabel('Số người được tuyên truyền').inputValue()).toBe('30');
      await again.getByRole('checkbox', { name: 'Hoàng Văn Cường' }).check();
      await again.getByLabel('Số người được tuyên truyền').fill('35');
      await again.getByRole('button', { name: 'Gửi lại để xác nhận' }).click();
      await sub.locator('section.detail').getByRole('cell', { name: 'Gửi lại', exact: true }).waitFor();
      await expectAccessible(sub, 'a returned activity corrected by its submitter');
    } finally {
      await context.close();
    }
    const stored = await controller.board.activities.get(id);
    expect(stored).toMatchObject({ status: 'submitted', peopleReached: 35, kind: 'leaflets', teamId: 'dinh-tan-ttt', at });
    expect(stored.members.map((m) => m.name)).toEqual(['Hoàng Văn Cường']);
    await page.getByRole('button', { name: 'Đóng' }).click();
  });

  it('opens the month’s review with the confirmed activity counted, saves an edit, reports a stale save', async () => {
    await nav(page).getByRole('link', { name: 'Sơ kết' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sơ kết, tổng kết' }).waitFor();
    const [year, month] = period.split('-').map(Number) as [number, number];
    await page.getByRole('combobox', { name: /^Loại kỳ/ }).selectOption('month');
    await page.getByRole('combobox', { name: /^Năm/ }).selectOption(String(year));
    await page.getByRole('combobox', { name: /^Tháng/ }).selectOption(String(month));
    await page.getByRole('button', { name: 'Mở báo cáo', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: `Báo cáo Tháng ${month}/${year} — Toàn địa bàn` }).waitFor();
    reviewId = (await controller.board.reviews.list({ period })).find((r) => r.commune === null)!.id;
    // The figure beside the rows it counts: confirmed activities whose time falls in the month.
    const rows = (await controller.db.all<{ at: number }>("SELECT at FROM board_activities WHERE status = 'confirmed'")).filter((r) => vnMonth(r.at) === period);
    expect(rows).toHaveLength(1);
    const table = page.getByRole('region', { name: 'Số liệu: Toàn địa bàn' });
    const cells = await table.getByRole('row', { name: /^Hoạt động đã xác nhận/ }).getByRole('cell').allInnerTexts();
    expect(cells[0]).toBe(String(rows.length));

    const results = page.getByRole('textbox', { name: 'Kết quả', exact: true });
    await results.fill(edited);
    await page.getByRole('button', { name: 'Lưu thành bản mới' }).click();
    await page.getByText('Đã lưu bản số 2.').waitFor();
    let stored = await controller.board.reviews.get(reviewId);
    expect(stored.version).toBe(2);
    expect(stored.sections.results).toBe(edited);

    // Someone else saves version 3 meanwhile; this page's save on version 2 is refused and says so.
    await controller.board.reviews.save({ name: 'quan-tri', role: 'admin' }, reviewId, { lessons: 'Bài học do người khác lưu.' }, 2);
    await page.getByRole('textbox', { name: 'Bài học kinh nghiệm' }).fill('Sửa trên bản cũ');
    await page.getByRole('button', { name: 'Lưu thành bản mới' }).click();
    await page.getByText('Người khác vừa lưu một bản mới hơn', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Tải lại bản mới nhất' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Bài học kinh nghiệm' }).inputValue()).toBe('Bài học do người khác lưu.');
    stored = await controller.board.reviews.get(reviewId);
    expect(stored.version).toBe(3);
    // An older version's text, read back from the versions list.
    await page.getByRole('button', { name: 'Xem bản số 1' }).click();
    await page.locator('.old-version').getByRole('heading', { name: 'Bản số 1' }).waitFor();
    await shoot(page, 'review-approver');
    await expectAccessible(page, 'the review page of an approver');
  });

  it('finalises the review after asking, then shows it read-only and downloads its DOCX', async () => {
    await page.getByRole('button', { name: 'Chốt báo cáo' }).click();
    await page.getByText('Chốt báo cáo? Sau khi chốt', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Xác nhận chốt báo cáo' }).click();
    await page.getByText(/^Đã chốt lúc/).waitFor();
    expect(await page.getByRole('textbox', { name: 'Kết quả', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Lưu thành bản mới' }).count()).toBe(0);
    const stored = await controller.board.reviews.get(reviewId);
    expect(stored.status).toBe('final');
    expect(stored.finalisedBy).toBe('ca-huyen');
    await page.locator('section.detail').getByText(edited).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải văn bản DOCX' }).click()]);
    expect(download.suggestedFilename()).toBe(`bao-cao-so-ket-${period}.docx`);
    const text = docText(zipText(await readFile((await download.path())!), 'word/document.xml'));
    expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(text).toContain(edited);
    expect(text).toContain('Bài học do người khác lưu.');
  });

  it('shows the month’s reward proposal and takes the board’s addition with its reason', async () => {
    await nav(page).getByRole('link', { name: 'Khen thưởng' }).click();
    const [year, month] = period.split('-').map(Number) as [number, number];
    await page.getByRole('heading', { level: 2, name: `Danh sách đề xuất Tháng ${month}/${year}` }).waitFor();
    const proposal = await controller.board.rewards.propose(period);
    const named = proposal.candidates.filter((c) => c.kind === 'team').map((c) => c.name);
    for (const name of named) await page.getByRole('rowheader', { name: new RegExp(name) }).waitFor();
    if (named.length === 0) await page.getByText('Chưa có tổ hay thành viên nào đạt tiêu chí.').waitFor();
    await page.getByRole('heading', { name: 'Tiêu chí đề xuất (kỳ Tháng)' }).waitFor();

    const add = page.getByRole('form', { name: 'Bổ sung tổ hoặc thành viên' });
    await add.getByRole('combobox', { name: 'Tổ' }).selectOption({ label: 'Tổ tuyên truyền Định Tân (Xã Định Tân)' });
    await add.getByLabel('Lý do').fill('Phát hiện, báo tin kịp thời');
    await add.getByRole('button', { name: 'Thêm vào danh sách' }).click();
    const row = page.getByRole('row', { name: /Tổ tuyên truyền Định Tân/ });
    await row.getByText('Ban điều hành bổ sung').waitFor();
    await row.getByText('Phát hiện, báo tin kịp thời').waitFor();
    const after = await controller.board.rewards.propose(period);
    expect(after.candidates.find((c) => c.kind === 'team' && c.id === 'dinh-tan-ttt')?.added?.reason).toBe('Phát hiện, báo tin kịp thời');
    await shoot(page, 'rewards-approver');
    await expectAccessible(page, 'the rewards page of an approver');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải văn bản DOCX' }).click()]);
    expect(download.suggestedFilename()).toBe(`de-nghi-khen-thuong-${period}.docx`);
  });

  it('lets a viewer read the three pages at a phone’s width, with no control to change them', async () => {
    const context = await newContext({ width: 360, height: 640 });
    try {
      const p = await context.newPage();
      await logIn(p, 'xem');
      const fits = (): Promise<boolean> => p.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth') as Promise<boolean>;

      await nav(p).getByRole('link', { name: 'Hoạt động' }).click();
      await p.getByRole('button', { name: `Xem hoạt động HD-${activityId}` }).click();
      await p.locator('section.detail').getByText('Đã xác nhận', { exact: true }).waitFor();
      expect(await p.getByRole('button', { name: 'Ghi nhận hoạt động mới' }).count()).toBe(0);
      expect(await p.locator('section.detail').getByRole('group', { name: 'Xử lý hoạt động' }).count()).toBe(0);
      expect(await fits()).toBe(true);
      await shoot(p, 'activities-viewer');
      await expectAccessible(p, 'the activities page of a viewer at 360 px');

      // Straight to the address, as a link passed around would open it.
      await p.goto(`${base}/so-ket`);
      await p.getByRole('heading', { level: 1, name: 'Sơ kết, tổng kết' }).waitFor();
      const [year, month] = period.split('-').map(Number) as [number, number];
      await p.getByRole('combobox', { name: /^Năm/ }).selectOption(String(year));
      await p.getByRole('combobox', { name: /^Tháng/ }).selectOption(String(month));
      await p.getByRole('button', { name: 'Mở báo cáo', exact: true }).click();
      await p.getByText(/^Đã chốt lúc/).waitFor();
      expect(await p.getByRole('textbox').count()).toBe(0);
      expect(await p.getByRole('button', { name: 'Chốt báo cáo' }).count()).toBe(0);
      expect(await fits()).toBe(true);
      await shoot(p, 'review-viewer');
      await expectAccessible(p, 'the review page of a viewer at 360 px');

      await nav(p).getByRole('link', { name: 'Khen thưởng' }).click();
      await p.getByRole('row', { name: /Tổ tuyên truyền Định Tân/ }).waitFor();
      expect(await p.getByRole('form', { name: 'Bổ sung tổ hoặc thành viên' }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /^Bỏ khỏi danh sách/ }).count()).toBe(0);
      expect(await p.getByRole('button', { name: 'Lưu tiêu chí' }).count()).toBe(0);
      expect(await fits()).toBe(true);
      await shoot(p, 'rewards-viewer');
      await expectAccessible(p, 'the rewards page of a viewer at 360 px');
    } finally {
      await context.close();
    }
  });

  it('asked no host but the controller for anything, broke no CSP rule and threw no error', () => {
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
