// A press the cart cannot obey is answered aloud, and the battery's last part is kept for emergency clips. A whole
// cart on the simulators (device/features/ composed as cart-run.ts does) with a cue pack the district's code made with
// the real espeak-ng (skipped with the printed reason where it is missing; CI installs it), signed with a key the
// cart pins, placed in incoming/ as a technician would: outside the hours the press is answered with the hours' cue
// and nothing is played or recorded as a play; at the emergency reserve an ordinary press is refused with the
// reserve's reason and cue, while an emergency clip still plays; the relay is on only while something sounds.
import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CuePacks } from '../../../controller/content/cues.js';
import { identityToJson, loadIdentity, saveIdentity } from '../../../device/identity.js';
import { ensureSimulationSetup } from '../../../device/sim/sim-content.js';
import { privateKeyFromSeed } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import { missing } from '../../support/tools.js';
import { local, startDayCart, stopLeftover, useDayTimers, type DayCart } from './day-cart.js';

const noEspeak = missing('espeak-ng');
const PLACE = { latitude: 19.8185, longitude: 105.61 };
const POLICY = { allowedHours: [{ from: '07:00', to: '11:00' }], reserve: { minutes: 15, volumePercent: 70 } };
const TIMING = { warmupMs: 1000, tailMs: 500, initialVolume: 60 };
const FINE = 100;

