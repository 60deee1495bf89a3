/**
 * The short-lived shared keys (login lockouts, revoked console sessions, 公众号 nonces) in each store: the same
 * behaviour in memory, in SQLite (kept across a restart) and in Redis (shared by two connections, as two instances).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { MemorySharedKeys, type SharedKeys } from "../../src/store/shared-keys.js";
import { SqliteDb } from "../../src/store/sqlite.js";
import { connectRedis, type RedisStores } from "../../src/store/redis.js";
import { redisReachable } from "./redis-env.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test:shared:${process.pid}:${Date.now()}:`;

/** Behaviour every backend shares; `fresh` gives an empty store on a clock the test moves with `advance`. */
function contract(name: string, fresh: () => Promise<{ keys: SharedKeys; advance(ms: number): Promise<void>; now(): number }>) {
  describe(name, () => {
    it("counts hits in a window that starts with the first and ends windowMs later; then counts from 1 again", async () => {
      const { keys, advance, now } = await fresh();
      const before = now();
      const a = await keys.incrWindow("fail:1.2.3.4", 400);
      expect(a.count).toBe(1);
      expect(a.resetAt).toBeGreaterThanOrEqual(before + 350);
      expect(a.resetAt).toBeLessThanOrEqual(now() + 400);
      expect((await keys.incrWindow("fail:1.2.3.4", 400)).count).toBe(2);
      const third = await keys.incrWindow("fail:1.2.3.4", 400);
      expect(third.count).toBe(3);
      // The window is not extended by later hits (Redis computes it from its time to live: within a few ms).
      expect(Math.abs(third.resetAt - a.resetAt)).toBeLessThan(50);
      expect((await keys.peekWindow("fail:1.2.3.4")).count).toBe(3);
      expect((await keys.incrWindow("fail:5.6.7.8", 400)).count).toBe(1);
      await advance(600);
      expect((await keys.peekWindow("fail:1.2.3.4")).count).toBe(0);
      expect((await keys.incrWindow("fail:1.2.3.4", 400)).count).toBe(1);
    });

    it("counts 200 hits sent at once exactly (atomic)", async () => {
      const { keys } = await fresh();
      const counts = await Promise.all(Array.from({ length: 200 }, () => keys.incrWindow("burst", 60_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it("keeps a flag for its time to live; delete forgets it", async () => {
      const { keys, advance } = await fresh();
      expect(await keys.hasFlag("revoked:abc")).toBe(false);
      await keys.setFlag("revoked:abc", 400);
      await keys.setFlag("revoked:def", 60_000);
      expect(await keys.hasFlag("revoked:abc")).toBe(true);
      await advance(600);
      expect(await keys.hasFlag("revoked:abc")).toBe(false);
      expect(await keys.hasFlag("revoked:def")).toBe(true);
      await keys.delete("revoked:def");
      expect(await keys.hasFlag("revoked:def")).toBe(false);
    });

    it("first writer wins: putIfAbsent returns the value present, of any writer sent at once", async () => {
      const { keys, advance } = await fresh();
      expect(await keys.putIfAbsent("nonce:1:2", "body-a", 400)).toBeUndefined();
      expect(await keys.putIfAbsent("nonce:1:2", "body-b", 400)).toBe("body-a");
      expect(await keys.get("nonce:1:2")).toBe("body-a");
      expect(await keys.get("nonce:none")).toBeUndefined();
      const racing = await Promise.all(["x", "y", "z", "w"].map((v) => keys.putIfAbsent("nonce:race", v, 60_000)));
      expect(racing.filter((r) => r === undefined)).toHaveLength(1);
      const winner = ["x", "y", "z", "w"][racing.indexOf(undefined)];
      expect(racing.filter((r) => r !== undefined).every((r) => r === winner)).toBe(true);
      await advance(600);
      expect(await keys.get("nonce:1:2")).toBeUndefined();
      expect(await keys.putIfAbsent("nonce:1:2", "body-c", 400)).toBeUndefined();
    });

    it("keeps keys with odd characters apart and refuses an over-long key", async () => {
      const { keys } = await fresh();
      for (const k of ["a:b", "a'b\"c", "😀 \n", "%_*?[]", "长".repeat(100)]) await keys.setFlag(k, 60_000);
      expect(await keys.hasFlag("a:b")).toBe(true);
      expect(await keys.hasFlag("a:c")).toBe(false);
      expect(await keys.hasFlag("%_*?[]")).toBe(true);
      expect(await keys.hasFlag("%")).toBe(false);
      await expect(keys.setFlag("k".repeat(10_000), 1_000)).rejects.toThrow(RangeError);
    });
  });
}

// === Memory

contract("memory", async () => {
  let t = 1_000_000;
  return { keys: new MemorySharedKeys({ now: () => t }), advance: async (ms) => void (t += ms), now: () => t };
});

describe("memory bounds", () => {
  it("holds at most maxKeys keys and maxBytes, dropping expired and then the oldest", async () => {
    const keys = new MemorySharedKeys({ maxKeys: 100, maxBytes: 1e9 });
    for (let i = 0; i < 1_000; i++) await keys.setFlag(`k${i}`, 60_000);
    expect(keys.size).toBeLessThanOrEqual(100);
    expect(keys.size).toBeGreaterThanOrEqual(90);
    expect(await keys.hasFlag("k999")).toBe(true);
    expect(await keys.hasFlag("k0")).toBe(false);
    // Counters go before flags: attempts from ever new addresses do not push out a revocation.
    const mixed = new MemorySharedKeys({ maxKeys: 100 });
    await mixed.setFlag("revoked:old", 60_000);
    for (let i = 0; i < 1_000; i++) await mixed.incrWindow(`attempts:${i}`, 60_000);
    expect(await mixed.hasFlag("revoked:old")).toBe(true);
    expect(mixed.size).toBeLessThanOrEqual(100);
    const small = new MemorySharedKeys({ maxBytes: 64 * 1024 });
    for (let i = 0; i < 1_000; i++) await small.putIfAbsent(`n${i}`, "v".repeat(1_000), 60_000);
    expect(small.size).toBeLessThan(40);
    expect(await small.putIfAbsent("n999", "w", 1)).toBe("v".repeat(1_000));
  });
});

// === SQLite

let dir: string;
const dbs: SqliteDb[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "shared-keys-"));
});
afterAll(async () => {
  for (const db of dbs) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

let sqliteN = 0;
contract("sqlite", async () => {
  let t = 1_000_000;
  const db = new SqliteDb({ dir: join(dir, `c${++sqliteN}`), ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0, now: () => t });
  dbs.push(db);
  return { keys: db.shared, advance: async (ms) => void (t += ms), now: () => t };
});

describe("sqlite across a restart", () => {
  it("keeps counts and flags in the file: a new SqliteDb over it sees them", async () => {
    const at = join(dir, "restart");
    const first = new SqliteDb({ dir: at, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
    await first.shared.setFlag("revoked:s1", 60_000);
    for (let i = 0; i < 4; i++) await first.shared.incrWindow("fail:10.0.0.1", 60_000);
    await first.close();
    const second = new SqliteDb({ dir: at, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
    dbs.push(second);
    expect(await second.shared.hasFlag("revoked:s1")).toBe(true);
    expect((await second.shared.incrWindow("fail:10.0.0.1", 60_000)).count).toBe(5);
  });

  it("deletes expired keys as it writes, so the table holds only live ones", async () => {
    let t = 5_000_000;
    const db = new SqliteDb({ dir: join(dir, "purge"), ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0, now: () => t });
    dbs.push(db);
    for (let i = 0; i < 2_000; i++) await db.shared.putIfAbsent(`nonce:${i}`, "x", 100);
    t += 1_000;
    for (let i = 0; i < 600; i++) await db.shared.setFlag(`live:${i}`, 60_000);
    const rows = (db.db.prepare("SELECT count(*) AS n FROM shared_keys").get() as { n: number }).n;
    expect(rows).toBeLessThan(2_000);
  });
});

// === Redis (skipped without a redis-server, as tests/store/redis.test.ts)

const up = await redisReachable(REDIS_URL);
if (!up && process.env.REQUIRE_REDIS !== "1") console.warn(`[tests/store/shared-keys] 跳过 Redis：${REDIS_URL} 上没有 redis-server`);

const opened: RedisStores[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
  if (!up) return;
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  for (let i = 0; i < 1_000; i++) {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
    if (cursor === "0") break;
  }
  await redis.quit();
});

describe.runIf(up || process.env.REQUIRE_REDIS === "1")("redis", () => {
  let redisN = 0;
  contract("redis", async () => {
    const stores = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix: `${PREFIX}${++redisN}:` });
    opened.push(stores);
    // Redis expires keys by its own clock: the test waits.
    return { keys: stores.shared, advance: (ms) => new Promise((r) => setTimeout(r, ms)), now: Date.now };
  });

  it("two connections with one prefix (two instances) see each other's keys; another prefix does not", async () => {
    const a = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix: `${PREFIX}pair:` });
    const b = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix: `${PREFIX}pair:` });
    const c = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix: `${PREFIX}other:` });
    opened.push(a, b, c);
    await a.shared.setFlag("revoked:x", 60_000);
    expect(await b.shared.hasFlag("revoked:x")).toBe(true);
    expect(await c.shared.hasFlag("revoked:x")).toBe(false);
    await a.shared.incrWindow("fail:y", 60_000);
    expect((await b.shared.incrWindow("fail:y", 60_000)).count).toBe(2);
    expect(await b.shared.putIfAbsent("nonce:z", "1", 60_000)).toBeUndefined();
    expect(await a.shared.putIfAbsent("nonce:z", "2", 60_000)).toBe("1");
    const pttl = await a.redis.pttl(`${PREFIX}pair:shared:nonce:z`);
    expect(pttl).toBeGreaterThan(50_000);
  });
});
