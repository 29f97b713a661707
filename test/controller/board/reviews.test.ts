// The review workflow: open with the controller's draft, save versions (stale ones refused), finalise (frozen: the
// same bytes after late records arrive), and the late records shown as a note in the next review.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openControllerDb } from '../../../controller/db/database.js';
import { runLoa } from '../../support/cli.js';
import { makeControllerData } from '../../support/controller-data.js';
import { BoardError } from '../../../controller/board/errors.js';
import { legacyHeading } from '../../../controller/reports/heading.js';
import { renderReviewDocx, renderReviewHtml } from '../../../controller/board/render-review.js';
import { MAX_SECTION_CHARS, Reviews } from '../../../controller/board/reviews.js';
import { InvalidPeriodError } from '../../../controller/reports/period.js';
import { UserError, type Actor } from '../../../controller/users/roles.js';
import { fillFixture, tempDb, type TempDb } from '../reports/fixture.js';
import { addActivity, addPlay, DEC5, fillReviewFixture, vn } from './review-fixture.js';

const approver: Actor = { name: 'bdh', role: 'approver' };
const other: Actor = { name: 'doan', role: 'approver' };
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

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (err instanceof BoardError || err instanceof UserError) return err.code;
  if (err instanceof InvalidPeriodError) return err.code;
  throw new Error(`expected a refusal, got ${String(err)}`);
}

describe('a review', () => {
  it('opens once with the drafted text as version 1, and only for approvers', async () => {
    expect(await code(reviews.open({ name: 'xem', role: 'viewer' }, '2026-11', null))).toBe('forbidden');
    expect(await code(reviews.open(approver, '2026-13', null))).toBe('invalid-period');
    expect(await code(reviews.open(approver, '2026-11', 'no-such'))).toBe('unknown-commune');
    const r = await reviews.open(approver, '2026-11', null);
    expect(r).toMatchObject({ period: '2026-11', commune: null, status: 'draft', version: 1, createdBy: 'bdh', createdAt: DEC5 });
    expect(r.versions).toEqual([{ version: 1, savedBy: 'bdh', savedAt: DEC5 }]);
    expect(r.sections.results).toContain('lượt phát');
    const again = await reviews.open(other, '2026-11', null);
    expect(again.id).toBe(r.id);
    const commune = await reviews.open(approver, '2026-11', 'dan-luc');
    expect(commune.id).not.toBe(r.id);
    expect((await reviews.list()).map((x) => [x.period, x.commune, x.version])).toEqual([['2026-11', null, 1], ['2026-11', 'dan-luc', 1]]);
    expect((await reviews.list({ commune: 'dan-luc' })).map((x) => x.id)).toEqual([commune.id]);
  });

  it('saves versions from the newest one only', async () => {
    const r = await reviews.open(approver, '2026-11', null);
    now += 60;
    const v2 = await reviews.save(approver, r.id, { causes: 'Sóng di động yếu ở vùng núi.' }, 1);
    expect(v2.version).toBe(2);
    expect(v2.sections.causes).toBe('Sóng di động yếu ở vùng núi.');
    expect(v2.sections.results).toBe(r.sections.results);
    expect(await code(reviews.save(other, r.id, { causes: 'khác' }, 1))).toBe('stale-version');
    expect(await code(reviews.save(approver, r.id, { causes: 'x'.repeat(MAX_SECTION_CHARS + 1) }, 2))).toBe('bad-field');
    expect(await code(reviews.save({ name: 'xa', role: 'submitter' }, r.id, { causes: 'x' }, 2))).toBe('forbidden');
    expect(await reviews.versionText(r.id, 1)).toEqual(r.sections);
    const v3 = await reviews.redraft(other, r.id, 'en');
    expect(v3.version).toBe(3);
    expect(v3.sections.situation).toContain('[Board to add:');
    expect(v3.versions.map((v) => [v.version, v.savedBy])).toEqual([[1, 'bdh'], [2, 'bdh'], [3, 'doan']]);
  });

  it('is frozen once final: the same record and documents after late records arrive', async () => {
    const r = await reviews.open(approver, '2026-11', null);
    await reviews.save(approver, r.id, { proposals: 'Đề nghị cấp thêm 2 xe loa.' }, 1);
    now += 3600;
    const signed = await reviews.finalise(approver, r.id);
    expect(signed).toMatchObject({ status: 'final', finalisedBy: 'bdh', finalisedAt: now, version: 2 });
    expect(signed.sections.proposals).toBe('Đề nghị cấp thêm 2 xe loa.');
    const heading = legacyHeading('Triệu Sơn');
    const docx = await renderReviewDocx(signed, { lang: 'vi', heading });
    const html = renderReviewHtml(signed, { lang: 'vi', heading });

    // A late play and a late confirmed activity of November.
    await addPlay(t.db, 'c1', vn(2026, 11, 28, 8), 900);
    await addActivity(t.db, { kind: 'oral', at: vn(2026, 11, 29, 8), commune: 'xa-xoi', team: 'team-c', people: 35, status: 'confirmed', members: [4] });
    now += 86_400;
    const later = await reviews.get(r.id);
    expect(JSON.stringify(later)).toBe(JSON.stringify(signed));
    expect((await renderReviewDocx(later, { lang: 'vi', heading })).equals(docx)).toBe(true);
    expect(renderReviewHtml(later, { lang: 'vi', heading })).toBe(html);
    expect(await code(reviews.save(approver, r.id, { proposals: 'x' }, 2))).toBe('bad-status');
    expect(await code(reviews.finalise(approver, r.id))).toBe('bad-status');
    expect(await code(reviews.redraft(approver, r.id))).toBe('bad-status');
  });

  it('notes late records in the next review, each once', async () => {
    const nov = await reviews.open(approver, '2026-11', null);
    const signedNov = await reviews.finalise(approver, nov.id);
    const plays = signedNov.data.totals.plays.value;
    await addPlay(t.db, 'c1', vn(2026, 11, 28, 8), 900);
    await addActivity(t.db, { kind: 'oral', at: vn(2026, 11, 29, 8), commune: 'xa-xoi', team: 'team-c', people: 35, status: 'confirmed' });
    const countPlays = async (): Promise<number> =>
      (await t.db.exclusive(() => t.db.get<{ n: number }>('SELECT count(*) n FROM plays WHERE start >= ? AND start < ?', [vn(2026, 11, 1), vn(2026, 12, 1)])))!.n;
    expect(await countPlays()).toBe(plays + 1); // the rows: one more November play than signed

    now = vn(2027, 1, 3, 9);
    const dec = await reviews.open(approver, '2026-12', null);
    // Hours: 720 s of November were signed (0,2 h); with the late 900 s, 1 620 s (0,45 → 0,5 h).
    expect(dec.data.lateNotes).toEqual([{ period: '2026-11', finalisedAt: signedNov.finalisedAt, plays: 1, broadcastHours: 0.3, activities: 1, peopleReached: 35 }]);
    // A commune's review does not carry the area's notes.
    expect((await reviews.open(approver, '2026-12', 'xa-xoi')).data.lateNotes).toEqual([]);
    const signedDec = await reviews.finalise(approver, dec.id);
    expect(signedDec.data.lateNotes).toHaveLength(1);

    // Another late play of November: January's review notes only what December's note did not.
    await addPlay(t.db, 'd1', vn(2026, 11, 27, 8), 1800);
    now = vn(2027, 2, 3, 9);
    const jan = await reviews.open(approver, '2027-01', null);
    // Hours: 1 620 s noted in December (0,5 h); now 3 420 s (0,95 → 1,0 h).
    expect(jan.data.lateNotes).toEqual([{ period: '2026-11', finalisedAt: signedNov.finalisedAt, plays: 1, broadcastHours: 0.5, activities: 0, peopleReached: 0 }]);
    expect(JSON.stringify(await reviews.get(dec.id))).toBe(JSON.stringify(signedDec));
    // Nothing new since: no note.
    const janFinal = await reviews.finalise(approver, jan.id);
    now = vn(2027, 3, 3, 9);
    expect((await reviews.open(approver, '2027-02', null)).data.lateNotes).toEqual([]);
    expect(janFinal.data.lateNotes).toHaveLength(1);
  });
});

