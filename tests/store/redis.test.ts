/**
 * Runs against a real redis-server on 127.0.0.1:6379 (REDIS_URL overrides); `.ci/redis.sh` starts one.
 * Without one the suite is skipped with a message, unless REQUIRE_REDIS=1 (CI), where that is a failure.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { connectRedis, safeUrl, type RedisStores } from "../../src/store/redis.js";
import { createStores } from "../../src/store/index.js";
import { makeEngine, say } from "../helpers.js";
import { EXPECTED_SESSION, entry, sessionStoreContract, unansweredContract } from "./contract.js";
import { redisReachable } from "./redis-env.js";

const URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test:${process.pid}:${Date.now()}:`;


const up = await redisReachable(URL);
const required = process.env.REQUIRE_REDIS === "1";
if (!up && !required) {
  console.warn(`[tests/store/redis] 跳过：${safeUrl(URL)} 上没有 redis-server（运行 .ci/redis.sh 启动一个；REQUIRE_REDIS=1 时此情况算失败）`);
}

const opened: RedisStores[] = [];
let n = 0;
const open = async (ttlMs = 60_000, maxUnanswered?: number) => {
  const stores = await connectRedis({ url: URL, ttlMs, prefix: `${PREFIX}${++n}:`, maxUnanswered });
  opened.push(stores);
  return stores;
};

afterAll(async () => {
  if (!up) return;
  for (const s of opened) await s.close();
  const redis = new Redis(URL);
  let cursor = "0";
  for (let i = 0; i < 1_000; i++) {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
    if (cursor === "0") break;
  }
  await redis.quit();
});

describe.runIf(required && !up)("redis-server", () => {
  it("should be reachable when REQUIRE_REDIS=1", () => {
    expect.fail(`REQUIRE_REDIS=1 but nothing answers at ${safeUrl(URL)}: run .ci/redis.sh first`);
  });
});

describe.runIf(up)("RedisSessionStore", () => {
  // The contract wants a store at once: each gets its own prefix, connected on first use.
  sessionStoreContract(() => {
    const stores = open();
    return {
      get: async (id) => (await stores).sessions.get(id),
      set: async (id, session) => (await stores).sessions.set(id, session),
      delete: async (id) => (await stores).sessions.delete(id),
    };
  });

  it("should give every session key the time to live, renewed on write", async () => {
    const stores = await open(60_000);
    await stores.sessions.set("u", EXPECTED_SESSION);
    const pttl = await stores.redis.pttl(stores.sessions.key("u"));
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it("should expire a session after its time to live", async () => {
    const stores = await open(150);
    await stores.sessions.set("short", EXPECTED_SESSION);
    expect(await stores.sessions.get("short")).toEqual(EXPECTED_SESSION);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stores.sessions.get("short")).toBeUndefined();
  });

  it("should fail to connect with a message naming REDIS_URL, without the password", async () => {
    await expect(connectRedis({ url: "redis://:s3cret@127.0.0.1:1", ttlMs: 1 })).rejects.toThrow(/REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  });

  it("should share a dialog between two engines (two instances behind a load balancer)", async () => {
    const config = { SESSION_STORE: "redis", SESSION_TTL_MINUTES: 5, DATA_DIR: "./unused", REDIS_URL: URL } as const;
    const a = await createStores(config, { redisPrefix: `${PREFIX}lb:` });
    const b = await createStores(config, { redisPrefix: `${PREFIX}lb:` });
    try {
      const [, level] = await say(makeEngine({ store: a.sessions, unanswered: a.unanswered }), "lb-user", "资格自测", "1");
      expect(level).toContain("想报哪个等级");
      const [years] = await say(makeEngine({ store: b.sessions, unanswered: b.unanswered }), "lb-user", "四级");
      expect(years).toContain("累计从事本职业或相关职业工作几年了");
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.runIf(up)("RedisUnansweredLog", () => {
  unansweredContract(() => {
    const stores = open();
    return {
      record: async (e) => (await stores).unanswered.record(e),
      recent: async (limit) => (await stores).unanswered.recent(limit),
      groups: async (q) => (await stores).unanswered.groups(q),
      markHandled: async (ids) => (await stores).unanswered.markHandled(ids),
    };
  });

  it("should keep only the newest entries and forget their handled marks", async () => {
    const stores = await open(60_000, 3);
    for (let i = 1; i <= 3; i++) await stores.unanswered.record(entry(`q${i}`, i));
    const first = await stores.unanswered.recent(3);
    await stores.unanswered.markHandled(first.map((e) => e.id));
    for (let i = 4; i <= 7; i++) await stores.unanswered.record(entry(`q${i}`, i));
    const recent = await stores.unanswered.recent(10);
    expect(recent.map((e) => e.text)).toEqual(["q7", "q6", "q5"]);
    expect(recent.some((e) => e.handled)).toBe(false);
    expect(await stores.redis.zcard(stores.unanswered.handledKey)).toBe(0);
  });
});

describe.runIf(up)("RedisUnansweredLog retention (UNANSWERED_RETENTION_DAYS)", () => {
  it("drops entries and groups older than the period as new ones are written", async () => {
    const stores = await connectRedis({ url: URL, ttlMs: 60_000, prefix: `${PREFIX}${++n}:`, unansweredRetentionMs: 30 * 86_400_000 });
    opened.push(stores);
    await stores.unanswered.record(entry("证书怎么领", -31 * 86_400_000 - 60_000));
    await stores.unanswered.record(entry("今天天气怎么样", 0));
    expect((await stores.unanswered.recent(10)).map((e) => e.text)).toEqual(["今天天气怎么样"]);
    const page = await stores.unanswered.groups({ page: 1, limit: 10, all: true });
    expect(page.groups.map((g) => g.text)).toEqual(["今天天气怎么样"]);
    expect(page.total).toBe(1);
    expect(await stores.redis.hlen(stores.unanswered.groupKeys.groups)).toBe(1);
  });
});
