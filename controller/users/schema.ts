/**
 * The `users` area of the controller database (run through `migrateArea`): the people who use the controller and
 * their sessions. Passwords are scrypt hashes (controller/fleet/passwords.ts); session tokens are stored only as
 * their SHA-256, so a copy of the database does not let anyone in.
 */
export const USERS_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE users (
  name TEXT PRIMARY KEY,                 -- login name, e.g. ca-huyen
  display_name TEXT NOT NULL,            -- e.g. Công an huyện
  role TEXT NOT NULL,                    -- admin, approver, submitter, viewer, technician
  password_hash TEXT NOT NULL,           -- scrypt$N$r$p$salt$key
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,           -- SHA-256 of the token, hex
  user_name TEXT NOT NULL REFERENCES users(name),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
`,
];
