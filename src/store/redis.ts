/**
 * Sessions and the unanswered-question log in Redis, so several instances behind a load balancer share them.
 * A session is one string key with a time to live (renewed by every turn); the log is a bounded sorted set.
 */
import { Redis, type Result } from "ioredis";
import type { Session, SessionStore } from "../engine/session.js";
import {
  DAY_MS, DEFAULT_RETENTION_DAYS, groupId, groupView, MAX_GROUPS, pageOf, prepareEntry,
  type GroupPage, type GroupQuery, type GroupState, type StoredUnanswered, type UnansweredEntry, type UnansweredLog,
} from "../engine/unanswered.js";
import { parseSession } from "./sqlite.js";

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
}

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
  private closed = false;

  constructor(
    readonly redis: Redis,
    options: Omit<RedisOptions, "url">,
  ) {
    const prefix = options.prefix ?? "zhineng:";
    redis.defineCommand("zhinengRecordUnanswered", { numberOfKeys: 3, lua: RECORD_SCRIPT });
    redis.defineCommand("zhinengGroupUnanswered", { numberOfKeys: 7, lua: GROUP_SCRIPT });
    redis.defineCommand("zhinengMarkUnanswered", { numberOfKeys: 3, lua: MARK_SCRIPT });
    this.sessions = new RedisSessionStore(redis, prefix, options.ttlMs);
    this.unanswered = new RedisUnansweredLog(redis, prefix, options.maxUnanswered ?? 100_000, options.unansweredRetentionMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unanswered.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  key(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  async get(id: string): Promise<Session | undefined> {
    const json = await this.redis.get(this.key(id));
    return json === null ? undefined : parseSession(json);
  }

  async set(id: string, session: Session): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(session), "PX", this.ttlMs);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  /** Closing the connection is RedisStores' job. */
  async close(): Promise<void> {}
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
