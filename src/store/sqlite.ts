/**
 * Sessions and the unanswered-question log in one SQLite file (better-sqlite3, WAL).
 * Every write is committed before the turn's reply leaves the engine, so a killed process loses no finished turn.
 * Writes of turns that finish together are committed together (group commit, see SqliteSessionStore.set).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import type { Session, SessionStore } from "../engine/session.js";
import {
  addToGroup, DAY_MS, DEFAULT_RETENTION_DAYS, groupView, MAX_GROUPS, pageOf, prepareEntry,
  type GroupPage, type GroupQuery, type GroupState, type StoredUnanswered, type UnansweredEntry, type UnansweredLog,
} from "../engine/unanswered.js";
import { Checkpointer } from "./checkpointer.js";
import { SqliteSharedKeys } from "./shared-keys.js";

export const SQLITE_FILE = "assistant.db";

export interface SqliteOptions {
  /** The directory of the database file; created if missing. */
  dir: string;
  /** A session not written for this long is gone. */
  ttlMs: number;
  /** How often expired sessions and old log entries are deleted (0: never, tests call purge()). */
  purgeEveryMs?: number;
  /** The unanswered log keeps this many newest entries. */
  maxUnanswered?: number;
  /** Unanswered entries and groups older than this are deleted (UNANSWERED_RETENTION_DAYS; default 90 days). */
  unansweredRetentionMs?: number;
  /** How often a worker thread checkpoints the WAL (0: SQLite's automatic checkpoints, on the writing thread). */
  checkpointEveryMs?: number;
  /** The checkpoint thread failed and SQLite's own checkpoints took over (the server logs it). */
  onCheckpointError?: (err: Error) => void;
  now?: () => number;
}

/** A logged question longer than this is cut: the log is for reading, and a 100 KB message would bloat it. */
export const MAX_LOGGED_TEXT = 2_000;

/** Expired sessions deleted per statement (a few milliseconds' work). */
const PURGE_BATCH = 1_000;

// user_version 1: the first schema. A later shape adds a migration step in migrate().
const SCHEMA_VERSION = 1;

interface SessionRow {
  data: string;
  expires: number;
}

interface UnansweredRow {
  id: number;
  at: number;
  user_id: string;
  channel: string;
  text: string;
  intent: string;
  confidence: number;
  kind: UnansweredEntry["kind"];
  handled: number;
}

/** The open database: `sessions` and `unanswered` share its connection. */
export class SqliteDb {
  readonly db: Database.Database;
  readonly file: string;
  readonly sessions: SqliteSessionStore;
  readonly unanswered: SqliteUnansweredLog;
  /** Short-lived shared keys (login lockouts, revoked console sessions, 公众号 nonces) in a table of their own. */
  readonly shared: SqliteSharedKeys;
  private readonly timer?: NodeJS.Timeout;
  private readonly checkpointer?: Checkpointer;
  private closed = false;
  private purging = false;

  constructor(options: SqliteOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.file = resolve(join(options.dir, SQLITE_FILE));
    privateFiles(options.dir, this.file);
    this.db = new Database(this.file);
    try {
      this.db.pragma("journal_mode = WAL");
      // NORMAL in WAL mode: a commit survives a crash of the process (not of the machine), at a fraction of FULL's cost.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
      // After a checkpoint, a WAL longer than this is cut back (it is reused from the start, not shrunk, otherwise).
      this.db.pragma(`journal_size_limit = ${64 * 2 ** 20}`);
      migrate(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const checkpointEvery = options.checkpointEveryMs ?? 1_000;
    if (checkpointEvery > 0) {
      this.db.pragma("wal_autocheckpoint = 0");
      this.checkpointer = new Checkpointer(this.file, checkpointEvery, (err) => {
        if (this.closed) return;
        this.db.pragma("wal_autocheckpoint = 1000");
        options.onCheckpointError?.(err);
      });
    }
    const now = options.now ?? Date.now;
    this.sessions = new SqliteSessionStore(this.db, options.ttlMs, now);
    this.unanswered = new SqliteUnansweredLog(this.db, options.maxUnanswered ?? 100_000, options.unansweredRetentionMs ?? DEFAULT_RETENTION_DAYS * DAY_MS, now);
    this.shared = new SqliteSharedKeys(this.db, now);
    this.purge();
    const every = options.purgeEveryMs ?? 5 * 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.purgeSoftly(), every);
      this.timer.unref();
    }
  }

  /** Deletes expired sessions and log entries beyond the bound; returns how many sessions went. */
  purge(): number {
    if (this.closed) return 0;
    let gone = 0;
    for (let n = PURGE_BATCH; n === PURGE_BATCH; gone += n) n = this.sessions.purge(PURGE_BATCH);
    this.unanswered.trim();
    return gone;
  }

