// What of the telemetry goes in each live frame: changes beyond deadbands, every field now and then.
import { describe, expect, it } from 'vitest';
import { LiveDelta } from '../../../device/link/live-delta.js';
import type { Telemetry } from '../../../protocol/index.js';

const whole = (over: Partial<Telemetry> = {}): Telemetry => ({
  type: 'telemetry',
  batteryMv: 12_650,
  batteryMa: -850,
  solarMv: 18_200,
  solarMa: 420,
  soc: 78,
  state: { amplifierOn: true, relayOn: true, player: 'playing' },
  volume: 60,
  runtime: { uptimeS: 3600, amplifierS: 1200, audioS: 1100 },
  faults: [],
  outboxDepth: 0,
  sync: { manifestVersion: 12, clipsMissing: 0, bytesToGo: 0 },
  ...over,
});

function send(d: LiveDelta, t: Telemetry): Telemetry {
  const c = d.compose(t);
  c.commit();
  return c.message;
}

describe('LiveDelta', () => {
  it('sends every field first, then only what moved past its deadband or changed', () => {
    const d = new LiveDelta({ fullEvery: 10 });
    expect(send(d, whole())).toEqual(whole());
    // Noise within the deadbands, runtime counters ticking: nothing to say.
    expect(send(d, whole({ batteryMv: 12_665, batteryMa: -820, solarMv: 18_150, runtime: { uptimeS: 3630, amplifierS: 1230, audioS: 1130 } }))).toEqual({ type: 'telemetry' });
    // The battery moved 25 mV from what was last sent (not from the last reading); the player paused.
    const m = send(d, whole({ batteryMv: 12_625, state: { amplifierOn: true, relayOn: true, player: 'paused' } }));
    expect(m).toEqual({ type: 'telemetry', batteryMv: 12_625, state: { amplifierOn: true, relayOn: true, player: 'paused' } });
    expect(send(d, whole({ batteryMv: 12_625, state: { amplifierOn: true, relayOn: true, player: 'paused' }, faults: ['gnss'] }))).toEqual({ type: 'telemetry', faults: ['gnss'] });
  });

  it("sends the energy forecast when the team's picture changed, not at every reading", () => {
    const energy = { minutesLeft: 120, minutesLeftNoSun: 90, reserveMinutes: 15, minutesToFull: null, healthPercent: 92 };
    const d = new LiveDelta({ fullEvery: 100 });
    expect(send(d, whole({ energy })).energy).toEqual(energy);
    // A few minutes less, as every reading gives: nothing.
    expect(send(d, whole({ energy: { ...energy, minutesLeft: 112, minutesLeftNoSun: 86 } }))).toEqual({ type: 'telemetry' });
    // More than a tenth from what was last sent (120): sent.
    expect(send(d, whole({ energy: { ...energy, minutesLeft: 105 } })).energy?.minutesLeft).toBe(105);
    // Charging begins; the health is estimated again; the reserve is reached: each goes at once.
    expect(send(d, whole({ energy: { ...energy, minutesLeft: 105, minutesToFull: 300 } })).energy?.minutesToFull).toBe(300);
    expect(send(d, whole({ energy: { ...energy, minutesLeft: 105, minutesToFull: 300, healthPercent: 91 } })).energy?.healthPercent).toBe(91);
    expect(send(d, whole({ energy: { ...energy, minutesLeft: 0, minutesToFull: 300, healthPercent: 91 } })).energy?.minutesLeft).toBe(0);
  });

  it('sends every field again after fullEvery − 1 deltas, and after refresh()', () => {
    const d = new LiveDelta({ fullEvery: 3 });
    const fulls = Array.from({ length: 7 }, () => {
      const c = d.compose(whole());
      c.commit();
      return c.full;
    });
    expect(fulls).toEqual([true, false, false, true, false, false, true]);
    d.refresh();
    expect(d.compose(whole()).full).toBe(true);
  });

  it('does not count a message that was not committed (its frame failed to go)', () => {
    const d = new LiveDelta();
    send(d, whole());
    const lost = d.compose(whole({ volume: 80 }));
    expect(lost.message).toEqual({ type: 'telemetry', volume: 80 });
    // Not committed: the change is still news next time.
    expect(send(d, whole({ volume: 80 }))).toEqual({ type: 'telemetry', volume: 80 });
  });

  it('keeps a field the cart does not have (no power board) out of every message', () => {
    const d = new LiveDelta({ fullEvery: 2 });
    const bare = whole({ batteryMv: undefined, batteryMa: undefined, solarMv: undefined, solarMa: undefined, soc: undefined });
    expect(send(d, bare)).not.toHaveProperty('batteryMv');
    expect(send(d, bare)).toEqual({ type: 'telemetry' });
  });

  it('refuses a refresh period that is not a whole number ≥ 1', () => {
    expect(() => new LiveDelta({ fullEvery: 0 })).toThrow(RangeError);
    expect(() => new LiveDelta({ fullEvery: 1.5 })).toThrow(/whole number/);
  });
});
