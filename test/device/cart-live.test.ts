// The live messages a cart builds from what it knows: a fix goes only while it is fresh.
import { describe, expect, it } from 'vitest';
import { FIX_MAX_AGE_MS, freshFix } from '../../device/cart-live.js';
import type { GnssFix } from '../../hardware/gnss/gnss.js';

const fix = {
  hasFix: true,
  latitude: 19.8795123,
  longitude: 105.6012345,
  time: new Date('2026-11-29T01:00:00Z'),
  speedMps: 1.23,
  courseDeg: 87.4,
  hdop: 0.9,
  satellites: 11,
  quality: 'gps',
} as unknown as GnssFix;

describe('freshFix', () => {
  it('sends the last fix while it is at most an hour old, then none', () => {
    const at = 5_000;
    expect(freshFix({ fix, fixAt: at }, at + FIX_MAX_AGE_MS)).toMatchObject({ type: 'fix', time: 1_795_914_000, lat: 19.8795123, speed: 1.2, course: 87 });
    // On the wire a fix time is its low 16 bits, placed within ±9 h: an old fix must not go at all.
    expect(freshFix({ fix, fixAt: at }, at + FIX_MAX_AGE_MS + 1)).toBeNull();
    expect(freshFix({ fix: null, fixAt: 0 }, at)).toBeNull();
  });
});
