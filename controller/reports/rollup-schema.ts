/**
 * The report rollup's tables (schema area `reports`): what a report needs of one local day (Vietnam time), per unit,
 * computed once from the fleet tables and reused by every later report. The same tables exist in the connection's
 * `temp` schema, where a report puts the days it must compute afresh (days not over yet, or whose durable rows changed
 * after the rollup was made): the read queries take `main` rows for the valid days and `temp` rows for the others, so
 * every figure goes through the same per-day SQL whichever way it was made.
 *
 * Day numbers are days since 1970-01-01 in UTC+7 (`vnDay`). Which days are rolled up, and how each source stays
 * correct, is explained in rollup.ts.
 */

import { DAY } from './day-sql.js';

/** The per-day tables of the first migration, without the `CREATE TABLE name` part. */
const TABLES_V1: readonly [string, string][] = [
  // Plays of the unit that started that day: count, seconds, and the latest end (start + seconds).
  ['report_plays', '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, s REAL NOT NULL, e REAL NOT NULL, PRIMARY KEY (unit_id, day))'],
  // Plays per clip. `year` (the day's local calendar year) leads the key so that a period (never longer than a year)
  // is read in clip order, without a sort.
  [
    'report_clips',
    '(unit_id TEXT NOT NULL, year INTEGER NOT NULL, clip TEXT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, s REAL NOT NULL, PRIMARY KEY (unit_id, year, clip, day))',
  ],
  // Plays that start a session when only the plays of that day are looked at (compute.ts adds the days up).
  ['report_sessions', '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, start INTEGER NOT NULL, record INTEGER NOT NULL, PRIMARY KEY (unit_id, day, start, record))'],
  // Play positions in 0.001° cells, with the box of the positions in each (`year` as in report_clips).
  [
    'report_cells',
    '(unit_id TEXT NOT NULL, year INTEGER NOT NULL, cy INTEGER NOT NULL, cx INTEGER NOT NULL, day INTEGER NOT NULL, lat0 REAL NOT NULL, lat1 REAL NOT NULL, lon0 REAL NOT NULL, lon1 REAL NOT NULL, PRIMARY KEY (unit_id, year, cy, cx, day))',
  ],
  // Track: n points that day, m metres of the segments ending that day; span = the points of records lo..hi when made.
  [
    'report_track',
    '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, m REAL NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, span INTEGER NOT NULL, PRIMARY KEY (unit_id, day))',
  ],
  // Amplifier seconds (sum of the counter deltas of the samples of that day) and the samples with a counter.
  ['report_amplifier', '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, v REAL NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (unit_id, day))'],
  // Samples per state-of-charge value (`year` as in report_clips).
  ['report_soc', '(unit_id TEXT NOT NULL, year INTEGER NOT NULL, soc NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (unit_id, year, soc, day))'],
  // Days on which the unit was online (status or a durable record arriving).
  ['report_online', '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, PRIMARY KEY (unit_id, day))'],
];

/** Added by the second migration. */
const TABLES_V2: readonly [string, string][] = [
  // Plays that arrived that day and are left out of the figures, per reason (day-sql.ts, "plays left out").
  ['report_left_out', '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (unit_id, day, reason))'],
];

/** Added by the third migration. */
const TABLES_V3: readonly [string, string][] = [
  // The carts' energy forecasts of that day (telemetry_samples with minutes_left): samples, lowest and median minutes
  // left, 1 when one of them was 0 (the cart was in its emergency reserve), the day's last learned battery health.
  [
    'report_energy',
    '(unit_id TEXT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, lo INTEGER NOT NULL, med REAL NOT NULL, reserve INTEGER NOT NULL, health INTEGER, PRIMARY KEY (unit_id, day))',
  ],
];

const TABLES: readonly [string, string][] = [...TABLES_V1, ...TABLES_V2, ...TABLES_V3];

/** The per-unit tables' names. */
export const DAY_TABLES: readonly string[] = TABLES.map(([name]) => name);

/** `CREATE TABLE` statements of the per-unit tables in `schema` ('main' in the migrations, 'temp' for a report). */
export function dayTablesSql(schema: 'main' | 'temp', tables: readonly [string, string][] = TABLES): string {
  const ifNot = schema === 'temp' ? 'IF NOT EXISTS ' : '';
  return tables.map(([name, columns]) => `CREATE TABLE ${ifNot}${schema}.${name} ${columns} WITHOUT ROWID;`).join('\n');
}

