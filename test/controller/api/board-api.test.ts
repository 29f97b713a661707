// The operating board's API on a real controller over HTTP, with sessions of every role: an activity's workflow and
// its photos, members and training records, a review edited, refused a stale save, finalised and exported, the
// reward proposal with the board's adjustments, what a viewer may not do, and the OpenAPI document.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { png } from '../../../tools/images.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_BODY_SCHEMAS } from '../../../controller/api/board-bodies.js';
import { documentedRoutes } from '../../../controller/api/index.js';
import { call, loginAs, PASSWORD, startController, T, type Rig } from '../app/harness.js';
import { TestClock } from '../../support/clock.js';
import { readZip } from '../../support/zip.js';

let rig: Rig;
let base: string;
const tokens: Record<string, string> = {};
/** 2026-11-29 08:00 +07:00 whatever the machine's date: November's activities lie in the past. */
const clock = new TestClock(T * 1000);

/** 2026-11-20 19:30 in Vietnam (UTC+7) = 12:30 UTC. */
const AT_20_NOV = Date.UTC(2026, 10, 20, 12, 30) / 1000;
/** November 2026 in Vietnam time, [start, end) in Unix seconds. */
const NOV = { start: Date.UTC(2026, 10, 1) / 1000 - 7 * 3600, end: Date.UTC(2026, 11, 1) / 1000 - 7 * 3600 };

beforeAll(async () => {
  rig = await startController({}, { clock: clock.now });
  base = rig.controller.httpUrl;
  const registry = rig.controller.registry;
  await registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
  await registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
  for (const [name, role] of [['quan-tri', 'admin'], ['ca-huyen', 'approver'], ['doan-xa', 'approver'], ['ca-xa', 'submitter'], ['xem', 'viewer'], ['ky-thuat', 'technician']] as const) {
    tokens[name] = await loginAs(rig, name, role);
  }
});

afterAll(async () => {
  await rig.close();
});

/** New sessions for every user, after the clock moved past their end. */
async function relogin(): Promise<void> {
  for (const name of Object.keys(tokens)) {
    const r = await call(base, 'POST', '/api/login', { body: { user: name, password: PASSWORD } });
    tokens[name] = (r.json as { token: string }).token;
  }
}

const get = (path: string, who: string) => call(base, 'GET', path, { token: tokens[who]! });
const post = (path: string, who: string, body: unknown = {}) => call(base, 'POST', path, { token: tokens[who]!, body });