  /** purge() in batches with turns in between: a day's worth of expired sessions must not stall the service. */
  private async purgeSoftly(): Promise<void> {
    if (this.purging) return;
    this.purging = true;
    try {
      while (!this.closed && this.sessions.purge(PURGE_BATCH) === PURGE_BATCH) await new Promise((r) => setImmediate(r));
      if (!this.closed) this.unanswered.trim();
    } finally {
      this.purging = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      // Sessions of turns still waiting for their group commit.
      this.sessions.flush();
    } finally {
      this.sessions.closed = true;
      this.unanswered.closed = true;
      await this.checkpointer?.stop();
      // Folds the WAL back into the database file, so a stopped service leaves one file behind.
      try {
        this.db.pragma("wal_checkpoint(TRUNCATE)");
      } finally {
        this.db.close();
      }
    }
  }
}

/**
 * The data directory readable by the service's user only (0700), and the database and its -wal and -shm files 0600:
 * they hold conversations and what callers typed. SQLite gives -wal and -shm the database file's permissions, so the
 * file is created 0600 before SQLite opens it; files left by an older version are tightened.
 */
export function privateFiles(dir: string, file: string): void {
  try {
    chmodSync(dir, 0o700);
  } catch {
    // A directory we do not own (a mounted volume): its owner decides.
  }
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      // Not there (yet).
    }
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`数据库 ${db.name} 的结构版本 ${version} 比本程序（${SCHEMA_VERSION}）新：请升级程序，或换一个 DATA_DIR`);
  }
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      expires INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
    CREATE TABLE IF NOT EXISTS unanswered (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      user_id TEXT NOT NULL,
      channel TEXT NOT NULL,
      text TEXT NOT NULL,
      intent TEXT NOT NULL,
      confidence REAL NOT NULL,
      kind TEXT NOT NULL,
      handled INTEGER NOT NULL DEFAULT 0
    );
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}

/** Sessions as JSON rows with an expiry time; an expired row reads as missing and is deleted by purge(). */
export class SqliteSessionStore implements SessionStore {
  closed = false;
  /** Sessions written since the last commit (the newest per id), and the promise their commit settles. */
  private pending = new Map<string, [json: string, expires: number]>();
  private batch?: { done: Promise<void>; settle: (err?: unknown) => void };
  private readonly writeMany: (rows: Map<string, [string, number]>) => void;
  private readonly getStmt: Database.Statement<[string], SessionRow>;
  private readonly setStmt: Database.Statement<[string, string, number]>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly purgeStmt: Database.Statement<[number, number]>;
  private readonly countStmt: Database.Statement<[number], { n: number }>;
  private readonly expiryTick: number;

  constructor(
    db: Database.Database,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.expiryTick = Math.max(1, Math.min(60_000, Math.floor(ttlMs / 100)));
    this.getStmt = db.prepare("SELECT data, expires FROM sessions WHERE id = ?");
    this.setStmt = db.prepare(
      "INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
    );
    this.deleteStmt = db.prepare("DELETE FROM sessions WHERE id = ?");
    this.purgeStmt = db.prepare("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires <= ? LIMIT ?)");
    this.countStmt = db.prepare("SELECT count(*) AS n FROM sessions WHERE expires > ?");
    this.writeMany = db.transaction((rows: Map<string, [string, number]>) => {
      for (const [id, [json, expires]] of rows) this.setStmt.run(id, json, expires);
    });
  }

  async get(id: string): Promise<Session | undefined> {
    const waiting = this.pending.get(id);
    const row = waiting ? { data: waiting[0], expires: waiting[1] } : this.getStmt.get(id);
    if (!row) return undefined;
    if (row.expires <= this.now()) {
      this.deleteStmt.run(id);
      return undefined;
    }
    return parseSession(row.data);
  }

  /**
   * Resolves once the session is committed. Sessions set in the same turn of the event loop (the turns of several
   * users that finished together) are committed in one transaction just after it: one WAL append for all of them,
   * 2–4 times cheaper per session than a commit each when 5–10 are in flight, and no reply leaves uncommitted.
   */
  set(id: string, session: Session): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the session store is closed"));
    this.pending.delete(id);
    this.pending.set(id, [JSON.stringify(session), this.expiresAt()]);
    if (!this.batch) {
      let settle!: (err?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
      const batch = (this.batch = { done, settle });
      setImmediate(() => {
        if (this.batch !== batch) return;
        try {
          this.flush();
        } catch {
          // The turns waiting for this commit got the error.
        }
      });
    }
    return this.batch.done;
  }

