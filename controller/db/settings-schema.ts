/**
 * The `settings` area's migrations (controller/fleet/settings.ts): every settings document the district sent to its
 * carts (issue #15), numbered in one sequence for the district, with its target, who sent it and when. The signed
 * commands that carried it are rows of `commands` (action `set-config`, args `{ version, document }`).
 */
export const SETTINGS_SCHEMA_V1 = `
CREATE TABLE settings_documents (
  version INTEGER PRIMARY KEY,           -- 1, 2, … for the district: a cart accepts only a version above its last
  target_kind TEXT NOT NULL,             -- unit, team, commune
  target_id TEXT NOT NULL,
  document TEXT NOT NULL,                -- the JSON text as signed (sections policy, player, link, storage)
  issued_by TEXT,                        -- user name
  created INTEGER NOT NULL               -- server time, Unix seconds
);
`;

/** The `settings` area's migrations, in order. */
export const SETTINGS_MIGRATIONS: readonly string[] = [SETTINGS_SCHEMA_V1];
