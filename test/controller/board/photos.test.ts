// Activity photos on real files: JPEG and PNG bytes made here, recognised by their first bytes (a text file named
// .jpg is refused), the size cap, stored once per content at <photos>/<sha256>.<ext> with the same bytes, at most
// MAX_PHOTOS per activity, and only while the activity is open.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { png } from '../../../tools/images.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityLog, type BoardActor } from '../../../controller/board/activities.js';
import { photoType } from '../../../controller/board/photos.js';
import { MAX_PHOTO_BYTES, MAX_PHOTOS, type ActivityInput } from '../../../controller/board/types.js';
import { fillFixture, nov, tempDb, type TempDb } from '../reports/fixture.js';

const submitter: BoardActor = { name: 'xa-dan-luc', role: 'submitter' };
const police: BoardActor = { name: 'ca-huyen', role: 'approver' };

const segment = (marker: number, data: number[] | Buffer): Buffer => Buffer.concat([Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff]), Buffer.from(data)]);

/**
 * A real baseline JPEG (Chromium decodes it as 8×8): one grey block (all coefficients 0), quantisation table of ones, one-code Huffman
 * tables (DC category 0, AC end-of-block), and a comment that makes each one different.
 */
function jpeg(comment: string): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xfe, Buffer.from(comment)),
    segment(0xdb, [0x00, ...Array<number>(64).fill(1)]),
    segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, 1, ...Array<number>(15).fill(0), 0]),
    segment(0xc4, [0x10, 1, ...Array<number>(15).fill(0), 0]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    Buffer.from([0x3f, 0xff, 0xd9]), // bits 0 (DC 0) 0 (EOB), padded with ones; end of image
  ]);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let t: TempDb;
let log: ActivityLog;
const now = nov(20, 12);
const input: ActivityInput = { kind: 'meeting', at: nov(18, 8), commune: 'dan-luc', team: 'team-a', peopleReached: 20 };

beforeEach(async () => {
  t = await tempDb();
  await fillFixture(t.db);
  log = new ActivityLog({ db: t.db, dataDir: join(t.dir, 'data'), clock: () => now });
  await log.start();
});
afterEach(() => t.dispose());

async function file(name: string, bytes: Buffer): Promise<string> {
  const path = join(t.dir, name);
  await writeFile(path, bytes);
  return path;
}

const stored = async (): Promise<string[]> => (await readdir(log.photosDir)).sort();