  /** Commits the sessions waiting for the next group commit now; a failure rejects their turns and is thrown. */
  flush(): void {
    const rows = this.pending;
    const batch = this.batch;
    this.pending = new Map();
    this.batch = undefined;
    try {
      if (rows.size) this.writeMany(rows);
    } catch (err) {
      batch?.settle(err);
      throw err;
    }
    batch?.settle();
  }

  /**
   * Now plus the time to live, rounded up to a tick of 1% of it (at most a minute). Turns of one conversation
   * within a tick store the same expiry, so SQLite leaves the row's `sessions_expires` index entry alone and the
   * commit writes one page instead of three (`npm run bench`: a turn's write about 40% cheaper).
   */
  private expiresAt(): number {
    const at = this.now() + this.ttlMs;
    return Math.ceil(at / this.expiryTick) * this.expiryTick;
  }

  async delete(id: string): Promise<void> {
    this.pending.delete(id);
    this.deleteStmt.run(id);
  }

  /** Closing the database is SqliteDb's job; the engine may call this, so it does nothing. */
  async close(): Promise<void> {}

  /** Deletes up to `limit` expired sessions; returns how many. */
  purge(limit: number): number {
    return this.purgeStmt.run(this.now(), limit).changes;
  }

  /** Live (unexpired) sessions. */
  count(): number {
    return this.countStmt.get(this.now())!.n;
  }
}

/** A stored row that is not a session object (hand-edited, truncated) reads as no session, not as an error. */
export function parseSession(json: string): Session | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Session) : undefined;
  } catch {
    return undefined;
  }
}

export class SqliteUnansweredLog implements UnansweredLog {
  closed = false;
  private readonly insertStmt: Database.Statement<[number, string, string, string, string, number, string]>;
  private readonly recentStmt: Database.Statement<[number], UnansweredRow>;
  private readonly handledStmt: Database.Statement<[number]>;
  private readonly trimStmt: Database.Statement<[number]>;
  private readonly markMany: (ids: number[]) => void;
  private readonly writeEntry: (e: ReturnType<typeof prepareEntry>) => void;
  private readonly stmts: Record<string, Database.Statement>;

