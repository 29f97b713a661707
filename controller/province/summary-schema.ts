/**
 * The area controller's bookkeeping of its signed summaries (schema area `summary`, in the controller's database):
 * per day summary and for the registry, the version last made, the SHA-256 of its body, what the body was made from
 * (`stamp`: a cheap fingerprint that tells a pass which days to make again) and the sealed bytes, which a hub's
 * receipt may ask for again (area-summary.ts `missingFor`).
 */
export const SUMMARY_MIGRATIONS: readonly string[] = [
  `CREATE TABLE summary_days (
  kind TEXT NOT NULL,              -- 'day' or 'registry'
  day INTEGER NOT NULL,            -- local day number (UTC+7); -1 for the registry
  version INTEGER NOT NULL,        -- 1, 2, …: a new body gets the next
  sha256 TEXT NOT NULL,            -- hex SHA-256 of the body's JSON bytes
  stamp TEXT,                      -- the day's rollup method, play count, track and fault counts when it was made
  made_at INTEGER NOT NULL,        -- Unix seconds
  bytes BLOB,                      -- the sealed summary as published; NULL once older than a receipt lists
  PRIMARY KEY (kind, day)
) WITHOUT ROWID;`,
];
