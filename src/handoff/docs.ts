/**
 * A small store of JSON documents with versions (compare-and-set), sets, and append-only lists with sequence
 * numbers: what the hand-off queue needs to be right with several instances (two staff taking one conversation at
 * the same moment: one wins) and durable across restarts. Memory (tests, the CLI), SQLite (one instance), Redis
 * (several instances).
 */
import type Database from "better-sqlite3";
import type { Redis } from "ioredis";

export interface Versioned<T> {
  value: T;
  version: number;
}

export interface DocStore {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /** Writes when the stored version is `version` (0: absent); the new version, or undefined when another won. */
  cas<T>(key: string, version: number, value: T): Promise<number | undefined>;
  del(key: string): Promise<void>;
  addToSet(key: string, member: string): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  members(key: string): Promise<string[]>;
  /** Appends an item; its sequence number (1, 2, …). Lists keep their newest `maxLen` items. */
  append<T>(list: string, item: T): Promise<number>;
  /** Items after `afterSeq`, oldest first, at most `limit`. */
  range<T>(list: string, afterSeq: number, limit: number): Promise<{ seq: number; item: T }[]>;
  /** The newest `limit` items, oldest first. */
  tail<T>(list: string, limit: number): Promise<{ seq: number; item: T }[]>;
  dropList(list: string): Promise<void>;
}

export const MAX_LIST = 2_000;

export class MemoryDocs implements DocStore {
  private readonly docs = new Map<string, { json: string; version: number }>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly lists = new Map<string, { seq: number; items: { seq: number; json: string }[] }>();

  constructor(private readonly maxLen = MAX_LIST) {}

  async get<T>(key: string) {
    const d = this.docs.get(key);
    return d ? { value: JSON.parse(d.json) as T, version: d.version } : undefined;
  }
  async cas<T>(key: string, version: number, value: T) {
    const d = this.docs.get(key);
    if ((d?.version ?? 0) !== version) return undefined;
    this.docs.set(key, { json: JSON.stringify(value), version: version + 1 });
    return version + 1;
  }
  async del(key: string) {
    this.docs.delete(key);
  }
  async addToSet(key: string, member: string) {
    if (!this.sets.has(key)) this.sets.set(key, new Set());
    this.sets.get(key)!.add(member);
  }
  async removeFromSet(key: string, member: string) {
    this.sets.get(key)?.delete(member);
  }
  async members(key: string) {
    return [...(this.sets.get(key) ?? [])];
  }
  async append<T>(list: string, item: T) {
    const l = this.lists.get(list) ?? { seq: 0, items: [] };
    this.lists.set(list, l);
    l.items.push({ seq: ++l.seq, json: JSON.stringify(item) });
    if (l.items.length > this.maxLen) l.items.splice(0, l.items.length - this.maxLen);
    return l.seq;
  }
  async range<T>(list: string, afterSeq: number, limit: number) {
    return (this.lists.get(list)?.items ?? []).filter((i) => i.seq > afterSeq).slice(0, limit).map((i) => ({ seq: i.seq, item: JSON.parse(i.json) as T }));
  }
  async tail<T>(list: string, limit: number) {
    return (this.lists.get(list)?.items ?? []).slice(-limit).map((i) => ({ seq: i.seq, item: JSON.parse(i.json) as T }));
  }
  async dropList(list: string) {
    this.lists.delete(list);
  }
}

