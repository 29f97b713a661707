// The functions behind `loa content …` and `loa manifest publish`, with real users (scrypt) and the tone converter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentCommands, formatDate, parseVnDate } from '../../../controller/content/commands.js';
import { UserStore } from '../../../controller/users/users.js';
import { DISTRICT, makeContent, T0, type ContentRig } from './harness.js';

let rig: ContentRig;
let cmd: ContentCommands;
beforeEach(async () => {
  rig = await makeContent();
  const users = new UserStore({ db: rig.db, clock: () => rig.clock.now });
  await users.start();
  await users.add({ name: 'phong-vh', role: 'submitter', password: 'mật khẩu dài' });
  await users.add({ name: 'ca-huyen', role: 'approver', password: 'mật khẩu dài' });
  cmd = new ContentCommands({ library: rig.library, workflow: rig.workflow, manifests: rig.manifests, users, district: DISTRICT });
});
afterEach(() => rig.close());

describe('content commands', () => {
  it('add, list, approve, publish, withdraw: Vietnamese first, English on request', async () => {
    expect(await cmd.add({ tts: 'Xin chào', title: 'Phòng chống ma tuý', targets: ['commune:dan-luc'], validUntil: '31/12/2026', as: 'phong-vh' })).toMatch(
      /^Đã gửi bản tin c-0001 "Phòng chống ma tuý" \(0,5 giây, sha256 [0-9a-f]{12}…\), đang chờ phê duyệt\.$/,
    );
    const list = await cmd.list();
    expect(list.split('\n')[0]).toMatch(/^Mã\s+Trạng thái/);
    expect(list).toContain('chờ duyệt');
    expect(await cmd.list({}, 'en')).toContain('submitted');
    expect(await cmd.approve('1', { as: 'ca-huyen' })).toMatch(/^Đã phê duyệt c-0001, mức ưu tiên thường\./);
    expect(await cmd.publishManifest({ as: 'ca-huyen' }, 'en')).toMatch(/^Published manifest 1: 1 clips, \d+ bytes, expires 29\/12\/2026; NOT yet announced over MQTT\.$/);
    const show = await cmd.show('c-0001');
    expect(show).toContain('commune:dan-luc');
    expect(show).toMatch(/phong-vh \(submitter\)\s+submit/);
    expect(await cmd.withdraw('c-0001', { as: 'ca-huyen' })).toBe('Đã rút c-0001; bản tin không còn được tải xuống và danh sách phát phiên bản 2 không còn nó.');
  });

  it('an emergency approval says the manifest went out at once', async () => {
    await cmd.add({ file: '/dev/null', title: 'Lũ quét', priority: 'priority', as: 'phong-vh' });
    expect(await cmd.approve('c-0001', { priority: 'emergency', as: 'ca-huyen' }, 'en')).toBe('Approved c-0001 with priority emergency. Emergency: manifest 1 published at once.');
  });

  it('throws domain errors that say what to do', async () => {
    await expect(cmd.add({ title: 't', as: 'phong-vh' })).rejects.toMatchObject({ code: 'bad-field' });
    await expect(cmd.add({ tts: 'x', title: 't', as: 'khong-co' })).rejects.toMatchObject({ code: 'unknown-user' });
    await expect(cmd.add({ tts: 'x', title: 't', priority: 'urgent', as: 'phong-vh' })).rejects.toMatchObject({ code: 'bad-field' });
    await expect(cmd.add({ tts: 'x', title: 't', targets: ['village:x'], as: 'phong-vh' })).rejects.toMatchObject({ code: 'bad-field' });
    await expect(cmd.publishManifest({ as: 'phong-vh' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(cmd.approve('c-0042', { as: 'ca-huyen' })).rejects.toThrow(/loa content list/);
  });
});

describe('dates', () => {
  it('reads and writes dd/mm/yyyy in Vietnam time', () => {
    expect(parseVnDate('--from', '29/11/2026 08:00')).toBe(T0);
    expect(parseVnDate('--from', '29/11/2026')).toBe(T0 - 8 * 3600);
    expect(parseVnDate('--until', '29/11/2026', true)).toBe(T0 + 16 * 3600 - 1);
    expect(formatDate(T0 - 8 * 3600)).toBe('29/11/2026');
    expect(() => parseVnDate('--from', '31/02/2026')).toThrow(/dd\/mm\/yyyy/);
    expect(() => parseVnDate('--from', '2026-11-29')).toThrow(/dd\/mm\/yyyy/);
  });
});
