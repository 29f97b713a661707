import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NmeaStreamParser } from '../../../hardware/gnss/nmea-stream.js';
import { formatEpoch } from '../../../hardware/gnss/nmea-writer.js';
import { positionAt, type WaypointRoute } from '../../../hardware/gnss/sim-route.js';
import { haversineM, trackDistanceM } from '../../../device/logic/geo.js';
import { TrackThinner, type StopEvent, type TrackFix, type TrackPoint } from '../../../device/logic/track.js';
import { receiverBytes } from '../../hardware/gnss/capture-files.js';

const T0 = Date.UTC(2026, 10, 29, 1, 0, 0);
const M_PER_DEG = 111_194.9;

function parseNmea(bytes: Buffer | string): TrackFix[] {
  const parser = new NmeaStreamParser();
  const epochs = [...parser.push(bytes), ...parser.flush()];
  return epochs.flatMap((e) =>
    e.hasFix && e.time && e.latitude !== null && e.longitude !== null ? [{ time: e.time.getTime(), lat: e.latitude, lon: e.longitude, speedMps: e.speedMps }] : [],
  );
}

function thinAll(fixes: readonly TrackFix[], thinner = new TrackThinner()): { points: TrackPoint[]; events: StopEvent[] } {
  const points: TrackPoint[] = [];
  const events: StopEvent[] = [];
  for (const f of fixes) {
    const u = thinner.push(f);
    points.push(...u.points);
    events.push(...u.events);
  }
  points.push(...thinner.flush());
  return { points, events };
}

/** A deterministic pseudo-random source (the tests must give the same figures every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

type Part = { walkS: number; speedMps: number; bearingDeg: number } | { standS: number; jitterM: number };

/** One fix a second along walks and stands, starting at T0 near Dân Lực (Triệu Sơn, Thanh Hóa). */
function synthetic(parts: Part[], withSpeed = true): TrackFix[] {
  const random = lcg(7);
  let lat = 19.93;
  let lon = 105.6;
  let time = T0;
  const out: TrackFix[] = [];
  for (const part of parts) {
    if ('walkS' in part) {
      const b = (part.bearingDeg * Math.PI) / 180;
      for (let i = 0; i < part.walkS; i++) {
        lat += (part.speedMps * Math.cos(b)) / M_PER_DEG;
        lon += (part.speedMps * Math.sin(b)) / (M_PER_DEG * Math.cos((lat * Math.PI) / 180));
        out.push({ time: (time += 1000), lat, lon, speedMps: withSpeed ? part.speedMps : null });
      }
    } else {
      for (let i = 0; i < part.standS; i++) {
        const dLat = ((random() - 0.5) * 2 * part.jitterM) / M_PER_DEG;
        const dLon = ((random() - 0.5) * 2 * part.jitterM) / M_PER_DEG;
        out.push({ time: (time += 1000), lat: lat + dLat, lon: lon + dLon, speedMps: withSpeed ? random() * 0.3 : null });
      }
    }
  }
  return out;
}

