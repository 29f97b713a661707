/**
 * The controller's users: add, change role or password, disable, check a password, and sessions that expire. A
 * session token is 32 random bytes (base64url) handed once to the client; only its SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SqliteDb } from '../../lib/sqlite.js';
import { migrateArea } from '../db/database.js';
import { hashPassword, verifyPassword } from '../fleet/passwords.js';
import type { Logger } from '../logger.js';
import { addressKey, LoginThrottle } from './login-throttle.js';
import { PasswordChecksBusy, PasswordSlots } from './password-slots.js';
import { isRole, UserError, type Actor, type Role } from './roles.js';
import { USERS_MIGRATIONS } from './schema.js';

export interface User extends Actor {
  displayName: string;
  createdAt: number;
  disabled: boolean;
}

export interface Session {
  /** Give this to the client; it is not stored. */
  token: string;
  user: User;
  expiresAt: number;
}

export interface UserStoreOptions {
  db: SqliteDb;
  /** How long a session lasts, seconds (default 12 h). */
  sessionSeconds?: number;
  /** Unix seconds now (default the system clock). */
  clock?: () => number;
  /** Failed logins per account and address (default: the {@link LoginThrottle} defaults, logging to `logger`). */
  throttle?: LoginThrottle;
  /** Password checks at once; share one with the embedded broker (default: its own, of 2). */
  passwordSlots?: PasswordSlots;
  logger?: Logger;
}

interface UserRow {
  name: string;
  display_name: string;
  role: string;
  password_hash: string;
  created_at: number;
  disabled: number;
}

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const MIN_PASSWORD = 8;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toUser(row: UserRow): User {
  if (!isRole(row.role)) throw new Error(`user ${row.name} has an unknown role ${JSON.stringify(row.role)} in the database`);
  return { name: row.name, role: row.role, displayName: row.display_name, createdAt: row.created_at, disabled: row.disabled !== 0 };
}

export class UserStore {
  readonly #o: UserStoreOptions;
  readonly #throttle: LoginThrottle;
  readonly #slots: PasswordSlots;
  /** A hash to check unknown names against, so that a wrong name costs as long as a wrong password. */
  #decoy: Promise<string> | undefined;

  constructor(options: UserStoreOptions) {
    this.#o = options;
    this.#throttle = options.throttle ?? new LoginThrottle({ name: 'HTTP login', ...(options.logger ? { logger: options.logger } : {}) });
    this.#slots = options.passwordSlots ?? new PasswordSlots();
  }

  /** Brings the users tables up to date. */
  async start(): Promise<void> {
    const s = this.#o.sessionSeconds ?? 12 * 3600;
    if (!Number.isInteger(s) || s < 60) throw new RangeError(`sessionSeconds must be a whole number ≥ 60, got ${String(s)}`);
    await migrateArea(this.#o.db, 'users', USERS_MIGRATIONS);
  }

  #now(): number {
    return (this.#o.clock ?? (() => Math.floor(Date.now() / 1000)))();
  }

  async add(user: { name: string; role: Role; password: string; displayName?: string }): Promise<User> {
    if (!USER_NAME.test(user.name)) throw new UserError('bad-field', `Tên đăng nhập chỉ gồm a-z, 0-9, . _ - (1–32) (user name must be a-z, 0-9, . _ - (1–32)), got ${JSON.stringify(user.name)}`);
    if (!isRole(user.role)) throw new UserError('bad-field', `role must be admin, approver, submitter, viewer or technician, got ${JSON.stringify(user.role)}`);
    checkPassword(user.password);
    const hash = await hashPassword(user.password);
    const db = this.#o.db;
    const now = this.#now();
    const inserted = await db.transaction(() =>
      db.run('INSERT INTO users (name, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        user.name, user.displayName ?? user.name, user.role, hash, now,
      ]),
    );
    if (inserted.changes === 0) throw new UserError('user-exists', `Người dùng "${user.name}" đã có (user "${user.name}" already exists): chọn tên khác.`);
    return { name: user.name, role: user.role, displayName: user.displayName ?? user.name, createdAt: now, disabled: false };
  }

