/**
 * The console's pure helpers (web/src/lib): Vietnam-time formatting whatever the machine's zone, the cart list's
 * sort orders, track distance and stops, report periods, chart geometry, the strings of both languages, routes and
 * role rules. Nothing here needs a browser.
 */
import { describe, expect, it } from 'vitest';
import { barLayout, linePath, niceCeil } from '../../web/src/lib/chart.js';
import { fmtDate, fmtDateTime, fmtDuration, fmtNumber, fmtRelative, fmtTime, pickLang, vnDay, vnDayStart } from '../../web/src/lib/format.js';
import { makeT, MESSAGE_KEYS, message } from '../../web/src/lib/i18n.js';
import { periodId, periodOfDay } from '../../web/src/lib/period.js';
import { can, canWithdraw, commandActionsFor } from '../../web/src/lib/roles.js';
import { isAppLink, matchRoute } from '../../web/src/lib/routes.js';
import { pointsOfTrack, trackKm, trackStops, type TimedPoint } from '../../web/src/lib/track.js';
import type { Unit } from '../../web/src/lib/types.js';
import { cartState, nextOrder, placesOf, sortUnits, upsertUnit } from '../../web/src/lib/units.js';
import { audioTypeOf } from '../../web/src/lib/upload.js';
import { T, unit } from './units-fixture.js';

/** 2026-11-28T17:30:00Z = 00:30 on 29/11/2026 in Vietnam (UTC+7). */


describe('formatting in Vietnam time', () => {
  it('writes dates dd/mm/yyyy and times HH:mm in Asia/Ho_Chi_Minh, not the machine zone', () => {
    expect(fmtDate(T, 'vi')).toBe('29/11/2026');
    expect(fmtDate(T, 'en')).toBe('29/11/2026');
    expect(fmtTime(T, 'vi')).toBe('00:30');
    expect(fmtDateTime(T + 13 * 3600, 'en')).toBe('13:30 29/11/2026');
  });

  it('writes numbers the vi-VN way (dot thousands, comma decimals) and en-GB the other way', () => {
    expect(fmtNumber(1234.5, 'vi', 1)).toBe('1.234,5');
    expect(fmtNumber(1234.5, 'en', 1)).toBe('1,234.5');
  });

  it('says how long ago in the language chosen, from the injected clock', () => {
    const now = (T + 180) * 1000;
    expect(fmtRelative(T, now, 'vi')).toBe('3 phút trước');
    expect(fmtRelative(T, now, 'en')).toBe('3 minutes ago');
    expect(fmtRelative(T - 2 * 86_400, now, 'en')).toBe('2 days ago');
    expect(fmtRelative(T, T * 1000 + 10_000, 'en')).toBe('now');
  });

  it('writes durations', () => {
    expect(fmtDuration(200, 'vi')).toBe('3 phút 20 giây');
    expect(fmtDuration(3900, 'en')).toBe('1 h 05 min');
    expect(fmtDuration(42, 'en')).toBe('42 s');
  });

  it('knows the Vietnam day of a moment and the first second of a day', () => {
    expect(vnDay(T * 1000)).toBe('2026-11-29');
    expect(vnDay((T - 3600) * 1000)).toBe('2026-11-28');
    expect(vnDayStart('2026-11-29')).toBe(Date.UTC(2026, 10, 28, 17) / 1000);
    expect(vnDayStart('2026-02-30')).toBeNull();
    expect(vnDayStart('29/11/2026')).toBeNull();
  });

  it('picks the language out of the controller\'s "tiếng Việt (English)" messages', () => {
    const m = 'Không có xe loa "u-9" (no unit "u-9")';
    expect(pickLang(m, 'vi')).toBe('Không có xe loa "u-9"');
    expect(pickLang(m, 'en')).toBe('no unit "u-9"');
    const nested = 'Bản tin (c-0001) đã hết hạn (clip (c-0001) expired).';
    expect(pickLang(nested, 'en')).toBe('clip (c-0001) expired');
    expect(pickLang('plain message', 'en')).toBe('plain message');
  });
});