async function upload(path: string, who: string, bytes: Buffer, type: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${tokens[who]!}`, 'Content-Type': type }, body: bytes });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) };
}

/** A real 2×2 PNG, a different one per `shade`. */
const shaded = (shade: number): Buffer => png(2, 2, [shade, 0, 0]);

const activity = (extra: Record<string, unknown> = {}) => ({
  kind: 'oral', date: '2026-11-20', time: '19:30', commune: 'dan-luc', team: 'dan-luc-ttt', place: 'Thôn 3', peopleReached: 120, note: 'Tuyên truyền phòng chống lừa đảo qua mạng', ...extra,
});

async function row(id: number): Promise<{ status: string; at: number; people_reached: number; decided_by: string | null }> {
  const r = await rig.controller.db.exclusive(() => rig.controller.db.get<{ status: string; at: number; people_reached: number; decided_by: string | null }>('SELECT status, at, people_reached, decided_by FROM board_activities WHERE id = ?', [id]));
  if (!r) throw new Error(`no activity row ${id}`);
  return r;
}

describe('members and training records', () => {
  let memberId: number;

  it('lists the teams of a commune, adds a member (approver) and lists it', async () => {
    const teams = await get('/api/teams?commune=dan-luc', 'ca-xa');
    expect(teams.status).toBe(200);
    expect(teams.json.teams).toEqual([{ id: 'dan-luc-ttt', name: 'Tổ tuyên truyền Dân Lực', communeId: 'dan-luc', communeName: 'Xã Dân Lực' }]);
    expect((await get('/api/teams?commune=khong-co', 'ca-xa')).json.code).toBe('unknown-commune');
    expect((await post('/api/members', 'ca-xa', { team: 'dan-luc-ttt', name: 'Lê Văn Bình' })).status).toBe(403);
    const added = await post('/api/members', 'ca-huyen', { team: 'dan-luc-ttt', name: 'Lê Văn Bình', role: 'leader', phone: '0912345678' });
    expect(added.status).toBe(201);
    memberId = added.json.member.id;
    expect(added.json.member).toEqual({ id: memberId, name: 'Lê Văn Bình', role: 'leader', teamId: 'dan-luc-ttt' });
    const stored = await rig.controller.db.exclusive(() => rig.controller.db.get<{ name: string; phone: string }>('SELECT name, phone FROM members WHERE id = ?', [memberId]));
    expect(stored).toEqual({ name: 'Lê Văn Bình', phone: '0912345678' });
    expect((await get('/api/members?team=dan-luc-ttt', 'xem')).json.members).toEqual([added.json.member]);
    const unknownTeam = await post('/api/members', 'ca-huyen', { team: 'khong-co', name: 'Ai đó' });
    expect(unknownTeam.status).toBe(404);
  });

  it('records a training course (submitter) and lists it by member and by days', async () => {
    const added = await post('/api/training', 'ca-xa', { member: memberId, course: 'Kỹ năng tuyên truyền miệng', day: '2026-11-10' });
    expect(added.status).toBe(201);
    expect(added.json.record).toMatchObject({ memberId, memberName: 'Lê Văn Bình', teamId: 'dan-luc-ttt', course: 'Kỹ năng tuyên truyền miệng', day: '2026-11-10', recordedBy: 'ca-xa' });
    const listed = await get(`/api/training?member=${memberId}&from=2026-11-01&until=2026-11-30`, 'xem');
    expect(listed.json.training.map((r: { id: number }) => r.id)).toEqual([added.json.record.id]);
    expect((await get(`/api/training?member=${memberId}&from=2026-11-11`, 'xem')).json.training).toEqual([]);
    const bad = await get('/api/training?from=10/11/2026', 'xem');
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('bad-field');
    expect((await post('/api/training', 'xem', { member: memberId, course: 'x', day: '2026-11-10' })).status).toBe(403);
  });
});

describe('an activity', () => {
  let id: number;

  it('is recorded by a submitter, refused a confirmation by that submitter and confirmed by an approver', async () => {
    const members = (await get('/api/members?team=dan-luc-ttt', 'ca-xa')).json.members as { id: number }[];
    const recorded = await post('/api/activities', 'ca-xa', activity({ members: members.map((m) => m.id) }));
    expect(recorded.status).toBe(201);
    id = recorded.json.activity.id;
    expect(recorded.json.activity).toMatchObject({ kind: 'oral', at: AT_20_NOV, communeId: 'dan-luc', communeName: 'Xã Dân Lực', teamId: 'dan-luc-ttt', status: 'submitted', submitter: 'ca-xa', peopleReached: 120 });
    expect(await row(id)).toEqual({ status: 'submitted', at: AT_20_NOV, people_reached: 120, decided_by: null });

    const bySubmitter = await post(`/api/activities/${id}/confirm`, 'ca-xa');
    expect(bySubmitter.status).toBe(403);
    expect(bySubmitter.json.code).toBe('forbidden');
    expect((await row(id)).status).toBe('submitted');

    const confirmed = await post(`/api/activities/HD-${id}/confirm`, 'ca-huyen');
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.activity).toMatchObject({ id, status: 'confirmed', decidedBy: 'ca-huyen' });
    expect(await row(id)).toMatchObject({ status: 'confirmed', decided_by: 'ca-huyen' });

    const twice = await post(`/api/activities/${id}/confirm`, 'doan-xa');
    expect(twice.status).toBe(409);
    expect(twice.json.code).toBe('bad-status');
  });

  it('shows its audit trail, and is listed by status and period', async () => {
    const shown = await get(`/api/activities/${id}`, 'xem');
    expect(shown.status).toBe(200);
    expect(shown.json.audit.map((a: { action: string; actor: string }) => `${a.action} ${a.actor}`)).toEqual(['submit ca-xa', 'confirm ca-huyen']);
    const ids = async (q: string): Promise<number[]> => ((await get(`/api/activities?${q}`, 'ca-xa')).json.activities as { id: number }[]).map((a) => a.id);
    expect(await ids('status=confirmed&period=2026-11&commune=dan-luc')).toContain(id);
    expect(await ids('period=2026-10')).not.toContain(id);
    const badPeriod = await get('/api/activities?period=2026-13', 'ca-xa');
    expect(badPeriod.status).toBe(400);
    expect(badPeriod.json).toMatchObject({ code: 'invalid-period', error: expect.stringMatching(/^Kỳ báo cáo không hợp lệ.*\(invalid report period/) });
    expect((await get('/api/activities/HD-99999', 'ca-xa')).json.code).toBe('unknown-activity');
  });

  it('cannot be confirmed or returned by the approver who recorded it (four eyes)', async () => {
    const own = await post('/api/activities', 'doan-xa', activity({ kind: 'meeting', peopleReached: 30 }));
    expect(own.status).toBe(201);
    const refused = await post(`/api/activities/${own.json.activity.id}/confirm`, 'doan-xa');
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('not-allowed');
    const noReason = await post(`/api/activities/${own.json.activity.id}/return`, 'ca-huyen', {});
    expect(noReason.status).toBe(400);
    const returned = await post(`/api/activities/${own.json.activity.id}/return`, 'ca-huyen', { reason: 'Thiếu danh sách người dự' });
    expect(returned.json.activity).toMatchObject({ status: 'returned', reason: 'Thiếu danh sách người dự' });
    const resubmitted = await post(`/api/activities/${own.json.activity.id}/resubmit`, 'doan-xa', activity({ kind: 'meeting', peopleReached: 35 }));
    expect(resubmitted.json.activity).toMatchObject({ status: 'submitted', peopleReached: 35 });
    const withdrawn = await post(`/api/activities/${own.json.activity.id}/withdraw`, 'doan-xa', { reason: null });
    expect(withdrawn.json.activity.status).toBe('withdrawn');
    expect((await row(own.json.activity.id)).status).toBe('withdrawn');
  });

  it('refuses a bad body with the field named', async () => {
    const bad = await post('/api/activities', 'ca-xa', activity({ kind: 'picnic', peopleReached: -1 }));
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('bad-field');
    expect(bad.json.error).toContain('kind');
    expect(bad.json.error).toContain('peopleReached');
    const badDay = await post('/api/activities', 'ca-xa', activity({ date: '2026-02-30' }));
    expect(badDay.status).toBe(400);
    expect(badDay.json.error).toContain('date');
  });
});

describe('photos', () => {
  let id: number;

  beforeAll(async () => {
    id = (await post('/api/activities', 'ca-xa', activity({ kind: 'leaflets' }))).json.activity.id;
  });

  const leftovers = async (): Promise<string[]> => (await readdir(rig.controller.board.activities.photosDir)).filter((f) => f.startsWith('.'));

  it('stores an uploaded PNG and gives the same bytes back, content-addressed', async () => {
    const bytes = shaded(200);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const sent = await upload(`/api/activities/${id}/photos`, 'ca-xa', bytes, 'image/png');
    expect(sent.status).toBe(201);
    expect(sent.json.photo).toEqual({ sha256, type: 'image/png', size: bytes.length });
    const res = await fetch(`${base}/api/activities/${id}/photos/${sha256}`, { headers: { Authorization: `Bearer ${tokens.xem!}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('etag')).toBe(`"${sha256}"`);
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await readFile(`${rig.controller.board.activities.photosDir}/${sha256}.png`)).equals(bytes)).toBe(true);
    const again = await fetch(`${base}/api/activities/${id}/photos/${sha256}`, { headers: { Authorization: `Bearer ${tokens.xem!}`, 'If-None-Match': `"${sha256}"` } });
    expect(again.status).toBe(304);
    expect((await get(`/api/activities/${id}`, 'xem')).json.activity.photos).toEqual([sent.json.photo]);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a text file sent as image/jpeg (415 not-photo), another declared type, and one too large (413)', async () => {
    const text = await upload(`/api/activities/${id}/photos`, 'ca-xa', Buffer.from('đây không phải là ảnh\n'), 'image/jpeg');
    expect(text.status).toBe(415);
    expect(text.json.code).toBe('not-photo');
    expect(text.json.error).not.toContain('.upload-');
    const declared = await upload(`/api/activities/${id}/photos`, 'ca-xa', shaded(10), 'text/plain');
    expect(declared).toMatchObject({ status: 415, json: { code: 'not-photo' } });
    const big = Buffer.concat([shaded(20), Buffer.alloc(5_000_000)]);
    const tooLarge = await upload(`/api/activities/${id}/photos`, 'ca-xa', big, 'image/png');
    expect(tooLarge).toMatchObject({ status: 413, json: { code: 'photo-too-large' } });
    const rows = await rig.controller.db.exclusive(() => rig.controller.db.all<{ sha256: string }>('SELECT sha256 FROM board_activity_photos WHERE activity_id = ?', [id]));
    expect(rows).toHaveLength(1);
    expect(await leftovers()).toEqual([]);
    expect((await get(`/api/activities/${id}/photos/${'0'.repeat(64)}`, 'xem')).json.code).toBe('unknown-photo');
    expect((await upload(`/api/activities/${id}/photos`, 'xem', shaded(30), 'image/png')).status).toBe(403);
  });
});

