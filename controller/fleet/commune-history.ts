/**
 * Communes as of a day: which current commune every registered commune id belongs to, and each commune's name and
 * code then. Read from the append-only history of the registry (db/fleet-communes-schema.ts), never from a state
 * updated in place, so the answer for a past day stays the same whatever is merged or renamed later: that is what
 * keeps a past report byte for byte the same.
 *
 * Days are local day numbers (UTC+7, reports/period.ts `vnDay`). A row "from day D" applies on D and after.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import type { CommuneKind } from './registry-types.js';

/** A commune as a report shows it on a day. */
export interface CommuneInfo {
  id: string;
  /** The official code then: the 2025 code, or a former commune's code from the list before 2025; null when unknown. */
  code: string | null;
  kind: CommuneKind;
  /** Its name on that day. */
  name: string;
  lat: number | null;
  lon: number | null;
}

export interface CommuneView {
  /** The local day the view is taken on. */
  readonly day: number;
  /**
   * Every registered commune id → the current commune it is part of on `day` (itself when it is current). A former
   * commune split between several current ones maps to the first of them by id; units follow their team there
   * ({@link CommuneView.communeOf}).
   */
  readonly currentOf: ReadonlyMap<string, string>;
  /** The communes current on `day` (existing by then), names as of then, by id. */
  readonly communes: readonly CommuneInfo[];
  /** The current commune of a unit registered in `unitCommune`, in a team of `teamCommune`. */
  communeOf(unitCommune: string, teamCommune: string): string;
  /** The registered commune ids whose carts belong to `id` on `day`: itself and every commune merged into it, chains included. */
  membersOf(id: string): string[];
  /** Any commune's name on `day` (its id when unknown). */
  nameOf(id: string): string;
  /** Any commune's code on `day` (see {@link CommuneInfo.code}). */
  codeOf(id: string): string | null;
}

interface CommuneRow {
  id: string;
  name: string;
  lat: number | null;
  lon: number | null;
  code: string | null;
  kind: CommuneKind;
  former_code: string | null;
  since_day: number | null;
}

/** The whole history, read once; {@link CommuneHistory.asOf} answers for any day without reading again. */
export class CommuneHistory {
  readonly #communes: ReadonlyMap<string, CommuneRow>;
  readonly #byFormer = new Map<string, { current: string; fromDay: number }[]>();
  readonly #names: ReadonlyMap<string, readonly { fromDay: number; name: string }[]>;

  private constructor(communes: CommuneRow[], successions: { former: string; current: string; fromDay: number }[], names: { id: string; fromDay: number; name: string }[]) {
    this.#communes = new Map(communes.map((c) => [c.id, c]));
    for (const s of successions) this.append(s);
    const byId = new Map<string, { fromDay: number; name: string }[]>();
    for (const n of names) byId.set(n.id, [...(byId.get(n.id) ?? []), { fromDay: n.fromDay, name: n.name }]);
    this.#names = byId;
  }

  /** Reads the history; call inside the caller's transaction or `exclusive` section. */
  static async read(db: SqliteDb): Promise<CommuneHistory> {
    const communes = await db.all<CommuneRow>('SELECT id, name, lat, lon, code, kind, former_code, since_day FROM communes ORDER BY id');
    const successions = await db.all<{ former: string; current: string; fromDay: number }>(
      'SELECT former_id former, current_id current, from_day fromDay FROM commune_successions ORDER BY former_id, current_id',
    );
    const names = await db.all<{ id: string; fromDay: number; name: string }>('SELECT commune_id id, from_day fromDay, name FROM commune_names ORDER BY commune_id, from_day');
    return new CommuneHistory(communes, successions, names);
  }

  has(id: string): boolean {
    return this.#communes.has(id);
  }

  /** The successors of `id` whose rows apply on `day`, by id. */
  next(id: string, day: number): string[] {
    return (this.#byFormer.get(id) ?? []).filter((s) => s.fromDay <= day).map((s) => s.current);
  }

  /** The rows of `id` as a former commune (any day). */
  outOf(id: string): readonly { current: string; fromDay: number }[] {
    return this.#byFormer.get(id) ?? [];
  }

  /**
   * Takes in a row just written in the caller's transaction, so that a long import checks each line against the
   * lines before it without reading the tables again.
   */
  append(s: { former: string; current: string; fromDay: number }): void {
    const list = this.#byFormer.get(s.former) ?? [];
    list.push({ current: s.current, fromDay: s.fromDay });
    this.#byFormer.set(s.former, list);
  }

  /** The current communes `id` ends in on `day` (following chains), sorted; [id] when it is current. */
  ends(id: string, day: number, seen: ReadonlySet<string> = new Set()): string[] {
    const next = this.next(id, day).filter((n) => !seen.has(n)); // the registry refuses cycles; this only guards
    if (next.length === 0) return [id];
    const out = new Set<string>();
    for (const n of next) for (const e of this.ends(n, day, new Set([...seen, id]))) out.add(e);
    return [...out].sort(cmp);
  }

  /** True when `id` exists on `day` and nothing it was merged into applies yet. */
  isCurrent(id: string, day: number): boolean {
    const c = this.#communes.get(id);
    return c !== undefined && (c.since_day === null || c.since_day <= day) && this.next(id, day).length === 0;
  }

  asOf(day: number): CommuneView {
    const currentOf = new Map<string, string>();
    for (const id of this.#communes.keys()) currentOf.set(id, this.ends(id, day)[0]!);
    const nameOf = (id: string): string => {
      const named = (this.#names.get(id) ?? []).filter((n) => n.fromDay <= day);
      return named.length > 0 ? named[named.length - 1]!.name : (this.#communes.get(id)?.name ?? id);
    };
    const codeOf = (id: string): string | null => {
      const c = this.#communes.get(id);
      return c === undefined ? null : (c.code ?? c.former_code);
    };
    const communes = [...this.#communes.values()]
      .filter((c) => this.isCurrent(c.id, day))
      .map((c) => ({ id: c.id, code: codeOf(c.id), kind: c.kind, name: nameOf(c.id), lat: c.lat, lon: c.lon }));
    return {
      day,
      currentOf,
      communes,
      nameOf,
      codeOf,
      communeOf: (unitCommune, teamCommune) => {
        const ends = this.ends(unitCommune, day);
        if (ends.length === 1) return ends[0]!;
        const team = this.ends(teamCommune, day)[0]!;
        return ends.includes(team) ? team : ends[0]!;
      },
      membersOf: (id) => [...this.#communes.keys()].filter((c) => c === id || this.reaches(c, id, day)),
    };
  }

  /** True when `from` is part of `to` on `day` (default: on any day), through any chain. */
  reaches(from: string, to: string, day = Number.MAX_SAFE_INTEGER, seen: ReadonlySet<string> = new Set()): boolean {
    for (const n of this.next(from, day)) {
      if (n === to) return true;
      if (!seen.has(n) && this.reaches(n, to, day, new Set([...seen, from]))) return true;
    }
    return false;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