const root = mkdtempSync(join(tmpdir(), 'loa-answers-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let day: DayCart | null = null;
afterEach(async () => {
  const d = day;
  day = null;
  await stopLeftover(d);
});

/** A simulation data folder whose identity also pins the test district key, with its cue pack in incoming/. */
async function folderWithCues(now: number): Promise<string> {
  const dataDir = join(root, `cart-${now}`);
  await ensureSimulationSetup(dataDir, now);
  const id = (await loadIdentity(dataDir))!;
  await saveIdentity(dataDir, { ...identityToJson(id), districtKeys: [...identityToJson(id).districtKeys, TEST_DISTRICT_PUBLIC] });
  const packs = new CuePacks({ dataDir: join(root, 'district'), district: id.district, signer: { privateKey: privateKeyFromSeed(TEST_DISTRICT_SEED) }, clock: () => Math.floor(now / 1000) });
  const { tar } = await packs.build();
  await mkdir(join(dataDir, 'content', 'incoming'), { recursive: true });
  await writeFile(join(dataDir, 'content', 'incoming', 'cues.tar'), tar);
  return dataDir;
}

async function pressAt(d: DayCart, at: number): Promise<void> {
  await d.runUntil(at, 60_000);
  const released = d.press('playPause', 80);
  await d.runUntil(at + 280, FINE);
  await released;
}

const spoken = (d: DayCart): string[] => d.sim.audio.history.map((p) => basename(p.file));
const relayOns = (d: DayCart): number => d.happenings.filter((h) => 'relay' in h && h.relay).length;

describe.skipIf(noEspeak)('a press the cart cannot obey, and the emergency reserve', () => {
  it('answers outside the hours with the hours cue, and at the reserve refuses ordinary clips but plays an emergency one', async () => {
    useDayTimers(local(5, 59));
    const dataDir = await folderWithCues(local(5, 59));
    day = await startDayCart({ policy: POLICY, route: { points: [{ ...PLACE, atMs: 0 }] }, player: TIMING, dataDir, cues: true });

    // 06:00, before the hours: refused, and the cart says so on its speaker, quietly; nothing is recorded as a play.
    await pressAt(day, local(6, 0));
    await day.runUntil(local(6, 0, 10), FINE);
    expect(day.cart.player.state).toBe('blocked');
    expect(spoken(day)).toEqual(['outside-hours.wav']);
    expect(relayOns(day)).toBe(1);
    expect((await day.cart.status()).relay).toBe(false);
    expect(await day.store.playsSince(0)).toEqual([]);

    // 07:10, inside the hours, the battery at 31 %: above the cut-off (30 % for lead-acid), inside the reserve.
    await day.runUntil(local(7, 10), 60_000);
    day.sim.power.setSoc(31);
    await pressAt(day, local(7, 10, 5));
    await day.runUntil(local(7, 10, 15), FINE);
    const status = await day.cart.status();
    expect(status.state).toBe('blocked');
    expect(status.blocked.map((b) => b.code)).toEqual(['energy-reserve']);
    expect(status.blocked[0]!.vi).toMatch(/^Pin chỉ còn phần dự phòng cho bản tin khẩn cấp/);
    expect(status.energy?.reserveKept).toBe(false);
    expect(spoken(day)).toEqual(['outside-hours.wav', 'energy-reserve.wav']);
    expect(await day.store.playsSince(0)).toEqual([]);

    // An emergency clip may use the reserve: it plays, and its play is recorded as an emergency.
    const clip = day.cart.playlist.find((c) => c.priority === 'ordinary')!;
    day.cart.player.playClip({ ...clip, priority: 'emergency' }, 'emergency');
    await day.runUntil(local(7, 11), FINE);
    const plays = await day.store.playsSince(0);
    expect(plays.map((p) => [p.clip, p.trigger, p.outcome])).toEqual([[clip.id, 'emergency', 'completed']]);
    expect(spoken(day).slice(2)).toEqual([basename(clip.file)]);
  });
});

describe.skipIf(noEspeak)('a play press with little battery left', () => {
  it('hears the minutes left first, then plays', async () => {
    useDayTimers(local(18, 29));
    const dataDir = await folderWithCues(local(18, 29));
    const policy = { ...POLICY, allowedHours: [{ from: '07:00', to: '21:00' }] };
    day = await startDayCart({ policy, route: { points: [{ ...PLACE, atMs: 0 }] }, player: TIMING, dataDir, cues: true });
    await day.runUntil(local(18, 30), 1000);
    // After sunset, a little above where ordinary clips would stop: minutes, not hours, at the team's 60 %.
    // (The floor holds the estimate's uncertainty: told once, the charge is known better and the floor comes down.)
    day.sim.power.setSoc(50);
    await day.runUntil(local(18, 30, 5), 1000);
    const floor = (await day.cart.status()).energy!.reserveFloorPercent!;
    day.sim.power.setSoc(floor + 0.5);
    await day.runUntil(local(18, 30, 10), 1000);
    const minutes = (await day.cart.status()).energy!.forecasts[0]!.minutesLeft!;
    expect(minutes).toBeGreaterThan(4);
    expect(minutes).toBeLessThanOrEqual(30);
    await pressAt(day, local(18, 30, 20));
    await day.runUntil(local(18, 30, 40), FINE);
    const [cue, ...rest] = spoken(day);
    const n = Number(/^battery-minutes-(\d+)\.wav$/.exec(cue ?? '')?.[1]);
    expect(n).toBeLessThanOrEqual(minutes);
    expect(n).toBeGreaterThan(minutes / 2);
    expect(day.cart.playlist.map((c) => basename(c.file))).toContain(rest[0]); // then the session's clips
    expect(day.cart.player.state).toBe('playing');
  });
});

describe('what the energy monitor learned', () => {
  it('is kept in the store at stop and taken up again at the next start, the charge told by the simulator included', async () => {
    useDayTimers(local(8, 0));
    const dataDir = join(root, 'memory');
    day = await startDayCart({ policy: POLICY, route: { points: [{ ...PLACE, atMs: 0 }] }, player: TIMING, dataDir });
    day.sim.power.setSoc(64);
    await day.runUntil(local(8, 5), 1000);
    const before = (await day.cart.status()).energy!;
    expect(before.socPercent).toBeGreaterThan(60);
    expect(before.socPercent).toBeLessThan(66);
    await day.cart.stop();
    day = null;

    // The next start: the simulator's own battery starts elsewhere (80 %), the monitor carries on from what it knew.
    day = await startDayCart({ policy: POLICY, route: { points: [{ ...PLACE, atMs: 0 }] }, player: TIMING, dataDir });
    await day.runUntil(local(8, 5, 10), 1000);
    const after = (await day.cart.status()).energy!;
    expect(Math.abs(after.socPercent! - before.socPercent!)).toBeLessThan(1);
  });
});
