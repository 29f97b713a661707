// The approval workflow and the manifests made from it, on a real SQLite file: nothing unapproved is ever listed,
// a withdrawn clip leaves the next manifest, roles and statuses are enforced, every step is audited, and the signed
// manifest verifies with the district's public key and passes the cart's own checks.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkManifest, openSigned, publicKeyFromRaw, type Manifest } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC } from '../../../tools/vector-cases.js';
import { ContentError } from '../../../controller/content/errors.js';
import type { StoredManifest } from '../../../controller/content/manifests.js';
import { UserError } from '../../../controller/users/roles.js';
import { admin, commune, culture, DISTRICT, makeContent, police, T0, tech, viewer, youth, type ContentRig } from './harness.js';

let rig: ContentRig;
beforeEach(async () => {
  rig = await makeContent();
});
afterEach(() => rig.close());

const trusted = [publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'))];

function open(m: StoredManifest): Manifest {
  const opened = openSigned(m.signed, trusted);
  if (opened.body.type !== 'manifest') throw new Error(`expected a manifest, got ${opened.body.type}`);
  return opened.body.manifest;
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (err instanceof ContentError || err instanceof UserError) return err.code;
  throw new Error(`expected a domain error, got ${String(err)}`);
}

describe('the workflow', () => {
  it('lists only approved clips: never submitted, changes-requested, rejected or withdrawn ones', async () => {
    const approved = await rig.submit(culture, 'An ninh trật tự');
    const pending = await rig.submit(commune);
    const changes = await rig.submit(culture);
    const rejected = await rig.submit(culture);
    const withdrawn = await rig.submit(commune);
    await rig.workflow.approve(police, approved.id, 'priority');
    await rig.workflow.requestChanges(youth, changes.id, 'Sửa lại phần mở đầu');
    await rig.workflow.reject(police, rejected.id, 'Trùng nội dung');
    await rig.workflow.withdraw(commune, withdrawn.id);

    const m = open(await rig.manifests.publish(police.name));
    expect(m.clips.map((c) => c.id)).toEqual([approved.id]);
    expect(m.clips[0]).toMatchObject({ sha256: approved.sha256, size: approved.size, priority: 'priority', title: 'An ninh trật tự', targets: [] });
    expect(m.targets).toEqual([{ kind: 'district', id: DISTRICT }]);
    for (const c of [pending, changes, rejected, withdrawn]) expect(await rig.library.servable(c.sha256)).toBe(false);
    expect(await rig.library.servable(approved.sha256)).toBe(true);
    expect(existsSync(rig.library.clipPath(approved.sha256))).toBe(true);
  });

  it('takes a withdrawn clip out of the next manifest, and stops serving it', async () => {
    const a = await rig.submit();
    const b = await rig.submit();
    await rig.workflow.approve(police, a.id);
    await rig.workflow.approve(police, b.id);
    const first = open(await rig.manifests.publish());
    expect(first.clips.map((c) => c.id)).toEqual([a.id, b.id]);
    await rig.workflow.withdraw(youth, a.id, 'Hết thời sự');
    expect(await rig.library.servable(a.sha256)).toBe(false);
    const next = await rig.manifests.publishIfChanged();
    expect(next).toBeDefined();
    const second = open(next!);
    expect(second.version).toBe(first.version + 1);
    expect(second.clips.map((c) => c.id)).toEqual([b.id]);
  });

  it('enforces roles', async () => {
    const clip = await rig.submit();
    expect(await code(rig.workflow.approve(culture, clip.id))).toBe('forbidden');
    expect(await code(rig.workflow.approve(tech, clip.id))).toBe('forbidden');
    expect(await code(rig.workflow.reject(viewer, clip.id, 'không'))).toBe('forbidden');
    expect(await code(rig.workflow.submit(viewer, clip, { title: 'x' }, 'x.wav'))).toBe('forbidden');
    expect(await code(rig.workflow.withdraw(commune, clip.id))).toBe('not-allowed'); // not theirs
    await rig.workflow.approve(admin, clip.id);
    expect(await code(rig.workflow.withdraw(culture, clip.id))).toBe('forbidden'); // an approval is withdrawn by an approver
    expect((await rig.library.get(clip.id)).status).toBe('approved');
  });

  it('checks the current status and the fields, with clear errors', async () => {
    const clip = await rig.submit();
    await rig.workflow.approve(police, clip.id);
    const err = await rig.workflow.approve(youth, clip.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as ContentError).code).toBe('bad-status');
    expect((err as ContentError).message).toMatch(/đang ở trạng thái "approved"/);
    expect(await code(rig.workflow.reject(police, clip.id, 'x'))).toBe('bad-status');
    expect(await code(rig.workflow.reject(police, (await rig.submit()).id, '   '))).toBe('bad-field');
    expect(await code(rig.workflow.approve(police, 'c-9999'))).toBe('unknown-clip');
    const file = clip;
    expect(await code(rig.workflow.submit(culture, file, { title: '' }, 'a.wav'))).toBe('bad-field');
    expect(await code(rig.workflow.submit(culture, file, { title: 't', validUntil: T0 - 1 }, 'a.wav'))).toBe('bad-field');
    expect(await code(rig.workflow.submit(culture, file, { title: 't', targets: [{ kind: 'commune', id: '../x' }] }, 'a.wav'))).toBe('bad-field');
  });

  it('keeps an audit row for every step, with who, when, what and which file', async () => {
    const clip = await rig.submit(culture);
    rig.clock.now += 60;
    await rig.workflow.requestChanges(police, clip.id, 'Ghi âm lại rõ hơn');
    const newFile = await rig.library.addSpeech('y');
    await rig.workflow.resubmit(culture, clip.id, { title: 'Bản mới' }, newFile);
    rig.clock.now += 60;
    await rig.workflow.approve(youth, clip.id, 'emergency');
    await rig.workflow.withdraw(police, clip.id, 'Đã qua');
    const audit = await rig.library.audit(clip.id);
    expect(audit.map((a) => [a.action, a.actor, a.fromStatus, a.toStatus])).toEqual([
      ['submit', culture.name, null, 'submitted'],
      ['request-changes', police.name, 'submitted', 'changes-requested'],
      ['resubmit', culture.name, 'changes-requested', 'submitted'],
      ['approve', youth.name, 'submitted', 'approved'],
      ['withdraw', police.name, 'approved', 'withdrawn'],
    ]);
    expect(audit.map((a) => a.sha256)).toEqual([clip.sha256, clip.sha256, newFile.sha256, newFile.sha256, newFile.sha256]);
    expect(audit[0]!.time).toBe(T0);
    expect(audit[3]!.time).toBe(T0 + 120);
    expect(audit[3]!.detail).toBe('priority=emergency');
    expect(audit[1]!.detail).toBe('Ghi âm lại rõ hơn');
  });

  it('writes nothing when a step is refused (the row and its audit row go together)', async () => {
    const clip = await rig.submit();
    await rig.workflow.reject(police, clip.id, 'Không phù hợp');
    await expect(rig.workflow.approve(police, clip.id)).rejects.toThrow(ContentError);
    expect((await rig.library.audit(clip.id)).map((a) => a.action)).toEqual(['submit', 'reject']);
  });
});