describe('activity photos', () => {
  it('stores a PNG and a JPEG by content with their bytes, lists them and audits each', async () => {
    const a = await log.record(submitter, input);
    const p = png(3, 2, [200, 30, 30]);
    const j = jpeg('anh 1');
    const pngPhoto = await log.addPhoto(submitter, a.id, await file('anh.jpg', p)); // the name says jpg: the bytes say PNG
    const jpgPhoto = await log.addPhoto(police, a.id, await file('anh2.png', j));
    expect(pngPhoto).toEqual({ sha256: sha(p), type: 'image/png', size: p.length });
    expect(jpgPhoto).toEqual({ sha256: sha(j), type: 'image/jpeg', size: j.length });
    expect(await stored()).toEqual([`${sha(j)}.jpg`, `${sha(p)}.png`].sort());
    expect(await readFile(join(log.photosDir, `${sha(p)}.png`))).toEqual(p);
    const where = await log.photoFile(a.id, sha(j));
    expect(where).toEqual({ path: join(log.photosDir, `${sha(j)}.jpg`), type: 'image/jpeg', size: j.length });
    expect(await readFile(where.path)).toEqual(j);
    expect((await log.get(a.id)).photos).toEqual([pngPhoto, jpgPhoto].sort((x, y) => (x.sha256 < y.sha256 ? -1 : 1)));
    const rows = await t.db.exclusive(() => t.db.all('SELECT actor, action, from_status, to_status, detail FROM board_activity_audit WHERE action = ? ORDER BY id', ['add-photo']));
    expect(rows).toEqual([
      { actor: 'xa-dan-luc', action: 'add-photo', from_status: 'submitted', to_status: 'submitted', detail: `photo: ${sha(p)}` },
      { actor: 'ca-huyen', action: 'add-photo', from_status: 'submitted', to_status: 'submitted', detail: `photo: ${sha(j)}` },
    ]);
    expect((await stat(log.photosDir)).mode & 0o777).toBe(0o700);
  });

  it('refuses a text file named .jpg, and a file over the cap, keeping nothing', async () => {
    const a = await log.record(submitter, input);
    await expect(log.addPhoto(submitter, a.id, await file('thu.jpg', Buffer.from('Đây không phải ảnh\n')))).rejects.toMatchObject({ code: 'not-photo', message: expect.stringContaining('JPEG, PNG or WebP') });
    const big = Buffer.concat([png(1, 1, [0, 0, 0]), Buffer.alloc(MAX_PHOTO_BYTES)]);
    await expect(log.addPhoto(submitter, a.id, await file('to.png', big))).rejects.toMatchObject({ code: 'photo-too-large', message: expect.stringContaining(String(MAX_PHOTO_BYTES)) });
    expect(await stored()).toEqual([]);
    expect((await log.get(a.id)).photos).toEqual([]);
    const exact = Buffer.concat([png(1, 1, [0, 0, 0]), Buffer.alloc(MAX_PHOTO_BYTES - png(1, 1, [0, 0, 0]).length)]);
    expect((await log.addPhoto(submitter, a.id, await file('vua.png', exact))).size).toBe(MAX_PHOTO_BYTES);
  });

  it('refuses a huge file by its size, without reading it', async () => {
    const a = await log.record(submitter, input);
    const huge = await file('lon.png', png(1, 1, [0, 0, 0]));
    await truncate(huge, 4 * 1024 ** 3); // 4 GiB, sparse: reading it whole would take seconds and fail
    const started = Date.now();
    await expect(log.addPhoto(submitter, a.id, huge)).rejects.toMatchObject({ code: 'photo-too-large' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps the same photo once: one file for two activities, one row when added twice', async () => {
    const a = await log.record(submitter, input);
    const b = await log.record(submitter, input);
    const p = await file('a.png', png(2, 2, [1, 2, 3]));
    await log.addPhoto(submitter, a.id, p);
    await log.addPhoto(submitter, a.id, p);
    await log.addPhoto(submitter, b.id, p);
    expect(await stored()).toHaveLength(1);
    expect((await log.get(a.id)).photos).toHaveLength(1);
    expect((await log.get(b.id)).photos).toHaveLength(1);
    const n = await t.db.exclusive(() => t.db.all("SELECT activity_id FROM board_activity_audit WHERE action = 'add-photo' ORDER BY id"));
    expect(n).toEqual([{ activity_id: a.id }, { activity_id: b.id }]);
  });

  it(`takes at most ${MAX_PHOTOS} photos per activity`, async () => {
    const a = await log.record(submitter, input);
    for (let i = 0; i < MAX_PHOTOS; i++) await log.addPhoto(submitter, a.id, await file(`${i}.jpg`, jpeg(`anh ${i}`)));
    await expect(log.addPhoto(submitter, a.id, await file('x.jpg', jpeg('one more')))).rejects.toMatchObject({ code: 'bad-field', message: expect.stringContaining(String(MAX_PHOTOS)) });
    expect((await log.get(a.id)).photos).toHaveLength(MAX_PHOTOS);
  });

  it('takes photos only while submitted or returned, from its submitter or an approver', async () => {
    const a = await log.record(submitter, input);
    const p = await file('a.png', png(1, 1, [9, 9, 9]));
    await expect(log.addPhoto({ name: 'xa-khac', role: 'submitter' }, a.id, p)).rejects.toMatchObject({ code: 'not-allowed' });
    await expect(log.addPhoto({ name: 'xem', role: 'viewer' }, a.id, p)).rejects.toMatchObject({ code: 'forbidden' });
    await log.sendBack(police, a.id, 'Thiếu ảnh');
    expect((await log.addPhoto(submitter, a.id, p)).type).toBe('image/png');
    await log.resubmit(submitter, a.id, input);
    await log.confirm(police, a.id);
    await expect(log.addPhoto(police, a.id, await file('b.png', png(1, 1, [8, 8, 8])))).rejects.toMatchObject({ code: 'bad-status' });
    expect(await stored()).toHaveLength(1);
  });

  it('answers unknown-photo for a photo the activity does not have', async () => {
    const a = await log.record(submitter, input);
    const b = await log.record(submitter, input);
    const p = png(1, 1, [7, 7, 7]);
    await log.addPhoto(submitter, a.id, await file('a.png', p));
    await expect(log.photoFile(b.id, sha(p))).rejects.toMatchObject({ code: 'unknown-photo' });
    await expect(log.photoFile(a.id, '../../etc/passwd')).rejects.toMatchObject({ code: 'unknown-photo' });
  });

  it('never overwrites a different file already under a photo name', async () => {
    const a = await log.record(submitter, input);
    const p = png(1, 1, [5, 5, 5]);
    const path = join(log.photosDir, `${sha(p)}.png`);
    await writeFile(path, 'damaged');
    await expect(log.addPhoto(submitter, a.id, await file('a.png', p))).rejects.toThrow(/damaged photo store/);
    expect(await readFile(path, 'utf8')).toBe('damaged');
    expect((await log.get(a.id)).photos).toEqual([]);
  });

  it('recognises the three types by their first bytes only', () => {
    expect(photoType(png(1, 1, [0, 0, 0]))).toBe('image/png');
    expect(photoType(jpeg('x'))).toBe('image/jpeg');
    expect(photoType(Buffer.concat([Buffer.from('RIFF'), Buffer.from([4, 0, 0, 0]), Buffer.from('WEBPVP8L')]))).toBe('image/webp');
    expect(photoType(Buffer.concat([Buffer.from('RIFF'), Buffer.from([4, 0, 0, 0]), Buffer.from('WAVEfmt ')]))).toBeUndefined();
    expect(photoType(Buffer.from('GIF89a'))).toBeUndefined();
    expect(photoType(Buffer.from([0xff, 0xd8]))).toBeUndefined();
  });
});