describe('haversineM and trackDistanceM', () => {
  it('gives known distances', () => {
    expect(haversineM({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(111_194.9, 0);
    // Hà Nội (Hoàn Kiếm) to Thanh Hóa city: about 135 km as the crow flies.
    expect(haversineM({ lat: 21.0285, lon: 105.8542 }, { lat: 19.8067, lon: 105.7852 }) / 1000).toBeCloseTo(136, 0);
    expect(trackDistanceM([])).toBe(0);
    expect(trackDistanceM([{ lat: 10, lon: 106 }])).toBe(0);
    expect(trackDistanceM([{ lat: 0, lon: 0 }, { lat: 0, lon: 1 }, { lat: 0, lon: 0 }])).toBeCloseTo(2 * 111_194.9, 0);
  });
});

describe('a real receiver capture (Quectel L76K, 30 s at 5 Hz, standing)', () => {
  const fixes = parseNmea(receiverBytes('quectel-l76k-nmea'));

  it('keeps one point for 151 fixes of a receiver that does not move, dropping its jitter', () => {
    expect(fixes).toHaveLength(151);
    const full = trackDistanceM(fixes);
    expect(full).toBeGreaterThan(0.5); // the receiver's wander: 0.59 m over 30 s
    expect(full).toBeLessThan(1);
    const { points, events } = thinAll(fixes);
    expect(points).toEqual([{ time: fixes[0]!.time, lat: fixes[0]!.lat, lon: fixes[0]!.lon }]);
    expect(events).toEqual([]);
    expect(trackDistanceM(points)).toBe(0);
  });

  it('reports the stop when the stop time is shorter than the capture', () => {
    const { points, events } = thinAll(fixes, new TrackThinner({ stopAfterS: 20 }));
    expect(points).toHaveLength(1);
    expect(events).toEqual([{ kind: 'stop-start', time: fixes[0]!.time, lat: fixes[0]!.lat, lon: fixes[0]!.lon }]);
  });
});

describe('a village route, as NMEA through the real parser', () => {
  // A walk through Dân Lực: 2.6 km of roads with turns at a cart's walking pace, one fix a second, with a slow
  // receiver drift (metres, over minutes, as a real receiver's filtered error) added.
  const route: WaypointRoute = {
    speedMps: 1.2,
    waypoints: [
      { latitude: 19.93, longitude: 105.6 },
      { latitude: 19.933, longitude: 105.6005 },
      { latitude: 19.9338, longitude: 105.6042 },
      { latitude: 19.9365, longitude: 105.6048 },
      { latitude: 19.9372, longitude: 105.6021 },
      { latitude: 19.9401, longitude: 105.6013 },
      { latitude: 19.9408, longitude: 105.5985 },
      { latitude: 19.9379, longitude: 105.5962 },
    ],
  };
  const routeS = 1977; // 2372 m at 1.2 m/s; then the cart stands at the end of the route for 4 min
  const seconds = routeS + 240;
  const nmea = Array.from({ length: seconds }, (_, s) => {
    const p = positionAt(route, s * 1000);
    const drift = 2 * Math.sin((2 * Math.PI * s) / 300);
    return formatEpoch({ time: new Date(T0 + s * 1000), latitude: p.latitude + drift / M_PER_DEG, longitude: p.longitude, speedMps: p.speedMps, courseDeg: p.courseDeg });
  }).join('');

  it('keeps the distance within 2 % with a small fraction of the points', () => {
    const fixes = parseNmea(nmea);
    expect(fixes).toHaveLength(seconds);
    const full = trackDistanceM(fixes);
    expect(full).toBeGreaterThan(2372);
    const { points, events } = thinAll(fixes);
    const thinned = trackDistanceM(points);
    expect(Math.abs(thinned - full) / full).toBeLessThan(0.02);
    expect(Math.abs(thinned - 2372.2) / 2372.2).toBeLessThan(0.02);
    expect(points.length).toBeLessThan(fixes.length / 15);
    expect(events.map((e) => [e.kind, Math.round((e.time - T0) / 1000)])).toEqual([['stop-start', routeS]]);
    console.info(`village route: ${fixes.length} fixes, ${full.toFixed(1)} m → ${points.length} points, ${thinned.toFixed(1)} m (${((100 * (thinned - full)) / full).toFixed(2)} %)`);
  });
});

describe('stops', () => {
  const parts: Part[] = [
    { walkS: 300, speedMps: 1.2, bearingDeg: 90 },
    { standS: 600, jitterM: 3 }, // a stop at the market: 10 min
    { walkS: 300, speedMps: 1.2, bearingDeg: 0 },
    { standS: 60, jitterM: 2 }, // waiting at a crossroads: too short to be a stop
    { walkS: 120, speedMps: 1.2, bearingDeg: 0 },
  ];

  for (const withSpeed of [true, false]) {
    it(`reports a stop of 10 min and not a pause of 1 min (${withSpeed ? 'receiver speed' : 'speed from positions'})`, () => {
      const fixes = synthetic(parts, withSpeed);
      const standStart = fixes[300]!;
      const { points, events } = thinAll(fixes);
      expect(events.map((e) => e.kind)).toEqual(['stop-start', 'stop-end']);
      const [start, end] = events as [StopEvent, StopEvent & { kind: 'stop-end' }];
      const setOff = fixes[900]!.time;
      if (withSpeed) {
        expect(start).toEqual({ kind: 'stop-start', time: standStart.time, lat: standStart.lat, lon: standStart.lon });
        expect(end).toEqual({ kind: 'stop-end', time: setOff, startedAt: standStart.time, durationS: 600, lat: standStart.lat, lon: standStart.lon });
      } else {
        // By position alone the stop starts at the last point the cart passed within 25 m of the spot, and ends
        // when it has left that radius: each up to 25 m of walking (21 s) off.
        expect(standStart.time - start.time).toBeLessThanOrEqual(21_000);
        expect(haversineM(start, standStart)).toBeLessThanOrEqual(25);
        expect(end.time - setOff).toBeGreaterThan(0);
        expect(end.time - setOff).toBeLessThanOrEqual(25_000);
        expect(end.startedAt).toBe(start.time);
      }
      const duringStop = points.filter((p) => p.time >= start.time && p.time < setOff);
      expect(duringStop).toEqual([{ time: start.time, lat: start.lat, lon: start.lon }]);
      for (let i = 1; i < points.length; i++) expect(points[i]!.time).toBeGreaterThan(points[i - 1]!.time);
      const full = trackDistanceM(fixes.filter((_, i) => i < 300 || (i >= 900 && i < 1200) || i >= 1260));
      expect(Math.abs(trackDistanceM(points) - full) / full).toBeLessThan(0.05);
    });
  }

  it('keeps a point every maxIntervalS while moving in a small space, none while stopped', () => {
    // Round and round a 10 m square at 1 m/s for 5 min: never 25 m from the first point.
    const fixes = synthetic([
      ...Array.from({ length: 8 }, (_, i): Part => ({ walkS: 10, speedMps: 1, bearingDeg: (i % 4) * 90 })),
      ...Array.from({ length: 22 }, (_, i): Part => ({ walkS: 10, speedMps: 1, bearingDeg: (i % 4) * 90 })),
    ]);
    const { points } = thinAll(fixes);
    expect(points.map((p) => (p.time - T0) / 1000)).toEqual([1, 61, 121, 181, 241, 300]);
  });

  it('ends a stop only when the cart leaves its radius, at the time it set off', () => {
    const thinner = new TrackThinner({ stopAfterS: 10, minDistanceM: 25 });
    const at = (s: number, northM: number, speedMps: number): TrackFix => ({ time: T0 + s * 1000, lat: 20 + northM / M_PER_DEG, lon: 106, speedMps });
    expect(thinner.push(at(0, 0, 0)).points).toHaveLength(1);
    expect(thinner.push(at(10, 1, 0.1)).events.map((e) => e.kind)).toEqual(['stop-start']);
    expect(thinner.push(at(11, 1, 0.9)).events).toEqual([]); // speed jitter while standing
    expect(thinner.push(at(12, 1, 0.1)).events).toEqual([]);
    expect(thinner.push(at(20, 5, 1)).events).toEqual([]); // sets off
    const left = thinner.push(at(40, 26, 1));
    expect(left.events).toEqual([{ kind: 'stop-end', time: T0 + 20_000, lat: 20, lon: 106, startedAt: T0, durationS: 20 }]);
    expect(left.points).toHaveLength(1);
    expect(thinner.stoppedAt).toBeNull();
  });

  it('ignores fixes that do not move forward in time and refuses bad ones', () => {
    const thinner = new TrackThinner();
    thinner.push({ time: T0, lat: 20, lon: 106, speedMps: 1 });
    expect(thinner.push({ time: T0, lat: 21, lon: 106, speedMps: 1 })).toEqual({ points: [], events: [] });
    expect(thinner.push({ time: T0 - 5000, lat: 21, lon: 106, speedMps: 1 })).toEqual({ points: [], events: [] });
    expect(thinner.ignoredFixes).toBe(2);
    expect(() => thinner.push({ time: T0 + 1, lat: 100, lon: 106, speedMps: 1 })).toThrow('fix must have lat −90..90 and lon −180..180, got {"lat":100,"lon":106}');
    expect(() => new TrackThinner({ minDistanceM: 0 })).toThrow('minDistanceM must be a number above 0, got 0');
  });

  it('for any walk: points are fixes in time order, never longer than the walk, stops alternate', () => {
    const step = fc.record({ dtS: fc.integer({ min: 1, max: 30 }), northM: fc.double({ min: -40, max: 40, noNaN: true }), eastM: fc.double({ min: -40, max: 40, noNaN: true }), speed: fc.option(fc.double({ min: 0, max: 3, noNaN: true })) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let time = T0;
        let lat = 19.9;
        let lon = 105.6;
        const fixes = steps.map((s): TrackFix => {
          lat += s.northM / M_PER_DEG;
          lon += s.eastM / M_PER_DEG;
          return { time: (time += s.dtS * 1000), lat, lon, speedMps: s.speed };
        });
        const { points, events } = thinAll(fixes);
        const keys = new Set(fixes.map((f) => `${f.time}:${f.lat}:${f.lon}`));
        for (const p of points) expect(keys.has(`${p.time}:${p.lat}:${p.lon}`)).toBe(true);
        for (let i = 1; i < points.length; i++) expect(points[i]!.time).toBeGreaterThan(points[i - 1]!.time);
        expect(trackDistanceM(points)).toBeLessThanOrEqual(trackDistanceM(fixes) + 1e-6);
        events.forEach((e, i) => expect(e.kind).toBe(i % 2 === 0 ? 'stop-start' : 'stop-end'));
        if (fixes.length > 0) expect(points[0]).toEqual({ time: fixes[0]!.time, lat: fixes[0]!.lat, lon: fixes[0]!.lon });
      }),
    );
  });
});