/** Tables of their own in the service's SQLite file, created when first used. */
export class SqliteDocs implements DocStore {
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly maxLen = MAX_LIST,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS doc_sets (key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (key, member)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS doc_lists (list TEXT NOT NULL, seq INTEGER NOT NULL, item TEXT NOT NULL, PRIMARY KEY (list, seq)) WITHOUT ROWID;
    `);
    this.q = {
      get: db.prepare<[string], { version: number; value: string }>("SELECT version, value FROM docs WHERE key = ?"),
      insert: db.prepare("INSERT OR IGNORE INTO docs (key, version, value) VALUES (?, 1, ?)"),
      update: db.prepare("UPDATE docs SET version = version + 1, value = ? WHERE key = ? AND version = ?"),
      del: db.prepare("DELETE FROM docs WHERE key = ?"),
      add: db.prepare("INSERT OR IGNORE INTO doc_sets (key, member) VALUES (?, ?)"),
      remove: db.prepare("DELETE FROM doc_sets WHERE key = ? AND member = ?"),
      members: db.prepare<[string], { member: string }>("SELECT member FROM doc_sets WHERE key = ?"),
      last: db.prepare<[string], { seq: number | null }>("SELECT MAX(seq) AS seq FROM doc_lists WHERE list = ?"),
      push: db.prepare("INSERT INTO doc_lists (list, seq, item) VALUES (?, ?, ?)"),
      trim: db.prepare("DELETE FROM doc_lists WHERE list = ? AND seq <= ?"),
      range: db.prepare<[string, number, number], { seq: number; item: string }>("SELECT seq, item FROM doc_lists WHERE list = ? AND seq > ? ORDER BY seq LIMIT ?"),
      tail: db.prepare<[string, number], { seq: number; item: string }>("SELECT seq, item FROM doc_lists WHERE list = ? ORDER BY seq DESC LIMIT ?"),
      drop: db.prepare("DELETE FROM doc_lists WHERE list = ?"),
    };
    this.appendTx = db.transaction((list: string, json: string) => {
      const seq = (this.q.last.get(list)?.seq ?? 0) + 1;
      this.q.push.run(list, seq, json);
      if (seq > this.maxLen) this.q.trim.run(list, seq - this.maxLen);
      return seq;
    });
  }

  private readonly appendTx: (list: string, json: string) => number;

  async get<T>(key: string) {
    const row = this.q.get.get(key);
    return row ? { value: JSON.parse(row.value) as T, version: row.version } : undefined;
  }
  async cas<T>(key: string, version: number, value: T) {
    const json = JSON.stringify(value);
    const changed = version === 0 ? this.q.insert.run(key, json).changes : this.q.update.run(json, key, version).changes;
    return changed === 1 ? version + 1 : undefined;
  }
  async del(key: string) {
    this.q.del.run(key);
  }
  async addToSet(key: string, member: string) {
    this.q.add.run(key, member);
  }
  async removeFromSet(key: string, member: string) {
    this.q.remove.run(key, member);
  }
  async members(key: string) {
    return this.q.members.all(key).map((r) => r.member);
  }
  async append<T>(list: string, item: T) {
    return this.appendTx(list, JSON.stringify(item));
  }
  async range<T>(list: string, afterSeq: number, limit: number) {
    return this.q.range.all(list, afterSeq, limit).map((r) => ({ seq: r.seq, item: JSON.parse(r.item) as T }));
  }
  async tail<T>(list: string, limit: number) {
    return this.q.tail.all(list, limit).reverse().map((r) => ({ seq: r.seq, item: JSON.parse(r.item) as T }));
  }
  async dropList(list: string) {
    this.q.drop.run(list);
  }
}

// KEYS[1] doc hash; ARGV: expected version, json. Returns the new version or -1.
const CAS = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'v', v + 1, 'd', ARGV[2])
return v + 1
`;
// KEYS[1] sequence, KEYS[2] sorted set; ARGV: json, maxLen. Returns the sequence number.
const APPEND = `
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, seq .. ' ' .. ARGV[1])
local n = redis.call('ZCARD', KEYS[2])
local max = tonumber(ARGV[2])
if n > max then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - max - 1) end
return seq
`;

/** Documents as hashes {v, d}, sets as sets, lists as sorted sets scored by sequence number. */
export class RedisDocs implements DocStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxLen = MAX_LIST,
  ) {}

  private k = (kind: string, key: string) => `${this.prefix}${kind}:${key}`;
  private parse = <T>(rows: string[]) => rows.map((m) => {
    const space = m.indexOf(" ");
    return { seq: Number(m.slice(0, space)), item: JSON.parse(m.slice(space + 1)) as T };
  });

  async get<T>(key: string) {
    const h = await this.redis.hgetall(this.k("doc", key));
    return h.v ? { value: JSON.parse(h.d) as T, version: Number(h.v) } : undefined;
  }
  async cas<T>(key: string, version: number, value: T) {
    const r = (await this.redis.eval(CAS, 1, this.k("doc", key), String(version), JSON.stringify(value))) as number;
    return r < 0 ? undefined : r;
  }
  async del(key: string) {
    await this.redis.del(this.k("doc", key));
  }
  async addToSet(key: string, member: string) {
    await this.redis.sadd(this.k("set", key), member);
  }
  async removeFromSet(key: string, member: string) {
    await this.redis.srem(this.k("set", key), member);
  }
  async members(key: string) {
    return this.redis.smembers(this.k("set", key));
  }
  async append<T>(list: string, item: T) {
    return (await this.redis.eval(APPEND, 2, this.k("seq", list), this.k("list", list), JSON.stringify(item), String(this.maxLen))) as number;
  }
  async range<T>(list: string, afterSeq: number, limit: number) {
    return this.parse<T>(await this.redis.zrangebyscore(this.k("list", list), `(${afterSeq}`, "+inf", "LIMIT", 0, limit));
  }
  async tail<T>(list: string, limit: number) {
    return this.parse<T>(await this.redis.zrange(this.k("list", list), -limit, -1));
  }
  async dropList(list: string) {
    await this.redis.del(this.k("list", list), this.k("seq", list));
  }
}
