/** Chooses the session store and the unanswered-question log from the configuration. */
import type { HandoffQueue } from "../handoff/queue.js";
import type { HandoffBridge } from "../handoff/bridge.js";
import { MemoryStore, type SessionStore } from "../engine/session.js";
import { DAY_MS, DEFAULT_RETENTION_DAYS, MemoryUnansweredLog, type UnansweredLog } from "../engine/unanswered.js";
import type { Config } from "../config.js";
import { SqliteDb } from "./sqlite.js";
import { MemoryDocs, SqliteDocs, RedisDocs, type DocStore } from "../handoff/docs.js";
import { MemoryStats, SqliteStats, RedisStats, type StatsStore } from "../stats/stats.js";
import type { SharedWindowCounter } from "../server/rate-limit.js";
import { MemorySharedKeys, type SharedKeys } from "./shared-keys.js";
import type { KnowledgeBus } from "../knowledge/registry.js";
import { MemoryChatLog, type ChatLog } from "../engine/chat-log.js";
import { SqliteChatLog } from "./chat-log-sqlite.js";

export interface Stores {
  kind: Config["SESSION_STORE"];
  sessions: SessionStore;
  unanswered: UnansweredLog;
  /** Short-lived keys shared like the sessions: login lockouts, revoked console sessions, 公众号 nonces. */
  shared: SharedKeys;
  /** The web chat's transcripts and 👍/👎. */
  chatLog: ChatLog;
  /** Versioned documents, sets and lists: the console's answer edits, its history and published notices. */
  docs: DocStore;
  /** The console's numbers per day. */
  stats: StatsStore;
  /** Where the state lives, for the start-up log line (a file path, a Redis URL without password, or "memory"). */
  location: string;
  close(): Promise<void>;
  /** Stores shared by several instances (Redis): fixed-window counters every instance counts in, one per named limit. */
  sharedRates?: (name: string) => SharedWindowCounter;
  /** With several instances (Redis): tells the others which knowledge folders to switch to, and hears them. */
  knowledgeBus?: (onDirs: (dirs: string[]) => void, onError?: (err: Error) => void) => Promise<KnowledgeBus>;
  /** With several instances (Redis): the hand-off queue's live events shared with the others (src/handoff/bridge.ts). */
  handoffBridge?: (queue: HandoffQueue, onError?: (err: Error) => void) => Promise<HandoffBridge>;
}

export type StoreConfig = Pick<Config, "SESSION_STORE" | "SESSION_TTL_MINUTES" | "DATA_DIR" | "REDIS_URL"> &
  Partial<Pick<Config, "UNANSWERED_RETENTION_DAYS">>;

export interface StoreOptions {
  /**
   * Trouble after start-up that the service survives, for its log: Redis connection errors (turns fail with an
   * apology until Redis is back), or SQLite's checkpoint thread failing (SQLite's own checkpoints take over).
   */
  onError?: (err: Error) => void;
  /** Key prefix in Redis (tests use their own). */
  redisPrefix?: string;
}

/**
 * sqlite (default): one WAL file under DATA_DIR; memory: lost on restart (tests, the CLI);
 * redis: shared by every instance that uses the same REDIS_URL.
 */
export async function createStores(config: StoreConfig, options: StoreOptions = {}): Promise<Stores> {
  const ttlMs = config.SESSION_TTL_MINUTES * 60_000;
  const unansweredRetentionMs = (config.UNANSWERED_RETENTION_DAYS ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
  switch (config.SESSION_STORE) {
    case "memory":
      return {
        kind: "memory",
        sessions: new MemoryStore(ttlMs),
        unanswered: new MemoryUnansweredLog(undefined, unansweredRetentionMs),
        shared: new MemorySharedKeys(),
        chatLog: new MemoryChatLog(ttlMs),
        docs: new MemoryDocs(),
        stats: new MemoryStats(),
        location: "memory",
        close: async () => {},
      };
    case "redis": {
      if (!config.REDIS_URL) throw new Error("配置错误（环境变量）：\n  REDIS_URL: SESSION_STORE=redis 时必须设置");
      // Loaded only when chosen: ioredis adds to every start-up otherwise.
      const { connectRedis, safeUrl } = await import("./redis.js");
      const r = await connectRedis({ url: config.REDIS_URL, ttlMs, unansweredRetentionMs, prefix: options.redisPrefix, onError: options.onError });
      const { RedisChatLog } = await import("./chat-log-redis.js");
      const chatLog = new RedisChatLog(r.redis, options.redisPrefix ?? "zhineng:", ttlMs);
      return {
        kind: "redis",
        sessions: r.sessions,
        unanswered: r.unanswered,
        shared: r.shared,
        chatLog,
        docs: new RedisDocs(r.redis, `${options.redisPrefix ?? "zhineng:"}docs:`),
        stats: new RedisStats(r.redis, options.redisPrefix ?? "zhineng:"),
        location: safeUrl(config.REDIS_URL),
        close: () => r.close(),
        sharedRates: (name) => r.rates.forLimit(name),
        knowledgeBus: (onDirs, onError) => r.knowledgeBus(onDirs, onError),
        handoffBridge: async (queue, onError) => {
          const { bridgeHandoffEvents } = await import("../handoff/bridge.js");
          return bridgeHandoffEvents(queue, r.redis, `${options.redisPrefix ?? "zhineng:"}handoff`, onError);
        },
      };
    }
    case "sqlite":
    default: {
      const db = new SqliteDb({ dir: config.DATA_DIR, ttlMs, unansweredRetentionMs, onCheckpointError: options.onError });
      const chatLog = new SqliteChatLog(db.db, ttlMs);
      const close = async () => {
        await chatLog.close();
        await db.close();
      };
      return { kind: "sqlite", sessions: db.sessions, unanswered: db.unanswered, shared: db.shared, chatLog, docs: new SqliteDocs(db.db), stats: new SqliteStats(db.db), location: db.file, close };
    }
  }
}