describe('loa review', () => {
  it('opens, edits, finalises and exports a review from the office', async () => {
    const data = join(t.dir, 'data');
    await makeControllerData(data);
    const db = await openControllerDb(join(data, 'controller.db'));
    await fillFixture(db).finally(() => db.close());
    const user = await runLoa(['controller', 'user', 'add', 'bdh', '--role', 'approver', '--data', data], { LOA_PASSWORD: 'mat-khau-thu-nghiem' });
    expect(user.code, user.stderr).toBe(0);
    const scope = ['--period', '2026-11', '--commune', 'dan-luc', '--data', data];
    expect((await runLoa(['review', 'show', ...scope])).code).toBe(1); // not opened yet
    const open = await runLoa(['review', 'open', ...scope, '--as', 'bdh']);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toContain('Báo cáo 2026-11 — Xã Dân Lực: dự thảo, phiên bản 1');
    const file = join(t.dir, 'ket-qua.txt');
    await writeFile(file, 'Tổ A phát thanh đều đặn hằng ngày.\n');
    const edit = await runLoa(['review', 'edit', ...scope, '--section', 'results', '--file', file, '--as', 'bdh']);
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stdout).toContain('phiên bản 2');
    const json = JSON.parse((await runLoa(['review', 'show', ...scope, '--json'])).stdout) as { sections: { results: string }; version: number };
    expect(json).toMatchObject({ version: 2, sections: { results: 'Tổ A phát thanh đều đặn hằng ngày.' } });
    expect((await runLoa(['review', 'finalise', ...scope, '--as', 'bdh'])).code).toBe(0);
    const refused = await runLoa(['review', 'edit', ...scope, '--section', 'results', '--file', file, '--as', 'bdh']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('đã ký ban hành');
    const out = join(t.dir, 'bao-cao.html');
    expect((await runLoa(['review', 'export', ...scope, '--format', 'html', '--out', out])).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('Tổ A phát thanh đều đặn hằng ngày.');
    expect((await runLoa(['review', 'export', ...scope, '--format', 'pdf', '--out', out])).code).toBe(2);
    expect((await runLoa(['review', 'open', '--period', '2026-11', '--commune', 'nowhere', '--as', 'bdh', '--data', data])).code).toBe(1);
  }, 30_000);
});