  constructor(
    db: Database.Database,
    private readonly max: number,
    private readonly retentionMs = DEFAULT_RETENTION_DAYS * DAY_MS,
    private readonly now: () => number = Date.now,
  ) {
    // The groups, kept up to date as entries are written (tables of their own: no schema version of the log's).
    db.exec(`
      CREATE TABLE IF NOT EXISTS unanswered_groups (
        id TEXT PRIMARY KEY,
        ref INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        open INTEGER NOT NULL,
        data TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS unanswered_groups_last ON unanswered_groups (last_seen);
      CREATE TABLE IF NOT EXISTS unanswered_keys (
        key TEXT PRIMARY KEY,
        group_id TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
    this.insertStmt = db.prepare(
      "INSERT INTO unanswered (at, user_id, channel, text, intent, confidence, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.recentStmt = db.prepare("SELECT * FROM unanswered ORDER BY id DESC LIMIT ?");
    this.handledStmt = db.prepare("UPDATE unanswered SET handled = 1 WHERE id = ?");
    this.trimStmt = db.prepare("DELETE FROM unanswered WHERE id <= (SELECT max(id) FROM unanswered) - ?");
    this.stmts = {
      groupOfKey: db.prepare("SELECT g.data, g.open FROM unanswered_keys k JOIN unanswered_groups g ON g.id = k.group_id WHERE k.key = ?"),
      groupById: db.prepare("SELECT data, open FROM unanswered_groups WHERE id = ?"),
      upsertGroup: db.prepare(
        "INSERT INTO unanswered_groups (id, ref, last_seen, open, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ref = excluded.ref, last_seen = excluded.last_seen, open = excluded.open, data = excluded.data",
      ),
      setKey: db.prepare("INSERT INTO unanswered_keys (key, group_id) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET group_id = excluded.group_id"),
      addKey: db.prepare("INSERT OR IGNORE INTO unanswered_keys (key, group_id) VALUES (?, ?)"),
      pageAll: db.prepare("SELECT data, open FROM unanswered_groups ORDER BY last_seen DESC, ref DESC LIMIT ? OFFSET ?"),
      pageOpen: db.prepare("SELECT data, open FROM unanswered_groups WHERE open > 0 ORDER BY last_seen DESC, ref DESC LIMIT ? OFFSET ?"),
      countAll: db.prepare("SELECT count(*) AS n FROM unanswered_groups"),
      countOpen: db.prepare("SELECT count(*) AS n FROM unanswered_groups WHERE open > 0"),
      // Marking is rare (a click of staff): a scan of at most MAX_GROUPS rows, instead of an index every write updates.
      markGroup: db.prepare("UPDATE unanswered_groups SET open = 0 WHERE ref = ?"),
      // Oldest first by id (no index on at: entries are written in time order), a thousand at a time.
      expireEntries: db.prepare("DELETE FROM unanswered WHERE id IN (SELECT id FROM unanswered ORDER BY id LIMIT 1000) AND at < ?"),
      expireGroups: db.prepare("DELETE FROM unanswered_groups WHERE id IN (SELECT id FROM unanswered_groups WHERE last_seen < ? LIMIT 1000)"),
      trimGroups: db.prepare(
        "DELETE FROM unanswered_groups WHERE id IN (SELECT id FROM unanswered_groups ORDER BY last_seen DESC LIMIT 1000 OFFSET ?)",
      ),
      orphanKeys: db.prepare(
        "DELETE FROM unanswered_keys WHERE key IN (SELECT k.key FROM unanswered_keys k LEFT JOIN unanswered_groups g ON g.id = k.group_id WHERE g.id IS NULL LIMIT 5000)",
      ),
    };
    this.markMany = db.transaction((ids: number[]) => {
      for (const id of ids) this.handledStmt.run(id);
      // A group is marked by its newest entry: one asked again since (a newer ref) stays open.
      for (const id of ids) this.stmts.markGroup.run(id);
    });
    this.writeEntry = db.transaction((e: ReturnType<typeof prepareEntry>) => {
      const id = Number(this.insertStmt.run(e.at, e.userId, e.channel, e.text, e.intent, e.confidence, e.kind).lastInsertRowid);
      const found = (this.stmts.groupOfKey.get(e.key) ?? (e.sense ? this.stmts.groupOfKey.get(e.sense) : undefined)) as { data: string; open: number } | undefined;
      let existing = found ? (JSON.parse(found.data) as GroupState) : undefined;
      if (existing) existing.open = found!.open;
      else {
        // A group whose keys were cleared but which still lives under the same id.
        const same = this.stmts.groupById.get(addToGroup(undefined, e, id).id) as { data: string; open: number } | undefined;
        if (same) existing = { ...(JSON.parse(same.data) as GroupState), open: same.open };
      }
      const g = addToGroup(existing, e, id);
      this.stmts.upsertGroup.run(g.id, g.ref, g.lastSeen, g.open, JSON.stringify(g));
      this.stmts.setKey.run(e.key, g.id);
      if (e.sense) this.stmts.addKey.run(e.sense, g.id);
    });
  }

  record(e: UnansweredEntry): void | Promise<void> {
    // The engine records after the reply is composed; a record racing a shutdown is dropped, not thrown.
    if (this.closed) return;
    try {
      this.writeEntry(prepareEntry(e));
    } catch (err) {
      // A rejection, not a throw: the engine calls this after the turn and only catches rejections (and logs them).
      return Promise.reject(err);
    }
  }

  async recent(limit: number): Promise<StoredUnanswered[]> {
    const n = Math.max(0, Math.min(Math.floor(limit) || 0, this.max));
    return this.recentStmt.all(n).map((r) => ({
      id: r.id,
      at: r.at,
      userId: r.user_id,
      channel: r.channel,
      text: r.text,
      intent: r.intent,
      confidence: r.confidence,
      kind: r.kind,
      handled: r.handled === 1,
    }));
  }

  async groups(query: GroupQuery): Promise<GroupPage> {
    const { page, limit, offset } = pageOf(query);
    const rows = (query.all ? this.stmts.pageAll : this.stmts.pageOpen).all(limit, offset) as { data: string; open: number }[];
    const openGroups = (this.stmts.countOpen.get() as { n: number }).n;
    const total = query.all ? (this.stmts.countAll.get() as { n: number }).n : openGroups;
    return { groups: rows.map((r) => groupView({ ...(JSON.parse(r.data) as GroupState), open: r.open })), total, openGroups, page, limit };
  }

  async markHandled(ids: number[]): Promise<void> {
    this.markMany(ids.filter((id) => Number.isSafeInteger(id)));
  }

  /** Deletes entries beyond the bound, and entries and groups past the retention period (in batches). */
  trim(): void {
    this.trimStmt.run(this.max);
    const cutoff = this.now() - this.retentionMs;
    while (this.stmts.expireEntries.run(cutoff).changes === 1000);
    while (this.stmts.expireGroups.run(cutoff).changes === 1000);
    this.stmts.trimGroups.run(MAX_GROUPS);
    while (this.stmts.orphanKeys.run().changes === 5000);
  }
}

/** Cuts a long text without splitting a surrogate pair. */
export function clip(text: string, max = MAX_LOGGED_TEXT): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}
