/**
 * Sessions and the unanswered-question log in Redis, so several instances behind a load balancer share them.
 * A session is one string key with a time to live (renewed by every turn); the log is a bounded sorted set.
 * One user's turns run one at a time across instances: a short lock per conversation (`lock:<id>`, its value the
 * turn's fencing token from the counter `fence:<id>`), a session write that only the newest token's holder can make,
 * a release only by the holder. The API's rate limits count in shared fixed windows (`rate:<limit>:…`).
 */
import { randomUUID } from "node:crypto";
import { Redis, type Result } from "ioredis";
import { LockTimeoutError, StaleLockError, type Session, type SessionStore, type UserLock } from "../engine/session.js";
import type { KnowledgeBus } from "../knowledge/registry.js";
import {
  DAY_MS, DEFAULT_RETENTION_DAYS, groupId, groupView, MAX_GROUPS, pageOf, prepareEntry,
  type GroupPage, type GroupQuery, type GroupState, type StoredUnanswered, type UnansweredEntry, type UnansweredLog,
} from "../engine/unanswered.js";
import { parseSession } from "./sqlite.js";
import { RedisSharedKeys } from "./shared-keys.js";

export interface RedisOptions {
  url: string;
  ttlMs: number;
  /** Every key starts with this, so one Redis can serve several deployments (or tests) apart. */
  prefix?: string;
  maxUnanswered?: number;
  /** Unanswered entries and groups older than this are deleted (UNANSWERED_RETENTION_DAYS; default 90 days). */
  unansweredRetentionMs?: number;
  /** Connection errors after start-up (Redis restarts, network); turns meanwhile fail with the engine's apology. */
  onError?: (err: Error) => void;
  /** How long a conversation's lock lasts unless released (a crashed holder's lock frees itself after this). */
  lockTtlMs?: number;
  /** How long a turn waits for its conversation's lock before it gives up with the apology. */
  lockWaitMs?: number;
}

/** A turn takes about a millisecond: the lock outlives any live turn many times, and a dead holder's soon frees. */
export const LOCK_TTL_MS = 2_000;
/** Longer than the lock's life (a dead holder's lock frees before a waiter gives up), shorter than a turn's timeout. */
export const LOCK_WAIT_MS = 3_000;

// Adds an entry with the next id, keeps the newest ARGV[2] and forgets "handled" marks of entries that went.
// KEYS: sequence, entries (score = id, member = "<id> <json>"), handled (score = id). ARGV: json, max.
const RECORD_SCRIPT = `
local id = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], id, id .. ' ' .. ARGV[1])
local max = tonumber(ARGV[2])
local n = redis.call('ZCARD', KEYS[2])
if n > max then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - max - 1)
  local low = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. low[2])
end
return id
`;

// Takes a conversation's lock if it is free, as SET lock NX PX would, with the next fencing token as its value (a
// counter per conversation that outlives the session), and reads the session in the same round trip.
// KEYS: lock, fence, session. ARGV: lock ttl, fence ttl. Returns false when the lock is held, else {fence, json|nil}.
const ACQUIRE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
return {fence, redis.call('GET', KEYS[3])}
`;

// The fenced write: only while the token is still the conversation's newest (no turn took the lock since), then the
// lock is released if it is still ours. KEYS: session, fence, lock. ARGV: json, session ttl, fence. Returns 1 or 0.
const FENCED_SET_SCRIPT = `
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
return 1
`;

// Releases a lock only if it still holds this token (an expired one may be another turn's by now). KEYS: lock. ARGV: fence.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// Adds an entry to its group (found by its question key, else by its sense, else the group its key would start),
// as src/engine/unanswered.ts addToGroup does, and drops what is past the retention or beyond the bounds.
// KEYS: groups (hash gid → json), order (zset gid by last seen), open (zset of open groups), keys (hash key → gid),
// refs (hash newest entry id → gid), entries, handled. ARGV: entry json {id, at, text, channel, kind, intent, named,
// signature}, key, sense or "", new gid, max groups, cutoff (ms).
const GROUP_SCRIPT = `
local e = cjson.decode(ARGV[1])
local gid = redis.call('HGET', KEYS[4], ARGV[2])
if (not gid) and ARGV[3] ~= '' then gid = redis.call('HGET', KEYS[4], ARGV[3]) end
local g = nil
if gid then
  local j = redis.call('HGET', KEYS[1], gid)
  if j then g = cjson.decode(j) end
