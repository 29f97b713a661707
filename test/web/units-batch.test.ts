/**
 * The overview's live batches (web/src/lib/units.ts): a batch of the latest view of each changed cart replaces those
 * carts only, the others keep their object (so the list's memoised rows skip them), and the list is sorted again only
 * when a changed cart moved on the sort key.
 */
import { describe, expect, it } from 'vitest';
import type { Unit } from '../../web/src/lib/types.js';
import { resortUnits, sortUnits, upsertUnits, type SortOrder } from '../../web/src/lib/units.js';
import { T, unit } from './units-fixture.js';


const cart = (id: string, number: number, over: Partial<Unit> = {}): Unit => unit({ id, number, ...over });

const at = (u: Unit, lat: number): Unit => ({ ...u, position: { time: T, lat, lon: 105, quality: null, speed: null } } as Unit);

describe('live batches of the fleet', () => {
  const a = cart('u-1', 1, { playerState: 'playing' });
  const b = cart('u-2', 2, { playerState: 'blocked' });
  const c = cart('u-3', 3);

  it('replaces the changed carts, keeps the others\' objects and adds new ones at the end', () => {
    const a2 = at(a, 21);
    const d = cart('u-4', 4);
    const list = upsertUnits([a, b, c], new Map([['u-4', d], ['u-1', a2]]));
    expect(list.map((u) => u.id)).toEqual(['u-1', 'u-2', 'u-3', 'u-4']);
    expect(list[0]).toBe(a2);
    expect(list[1]).toBe(b);
    expect(list[2]).toBe(c);
  });

  it('gives back the same array for an empty batch', () => {
    const list = [a, b];
    expect(upsertUnits(list, new Map())).toBe(list);
  });

  const byState: SortOrder = { key: 'state', descending: false };

  it('keeps the order without sorting when no changed cart moved on the sort key', () => {
    const units = [a, b, c];
    const sorted = sortUnits(units, byState);
    const a2 = at(a, 21);
    const next = upsertUnits(units, new Map([['u-1', a2]]));
    const kept = resortUnits({ units, sorted, order: byState }, next, byState);
    expect(kept.map((u) => u.id)).toEqual(sorted.map((u) => u.id));
    expect(kept.find((u) => u.id === 'u-1')).toBe(a2);
  });

  it('sorts again when a changed cart moved on the sort key, when the order or the carts changed', () => {
    const units = [a, b, c];
    const sorted = sortUnits(units, byState);
    expect(sorted.map((u) => u.id)).toEqual(['u-2', 'u-1', 'u-3']);
    // u-2 unblocked: it is idle now, after the playing u-1, before u-3 (cart number).
    const next = upsertUnits(units, new Map([['u-2', { ...b, playerState: 'idle' } as Unit]]));
    expect(resortUnits({ units, sorted, order: byState }, next, byState).map((u) => u.id)).toEqual(['u-1', 'u-2', 'u-3']);
    const down: SortOrder = { key: 'name', descending: true };
    expect(resortUnits({ units, sorted, order: byState }, units, down).map((u) => u.id)).toEqual(['u-3', 'u-2', 'u-1']);
    const more = [...units, cart('u-0', 0, { playerState: 'blocked' })];
    expect(resortUnits({ units, sorted, order: byState }, more, byState).map((u) => u.id)).toEqual(['u-0', 'u-2', 'u-1', 'u-3']);
    expect(resortUnits(undefined, units, byState).map((u) => u.id)).toEqual(['u-2', 'u-1', 'u-3']);
  });
});
