/**
 * The fleet area's fourth migration: what the ingest found wrong with a unit's frames that only a person can put
 * right (controller/fleet/unit-alerts.ts), one row per unit and kind, kept for the operators beside the log.
 */
export const FLEET_SCHEMA_V4_ALERTS = `
CREATE TABLE unit_alerts (
  unit_id TEXT NOT NULL REFERENCES units(id),
  code TEXT NOT NULL,                    -- boot-went-back, record-reused
  first_time INTEGER NOT NULL,           -- server time of the first occurrence
  last_time INTEGER NOT NULL,            -- and of the latest
  count INTEGER NOT NULL,                -- frames (boot-went-back) or records (record-reused) refused
  detail TEXT NOT NULL,                  -- the latest occurrence, for people: what happened and what to do
  PRIMARY KEY (unit_id, code)
) WITHOUT ROWID;
`;