end
if not g then
  local j = redis.call('HGET', KEYS[1], ARGV[4])
  if j then g = cjson.decode(j) end
end
if not g then
  g = {id = ARGV[4], ref = e.id, text = e.text, variants = {}, count = 0, open = 0, firstSeen = e.at, lastSeen = e.at,
       kinds = {}, channels = {}, intents = {}, entities = e.signature}
else
  if type(g.variants) ~= 'table' then g.variants = {} end
  if type(g.channels) ~= 'table' then g.channels = {} end
  if e.text ~= g.text then
    local v = {g.text}
    for _, x in ipairs(g.variants) do
      if x ~= e.text and x ~= g.text and #v < 5 then v[#v + 1] = x end
    end
    g.variants = v
  end
  redis.call('HDEL', KEYS[5], tostring(g.ref))
end
g.text = e.text
if e.id > g.ref then g.ref = e.id end
g.count = g.count + 1
g.open = g.open + 1
if e.at < g.firstSeen then g.firstSeen = e.at end
if e.at > g.lastSeen then g.lastSeen = e.at end
g.kinds[e.kind] = (g.kinds[e.kind] or 0) + 1
local seen = false
for _, c in ipairs(g.channels) do if c == e.channel then seen = true end end
if not seen and #g.channels < 10 then g.channels[#g.channels + 1] = e.channel end
if e.named == 1 then g.intents[e.intent] = (g.intents[e.intent] or 0) + 1 end
if next(g.entities) == nil and next(e.signature) ~= nil then g.entities = e.signature end
redis.call('HSET', KEYS[1], g.id, cjson.encode(g))
redis.call('ZADD', KEYS[2], g.lastSeen, g.id)
redis.call('ZADD', KEYS[3], g.lastSeen, g.id)
redis.call('HSET', KEYS[4], ARGV[2], g.id)
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[4], ARGV[3], g.id) end
redis.call('HSET', KEYS[5], tostring(g.ref), g.id)
-- Past the retention, or beyond the bound: the oldest groups go (a hundred at a time).
local cutoff = tonumber(ARGV[6])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff, 'LIMIT', 0, 100)
local n = redis.call('ZCARD', KEYS[2]) - #old - tonumber(ARGV[5])
if n > 0 then
  for _, x in ipairs(redis.call('ZRANGE', KEYS[2], #old, #old + math.min(n, 100) - 1)) do old[#old + 1] = x end
end
for _, x in ipairs(old) do
  local j = redis.call('HGET', KEYS[1], x)
  if j then redis.call('HDEL', KEYS[5], tostring(cjson.decode(j).ref)) end
  redis.call('HDEL', KEYS[1], x)
  redis.call('ZREM', KEYS[2], x)
  redis.call('ZREM', KEYS[3], x)
end
-- Keys of groups that went are dropped with the whole index when it grows past three per group.
if redis.call('HLEN', KEYS[4]) > 3 * tonumber(ARGV[5]) + 1000 then redis.call('DEL', KEYS[4]) end
for i = 1, 100 do
  local first = redis.call('ZRANGE', KEYS[6], 0, 0)
  if #first == 0 then break end
  local space = string.find(first[1], ' ')
  local entry = cjson.decode(string.sub(first[1], space + 1))
  if entry.at >= cutoff then break end
  redis.call('ZREM', KEYS[6], first[1])
  redis.call('ZREM', KEYS[7], string.sub(first[1], 1, space - 1))
end
return g.id
`;

// Marks groups handled by their newest entry id (one asked again since has a newer one and stays open).
// KEYS: groups, open, refs. ARGV: ids.
const MARK_SCRIPT = `
local n = 0
for _, id in ipairs(ARGV) do
  local gid = redis.call('HGET', KEYS[3], id)
  if gid then
    local j = redis.call('HGET', KEYS[1], gid)
    if j then
      local g = cjson.decode(j)
      if tostring(g.ref) == id then
        g.open = 0
        redis.call('HSET', KEYS[1], gid, cjson.encode(g))
        redis.call('ZREM', KEYS[2], gid)
        n = n + 1
      end
    end
  end
end
return n
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    zhinengRecordUnanswered(seq: string, entries: string, handled: string, json: string, max: number): Result<number, Context>;
    zhinengAcquire(lock: string, fence: string, session: string, lockTtl: number, fenceTtl: number): Result<[number, string | null] | null, Context>;
    zhinengFencedSet(session: string, fence: string, lock: string, json: string, ttl: number, token: number): Result<number, Context>;
    zhinengRelease(lock: string, token: number): Result<number, Context>;
    zhinengGroupUnanswered(
      groups: string, order: string, open: string, keys: string, refs: string, entries: string, handled: string,
      entry: string, key: string, sense: string, gid: string, maxGroups: number, cutoff: number,
    ): Result<string, Context>;
    zhinengMarkUnanswered(groups: string, open: string, refs: string, ...ids: string[]): Result<number, Context>;
  }
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(无效的地址)";
  }
}

