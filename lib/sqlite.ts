/**
 * A small promise wrapper over one `sqlite3` connection, set up for a program whose power can go at any instant: WAL
 * journal, `synchronous=FULL` (a commit is on the card before it resolves), a busy timeout, and one piece of work at
 * a time — the connection is shared, so a transaction must never interleave with another caller's statements.
 */
import sqlite3 from 'sqlite3';

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlParams = readonly SqlValue[];

export interface RunResult {
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  changes: number;
  /** Rowid of the last row inserted. */
  lastId: number;
}

export interface SqliteOptions {
  /** How long a statement waits for a lock held by another connection, ms (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Row counts of the multi-row statements of {@link SqliteDb.runChunked}, largest first: a few fixed sizes, so that
 * only a few statements are prepared per table (256 rows × 14 columns = 3,584 values, far under the 32,766 parameters
 * of the bundled SQLite). Each statement is a round trip to SQLite's thread (~80 µs), so fewer is faster.
 */
const CHUNKS = [256, 64, 16, 4, 1] as const;

export interface InsertManyOptions {
  /** Skip a row whose key is already there, also one repeated inside the same call (`ON CONFLICT DO NOTHING`). */
  ignoreConflicts?: boolean;
}

/** `(?, ?, …), (?, ?, …)…`: n tuples of `width` placeholders. */
export function tuples(n: number, width: number): string {
  const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  return Array.from({ length: n }, () => tuple).join(', ');
}

/** One open database. Use {@link SqliteDb.exclusive} or {@link SqliteDb.transaction} for every piece of work. */
export class SqliteDb {
  readonly #db: sqlite3.Database;
  readonly #statements = new Map<string, sqlite3.Statement>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(db: sqlite3.Database) {
    this.#db = db;
  }

  /** Opens (creating if needed) the database file and sets the durability pragmas. */
  static async open(path: string, options: SqliteOptions = {}): Promise<SqliteDb> {
    const busy = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busy) || busy < 0) throw new RangeError(`busyTimeoutMs must be a whole number of ms, got ${String(busy)}`);
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err) =>
        err ? reject(err) : resolve(db),
      );
    });
    const db = new SqliteDb(raw);
    raw.configure('busyTimeout', busy);
    try {
      const mode = await db.get<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
      if (mode?.journal_mode !== 'wal') throw new Error(`${path}: SQLite refused WAL mode (journal_mode is ${String(mode?.journal_mode)})`);
      await db.exec('PRAGMA synchronous = FULL');
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }

  /**
   * Runs `work` alone on the connection: work queued by other callers waits until it has settled. Do not call
   * `exclusive` or `transaction` from inside `work` (it would wait for itself).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `work` inside `BEGIN IMMEDIATE … COMMIT`, alone on the connection; rolls back if it throws. `committed`
   * runs right after the commit, before any other queued work: the place to update what the caller caches of the
   * database.
   */
  transaction<T>(work: () => Promise<T>, committed?: (result: T) => void): Promise<T> {
    return this.exclusive(async () => {
      await this.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await work();
        await this.exec('COMMIT');
      } catch (err) {
        // After a failed COMMIT the transaction may still be open (SQLITE_BUSY) or already rolled back (I/O error).
        await this.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
      committed?.(result);
      return result;
    });
  }

  /** Runs one statement (prepared once and kept). */
  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    const statement = await this.#statement(sql);
    return new Promise((resolve, reject) => {
      statement.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes, lastId: this.lastID });
      });
    });
  }

  /**
   * The first row of a query, or undefined. Read through `all` on purpose: sqlite3's `Statement#get` leaves the
   * statement open, and an open statement holds a read snapshot that keeps the WAL from being checkpointed.
   */
  async get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  /** Every row of a query. */
  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    const statement = await this.#statement(sql);
    return new Promise((resolve, reject) => {
      statement.all<T>(params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  /**
   * Runs `sqlFor(n)` once per chunk of `rows`, with the chunk's values flattened as parameters; `sqlFor(n)` must take
   * n rows of parameters. Returns the rows changed. It does not take the connection for itself: call it inside
   * {@link SqliteDb.exclusive} or {@link SqliteDb.transaction}.
   */
  async runChunked(rows: readonly SqlParams[], sqlFor: (n: number) => string): Promise<number> {
    let done = 0;
    let changed = 0;
    while (done < rows.length) {
      const size = CHUNKS.find((n) => n <= rows.length - done)!;
      changed += (await this.run(sqlFor(size), rows.slice(done, done + size).flat())).changes;
      done += size;
    }
    return changed;
  }

  /**
   * Inserts rows with multi-row `INSERT` statements ({@link SqliteDb.runChunked}): one round trip to SQLite per chunk
   * instead of per row. Returns how many rows were really inserted (fewer than given when conflicts are ignored).
   */
  insertMany(table: string, columns: readonly string[], rows: readonly SqlParams[], options: InsertManyOptions = {}): Promise<number> {
    const onConflict = options.ignoreConflicts ? ' ON CONFLICT DO NOTHING' : '';
    return this.runChunked(rows, (n) => `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples(n, columns.length)}${onConflict}`);
  }

  /** Runs a script of statements separated by `;` (not prepared, no parameters). */
  exec(sql: string): Promise<void> {
    this.#checkOpen();
    return new Promise((resolve, reject) => {
      this.#db.exec(sql, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Writes a consistent copy of the whole database to `path` (which must not exist) with `VACUUM INTO`: one read
   * transaction, so the copy is the database as of one commit while other connections go on writing (WAL), compacted,
   * and with no journal beside it. SQLite does not flush the new file: the caller does (it usually renames it too).
   * Runs alone on this connection; open a connection of its own for it so that the others' work does not wait.
   */
  snapshotTo(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new TypeError(`path must be a file path, got ${JSON.stringify(path)}`);
    return this.exclusive(() => this.exec(`VACUUM INTO '${path.replaceAll("'", "''")}'`));
  }

  /** Finalizes the kept statements and closes the connection (SQLite checkpoints the WAL). Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    for (const statement of this.#statements.values()) {
      await new Promise<void>((resolve) => statement.finalize(() => resolve()));
    }
    this.#statements.clear();
    await new Promise<void>((resolve, reject) => this.#db.close((err) => (err ? reject(err) : resolve())));
  }

  /** The statement for `sql`, prepared on first use and kept; a statement that fails to prepare is not kept. */
  async #statement(sql: string): Promise<sqlite3.Statement> {
    this.#checkOpen();
    const kept = this.#statements.get(sql);
    if (kept) return kept;
    const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
      const prepared: sqlite3.Statement = this.#db.prepare(sql, (err: Error | null) => (err ? reject(err) : resolve(prepared)));
    });
    this.#statements.set(sql, statement);
    return statement;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('the database is closed');
  }
}
