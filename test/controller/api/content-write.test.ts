// The console's content writes on a running controller: uploading a real WAV (sox converts it), refusing a damaged
// one, a text spoken by espeak-ng, who may do what, listening with Range, approving with the approver's own targets,
// and publishing a manifest that lists the approved clip.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSigned, publicKeyFromRaw } from '../../../protocol/index.js';
import { call, DISTRICT, loginAs, startController, T, type Rig } from '../app/harness.js';
import { TestClock } from '../../support/clock.js';
import { missing } from '../../support/tools.js';
import { toneWav } from '../../support/wav.js';

let rig: Rig;
let base: string;
const tokens: Record<string, string> = {};
/** The controller's clock: 2026-11-29 07:00 +07:00, whatever the machine's date. */
const clock = new TestClock((T - 3600) * 1000);


async function upload(query: string, body: Buffer, token: string, type = 'audio/wav'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/content?${query}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body });
  return { status: res.status, json: await res.json() };
}

async function leftovers(): Promise<string[]> {
  return (await readdir(rig.controller.library.clipsDir)).filter((f) => f.startsWith('.'));
}

beforeAll(async () => {
  rig = await startController({}, { clock: clock.now });
  base = rig.controller.httpUrl;
  for (const [name, role] of [['ca-huyen', 'approver'], ['doan-huyen', 'approver'], ['phong-vh', 'submitter'], ['xem', 'viewer'], ['ky-thuat', 'technician']] as const) {
    tokens[name] = await loginAs(rig, name, role);
  }
});

afterAll(async () => {
  await rig.close();
});

describe('POST /api/content (an uploaded recording)', () => {
  it.skipIf(missing('sox'))('stores a real WAV as a submitted clip with the details of the query', async () => {
    const q = 'title=Ph%C3%B2ng%20ch%C3%A1y&priority=priority&category=an-ninh&target=commune:dan-luc&target=team:dan-luc-ttt&from=2026-12-01&until=2026-12-31&filename=pccc.wav';
    const r = await upload(q, toneWav(1.5), tokens['phong-vh']!);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.clip).toMatchObject({
      title: 'Phòng cháy', status: 'submitted', submitter: 'phong-vh', requestedPriority: 'priority', category: 'an-ninh', source: 'pccc.wav',
      targets: [{ kind: 'commune', id: 'dan-luc' }, { kind: 'team', id: 'dan-luc-ttt' }],
      // 01/12/2026 00:00 and 31/12/2026 23:59:59, Vietnam time
      validFrom: 1_796_058_000, validUntil: 1_798_736_399,
    });
    expect(r.json.clip.durationMs).toBeGreaterThan(1400);
    expect(r.json.clip.durationMs).toBeLessThan(1600);
    expect(await leftovers()).toEqual([]);
  });

  it.skipIf(missing('sox'))('refuses a damaged WAV with 400 damaged-audio, and keeps no file of it', async () => {
    const before = (await rig.controller.library.list()).length;
    const cut = toneWav(2).subarray(0, 9000);
    const r = await upload('title=H%E1%BB%8Fng', cut, tokens['phong-vh']!);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'damaged-audio', error: expect.stringContaining('Upload the complete original file') });
    const noise = await upload('title=Kh%C3%B4ng', Buffer.from('this is not audio at all'), tokens['phong-vh']!);
    expect(noise.status).toBe(400);
    expect(noise.json.code).toBe('not-audio');
    expect((await rig.controller.library.list()).length).toBe(before);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses bad details with the command line’s messages, before reading the audio', async () => {
    const token = tokens['phong-vh']!;
    const target = await upload('title=A&target=xa:1', toneWav(0.2), token);
    expect(target.status).toBe(400);
    expect(target.json).toMatchObject({ code: 'bad-field', error: expect.stringContaining('target "xa:1" must be district, commune:ID, team:ID or unit:ID') });
    const day = await upload('title=A&from=01/12/2026', toneWav(0.2), token);
    expect(day.status).toBe(400);
    expect(day.json.error).toContain('from must be a day YYYY-MM-DD');
    const priority = await upload('title=A&priority=urgent', toneWav(0.2), token);
    expect(priority.json.error).toContain('priority "urgent" must be emergency, priority or ordinary');
    expect((await upload('priority=ordinary', toneWav(0.2), token)).json).toMatchObject({ code: 'bad-field', error: expect.stringContaining('title') });
    const type = await upload('title=A', toneWav(0.2), token, 'text/plain');
    expect(type.status).toBe(415);
    expect(type.json.code).toBe('unsupported-media-type');
  });

  it('answers 413 for a body over 50 MB without storing it', async () => {
    const r = await upload('title=L%E1%BB%9Bn', Buffer.alloc(50_000_001), tokens['phong-vh']!);
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('body-too-large');
    expect(await leftovers()).toEqual([]);
  });

  it('is refused to a viewer and a technician (403)', async () => {
    expect((await upload('title=A', toneWav(0.2), tokens.xem!)).status).toBe(403);
    expect((await upload('title=A', toneWav(0.2), tokens['ky-thuat']!)).status).toBe(403);
    const speech = await call(base, 'POST', '/api/content/speech', { token: tokens.xem!, body: { title: 'A', text: 'Xin chào' } });
    expect(speech.status).toBe(403);
  });
});