/** Connects, and fails with a message naming REDIS_URL when Redis does not answer. */
export async function connectRedis(options: RedisOptions): Promise<RedisStores> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    commandTimeout: 2_000,
    // A command waits for at most one reconnection: a Redis outage costs a turn an apology, not a hang.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let starting = true;
  let lastReport = 0;
  redis.on("error", (err: Error) => {
    // While Redis is away ioredis reports every reconnection attempt: one line per 30 s is enough.
    if (starting || Date.now() - lastReport < 30_000) return;
    lastReport = Date.now();
    options.onError?.(err);
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`无法连接 Redis（REDIS_URL=${safeUrl(options.url)}）：${(err as Error).message}`);
  } finally {
    starting = false;
  }
  return new RedisStores(redis, options);
}

export class RedisStores {
  readonly sessions: RedisSessionStore;
  readonly unanswered: RedisUnansweredLog;
  /** Fixed-window counters shared by every instance, for the API's rate limits. */
  readonly rates: RedisRateCounter;
  /** Short-lived shared keys (login lockouts, revoked console sessions, 公众号 nonces): `<prefix>shared:<key>`. */
  readonly shared: RedisSharedKeys;
  private closed = false;
  private readonly prefix: string;
  private readonly buses: KnowledgeBus[] = [];