  /** The user, or throws `unknown-user`. */
  async get(name: string): Promise<User> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<UserRow>('SELECT * FROM users WHERE name = ?', [name]));
    if (!row) throw unknownUser(name);
    return toUser(row);
  }

  async list(): Promise<User[]> {
    const db = this.#o.db;
    const rows = await db.exclusive(() => db.all<UserRow>('SELECT * FROM users ORDER BY name'));
    return rows.map(toUser);
  }

  async setRole(name: string, role: Role): Promise<void> {
    if (!isRole(role)) throw new UserError('bad-field', `role must be admin, approver, submitter, viewer or technician, got ${JSON.stringify(role)}`);
    await this.#update(name, 'UPDATE users SET role = ? WHERE name = ?', [role, name]);
  }

  async setPassword(name: string, password: string): Promise<void> {
    checkPassword(password);
    const hash = await hashPassword(password);
    await this.#update(name, 'UPDATE users SET password_hash = ? WHERE name = ?', [hash, name], true);
  }

  /** A disabled user cannot log in; their sessions end at once. */
  async setDisabled(name: string, disabled: boolean): Promise<void> {
    await this.#update(name, 'UPDATE users SET disabled = ? WHERE name = ?', [disabled ? 1 : 0, name], disabled);
  }

  async #update(name: string, sql: string, params: (string | number)[], endSessions = false): Promise<void> {
    const db = this.#o.db;
    const changed = await db.transaction(async () => {
      const r = await db.run(sql, params);
      if (r.changes > 0 && endSessions) await db.run('DELETE FROM sessions WHERE user_name = ?', [name]);
      return r.changes;
    });
    if (changed === 0) throw unknownUser(name);
  }

  /**
   * The user when `password` is theirs; `bad-password` otherwise (also for an unknown or disabled user, after the
   * same scrypt against a decoy hash); `busy` when too many checks are waiting. Not throttled: {@link login} is.
   * `from`: the client's address, whose turn the check waits for.
   */
  async authenticate(name: string, password: string, from?: string): Promise<User> {
    const db = this.#o.db;
    const row = await db.exclusive(() => db.get<UserRow>('SELECT * FROM users WHERE name = ?', [name]));
    let ok: boolean;
    try {
      const hash = async (): Promise<string> => row?.password_hash ?? (await (this.#decoy ??= hashPassword(randomBytes(12).toString('hex'))));
      ok = await this.#slots.run(async () => verifyPassword(password, await hash()), addressKey(from));
    } catch (err) {
      if (!(err instanceof PasswordChecksBusy)) throw err;
      throw new UserError('busy', 'Máy chủ đang bận kiểm tra mật khẩu: hãy thử lại sau ít giây (the server is busy checking passwords: try again in a few seconds).', 2);
    }
    if (!row || !ok || row.disabled !== 0) {
      throw new UserError('bad-password', 'Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khoá (wrong user name or password, or the account is disabled).');
    }
    return toUser(row);
  }

  /**
   * Checks the password and opens a session. `from` is the client's address: failed tries are throttled per account
   * and address (`throttled`, with the seconds to wait), before any password is checked.
   */
  async login(name: string, password: string, from?: string): Promise<Session> {
    const attempt = this.#throttle.attempt(name, from);
    if (!attempt.allowed) {
      const s = attempt.retryAfterSeconds;
      throw new UserError('throttled', `Đăng nhập sai quá nhiều lần: hãy thử lại sau ${s} giây (too many failed logins: try again in ${s} s).`, s);
    }
    let user: User;
    try {
      user = await this.authenticate(name, password, from);
    } catch (err) {
      if (err instanceof UserError && err.code === 'bad-password') attempt.failed();
      else attempt.unchecked();
      throw err;
    }
    attempt.succeeded();
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    const expiresAt = now + (this.#o.sessionSeconds ?? 12 * 3600);
    const db = this.#o.db;
    await db.transaction(async () => {
      await db.run('DELETE FROM sessions WHERE expires_at <= ?', [now]);
      await db.run('INSERT INTO sessions (token_hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)', [tokenHash(token), user.name, now, expiresAt]);
    });
    return { token, user, expiresAt };
  }

  /** The user of a live session: `bad-session` for an unknown token, `session-expired` for an old one. */
  async sessionUser(token: string): Promise<User> {
    const db = this.#o.db;
    const row = await db.exclusive(() =>
      db.get<UserRow & { expires_at: number }>(
        'SELECT u.*, s.expires_at FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.token_hash = ?',
        [tokenHash(token)],
      ),
    );
    if (!row || row.disabled !== 0) throw new UserError('bad-session', 'Phiên đăng nhập không hợp lệ: hãy đăng nhập lại (not a valid session: log in again).');
    if (row.expires_at <= this.#now()) throw new UserError('session-expired', 'Phiên đăng nhập đã hết hạn: hãy đăng nhập lại (the session has expired: log in again).');
    return toUser(row);
  }

  async logout(token: string): Promise<void> {
    const db = this.#o.db;
    await db.transaction(() => db.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash(token)]));
  }
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD) {
    throw new UserError('bad-field', `Mật khẩu cần ít nhất ${MIN_PASSWORD} ký tự (a password needs at least ${MIN_PASSWORD} characters).`);
  }
}

function unknownUser(name: string): UserError {
  return new UserError('unknown-user', `Không có người dùng "${name}": hãy nhờ quản trị viên tạo tài khoản (no user "${name}": ask an admin to create the account).`);
}
