import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineM, pointInPolygon, type LatLon } from '../../../device/logic/geo.js';
import { localDateText, localDayKey, localDayStart, localMsOfDay, parseMinutes, formatMinutes } from '../../../device/logic/local-time.js';

const position = fc.record({ lat: fc.double({ min: -80, max: 80, noNaN: true }), lon: fc.double({ min: -179, max: 179, noNaN: true }) });

describe('geo', () => {
  it('haversine is symmetric, zero on itself and obeys the triangle inequality', () => {
    fc.assert(
      fc.property(position, position, position, (a: LatLon, b: LatLon, c: LatLon) => {
        expect(haversineM(a, a)).toBe(0);
        expect(haversineM(a, b)).toBeCloseTo(haversineM(b, a), 6);
        // One millimetre of slack: near the antipode asin(√h) loses precision (h close to 1), and CI once found a
        // 5e-7 m excess on a 20,000 km path. A millimetre is far below anything a cart's position means.
        expect(haversineM(a, c)).toBeLessThanOrEqual(haversineM(a, b) + haversineM(b, c) + 1e-3);
      }),
    );
  });

  it('pointInPolygon agrees with a rectangle test for any rectangle and point off its edges, in either winding', () => {
    // The point is at a fraction of the rectangle's size from its corner, (k + 0.5) / 1000: never on an edge.
    const fraction = fc.integer({ min: -500, max: 1500 }).map((k) => (k + 0.5) / 1000);
    fc.assert(
      fc.property(position, fc.double({ min: 0.001, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), fraction, fraction, (corner, h, w, fy, fx) => {
        const rect: [number, number][] = [
          [corner.lat, corner.lon],
          [corner.lat + h, corner.lon],
          [corner.lat + h, corner.lon + w],
          [corner.lat, corner.lon + w],
        ];
        const q = { lat: corner.lat + fy * h, lon: corner.lon + fx * w };
        const inside = fy > 0 && fy < 1 && fx > 0 && fx < 1;
        expect(pointInPolygon(q, rect)).toBe(inside);
        expect(pointInPolygon(q, [...rect].reverse())).toBe(inside);
      }),
    );
  });
});

describe('local time, UTC+7 with no daylight saving', () => {
  it('starts the local day at 17:00 UTC', () => {
    const lastMs = Date.UTC(2026, 11, 31, 16, 59, 59, 999);
    expect(localDayKey(lastMs)).toBe('2026-12-31');
    expect(localDayKey(lastMs + 1)).toBe('2027-01-01');
    expect(localDateText(lastMs + 1)).toBe('01/01/2027');
    expect(localDayStart(lastMs)).toBe(Date.UTC(2026, 11, 30, 17));
    expect(localMsOfDay(lastMs + 1)).toBe(0);
    // The same offset in June: no summer time in Vietnam.
    expect(localMsOfDay(Date.UTC(2026, 5, 15, 0, 0))).toBe(7 * 3_600_000);
    expect(localMsOfDay(-1)).toBe(7 * 3_600_000 - 1);
  });

  it('reads and writes HH:MM', () => {
    expect(parseMinutes('06:30')).toBe(390);
    expect(parseMinutes('24:00')).toBe(1440);
    for (const bad of ['6:30', '24:01', '12:60', '12h30', '']) expect(parseMinutes(bad)).toBeNull();
    expect(formatMinutes(810)).toBe('13:30');
    expect(formatMinutes(1440)).toBe('24:00');
  });
});