  constructor(
    readonly redis: Redis,
    options: Omit<RedisOptions, "url">,
  ) {
    const prefix = options.prefix ?? "zhineng:";
    this.prefix = prefix;
    redis.defineCommand("zhinengRecordUnanswered", { numberOfKeys: 3, lua: RECORD_SCRIPT });
    redis.defineCommand("zhinengAcquire", { numberOfKeys: 3, lua: ACQUIRE_SCRIPT });
    redis.defineCommand("zhinengFencedSet", { numberOfKeys: 3, lua: FENCED_SET_SCRIPT });
    redis.defineCommand("zhinengRelease", { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    redis.defineCommand("zhinengGroupUnanswered", { numberOfKeys: 7, lua: GROUP_SCRIPT });
    redis.defineCommand("zhinengMarkUnanswered", { numberOfKeys: 3, lua: MARK_SCRIPT });
    this.sessions = new RedisSessionStore(redis, prefix, options.ttlMs, options.lockTtlMs, options.lockWaitMs);
    this.rates = new RedisRateCounter(redis, prefix);
    this.unanswered = new RedisUnansweredLog(redis, prefix, options.maxUnanswered ?? 100_000, options.unansweredRetentionMs);
    this.shared = new RedisSharedKeys(redis, prefix);
  }

  /**
   * Knowledge publishing between the instances on this Redis: `publish(dirs)` sends the folders in use on the channel
   * `<prefix>knowledge`; every other instance's `onDirs` gets them (its own messages are ignored). The subscription is
   * a duplicated connection (a subscribed connection can do nothing else); ioredis subscribes again after a reconnect.
   */
  async knowledgeBus(onDirs: (dirs: string[]) => void, onError?: (err: Error) => void): Promise<KnowledgeBus> {
    const channel = `${this.prefix}knowledge`;
    const me = randomUUID();
    const sub = this.redis.duplicate();
    sub.on("error", (err: Error) => onError?.(err));
    sub.on("message", (ch: string, message: string) => {
      if (ch !== channel) return;
      let parsed: { from?: unknown; dirs?: unknown };
      try {
        parsed = JSON.parse(message) as typeof parsed;
      } catch {
        onError?.(new Error(`知识库发布频道 ${channel} 上的消息不是 JSON`));
        return;
      }
      if (parsed.from === me) return;
      if (!Array.isArray(parsed.dirs) || !parsed.dirs.length || !parsed.dirs.every((d) => typeof d === "string" && d.length > 0)) {
        onError?.(new Error(`知识库发布频道 ${channel} 上的消息缺少 dirs`));
        return;
      }
      onDirs(parsed.dirs as string[]);
    });
    await sub.subscribe(channel);
    let closed = false;
    const bus: KnowledgeBus = {
      // PUBLISH counts this instance's own subscription too.
      publish: async (dirs) => Math.max(0, (await this.redis.publish(channel, JSON.stringify({ from: me, dirs }))) - 1),
      close: async () => {
        if (closed) return;
        closed = true;
        await sub.quit().catch(() => sub.disconnect());
      },
    };
    this.buses.push(bus);
    return bus;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const bus of this.buses) await bus.close();
    this.unanswered.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The lock one turn holds on a conversation, with the session read when it was taken. */
class RedisUserLock implements UserLock {
  /** Set once the fenced write (which releases the lock) has run. */
  ended = false;

  constructor(
    readonly id: string,
    readonly fence: number,
    /** The session's JSON at acquisition (null: none), handed to the turn's get once. */
    public prefetched: string | null | undefined,
  ) {}
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly lockTtlMs = LOCK_TTL_MS,
    private readonly lockWaitMs = LOCK_WAIT_MS,
  ) {}

  key(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  lockKey(id: string): string {
    return `${this.prefix}lock:${id}`;
  }

  fenceKey(id: string): string {
    return `${this.prefix}fence:${id}`;
  }

  async get(id: string, lock?: UserLock): Promise<Session | undefined> {
    let json: string | null;
    if (lock instanceof RedisUserLock && lock.id === id && lock.prefetched !== undefined) {
      json = lock.prefetched;
      lock.prefetched = undefined;
    } else {
      json = await this.redis.get(this.key(id));
    }
    return json === null ? undefined : parseSession(json);
  }

  async set(id: string, session: Session, lock?: UserLock): Promise<void> {
    const json = JSON.stringify(session);
    if (!lock) {
      await this.redis.set(this.key(id), json, "PX", this.ttlMs);
      return;
    }
    if (lock.id !== id || (lock instanceof RedisUserLock && lock.ended)) throw new StaleLockError(`the lock does not hold this conversation's write`);
    const written = await this.redis.zhinengFencedSet(this.key(id), this.fenceKey(id), this.lockKey(id), json, this.ttlMs, lock.fence);
    if (lock instanceof RedisUserLock) lock.ended = true;
    if (written !== 1) throw new StaleLockError(`the conversation's lock expired and another turn took it (fence ${lock.fence}): session not written`);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  async withUserLock<T>(id: string, fn: (lock: UserLock) => Promise<T>): Promise<T> {
    const lock = await this.acquire(id);
    try {
      return await fn(lock);
    } finally {
      // A turn that wrote has released the lock with its write; any other (it threw) releases it here. If Redis is
      // away meanwhile, the lock frees itself after its time to live.
      if (!lock.ended) await this.redis.zhinengRelease(this.lockKey(id), lock.fence).catch(() => 0);
    }
  }

  /** Takes the lock, retrying with a growing random backoff (2 ms up to 50 ms) for at most lockWaitMs. */
  private async acquire(id: string): Promise<RedisUserLock> {
    const deadline = performance.now() + this.lockWaitMs;
    const fenceTtl = this.ttlMs + this.lockTtlMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const r = await this.redis.zhinengAcquire(this.lockKey(id), this.fenceKey(id), this.key(id), this.lockTtlMs, fenceTtl);
      if (r) return new RedisUserLock(id, Number(r[0]), r[1] ?? null);
      const wait = delay / 2 + Math.random() * delay;
      if (performance.now() + wait > deadline) throw new LockTimeoutError(`the conversation's lock was not free within ${this.lockWaitMs} ms`);
      await sleep(wait);
    }
  }

  /** Closing the connection is RedisStores' job. */
  async close(): Promise<void> {}
}

/**
 * Fixed windows counted in Redis, so every instance counts the same hits: a window is [k × windowMs, (k+1) × windowMs)
 * of the shared clock, its count one key (INCR and PEXPIRE pipelined: one round trip) that expires after the window.
 */
export class RedisRateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** A counter for one limit (its name keeps the keys of two limits apart). */
  forLimit(name: string): { hit(key: string, windowMs: number): Promise<{ hits: number; resetAt: number }> } {
    return { hit: (key, windowMs) => this.hit(name, key, windowMs) };
  }

  async hit(name: string, key: string, windowMs: number, now = Date.now()): Promise<{ hits: number; resetAt: number }> {
    const window = Math.floor(now / windowMs);
    const resetAt = (window + 1) * windowMs;
    const k = `${this.prefix}rate:${name}:${windowMs}:${window}:${key}`;
    const results = await this.redis.pipeline().incr(k).pexpire(k, resetAt - now + 1_000).exec();
    const [err, hits] = results?.[0] ?? [new Error("no reply from Redis")];
    if (err) throw err;
    return { hits: Number(hits), resetAt };
  }
}

export class RedisUnansweredLog implements UnansweredLog {
  closed = false;
  readonly seqKey: string;
  readonly entriesKey: string;
  readonly handledKey: string;
  /** The groups (hash), their order by last seen (zset), the open ones (zset), question keys and entry refs (hashes). */
  readonly groupKeys: { groups: string; order: string; open: string; keys: string; refs: string };

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly max: number,
    private readonly retentionMs = DEFAULT_RETENTION_DAYS * DAY_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.seqKey = `${prefix}unanswered:seq`;
    this.entriesKey = `${prefix}unanswered:entries`;
    this.handledKey = `${prefix}unanswered:handled`;
    this.groupKeys = {
      groups: `${prefix}unanswered:groups`,
      order: `${prefix}unanswered:order`,
      open: `${prefix}unanswered:open`,
      keys: `${prefix}unanswered:keys`,
      refs: `${prefix}unanswered:refs`,
    };
  }

  async record(entry: UnansweredEntry): Promise<void> {
    if (this.closed) return;
    const e = prepareEntry(entry);
    const { key, sense, signature, ...stored } = e;
    try {
      const id = await this.redis.zhinengRecordUnanswered(this.seqKey, this.entriesKey, this.handledKey, JSON.stringify(stored), this.max);
      const k = this.groupKeys;
      const json = JSON.stringify({ id, at: e.at, text: e.text, channel: e.channel, kind: e.kind, intent: e.intent, named: sense ? 1 : 0, signature });
      await this.redis.zhinengGroupUnanswered(
        k.groups, k.order, k.open, k.keys, k.refs, this.entriesKey, this.handledKey,
        json, key, sense ?? "", groupId(key), MAX_GROUPS, this.now() - this.retentionMs,
      );
    } catch (err) {
      // The engine logs a failed write; one that raced close() is not worth a line.
      if (!this.closed) throw err;
    }
  }

  async recent(limit: number): Promise<StoredUnanswered[]> {
    const n = Math.max(0, Math.min(Math.floor(limit) || 0, this.max));
    if (n === 0) return [];
    const members = await this.redis.zrevrange(this.entriesKey, 0, n - 1);
    if (!members.length) return [];
    const parsed = members.map((m) => {
      const space = m.indexOf(" ");
      return { id: Number(m.slice(0, space)), entry: JSON.parse(m.slice(space + 1)) as UnansweredEntry };
    });
    const scores = await this.redis.zmscore(this.handledKey, ...parsed.map((p) => String(p.id)));
    return parsed.map((p, i) => ({ ...p.entry, id: p.id, handled: scores[i] !== null }));
  }

  async groups(query: GroupQuery): Promise<GroupPage> {
    const { page, limit, offset } = pageOf(query);
    const k = this.groupKeys;
    const [ids, total, openGroups] = await Promise.all([
      this.redis.zrevrange(query.all ? k.order : k.open, offset, offset + limit - 1),
      this.redis.zcard(query.all ? k.order : k.open),
      this.redis.zcard(k.open),
    ]);
    const rows = ids.length ? await this.redis.hmget(k.groups, ...ids) : [];
    const groups = rows
      .filter((r): r is string => r !== null)
      .map((r) => {
        // Lua's cjson writes an empty list as {}.
        const g = JSON.parse(r) as GroupState;
        return groupView({ ...g, variants: Array.isArray(g.variants) ? g.variants : [], channels: Array.isArray(g.channels) ? g.channels : [] });
      });
    return { groups, total, openGroups, page, limit };
  }

  async markHandled(ids: number[]): Promise<void> {
    const valid = ids.filter((id) => Number.isSafeInteger(id) && id > 0);
    if (!valid.length) return;
    await this.redis.zadd(this.handledKey, ...valid.flatMap((id) => [id, String(id)]));
    const k = this.groupKeys;
    await this.redis.zhinengMarkUnanswered(k.groups, k.open, k.refs, ...valid.map(String));
  }
}