describe('the cart list', () => {
  const a = unit({ id: 'u-1', number: 1, communeName: 'Xã Bình', battery: { mv: null, ma: null, soc: 80, solarMv: null, solarMa: null } });
  const b = unit({ id: 'u-2', number: 2, communeName: 'Xã An', playerState: 'blocked', battery: { mv: null, ma: null, soc: 20, solarMv: null, solarMa: null } });
  const c = unit({ id: 'u-3', number: 3, communeName: 'Xã Ấp', online: false, playerState: 'playing', lastSeen: null });
  const d = unit({ id: 'u-10', number: 10, communeName: 'Xã An', playerState: 'playing' });

  it('names each cart\'s state: offline wins over a stale player state', () => {
    expect([a, b, c, d].map(cartState)).toEqual(['idle', 'blocked', 'offline', 'playing']);
    expect(cartState({ online: true, playerState: 'warming' })).toBe('playing');
    expect(cartState({ online: true, playerState: null })).toBe('idle');
  });

  it('sorts by state (blocked first), by commune in Vietnamese order, by battery with unknowns last when descending', () => {
    expect(sortUnits([a, b, c, d], { key: 'state', descending: false }).map((u) => u.id)).toEqual(['u-2', 'u-3', 'u-10', 'u-1']);
    expect(sortUnits([d, c, b, a], { key: 'commune', descending: false }).map((u) => u.id)).toEqual(['u-2', 'u-10', 'u-3', 'u-1']);
    expect(sortUnits([a, b, c, d], { key: 'battery', descending: true }).map((u) => u.id)).toEqual(['u-1', 'u-2', 'u-3', 'u-10']);
    expect(sortUnits([d, c, b, a], { key: 'name', descending: false }).map((u) => u.id)).toEqual(['u-1', 'u-2', 'u-3', 'u-10']);
  });

  it('keeps ties in cart-number order in both directions, so a live update does not reshuffle the list', () => {
    const same = [d, b, a].map((u) => ({ ...u, communeName: 'Xã X' }));
    expect(sortUnits(same, { key: 'commune', descending: true }).map((u) => u.number)).toEqual([1, 2, 10]);
  });

  it('flips the direction on the same column, starts ascending on another', () => {
    expect(nextOrder({ key: 'state', descending: false }, 'state')).toEqual({ key: 'state', descending: true });
    expect(nextOrder({ key: 'state', descending: true }, 'battery')).toEqual({ key: 'battery', descending: false });
  });

  it('replaces a cart from a live event, or adds a new one', () => {
    const moved = { ...a, position: { time: T, lat: 21, lon: 105, quality: null, speed: null } };
    const list = upsertUnit([a, b], moved);
    expect(list[0]!.position?.lat).toBe(21);
    expect(list).toHaveLength(2);
    expect(upsertUnit([a], b).map((u) => u.id)).toEqual(['u-1', 'u-2']);
  });

  it('lists the communes and teams of the fleet once each, by name', () => {
    const places = placesOf([a, { ...b, commune: 'xa-an' }, { ...c, commune: 'xa-ap' }, { ...d, commune: 'xa-an' }]);
    expect(places.communes).toEqual([['xa-an', 'Xã An'], ['xa-ap', 'Xã Ấp'], ['xa-a', 'Xã Bình']]);
    expect(places.teams).toEqual([['to-a', 'Tổ A']]);
  });
});

describe('a day\'s track', () => {
  // Along a meridian: 0.001° of latitude is ~111.2 m.
  const step = (k: number, time: number): TimedPoint => ({ time, lat: 21 + k * 0.001, lon: 105.8 });

  it('adds up the distance and leaves out steps faster than 30 km/h', () => {
    const walk = [0, 1, 2, 3].map((k) => step(k, T + k * 60));
    expect(trackKm(walk)).toBeCloseTo(0.3336, 3);
    const glitch = [...walk, { time: T + 240, lat: 21.5, lon: 105.8 }];
    expect(trackKm(glitch)).toBeCloseTo(0.3336, 3);
  });

  it('finds stops of 3 minutes or more within 50 m, and not shorter ones', () => {
    const pts: TimedPoint[] = [step(0, T), step(0.1, T + 120), step(0.2, T + 240), step(5, T + 600), step(5, T + 660), step(10, T + 900)];
    const stops = trackStops(pts);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ start: T, end: T + 240 });
  });

  it('reads the track API\'s GeoJSON (LineString or a single Point), and nothing from an empty day', () => {
    const line = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[105.8, 21], [105.81, 21.01]] }, properties: { times: ['2026-11-28T17:30:00Z', '2026-11-28T17:31:00Z'] } }],
    };
    expect(pointsOfTrack(line)).toEqual([{ time: T, lon: 105.8, lat: 21 }, { time: T + 60, lon: 105.81, lat: 21.01 }]);
    const point = { features: [{ geometry: { type: 'Point', coordinates: [105.8, 21] }, properties: { times: ['2026-11-28T17:30:00Z'] } }] };
    expect(pointsOfTrack(point)).toHaveLength(1);
    expect(pointsOfTrack({ type: 'FeatureCollection', features: [] })).toEqual([]);
  });
});

