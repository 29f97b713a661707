import { describe, it, expect, vi, afterEach } from 'vitest';
import { SimGnss } from '../../../hardware/gnss/sim-gnss.js';
import { distanceM } from '../../../hardware/gnss/sim-route.js';
import { formatSentence } from '../../../hardware/gnss/nmea-writer.js';
import type { GnssFix, GnssNoFix } from '../../../hardware/gnss/gnss.js';

// A short walk in Hoàn Kiếm: two legs of roughly 110 m and 100 m.
const start = { latitude: 21.0285, longitude: 105.8542 };
const north = { latitude: 21.0295, longitude: 105.8542 };
const east = { latitude: 21.0295, longitude: 105.8552 };

function record(gnss: SimGnss): { fixes: GnssFix[]; lost: GnssNoFix[] } {
  const fixes: GnssFix[] = [];
  const lost: GnssNoFix[] = [];
  gnss.on('fix', (f) => fixes.push(f));
  gnss.on('nofix', (e) => lost.push(e));
  return { fixes, lost };
}

describe('SimGnss', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('replays a waypoint route at its speed, once a second, as real NMEA through the parser', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 4, 1, 2, 0, 0) });
    const gnss = new SimGnss({ route: { waypoints: [start, north, east], speedMps: 1.5 } });
    const { fixes } = record(gnss);
    await gnss.open();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fixes).toHaveLength(10);
    expect(fixes[9]?.time).toEqual(new Date(Date.UTC(2026, 4, 1, 2, 0, 10)));
    // 10 s at 1.5 m/s northward: 15 m from the start, heading 0°.
    expect(distanceM(start, fixes[9]!)).toBeCloseTo(15, 0);
    expect(fixes[9]?.courseDeg).toBeCloseTo(0, 1);
    expect(fixes[9]?.speedMps).toBeCloseTo(1.5, 2);
    expect(gnss.lastNmea).toMatch(/^\$GNRMC,020010\.000,A,2101\.7\d+,N,10551\.252000,E,.*\*[0-9A-F]{2}\r\n\$GNGGA,/);
    expect(gnss.stats()).toMatchObject({ good: 20, fixes: 10, badChecksum: 0, connects: 1 });
    await gnss.close();
  });

  it('runs faster with a speed factor and an injected clock', async () => {
    vi.useFakeTimers();
    let clock = Date.UTC(2026, 0, 1);
    const gnss = new SimGnss({ now: () => clock, speedFactor: 10, route: { waypoints: [start, north], speedMps: 2 } });
    const { fixes } = record(gnss);
    await gnss.open();
    clock += 1000; // one real second is ten simulated ones
    await vi.advanceTimersByTimeAsync(1000);
    expect(fixes).toHaveLength(10);
    expect(fixes.at(-1)?.time).toEqual(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)));
    expect(distanceM(start, fixes.at(-1)!)).toBeCloseTo(20, 0);
    await gnss.close();
  });

  it('follows timed points, interpolating between them', async () => {
    vi.useFakeTimers({ now: 0 });
    const gnss = new SimGnss({
      route: { points: [{ ...start, atMs: 0 }, { ...north, atMs: 100_000 }] },
    });
    const { fixes } = record(gnss);
    await gnss.open();
    await vi.advanceTimersByTimeAsync(50_000);
    const halfway = fixes.at(-1)!;
    expect(halfway.latitude).toBeCloseTo((start.latitude + north.latitude) / 2, 7);
    expect(halfway.speedMps).toBeCloseTo(distanceM(start, north) / 100, 2);
    await gnss.close();
  });

  it('emitFix, loseFix, regainFix and setRoute control the epochs', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 4, 1) });
    const gnss = new SimGnss();
    const { fixes, lost } = record(gnss);
    await gnss.open();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fixes).toHaveLength(0); // no route: nothing by itself

    const fix = gnss.emitFix({ latitude: 10.7626, longitude: 106.6602, speedMps: 3, courseDeg: 90, quality: 'dgps' });
    expect(fix).toMatchObject({ hasFix: true, quality: 'dgps', speedMps: expect.closeTo(3, 3) as number });
    expect(Math.abs(fix.latitude - 10.7626)).toBeLessThan(1e-7);
    expect(gnss.lastFix).toBe(fix);

    gnss.loseFix();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ hasFix: false, quality: 'none', latitude: null });
    expect(gnss.lastFix).toBe(fix); // kept across the loss

    gnss.setRoute({ waypoints: [start], speedMps: 0 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(lost).toHaveLength(4); // still lost: the route sends no-fix epochs
    gnss.regainFix();
    await vi.advanceTimersByTimeAsync(2000);
    expect(fixes.slice(1).map((f) => f.latitude)).toEqual([expect.closeTo(start.latitude, 7), expect.closeTo(start.latitude, 7)]);
    await gnss.close();
  });

  it('counts garbage sent through it, and unplug/plug give disconnected/connected', async () => {
    vi.useFakeTimers({ now: 0 });
    const gnss = new SimGnss({ route: { waypoints: [start], speedMps: 0 } });
    const events: string[] = [];
    gnss.on('connected', () => events.push('connected'));
    gnss.on('disconnected', () => events.push('disconnected'));
    gnss.on('fix', () => events.push('fix'));
    await gnss.open();
    gnss.sendNmea(`$GPRMC,bad*01\r\n${formatSentence('PUBX,00')}noise\r\n`);
    expect(gnss.stats()).toMatchObject({ badChecksum: 1, malformed: 1, proprietary: 1 });
    gnss.unplug();
    await vi.advanceTimersByTimeAsync(3000);
    gnss.plug();
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual(['connected', 'disconnected', 'connected', 'fix']);
    expect(() => {
      gnss.unplug();
      gnss.emitFix();
    }).toThrow(/open\(\)/);
    await gnss.close();
  });

  it('rejects bad options, naming them', () => {
    expect(() => new SimGnss({ speedFactor: 0 })).toThrow(/speedFactor.*0/);
    expect(() => new SimGnss({ route: { waypoints: [{ latitude: 95, longitude: 0 }], speedMps: 1 } })).toThrow(
      /route\.waypoints\[0\].*95/,
    );
    expect(() => new SimGnss({ route: { points: [{ ...start, atMs: 5 }, { ...north, atMs: 5 }] } })).toThrow(
      /route\.points\[1\]\.atMs/,
    );
  });
});