describe('POST /api/content/speech', () => {
  it.skipIf(missing('espeak-ng') || missing('sox'))('speaks the text into a submitted clip', async () => {
    const r = await call(base, 'POST', '/api/content/speech', {
      token: tokens['phong-vh']!,
      body: { title: 'Thông báo', text: 'Xin chào bà con xã Dân Lực.', priority: 'ordinary', targets: ['commune:dan-luc'], validUntil: '2026-12-31' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json.clip).toMatchObject({ title: 'Thông báo', source: 'tts', status: 'submitted', targets: [{ kind: 'commune', id: 'dan-luc' }], validUntil: 1_798_736_399 });
    expect(r.json.clip.durationMs).toBeGreaterThan(500);
  });

  it('refuses a body without text, or with targets that are not a list', async () => {
    const token = tokens['phong-vh']!;
    const none = await call(base, 'POST', '/api/content/speech', { token, body: { title: 'A' } });
    expect(none.status).toBe(400);
    expect(none.json.error).toContain('text: nothing must be the Vietnamese text to speak');
    const targets = await call(base, 'POST', '/api/content/speech', { token, body: { title: 'A', text: 'B', targets: 'commune:dan-luc' } });
    expect(targets.status).toBe(400);
    expect(targets.json.error).toContain('targets: "commune:dan-luc" must be an array such as ["commune:ID"]');
  });
});

describe.skipIf(missing('sox'))('listening, approving, publishing', () => {
  let clip: { id: string; sha256: string; size: number };

  beforeAll(async () => {
    const r = await upload('title=Nghe%20th%E1%BB%AD&target=commune:dan-luc', toneWav(1), tokens['phong-vh']!);
    if (r.status !== 201) throw new Error(`upload: ${r.status} ${JSON.stringify(r.json)}`);
    clip = r.json.clip;
  });

  it('serves the clip’s audio to readers, with Range', async () => {
    const get = (token: string, range?: string): Promise<Response> =>
      fetch(`${base}/api/content/${clip.id}/audio`, { headers: { Authorization: `Bearer ${token}`, ...(range ? { Range: range } : {}) } });
    const whole = await get(tokens.xem!);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBe(clip.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(clip.sha256);
    const part = await get(tokens['phong-vh']!, 'bytes=0-11');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-11/${clip.size}`);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toMatch(/^RIFF....WAVE$/s);
    expect((await get(tokens['ca-huyen']!, `bytes=${clip.size}-`)).status).toBe(416);
    expect((await get(tokens['ky-thuat']!)).status).toBe(403);
    expect((await call(base, 'GET', '/api/content/c-9999/audio', { token: tokens.xem! })).status).toBe(404);
  });

  it('lets a submitter neither approve nor publish', async () => {
    expect((await call(base, 'POST', `/api/content/${clip.id}/approve`, { token: tokens['phong-vh']!, body: {} })).status).toBe(403);
    const publish = await call(base, 'POST', '/api/manifests', { token: tokens['phong-vh']! });
    expect(publish.status).toBe(403);
    expect(publish.json.code).toBe('forbidden');
  });

  it('approves with the approver’s own targets and validity, written in the audit trail', async () => {
    const bad = await call(base, 'POST', `/api/content/${clip.id}/approve`, { token: tokens['ca-huyen']!, body: { validUntil: '31/12/2026' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain('validUntil must be a day YYYY-MM-DD');
    const r = await call(base, 'POST', `/api/content/${clip.id}/approve`, {
      token: tokens['ca-huyen']!,
      body: { priority: 'priority', targets: ['commune:dan-luc', 'commune:xuan-loc'], validFrom: '2026-12-01', validUntil: '2026-12-31' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.clip).toMatchObject({
      status: 'approved', approvedPriority: 'priority', validFrom: 1_796_058_000, validUntil: 1_798_736_399,
      targets: [{ kind: 'commune', id: 'dan-luc' }, { kind: 'commune', id: 'xuan-loc' }],
    });
    const shown = await call(base, 'GET', `/api/content/${clip.id}`, { token: tokens.xem! });
    const approval = (shown.json.audit as { action: string; actor: string; detail: string }[]).find((a) => a.action === 'approve');
    expect(approval).toMatchObject({ actor: 'ca-huyen', detail: 'priority=priority targets=commune:dan-luc,commune:xuan-loc validFrom=1796058000 validUntil=1798736399' });
  });

  it('publishes a new signed manifest listing the approved clip, and says who published it', async () => {
    const before = (await rig.controller.publisher.latest())?.version ?? 0;
    const r = await call(base, 'POST', '/api/manifests', { token: tokens['doan-huyen']! });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ version: before + 1, clips: 1 });
    const res = await fetch(`${base}/content/manifest`);
    expect(res.headers.get('x-loa-manifest-version')).toBe(String(before + 1));
    const key = publicKeyFromRaw(Buffer.from(rig.controller.districtPublicKeyHex, 'hex'));
    const body = openSigned(Buffer.from(await res.arrayBuffer()), [key]).body;
    if (body.type !== 'manifest') throw new Error(`got a ${body.type}`);
    expect(body.manifest.district).toBe(DISTRICT);
    expect(body.manifest.clips.map((c) => [c.id, c.sha256, c.targets.length])).toEqual([[clip.id, clip.sha256, 2]]);
    const db = rig.controller.db;
    const row = await db.exclusive(() => db.get<{ published_by: string }>('SELECT published_by FROM content_manifests WHERE version = ?', [before + 1]));
    expect(row?.published_by).toBe('doan-huyen');
  });
});
