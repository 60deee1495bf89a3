/**
 * Short-lived keys shared by everything that uses one store: counters in a time window (login lockouts, rate
 * limits), flags with a time to live (revoked console sessions), and first-writer-wins values (the 公众号's nonces).
 * They live beside the sessions: in memory (one process), in the SQLite file (they survive a restart) or in Redis
 * (every instance on the same REDIS_URL sees the same keys). Keys are chosen by the caller ("console:fail:1.2.3.4");
 * each backend keeps them apart from its other data.
 *
 * The types of better-sqlite3 and ioredis are imported as types only: nothing is loaded that the chosen store does not
 * need.
 */
import type Database from "better-sqlite3";
import type { Redis, Result } from "ioredis";

export interface WindowCount {
  /** Hits counted in the key's current window, this one included. */
  count: number;
  /** When the window ends (ms since the epoch); the count starts again from zero after it. */
  resetAt: number;
}

export interface SharedKeys {
  /** Counts a hit on `key` in a fixed window that starts with its first hit and lasts `windowMs`. Atomic. */
  incrWindow(key: string, windowMs: number): Promise<WindowCount>;
  /** The key's count in its current window, without counting (0 when none). */
  peekWindow(key: string): Promise<WindowCount>;
  /** Sets a flag that reads as present for `ttlMs`. */
  setFlag(key: string, ttlMs: number): Promise<void>;
  hasFlag(key: string): Promise<boolean>;
  /**
   * Stores `value` for `ttlMs` unless the key already holds a live value: returns that value, or undefined when this
   * call stored its own (first writer wins, atomically).
   */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined>;
  /** The live value of a key set by putIfAbsent or setFlag ("1"), if any. */
  get(key: string): Promise<string | undefined>;
  /** Forgets a key of any kind. */
  delete(key: string): Promise<void>;
}

/** A key longer than this is refused (callers build keys from bounded parts; this is a guard, not a limit to reach). */
export const MAX_KEY_LENGTH = 512;
/** A value longer than this is refused. */
export const MAX_VALUE_LENGTH = 8192;

function check(key: string, value = ""): void {
  if (key.length > MAX_KEY_LENGTH) throw new RangeError(`shared key longer than ${MAX_KEY_LENGTH}`);
  if (value.length > MAX_VALUE_LENGTH) throw new RangeError(`shared value longer than ${MAX_VALUE_LENGTH}`);
}

const ttl = (ms: number) => Math.max(1, Math.ceil(ms));

// === Memory: one process; bounded by count and bytes (expired keys go first, then the oldest written)

interface MemoryEntry {
  /** A counter's count, or 0 for a flag or a value. */
  count: number;
  value: string;
  expires: number;
}

export interface MemorySharedKeysOptions {
  /** At most this many keys (default 100,000); beyond it the oldest written go first. */
  maxKeys?: number;
  /** At most this many bytes of keys and values, counted as UTF-16 (default 16 MB). */
  maxBytes?: number;
  now?: () => number;
}

export class MemorySharedKeys implements SharedKeys {
  private readonly map = new Map<string, MemoryEntry>();
  private bytes = 0;
  private readonly maxKeys: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: MemorySharedKeysOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.maxBytes = options.maxBytes ?? 16 * 2 ** 20;
    this.now = options.now ?? Date.now;
  }

  async incrWindow(key: string, windowMs: number): Promise<WindowCount> {
    check(key);
    const e = this.live(key);
    if (e) {
      e.count++;
      return { count: e.count, resetAt: e.expires };
    }
    const expires = this.now() + ttl(windowMs);
    this.put(key, { count: 1, value: "", expires });
    return { count: 1, resetAt: expires };
  }

  async peekWindow(key: string): Promise<WindowCount> {
    const e = this.live(key);
    return e ? { count: e.count, resetAt: e.expires } : { count: 0, resetAt: this.now() };
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    check(key);
    this.put(key, { count: 0, value: "1", expires: this.now() + ttl(ttlMs) });
  }

  async hasFlag(key: string): Promise<boolean> {
    return this.live(key) !== undefined;
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    check(key, value);
    const e = this.live(key);
    if (e) return e.value;
    this.put(key, { count: 0, value, expires: this.now() + ttl(ttlMs) });
    return undefined;
  }

  async get(key: string): Promise<string | undefined> {
    const e = this.live(key);
    return e && !e.count ? e.value : undefined;
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  get size(): number {
    return this.map.size;
  }

  private live(key: string): MemoryEntry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires > this.now()) return e;
    this.remove(key);
    return undefined;
  }

  private put(key: string, entry: MemoryEntry): void {
    this.remove(key);
    this.map.set(key, entry);
    this.bytes += 2 * (key.length + entry.value.length) + 48;
    if (this.map.size <= this.maxKeys && this.bytes <= this.maxBytes) return;
    // Over a bound: first what has expired, then the oldest counters (a flood of attempts from new addresses must not
    // push out a revocation), then the oldest of any kind (Map keeps insertion order).
    // Trimmed to 90% of the bounds, so that the scan runs once per tenth of them, not on every write.
    const t = this.now();
    const over = () => this.map.size > this.maxKeys * 0.9 || this.bytes > this.maxBytes * 0.9;
    for (const [k, v] of this.map) if (v.expires <= t) this.remove(k);
    for (const [k, v] of this.map) {
      if (!over()) return;
      if (v.count > 0) this.remove(k);
    }
    for (const k of this.map.keys()) {
      if (!over()) return;
      this.remove(k);
    }
  }

  private remove(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= 2 * (key.length + e.value.length) + 48;
  }
}

// === SQLite: a table of its own in the sessions' file, so the keys survive a restart

interface KeyRow {
  count: number;
  value: string;
  expires: number;
}

