/**
 * The fleet area's seventh migration: communes after the two-tier administration of 1 July 2025 (communes merged,
 * official 5-digit codes of Quyết định 19/2025/QĐ-TTg), and their history.
 *
 * Commune ids never change: carts carry theirs in their bundle and match manifest targets on it. So a merger is a
 * row in `commune_successions` (the former commune goes on under the current one from a day) and a new name is a row
 * in `commune_names` (from a day); nothing is ever updated in place, which is what keeps a past report the same
 * after a later merger or renaming (controller/reports/communes.ts reads both as of a day). A former commune split
 * between several current ones has one row per successor; its carts then follow their team's commune.
 */
export const FLEET_SCHEMA_V7_COMMUNES = `
ALTER TABLE communes ADD COLUMN code TEXT;                  -- official 5-digit code of the 2025 list; NULL when not known
ALTER TABLE communes ADD COLUMN kind TEXT NOT NULL DEFAULT 'xa'
  CHECK (kind IN ('xa', 'phuong', 'dac-khu', 'thi-tran'));   -- thi-tran only for a former commune: there are none since 2025
ALTER TABLE communes ADD COLUMN former_code TEXT;           -- a former commune's code in the list before 2025
ALTER TABLE communes ADD COLUMN since_day INTEGER;            -- local day from which it exists (a commune made by a merger); NULL = always
CREATE UNIQUE INDEX communes_by_code ON communes (code) WHERE code IS NOT NULL;
-- Former → current, append-only; from_day is the local day number (UTC+7) from which the former commune is part of
-- the current one.
CREATE TABLE commune_successions (
  former_id TEXT NOT NULL REFERENCES communes(id),
  current_id TEXT NOT NULL REFERENCES communes(id),
  from_day INTEGER NOT NULL,
  PRIMARY KEY (former_id, current_id)
) WITHOUT ROWID;
CREATE INDEX commune_successions_by_current ON commune_successions (current_id);
-- Names over time, append-only: communes.name stays the first name.
CREATE TABLE commune_names (
  commune_id TEXT NOT NULL REFERENCES communes(id),
  from_day INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (commune_id, from_day)
) WITHOUT ROWID;
-- A merged commune's team that works in one of its former communes ("one team per former commune").
ALTER TABLE teams ADD COLUMN former_commune_id TEXT REFERENCES communes(id);
`;