describe('four eyes', () => {
  it('refuses an approver approving a clip they submitted, in both languages, and writes nothing', async () => {
    const clip = await rig.submit(police, 'Thông báo của công an huyện');
    const err = await rig.workflow.approve(police, clip.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect(err).toMatchObject({ code: 'not-allowed', message: expect.stringMatching(/không được tự phê duyệt.*another approver must approve it/) });
    expect((await rig.library.get(clip.id)).status).toBe('submitted');
    expect((await rig.library.audit(clip.id)).map((a) => a.action)).toEqual(['submit']);
    await rig.workflow.approve(youth, clip.id);
    expect((await rig.library.get(clip.id)).approver).toBe(youth.name);
  });

  it('holds for an emergency clip and for an admin: another approver must approve it', async () => {
    const flood = await rig.submit(admin, 'Cảnh báo lũ quét', 'emergency');
    expect(await code(rig.workflow.approve(admin, flood.id, 'emergency'))).toBe('not-allowed');
    await expect(rig.workflow.approve(admin, flood.id)).rejects.toThrow(/kể cả khi khẩn cấp.*not even an emergency/);
    const published = new Promise<number>((resolve) => rig.manifests.once('published', (m) => resolve(m.version)));
    await rig.workflow.approve(police, flood.id);
    expect(await published).toBe(1);
  });

  it('counts whoever made the last resubmission as an author too', async () => {
    const clip = await rig.submit(culture);
    await rig.workflow.requestChanges(youth, clip.id, 'Sửa tiêu đề');
    await rig.workflow.resubmit(police, clip.id, { title: 'Tiêu đề đã sửa' }, await rig.library.addSpeech('w'));
    expect(await code(rig.workflow.approve(police, clip.id))).toBe('not-allowed');
    expect((await rig.workflow.approve(youth, clip.id)).status).toBe('approved');
  });
});

describe('manifests', () => {
  it('are signed by the district key, verify with its public key and pass the cart checks', async () => {
    const clip = await rig.submit();
    await rig.workflow.approve(police, clip.id);
    const stored = await rig.manifests.publish();
    const m = open(stored);
    expect(m).toMatchObject({ district: DISTRICT, version: 1, issued: T0, expires: T0 + 30 * 86_400 });
    expect(() => checkManifest(m, { district: DISTRICT, now: T0 + 10, activeVersion: 0 })).not.toThrow();
    expect(() => checkManifest(m, { district: DISTRICT, now: T0 + 31 * 86_400, activeVersion: 0 })).toThrow(/expired/);
    const forged = Buffer.from(stored.signed);
    forged[20] = forged[20]! ^ 1;
    expect(() => openSigned(forged, trusted)).toThrow(/does not verify/);
  });

  it('raise the version each time and publish only when something changed or expiry nears', async () => {
    const first = await rig.manifests.publishIfChanged();
    expect(first?.version).toBe(1);
    expect(open(first!).clips).toEqual([]);
    expect(await rig.manifests.publishIfChanged()).toBeUndefined();
    const clip = await rig.submit();
    expect(await rig.manifests.publishIfChanged()).toBeUndefined(); // submitted only
    await rig.workflow.approve(police, clip.id);
    expect((await rig.manifests.publishIfChanged())?.version).toBe(2);
    rig.clock.now += 21 * 86_400; // within the last third of 30 days
    expect((await rig.manifests.publishIfChanged())?.version).toBe(3);
    expect((await rig.manifests.latest())?.version).toBe(3);
    expect((await rig.manifests.get(2))?.version).toBe(2);
  });

  it('drop a clip past its valid-until time', async () => {
    const file = await rig.library.addSpeech('z');
    const clip = await rig.workflow.submit(culture, file, { title: 'Phòng chống bão', validUntil: T0 + 3600 }, 'bao.wav');
    await rig.workflow.approve(police, clip.id);
    expect(open((await rig.manifests.publishIfChanged())!).clips[0]).toMatchObject({ id: clip.id, validUntil: T0 + 3600 });
    rig.clock.now = T0 + 3601;
    expect(open((await rig.manifests.publishIfChanged())!).clips).toEqual([]);
  });

  it('go out at once when an emergency clip is approved', async () => {
    const published = new Promise<number>((resolve) => rig.manifests.once('published', (m) => resolve(m.version)));
    const clip = await rig.submit(culture, 'Cảnh báo lũ quét', 'ordinary');
    await rig.workflow.approve(police, clip.id, 'emergency');
    expect(await published).toBe(1);
    const m = open((await rig.manifests.latest())!);
    expect(m.clips).toMatchObject([{ id: clip.id, priority: 'emergency' }]);
  });
});