/** Expired rows deleted every this many writes (a bounded DELETE; the table stays as small as its live keys). */
const SQLITE_PURGE_EVERY = 256;
const SQLITE_PURGE_BATCH = 1_000;

export class SqliteSharedKeys implements SharedKeys {
  private readonly getStmt: Database.Statement<[string], KeyRow>;
  private readonly putStmt: Database.Statement<[string, number, string, number]>;
  private readonly incrStmt: Database.Statement<[{ key: string; now: number; expires: number }], KeyRow>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly purgeStmt: Database.Statement<[number, number]>;
  private writes = 0;

  constructor(
    db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    // Its own table, created when missing: the sessions' schema version is not touched.
    db.exec(`
      CREATE TABLE IF NOT EXISTS shared_keys (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        value TEXT NOT NULL,
        expires INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS shared_keys_expires ON shared_keys (expires);
    `);
    this.getStmt = db.prepare("SELECT count, value, expires FROM shared_keys WHERE key = ?");
    this.putStmt = db.prepare(
      "INSERT INTO shared_keys (key, count, value, expires) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET count = excluded.count, value = excluded.value, expires = excluded.expires",
    );
    // One statement, so it is atomic without a transaction: a live window counts up, an expired one starts again.
    this.incrStmt = db.prepare(`
      INSERT INTO shared_keys (key, count, value, expires) VALUES (@key, 1, '', @expires)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN shared_keys.expires > @now THEN shared_keys.count + 1 ELSE 1 END,
        expires = CASE WHEN shared_keys.expires > @now THEN shared_keys.expires ELSE @expires END,
        value = ''
      RETURNING count, value, expires
    `);
    this.deleteStmt = db.prepare("DELETE FROM shared_keys WHERE key = ?");
    this.purgeStmt = db.prepare("DELETE FROM shared_keys WHERE key IN (SELECT key FROM shared_keys WHERE expires <= ? LIMIT ?)");
  }

  async incrWindow(key: string, windowMs: number): Promise<WindowCount> {
    check(key);
    const t = this.now();
    const row = this.incrStmt.get({ key, now: t, expires: t + ttl(windowMs) })!;
    this.wrote();
    return { count: row.count, resetAt: row.expires };
  }

  async peekWindow(key: string): Promise<WindowCount> {
    const row = this.liveRow(key);
    return row ? { count: row.count, resetAt: row.expires } : { count: 0, resetAt: this.now() };
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    check(key);
    this.putStmt.run(key, 0, "1", this.now() + ttl(ttlMs));
    this.wrote();
  }

  async hasFlag(key: string): Promise<boolean> {
    return this.liveRow(key) !== undefined;
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    check(key, value);
    // better-sqlite3 runs statements synchronously on this thread: nothing else runs between the read and the write.
    const row = this.liveRow(key);
    if (row) return row.value;
    this.putStmt.run(key, 0, value, this.now() + ttl(ttlMs));
    this.wrote();
    return undefined;
  }

  async get(key: string): Promise<string | undefined> {
    const row = this.liveRow(key);
    return row && !row.count ? row.value : undefined;
  }

  async delete(key: string): Promise<void> {
    this.deleteStmt.run(key);
  }

  /** Deletes up to `limit` expired keys; returns how many. */
  purge(limit = SQLITE_PURGE_BATCH): number {
    return this.purgeStmt.run(this.now(), limit).changes;
  }

  private liveRow(key: string): KeyRow | undefined {
    const row = this.getStmt.get(key);
    return row && row.expires > this.now() ? row : undefined;
  }

  private wrote(): void {
    if (++this.writes % SQLITE_PURGE_EVERY === 0) this.purge();
  }
}

// === Redis: every instance on the same REDIS_URL shares the keys; Redis expires them

// KEYS: the counter. ARGV: window (ms). Returns the count and the milliseconds left in the window.
const INCR_WINDOW_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if n == 1 or left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {n, left}
`;

// KEYS: the key. ARGV: value, ttl (ms). Returns the value present, or false when this call set it.
const PUT_IF_ABSENT_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    zhinengIncrWindow(key: string, windowMs: number): Result<[number, number], Context>;
    zhinengPutIfAbsent(key: string, value: string, ttlMs: number): Result<string | null, Context>;
  }
}

export class RedisSharedKeys implements SharedKeys {
  /** Every key is `<prefix>shared:<key>`. */
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "zhineng:",
  ) {
    redis.defineCommand("zhinengIncrWindow", { numberOfKeys: 1, lua: INCR_WINDOW_SCRIPT });
    redis.defineCommand("zhinengPutIfAbsent", { numberOfKeys: 1, lua: PUT_IF_ABSENT_SCRIPT });
  }

  key(key: string): string {
    return `${this.prefix}shared:${key}`;
  }

  async incrWindow(key: string, windowMs: number): Promise<WindowCount> {
    check(key);
    const [count, left] = await this.redis.zhinengIncrWindow(this.key(key), ttl(windowMs));
    return { count: Number(count), resetAt: Date.now() + Number(left) };
  }

  async peekWindow(key: string): Promise<WindowCount> {
    const [count, left] = await Promise.all([this.redis.get(this.key(key)), this.redis.pttl(this.key(key))]);
    const n = Number(count);
    return count === null || !Number.isFinite(n) || left < 0 ? { count: 0, resetAt: Date.now() } : { count: n, resetAt: Date.now() + left };
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    check(key);
    await this.redis.set(this.key(key), "1", "PX", ttl(ttlMs));
  }

  async hasFlag(key: string): Promise<boolean> {
    return (await this.redis.exists(this.key(key))) === 1;
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    check(key, value);
    const present = await this.redis.zhinengPutIfAbsent(this.key(key), value, ttl(ttlMs));
    return present ?? undefined;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(key))) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }
}