/**
 * The tables keyed (unit, year, …, day), whose rows of one month a report reads (months.ts) through an index by day
 * that holds every column it needs: without it, a month would cost a scan of each unit's whole year.
 */
export const DAY_INDEXED: Readonly<Record<string, string>> = {
  report_clips: '(day, unit_id, clip, n, s)',
  report_soc: '(day, unit_id, soc, n)',
  report_cells: '(day, unit_id, cy, cx, lat0, lat1, lon0, lon1)',
};
const DAY_INDEXES_SQL = Object.entries(DAY_INDEXED)
  .map(([table, columns]) => `CREATE INDEX main.${table}_by_day ON ${table} ${columns};`)
  .join('\n');

/** The `reports` area's migrations, in order (see `migrateArea` in controller/db/database.ts). */
export const REPORT_MIGRATIONS: readonly string[] = [
  `-- The days rolled up (for every unit), with what their rows were computed with.
CREATE TABLE report_days (
  day INTEGER PRIMARY KEY,   -- local day number
  method TEXT NOT NULL,      -- the constants of the computation (session gap, glitch speed); other values: not rolled up
  plays INTEGER NOT NULL     -- plays of every unit with a start in the day when it was rolled up
);
${dayTablesSql('main', TABLES_V1)}`,
  `-- Plays left out of the figures (a wrong cart clock), by day of arrival. The days rolled up before it counted those
-- plays: the rollup's method changed with it (rollup.ts), so every day is rolled up again.
${dayTablesSql('main', TABLES_V2)}`,
  `-- The carts' energy forecasts by day. The days rolled up before it have no rows here: the rollup's method changed
-- with it (rollup.ts), so every day is rolled up again.
${dayTablesSql('main', TABLES_V3)}`,
  `-- Indexes by day: a report reads its period month by month (months.ts). (\`main.\`: a report's temp tables of the
-- same names would otherwise take them.)
${DAY_INDEXES_SQL}
-- The rolled-up days that a play or a track point inserted later touches, each stamped with a rising number: a
-- report keeps the figures of the months it read in memory (months.ts) and forgets a month when one of its days is
-- stamped after it read it. A point touches its own day and, when it belongs to a record older than the unit's
-- newest, the days whose track segments span its record (report_track.lo..hi, see day-sql.ts trackStatement).
CREATE TABLE main.report_changes (day INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX main.report_changes_by_seq ON report_changes (seq);
CREATE TRIGGER main.report_changes_plays AFTER INSERT ON plays
  WHEN EXISTS (SELECT 1 FROM report_days WHERE day = ${DAY('NEW.start')})
BEGIN
  INSERT INTO report_changes (day, seq) VALUES (${DAY('NEW.start')}, (SELECT coalesce(max(seq), 0) + 1 FROM report_changes))
    ON CONFLICT (day) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER main.report_changes_track AFTER INSERT ON track_points
BEGIN
  INSERT INTO report_changes (day, seq)
    SELECT d, (SELECT coalesce(max(seq), 0) + 1 FROM report_changes) FROM (
      SELECT ${DAY('NEW.time')} d WHERE EXISTS (SELECT 1 FROM report_days WHERE day = ${DAY('NEW.time')})
      UNION
      SELECT r.day FROM report_track r
       WHERE EXISTS (SELECT 1 FROM track_points t WHERE t.unit_id = NEW.unit_id AND t.record > NEW.record)
         AND r.unit_id = NEW.unit_id AND NEW.record BETWEEN r.lo AND r.hi)
    WHERE true
    ON CONFLICT (day) DO UPDATE SET seq = excluded.seq;
END;`,
  `-- What arrived in a day (online days, plays left out) is read by arrival time: without this index, every report's
-- day under way read all the records ever received.
CREATE INDEX main.records_by_server_time ON records (server_time);`,
  `-- Up to which report_changes stamp a day's rows are known to be right: a day stamped later was touched by a late
-- record since (rollup.ts). NULL: rolled up before the stamps existed, checked once by counting the fleet rows.
ALTER TABLE main.report_days ADD COLUMN checked INTEGER;`,
];
