/** What the overview shows of a cart: its state in one word, and the list's sort orders. Pure. */
import type { Unit } from './types.js';

/** phát / chờ / bị chặn / mất kết nối. */
export type CartState = 'playing' | 'idle' | 'blocked' | 'offline';

/** An offline cart is "mất kết nối" whatever its last player state said: that state is no longer known. */
export function cartState(u: Pick<Unit, 'online' | 'playerState'>): CartState {
  if (!u.online) return 'offline';
  switch (u.playerState) {
    case 'playing':
    case 'warming':
    case 'paused':
    case 'cooling':
      return 'playing';
    case 'blocked':
      return 'blocked';
    default:
      return 'idle';
  }
}

export const SORT_KEYS = ['name', 'commune', 'team', 'state', 'battery', 'lastSeen'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface SortOrder {
  key: SortKey;
  descending: boolean;
}

// Blocked first: that is what an officer has to act on; then the ones that lost their link.
const STATE_RANK: Record<CartState, number> = { blocked: 0, offline: 1, playing: 2, idle: 3 };

const collator = new Intl.Collator('vi', { numeric: true, sensitivity: 'base' });

function compareBy(key: SortKey, a: Unit, b: Unit): number {
  switch (key) {
    case 'name':
      return a.number - b.number || collator.compare(a.id, b.id);
    case 'commune':
      return collator.compare(a.communeName, b.communeName);
    case 'team':
      return collator.compare(a.teamName, b.teamName);
    case 'state':
      return STATE_RANK[cartState(a)] - STATE_RANK[cartState(b)];
    case 'battery':
      return (a.battery.soc ?? -1) - (b.battery.soc ?? -1);
    case 'lastSeen':
      return (a.lastSeen ?? 0) - (b.lastSeen ?? 0);
  }
}

/**
 * A sorted copy of `units`. Ties fall back to the cart number, ascending whatever the direction, so the list does
 * not reshuffle when a live update changes nothing that is sorted on. Unknown values (no battery reading, never
 * seen) sort as the lowest.
 */
export function sortUnits(units: readonly Unit[], order: SortOrder): Unit[] {
  const sign = order.descending ? -1 : 1;
  return [...units].sort((a, b) => sign * compareBy(order.key, a, b) || a.number - b.number || collator.compare(a.id, b.id));
}

/** Clicking a column header: the same column flips the direction, another column sorts ascending by it. */
export function nextOrder(current: SortOrder, key: SortKey): SortOrder {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: false };
}

/** Replaces (or adds) the cart of a live `unit` event, keeping the others as they are. */
export function upsertUnit(units: readonly Unit[], next: Unit): Unit[] {
  const i = units.findIndex((u) => u.id === next.id);
  if (i < 0) return [...units, next];
  const copy = [...units];
  copy[i] = next;
  return copy;
}

/**
 * Applies a batch of live updates (the latest view of each cart, by id). The carts not in the batch keep their
 * object identity, so that the list's memoised rows skip them; carts not yet known are added at the end. With an
 * empty batch the same array comes back.
 */
export function upsertUnits(units: readonly Unit[], batch: ReadonlyMap<string, Unit>): Unit[] {
  if (batch.size === 0) return units as Unit[];
  const left = new Map(batch);
  const next = units.map((u) => {
    const v = left.get(u.id);
    if (v === undefined) return u;
    left.delete(u.id);
    return v;
  });
  return left.size === 0 ? next : [...next, ...left.values()];
}

/**
 * `sortUnits` for a list that changed a little: when `previous` was sorted by the same order, holds the same carts,
 * and none of the changed ones moved on the sort key, its order is kept (with the new objects) without sorting
 * again. Otherwise a full sort.
 */
export function resortUnits(previous: { units: readonly Unit[]; sorted: readonly Unit[]; order: SortOrder } | undefined, units: readonly Unit[], order: SortOrder): Unit[] {
  if (!previous || previous.order.key !== order.key || previous.order.descending !== order.descending || previous.units.length !== units.length) return sortUnits(units, order);
  const before = new Map(previous.units.map((u) => [u.id, u]));
  const now = new Map<string, Unit>();
  for (const u of units) {
    const old = before.get(u.id);
    if (old === undefined || (old !== u && compareBy(order.key, old, u) !== 0)) return sortUnits(units, order);
    now.set(u.id, u);
  }
  return previous.sorted.map((u) => now.get(u.id)!);
}

/** The communes and teams that the carts belong to, for target pickers: [id, name], by name. */
export function placesOf(units: readonly Unit[]): { communes: [string, string][]; teams: [string, string][] } {
  const communes = new Map<string, string>();
  const teams = new Map<string, string>();
  for (const u of units) {
    communes.set(u.commune, u.communeName);
    teams.set(u.team, u.teamName);
  }
  const byName = (a: [string, string], b: [string, string]): number => collator.compare(a[1], b[1]);
  return { communes: [...communes].sort(byName), teams: [...teams].sort(byName) };
}
