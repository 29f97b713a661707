/**
 * The `board` area of the controller database (run through `migrateArea`): what the operating board (Ban điều hành)
 * records besides the carts. Times are Unix seconds; days are `YYYY-MM-DD` in Vietnam time.
 *
 * - The teams' activities other than the cart (oral propaganda, meetings, leaflets, tips to the police, training),
 *   recorded by commune submitters and confirmed or returned by the board, with their audit trail (like content).
 *   Photos are files beside the database, `<data>/photos/<sha256>.<ext>`, listed here.
 * - Members' training records.
 * - The reviews (báo cáo / sơ kết / tổng kết) of a period: every saved version of their narrative, and, once final,
 *   the figures and text as signed (frozen: later records never change them).
 * - Reward proposals: the criteria, and the board's additions and removals with their reasons.
 *
 * Nothing here is updated in place but a record's status: versions, audit rows and adjustments are appended.
 */
export const BOARD_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE board_activities (
  id INTEGER PRIMARY KEY,                -- the activity's number, shown as HD-<id>
  kind TEXT NOT NULL CHECK (kind IN ('oral', 'meeting', 'leaflets', 'police-tip', 'training', 'other')),
  at INTEGER NOT NULL,                   -- when it took place
  commune_id TEXT NOT NULL REFERENCES communes(id),
  place TEXT NOT NULL DEFAULT '',        -- village / hamlet, free text
  lat REAL, lon REAL,                    -- optional point on the map
  team_id TEXT NOT NULL REFERENCES teams(id),
  people_reached INTEGER NOT NULL CHECK (people_reached >= 0),
  note TEXT NOT NULL DEFAULT '',
  submitter TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('submitted', 'returned', 'confirmed', 'withdrawn')),
  decided_by TEXT,
  decided_at INTEGER,                    -- when confirmed or returned (a review counts an activity once confirmed)
  reason TEXT                            -- the last return reason
);
CREATE INDEX board_activities_by_at ON board_activities (at);
CREATE INDEX board_activities_by_status ON board_activities (status, at);
CREATE TABLE board_activity_members (
  activity_id INTEGER NOT NULL REFERENCES board_activities(id),
  member_id INTEGER NOT NULL REFERENCES members(id),
  PRIMARY KEY (activity_id, member_id)
) WITHOUT ROWID;
CREATE TABLE board_activity_photos (
  activity_id INTEGER NOT NULL REFERENCES board_activities(id),
  sha256 TEXT NOT NULL,                  -- of the file, hex
  type TEXT NOT NULL,                    -- image/jpeg, image/png, image/webp
  size INTEGER NOT NULL,
  added_by TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (activity_id, sha256)
) WITHOUT ROWID;
-- Every step on an activity, never changed.
CREATE TABLE board_activity_audit (
  id INTEGER PRIMARY KEY,
  activity_id INTEGER NOT NULL REFERENCES board_activities(id),
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  action TEXT NOT NULL,                  -- submit, resubmit, confirm, return, withdraw, add-photo
  from_status TEXT,
  to_status TEXT NOT NULL,
  detail TEXT                            -- reason, the changed fields, the photo's SHA-256; CLI origin
);
CREATE INDEX board_activity_audit_by_activity ON board_activity_audit (activity_id, id);
CREATE TABLE board_training (
  id INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members(id),
  course TEXT NOT NULL,
  day TEXT NOT NULL,                     -- YYYY-MM-DD, the course's (last) day
  recorded_by TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
);
CREATE INDEX board_training_by_member ON board_training (member_id, day);
CREATE TABLE board_reviews (
  id INTEGER PRIMARY KEY,
  period TEXT NOT NULL,                  -- 2026-11, 2026-Q4, 2026-H2, 2026 (reports/period.ts)
  commune_id TEXT REFERENCES communes(id), -- NULL = the controller's whole area
  status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finalised_by TEXT,
  finalised_at INTEGER,
  frozen TEXT                            -- JSON: the figures, notes and sections as finalised
);
CREATE UNIQUE INDEX board_reviews_by_scope ON board_reviews (period, coalesce(commune_id, ''));
-- Every saved text of a review's narrative, never changed: the newest is the current one.
CREATE TABLE board_review_versions (
  review_id INTEGER NOT NULL REFERENCES board_reviews(id),
  version INTEGER NOT NULL,              -- 1 = the draft the controller wrote
  saved_by TEXT NOT NULL,
  saved_at INTEGER NOT NULL,
  sections TEXT NOT NULL,                -- JSON { situation, results, shortcomings, causes, lessons, directions, proposals }
  PRIMARY KEY (review_id, version)
) WITHOUT ROWID;
-- The reward criteria of each period kind, appended: the newest row of a kind is in force.
CREATE TABLE board_reward_criteria (
  id INTEGER PRIMARY KEY,
  period_kind TEXT NOT NULL CHECK (period_kind IN ('month', 'quarter', 'half', 'year')),
  criteria TEXT NOT NULL,                -- JSON RewardCriteria
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL
);
-- The board's changes to a period's proposed list, appended: the newest row of a subject decides.
CREATE TABLE board_reward_adjustments (
  id INTEGER PRIMARY KEY,
  period TEXT NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('team', 'member')),
  subject_id TEXT NOT NULL,              -- team id, or member id as text
  action TEXT NOT NULL CHECK (action IN ('add', 'remove')),
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  time INTEGER NOT NULL
);
CREATE INDEX board_reward_adjustments_by_period ON board_reward_adjustments (period, id);
`,
];
