// `loa unit selftest`: all lines pass on the simulators; a broken part gives a failed line with what to check, and
// a non-zero exit code.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCartConfigFor, validateCartConfig } from '../../device/config.js';
import { dataDirWithIdentity } from '../support/identity.js';
import { createHardware } from '../../device/hardware.js';
import { createLoggerFactory } from '../../device/logger.js';
import { formatSelftest, runSelftest } from '../../device/selftest.js';
import { loopAround, TRIEU_SON_COMMUNES } from '../../device/sim/places.js';
import { runLoa } from '../support/cli.js';

const quiet = createLoggerFactory({ out: { write: () => true }, level: 'error' });

describe('selftest', () => {
  it('passes every line on the simulators, in Vietnamese by default', async () => {
    const r = await runLoa(['unit', 'selftest', '--sim']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Kết quả: 5\/5 đạt/);
    expect(r.stdout.match(/\[ĐẠT\]/g)).toHaveLength(5);
  });

  it('fails the audio line when the player fails, says what to check, and leaves the relay off', async () => {
    const config = validateCartConfig({}, { simulate: true });
    const hw = await createHardware(config.hardware, { logger: quiet, route: loopAround(TRIEU_SON_COMMUNES[1]!) });
    hw.sim!.audio.fail('AUDIO_PLAYER_MISSING');
    const lines = await runSelftest(hw, { gnssWaitMs: 5000, audioWaitMs: 2000 });
    expect(lines.map((l) => [l.id, l.ok])).toEqual([
      ['relay', true],
      ['audio', false],
      ['volume', true],
      ['gnss', true],
      ['power', true],
    ]);
    expect(hw.sim!.relay.history.at(-1)?.on).toBe(false);
    const text = formatSelftest(lines, 'en', { vi: '', en: 'Cart self-test' });
    expect(text).toMatch(/\[FAIL\]\s+Audio playback: error: .*\n\s+→ Check the ALSA device/);
    expect(text).toMatch(/Result: 4\/5 passed/);
  });

  it('fails the GNSS line in bounded time when no receiver answers', async () => {
    const config = validateCartConfig({}, { simulate: true });
    const hw = await createHardware(config.hardware, { logger: quiet }); // no route: the simulated receiver stays silent
    const started = Date.now();
    const lines = await runSelftest(hw, { gnssWaitMs: 300, audioWaitMs: 2000 });
    expect(lines.find((l) => l.id === 'gnss')).toMatchObject({ ok: false, detail: { en: 'no NMEA sentence received in 0.3 s' } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('exits non-zero on real hardware it cannot reach, with a line per part (this machine has no GPIO)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-selftest-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hardware: { audio: { device: 'null' }, gnss: { path: join(dir, 'no-gnss') }, powerBoard: { path: join(dir, 'no-arduino'), readyTimeoutMs: 500 } } }));
    const r = await runLoa(['unit', 'selftest', '--config', file, '--gnss-wait', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[LỖI\]\s+Rơ-le khuếch đại: lỗi: không dùng được GPIO .*\(GPIO_UNAVAILABLE\)\n/);
    expect(r.stdout).toMatch(/\[LỖI\]\s+Định vị GNSS: không nhận được câu NMEA nào sau 0,5 s\n/);
    expect(r.stdout).toMatch(/\[LỖI\]\s+Bảng đo nguồn \(ắc quy, pin mặt trời\): lỗi: không mở được Arduino.*\(LOA_POWER_NOT_READY\)\n/);
    // The drivers' English messages stay out of the Vietnamese checklist (they are in the English one).
    expect(r.stdout).not.toMatch(/GPIO is not accessible|Could not open|did not become ready|Check that|failed:/);
    const en = await runLoa(['unit', 'selftest', '--config', file, '--gnss-wait', '0.5', '--lang', 'en']);
    expect(en.stdout).toMatch(/\[FAIL\]\s+Amplifier relay: error: GPIO is not accessible/);
  });

  it('checks the board the cart was provisioned for, unless the configuration names another', async () => {
    const dir = await dataDirWithIdentity('loa-selftest-', { unitName: 'zero-01', profile: 'pi-zero-2w' });
    expect((await loadCartConfigFor(dir, undefined, { simulate: true })).hardware.profile).toBe('pi-zero-2w');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ hardware: { profile: 'pi-3' } }));
    expect((await loadCartConfigFor(dir, undefined, { simulate: true })).hardware.profile).toBe('pi-3');
    expect((await loadCartConfigFor(mkdtempSync(join(tmpdir(), 'loa-selftest-')), undefined, { simulate: true })).hardware.profile).toBe('pi-4');
    rmSync(join(dir, 'config.json'));
    const r = await runLoa(['unit', 'selftest', '--sim', '--data', dir, '--gnss-wait', '0.5']);
    expect(r.stdout).toMatch(/bo mạch pi-zero-2w/);
  });

  it('refuses a bad configuration naming the key and the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-selftest-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hardware: { relay: { pin: 41 } }, player: { warmupMs: -1 }, policy: { maxSesionMinutes: 30, allowedHours: [{ from: '22:00', to: '02:00' }] } }));
    const r = await runLoa(['unit', 'selftest', '--config', file]);
    expect(r.code).toBe(2);
    // Vietnamese by default, every section's problems at once, the policy's too (checked at load, not when the cart starts).
    expect(r.stderr).toMatch(/hardware\.relay\.pin: 41 không phải chân GPIO/);
    expect(r.stderr).toMatch(/player\.warmupMs: -1 không hợp lệ, cần một số từ 0 đến 30000 ms/);
    expect(r.stderr).toMatch(/policy\.maxSesionMinutes: không phải một mục cấu hình; có phải là "maxSessionMinutes"\?/);
    expect(r.stderr).toMatch(/policy\.allowedHours\[0\]\.to: "02:00" phải sau "from"/);
    const en = await runLoa(['unit', 'selftest', '--config', file, '--lang', 'en']);
    expect(en.code).toBe(2);
    expect(en.stderr).toMatch(/player\.warmupMs: -1 must be a number from 0 to 30000 ms/);
    expect(en.stderr).toMatch(/policy\.maxSesionMinutes: is not a known setting; did you mean "maxSessionMinutes"\?/);
  });
});
