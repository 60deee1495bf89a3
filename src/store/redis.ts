/**
 * Sessions and the unanswered-question log in Redis, so several instances behind a load balancer share them.
 * A session is one string key with a time to live (renewed by every turn); the log is a bounded sorted set.
 */
import { randomUUID } from "node:crypto";
import { Redis, type Result } from "ioredis";
import type { KnowledgeBus } from "../knowledge/registry.js";
import type { Session, SessionStore } from "../engine/session.js";
import type { StoredUnanswered, UnansweredEntry, UnansweredLog } from "../engine/unanswered.js";
import { clip, parseSession } from "./sqlite.js";

export interface RedisOptions {
  url: string;
  ttlMs: number;
  /** Every key starts with this, so one Redis can serve several deployments (or tests) apart. */
  prefix?: string;
  maxUnanswered?: number;
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

declare module "ioredis" {
  interface RedisCommander<Context> {
    zhinengRecordUnanswered(seq: string, entries: string, handled: string, json: string, max: number): Result<number, Context>;
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
  private readonly prefix: string;
  private readonly buses: KnowledgeBus[] = [];

  constructor(
    readonly redis: Redis,
    options: Omit<RedisOptions, "url">,
  ) {
    const prefix = options.prefix ?? "zhineng:";
    this.prefix = prefix;
    redis.defineCommand("zhinengRecordUnanswered", { numberOfKeys: 3, lua: RECORD_SCRIPT });
    this.sessions = new RedisSessionStore(redis, prefix, options.ttlMs);
    this.unanswered = new RedisUnansweredLog(redis, prefix, options.maxUnanswered ?? 100_000);
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

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly max: number,
  ) {
    this.seqKey = `${prefix}unanswered:seq`;
    this.entriesKey = `${prefix}unanswered:entries`;
    this.handledKey = `${prefix}unanswered:handled`;
  }

  async record(e: UnansweredEntry): Promise<void> {
    if (this.closed) return;
    const json = JSON.stringify({ ...e, text: clip(e.text) });
    try {
      await this.redis.zhinengRecordUnanswered(this.seqKey, this.entriesKey, this.handledKey, json, this.max);
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

  async markHandled(ids: number[]): Promise<void> {
    const valid = ids.filter((id) => Number.isSafeInteger(id) && id > 0);
    if (!valid.length) return;
    await this.redis.zadd(this.handledKey, ...valid.flatMap((id) => [id, String(id)]));
  }
}
