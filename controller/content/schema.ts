/**
 * The `content` area of the controller database (run through `migrateArea`): the clips and their workflow status,
 * the audit trail of every workflow step, and the signed manifests with the clip files each one lists. Times are
 * Unix seconds. Clip files live beside the database as `<data>/clips/<sha256>.wav`.
 */
export const CONTENT_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE content_clips (
  seq INTEGER PRIMARY KEY,               -- makes the clip id
  id TEXT NOT NULL UNIQUE,               -- manifest clip id, c-0001 (SPEC: 1–48 of A–Z a–z 0–9 - _)
  sha256 TEXT NOT NULL,                  -- of the WAV file, hex
  size INTEGER NOT NULL,                 -- bytes
  duration_ms INTEGER NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  language TEXT NOT NULL,                -- vi, en, …
  category TEXT NOT NULL,                -- e.g. an-ninh, phap-luat, thoi-tiet
  requested_priority TEXT NOT NULL,      -- emergency / priority / ordinary
  approved_priority TEXT,                -- set on approval
  targets TEXT NOT NULL,                 -- JSON Target[] (protocol); [] = the whole district
  valid_from INTEGER NOT NULL,           -- 0 = from the manifest's issue
  valid_until INTEGER NOT NULL,          -- 0 = until the manifest expires
  source TEXT NOT NULL,                  -- upload file name, or tts
  submitter TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  status TEXT NOT NULL,                  -- submitted / changes-requested / approved / rejected / withdrawn
  approver TEXT,
  decided_at INTEGER,
  note TEXT                              -- the last rejection reason or change request
);
CREATE INDEX content_clips_by_status ON content_clips (status);
CREATE INDEX content_clips_by_sha ON content_clips (sha256);
-- Every workflow step, never changed: who, when, what, on which file.
CREATE TABLE content_audit (
  id INTEGER PRIMARY KEY,
  clip_id TEXT NOT NULL REFERENCES content_clips(id),
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  action TEXT NOT NULL,                  -- submit, resubmit, approve, reject, request-changes, withdraw
  sha256 TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  detail TEXT                            -- reason, note, approved priority
);
CREATE INDEX content_audit_by_clip ON content_audit (clip_id, id);
CREATE TABLE content_manifests (
  version INTEGER PRIMARY KEY,
  issued INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  sha256 TEXT NOT NULL,                  -- of the signed bytes, hex (the HTTP ETag)
  signed BLOB NOT NULL,                  -- the signed manifest object, served as is
  content_digest TEXT NOT NULL,          -- SHA-256 of the clip list only: "changed?" without the times
  key_id TEXT NOT NULL,
  published_by TEXT,
  announced_at INTEGER                   -- when the broker took the announcement (QoS 1 acknowledged)
);
CREATE TABLE content_manifest_clips (
  version INTEGER NOT NULL REFERENCES content_manifests(version),
  clip_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (version, clip_id)
) WITHOUT ROWID;
CREATE INDEX content_manifest_clips_by_sha ON content_manifest_clips (sha256);
`,
  // 2: where a step came from. NULL via = through the controller (HTTP API), or a step made before this migration;
  // 'cli' = \`loa content …\` on the host, with the system account that ran it (the --as user is only a claim).
  `
ALTER TABLE content_audit ADD COLUMN via TEXT;
ALTER TABLE content_audit ADD COLUMN os_user TEXT;
ALTER TABLE content_audit ADD COLUMN os_uid INTEGER;
`,
];