describe('report periods', () => {
  it('writes the ids the reports API takes', () => {
    expect(periodId('month', 2026, 3)).toBe('2026-03');
    expect(periodId('quarter', 2026, 4)).toBe('2026-Q4');
    expect(periodId('half', 2026, 2)).toBe('2026-H2');
    expect(periodId('year', 2026, 1)).toBe('2026');
  });

  it('finds the period holding a day', () => {
    expect(periodOfDay('month', '2026-11-29')).toEqual({ year: 2026, index: 11 });
    expect(periodOfDay('quarter', '2026-07-01')).toEqual({ year: 2026, index: 3 });
    expect(periodOfDay('half', '2026-06-30')).toEqual({ year: 2026, index: 1 });
  });
});

describe('chart geometry', () => {
  const box = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };

  it('rounds an axis up to 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 0.7, 3, 17, 51, 100].map(niceCeil)).toEqual([1, 1, 5, 20, 100, 100]);
  });

  it('maps samples into the box and breaks the line over gaps', () => {
    expect(linePath([{ x: 0, y: 0 }, { x: 100, y: 100 }], box, 0, 100, 0, 100)).toBe('M10.0 50.0L110.0 0.0');
    expect(linePath([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 90, y: 0 }], box, 0, 100, 0, 100, 30)).toBe('M10.0 50.0L20.0 50.0M100.0 50.0');
  });

  it('scales bars to a round maximum', () => {
    const bars = barLayout([{ label: 'A', value: 40 }, { label: 'B', value: 10 }], box, 20);
    expect(bars.map((b) => b.width)).toEqual([80, 20]);
    expect(bars[1]!.y).toBeGreaterThan(bars[0]!.y);
  });
});

describe('strings', () => {
  it('has every text in Vietnamese and English, with the same placeholders', () => {
    for (const key of MESSAGE_KEYS) {
      const [vi, en] = message(key)!;
      expect(vi.trim(), key).not.toBe('');
      expect(en.trim(), key).not.toBe('');
      const names = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
      expect(names(vi), key).toEqual(names(en));
    }
  });

  it('fills placeholders and falls back for codes it has no words for', () => {
    expect(makeT('vi')('units.cart', { n: 7 })).toBe('Xe loa số 7');
    expect(makeT('en')('units.cart', { n: 7 })).toBe('Cart 7');
    expect(makeT('en')('outcome.something-new', {}, 'something-new')).toBe('something-new');
  });
});

describe('routes and roles', () => {
  it('maps the Vietnamese paths to pages', () => {
    expect(matchRoute('/')).toEqual({ page: 'overview' });
    expect(matchRoute('/xe/u-07')).toEqual({ page: 'unit', id: 'u-07' });
    expect(matchRoute('/noi-dung/')).toEqual({ page: 'content' });
    expect(matchRoute('/khong-co')).toEqual({ page: 'not-found' });
  });

  it('leaves API downloads and map files to the browser', () => {
    const origin = 'https://loa.local';
    expect(isAppLink(new URL('/bao-cao', origin), origin)).toBe(true);
    expect(isAppLink(new URL('/api/reports?format=csv', origin), origin)).toBe(false);
    expect(isAppLink(new URL('/map/district.pmtiles', origin), origin)).toBe(false);
    expect(isAppLink(new URL('/', 'https://example.org'), origin)).toBe(false);
  });

  it('never offers approval to a submitter, and only maintenance commands to a technician', () => {
    expect(can('submitter', 'approve')).toBe(false);
    expect(can('submitter', 'submit')).toBe(true);
    expect(can('submitter', 'units')).toBe(false);
    expect(can('admin', 'users')).toBe(true);
    expect(can('approver', 'users')).toBe(false);
    expect(commandActionsFor('technician')).toEqual(['sync-now']);
    expect(commandActionsFor('viewer')).toEqual([]);
    expect(commandActionsFor('approver')).toContain('set-volume');
  });

  it('lets a submitter withdraw only their own clip before a decision', () => {
    expect(canWithdraw('submitter', 'lan', { status: 'submitted', submitter: 'lan' })).toBe(true);
    expect(canWithdraw('submitter', 'lan', { status: 'submitted', submitter: 'minh' })).toBe(false);
    expect(canWithdraw('submitter', 'lan', { status: 'approved', submitter: 'lan' })).toBe(false);
    expect(canWithdraw('approver', 'minh', { status: 'approved', submitter: 'lan' })).toBe(true);
    expect(canWithdraw('approver', 'minh', { status: 'rejected', submitter: 'lan' })).toBe(false);
  });

  it('accepts WAV and MP3 uploads by type or extension', () => {
    expect(audioTypeOf({ name: 'a.WAV', type: '' })).toBe('audio/wav');
    expect(audioTypeOf({ name: 'a', type: 'audio/x-wav' })).toBe('audio/wav');
    expect(audioTypeOf({ name: 'b.mp3', type: 'audio/mpeg' })).toBe('audio/mpeg');
    expect(audioTypeOf({ name: 'c.ogg', type: 'audio/ogg' })).toBeNull();
  });
});