describe('a review', () => {
  let id: number;

  it('is opened as a draft, saved as a new version, refused a stale save, and finalised', async () => {
    expect((await post('/api/reviews', 'xem', { period: '2026-11' })).status).toBe(403);
    const opened = await post('/api/reviews', 'ca-huyen', { period: '2026-11', commune: null });
    expect(opened.status).toBe(200);
    id = opened.json.review.id;
    expect(opened.json.review).toMatchObject({ period: '2026-11', commune: null, status: 'draft', version: 1 });
    expect((await post('/api/reviews', 'doan-xa', { period: '2026-11' })).json.review.id).toBe(id);

    // The draft counts the one confirmed activity of November, as the rows say.
    const confirmed = await rig.controller.db.exclusive(() =>
      rig.controller.db.get<{ n: number; people: number }>("SELECT COUNT(*) AS n, SUM(people_reached) AS people FROM board_activities WHERE status = 'confirmed' AND at >= ? AND at < ?", [NOV.start, NOV.end]),
    );
    expect(opened.json.review.data.activityTotals).toMatchObject({ activities: confirmed!.n, peopleReached: confirmed!.people });

    const results = 'Kết quả do Ban điều hành viết: tổ Dân Lực tuyên truyền miệng cho 120 người.';
    const saved = await post(`/api/reviews/${id}/versions`, 'ca-huyen', { sections: { results }, baseVersion: 1 });
    expect(saved.status).toBe(200);
    expect(saved.json.review).toMatchObject({ version: 2, sections: { results } });
    const stale = await post(`/api/reviews/${id}/versions`, 'doan-xa', { sections: { lessons: 'Bài học' }, baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('stale-version');
    const misspelt = await post(`/api/reviews/${id}/versions`, 'doan-xa', { sections: { result: 'x' }, baseVersion: 2 });
    expect(misspelt.status).toBe(400);
    expect(misspelt.json.error).toContain('results');

    const v1 = await get(`/api/reviews/${id}/versions/1`, 'xem');
    expect(v1.json.sections.results).toBe(opened.json.review.sections.results);
    expect((await get(`/api/reviews/${id}/versions/2`, 'xem')).json.sections.results).toBe(results);
    const versions = await rig.controller.db.exclusive(() => rig.controller.db.all<{ version: number; saved_by: string }>('SELECT version, saved_by FROM board_review_versions WHERE review_id = ? ORDER BY version', [id]));
    expect(versions.map((v) => `${v.version} ${v.saved_by}`)).toEqual(['1 ca-huyen', '2 ca-huyen']);

    const final = await post(`/api/reviews/${id}/finalise`, 'doan-xa');
    expect(final.status).toBe(200);
    expect(final.json.review).toMatchObject({ status: 'final', finalisedBy: 'doan-xa', version: 2 });
    const late = await post(`/api/reviews/${id}/versions`, 'ca-huyen', { sections: { results: 'sửa sau' }, baseVersion: 2 });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('bad-status');
    expect((await get(`/api/reviews?period=2026-11`, 'xem')).json.reviews).toEqual([expect.objectContaining({ id, status: 'final' })]);
    expect((await get('/api/reviews', 'ca-xa')).status).toBe(403);
  });

  it('is downloaded as DOCX holding its text, the same bytes twice, and as HTML', async () => {
    const res = await fetch(`${base}/api/reviews/${id}/document?format=docx`, { headers: { Authorization: `Bearer ${tokens.xem!}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-so-ket-2026-11.docx"');
    const docx = Buffer.from(await res.arrayBuffer());
    const xml = readZip(docx).find((e) => e.name === 'word/document.xml')!.data.toString('utf8');
    expect(xml).toContain('Kết quả do Ban điều hành viết: tổ Dân Lực tuyên truyền miệng cho 120 người.');
    // Three days on (sessions last 12 hours: log in again), a final review is still dated the day it was signed.
    clock.advance(3 * 86_400_000);
    await relogin();
    const later = Buffer.from(await (await fetch(`${base}/api/reviews/${id}/document`, { headers: { Authorization: `Bearer ${tokens.xem!}` } })).arrayBuffer());
    expect(later.equals(docx)).toBe(true);
    const html = await fetch(`${base}/api/reviews/${id}/document?format=html&lang=en`, { headers: { Authorization: `Bearer ${tokens.xem!}` } });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-disposition')).toBeNull();
    expect(await html.text()).toContain('Kết quả do Ban điều hành viết');
    expect((await get(`/api/reviews/${id}/document?format=pdf`, 'xem')).status).toBe(400);
    expect((await get('/api/reviews/424242', 'xem')).json.code).toBe('unknown-review');
  });
});

describe('the reward proposal', () => {
  it('sets criteria, and takes the board’s addition and removal with their reasons', async () => {
    const criteria = { minHours: 5, minActiveRatio: null, minCommunesReached: null, minActivities: 1, noFaults: false, topRanks: null, minMemberActivities: 1 };
    expect((await post('/api/rewards/criteria', 'xem', { kind: 'month', criteria })).status).toBe(403);
    const set = await post('/api/rewards/criteria', 'ca-huyen', { kind: 'month', criteria });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ criteria, setBy: 'ca-huyen' });
    expect((await get('/api/rewards/criteria?kind=month', 'xem')).json).toMatchObject({ criteria, setBy: 'ca-huyen' });
    const stored = await rig.controller.db.exclusive(() => rig.controller.db.get<{ criteria: string; set_by: string }>("SELECT criteria, set_by FROM board_reward_criteria WHERE period_kind = 'month' ORDER BY id DESC LIMIT 1"));
    expect(JSON.parse(stored!.criteria)).toMatchObject(criteria);

    // No cart played, so no team has 5 hours: the criteria propose nobody.
    const proposal = await get('/api/rewards?period=2026-11', 'xem');
    expect(proposal.status).toBe(200);
    expect(proposal.json.proposal.candidates.filter((c: { removed: unknown }) => c.removed === null)).toEqual([]);

    const added = await post('/api/rewards/adjustments', 'ca-huyen', { period: '2026-11', kind: 'team', id: 'dan-luc-ttt', action: 'add', reason: 'Phát hiện, báo tin giúp công an bắt đối tượng' });
    expect(added.status).toBe(200);
    const team = added.json.proposal.candidates.find((c: { kind: string; id: string }) => c.kind === 'team' && c.id === 'dan-luc-ttt');
    expect(team).toMatchObject({ source: 'board', added: { reason: 'Phát hiện, báo tin giúp công an bắt đối tượng', by: 'ca-huyen' }, removed: null });
    const count = await rig.controller.db.exclusive(() =>
      rig.controller.db.get<{ n: number; people: number }>("SELECT COUNT(*) AS n, SUM(people_reached) AS people FROM board_activities WHERE team_id = 'dan-luc-ttt' AND status = 'confirmed' AND at >= ? AND at < ?", [NOV.start, NOV.end]),
    );
    expect(team.figures).toMatchObject({ activities: count!.n, peopleReached: count!.people });

    const removed = await post('/api/rewards/adjustments', 'doan-xa', { period: '2026-11', kind: 'team', id: 'dan-luc-ttt', action: 'remove', reason: 'Chưa đủ thời gian hoạt động' });
    const after = removed.json.proposal.candidates.find((c: { kind: string; id: string }) => c.kind === 'team' && c.id === 'dan-luc-ttt');
    expect(after.removed).toMatchObject({ reason: 'Chưa đủ thời gian hoạt động', by: 'doan-xa' });
    const rows = await rig.controller.db.exclusive(() => rig.controller.db.all<{ action: string; actor: string }>("SELECT action, actor FROM board_reward_adjustments WHERE period = '2026-11' ORDER BY id"));
    expect(rows).toEqual([{ action: 'add', actor: 'ca-huyen' }, { action: 'remove', actor: 'doan-xa' }]);
    // A member is named by its number, as the console has it from GET /api/members.
    const memberId = ((await get('/api/members?team=dan-luc-ttt', 'xem')).json.members as { id: number }[])[0]!.id;
    const member = await post('/api/rewards/adjustments', 'ca-huyen', { period: '2026-11', kind: 'member', id: memberId, action: 'add', reason: 'Tích cực tuyên truyền' });
    expect(member.json.proposal.candidates).toContainEqual(expect.objectContaining({ kind: 'member', id: String(memberId), name: 'Lê Văn Bình', source: 'board', added: expect.objectContaining({ reason: 'Tích cực tuyên truyền' }) }));
    expect((await post('/api/rewards/adjustments', 'ca-huyen', { period: '2026-11', kind: 'team', id: 'khong-co', action: 'add', reason: 'x' })).status).toBe(404);
    expect((await post('/api/rewards/adjustments', 'xem', { period: '2026-11', kind: 'team', id: 'dan-luc-ttt', action: 'add', reason: 'x' })).status).toBe(403);
  });

  it('is exported as CSV and DOCX attachments', async () => {
    const csv = await fetch(`${base}/api/rewards/document?period=2026-11&format=csv`, { headers: { Authorization: `Bearer ${tokens.xem!}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="de-nghi-khen-thuong-2026-11.csv"');
    const text = Buffer.from(await csv.arrayBuffer()).toString('utf8');
    expect(text).toContain('Tổ tuyên truyền Dân Lực');
    expect(text).toContain('Chưa đủ thời gian hoạt động');
    const docx = await fetch(`${base}/api/rewards/document?period=2026-11&format=docx`, { headers: { Authorization: `Bearer ${tokens.xem!}` } });
    expect(docx.headers.get('content-disposition')).toBe('attachment; filename="de-nghi-khen-thuong-2026-11.docx"');
    const xml = readZip(Buffer.from(await docx.arrayBuffer())).find((e) => e.name === 'word/document.xml')!.data.toString('utf8');
    expect(xml).toContain('Tổ tuyên truyền Dân Lực');
    expect((await get('/api/rewards/document', 'xem')).status).toBe(400);
  });
});

describe('roles', () => {
  it('a viewer reads but writes nothing; a technician reads none of it', async () => {
    const writes: [string, unknown][] = [
      ['/api/activities', activity()],
      ['/api/activities/1/confirm', {}],
      ['/api/activities/1/withdraw', {}],
      ['/api/members', { team: 'dan-luc-ttt', name: 'X' }],
      ['/api/training', { member: 1, course: 'x', day: '2026-11-10' }],
      ['/api/reviews', { period: '2026-11' }],
      ['/api/reviews/1/finalise', {}],
      ['/api/rewards/criteria', { kind: 'month', criteria: {} }],
    ];
    for (const [path, body] of writes) expect((await post(path, 'xem', body)).status, path).toBe(403);
    for (const path of ['/api/activities', '/api/teams', '/api/members', '/api/training', '/api/reviews', '/api/rewards?period=2026-11']) {
      expect((await get(path, 'xem')).status, path).toBe(200);
      expect((await get(path, 'ky-thuat')).status, path).toBe(403);
    }
    expect((await call(base, 'GET', '/api/activities')).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('lists every board route with its roles, and the body schemas the routes check', async () => {
    const doc = await call(base, 'GET', '/api/openapi.json');
    const key = (r: { method: string; pattern: string }): string => `${r.method} ${r.pattern}`;
    const documented = documentedRoutes(doc.json).map(key);
    const board = rig.controller.http.routes.map(key).filter((r) => /^\w+ \/api\/(activities|teams|members|training|reviews|rewards)\b/.test(r));
    expect(board).toHaveLength(27);
    expect(board.filter((r) => !documented.includes(r))).toEqual([]);
    expect(doc.json.paths['/api/activities/{id}/confirm'].post['x-roles']).toEqual(['approver']);
    expect(doc.json.paths['/api/activities'].post['x-roles']).toEqual(['submitter', 'approver']);
    expect(doc.json.paths['/api/reviews'].get['x-roles']).toEqual(['viewer', 'approver']);
    const schemas = doc.json.components.schemas as Record<string, unknown>;
    for (const [name, schema] of Object.entries(BOARD_BODY_SCHEMAS)) expect(schemas[name], name).toEqual(JSON.parse(JSON.stringify(schema)));
  });
});
