/**
 * One conversation's turns across instances (SESSION_STORE=redis): a lock per conversation with a fencing token.
 * Each "instance" here is its own Redis connection and store, as separate processes would have.
 */
import { afterAll, describe, expect, it } from "vitest";
import { connectRedis, type RedisStores } from "../../src/store/redis.js";
import { LockTimeoutError, StaleLockError, type Session } from "../../src/engine/session.js";
import { makeEngine, say } from "../helpers.js";
import { deleteKeys, REDIS_URL, redisReachable, uniquePrefix } from "./redis-env.js";

const up = await redisReachable();
const PREFIX = uniquePrefix("lock");
const opened: RedisStores[] = [];

/** A store as one instance has it; instances of the same `group` share conversations. */
async function instance(group: string, options: { lockTtlMs?: number; lockWaitMs?: number; ttlMs?: number } = {}) {
  const stores = await connectRedis({ url: REDIS_URL, ttlMs: options.ttlMs ?? 60_000, prefix: `${PREFIX}${group}:`, ...options });
  opened.push(stores);
  return stores;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  if (!up) return;
  for (const s of opened) await s.close();
  await deleteKeys(PREFIX);
});

describe.runIf(up)("a conversation's lock in Redis", () => {
  it("should serialise read-modify-write turns of one user across instances: no update lost", async () => {
    const a = await instance("rmw");
    const b = await instance("rmw");
    // 16 turns at once, alternately on each instance; each reads the session, waits, and writes it with one more level.
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => {
        const store = (i % 2 ? a : b).sessions;
        return store.withUserLock("u", async (lock) => {
          const s: Session = (await store.get("u", lock)) ?? { v: 1, updatedAt: 0 };
          await sleep(2);
          await store.set("u", { ...s, levels: [...(s.levels ?? []), i] }, lock);
        });
      }),
    );
    const final = await a.sessions.get("u");
    expect([...final!.levels!].sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // Every lock was released with its write.
    expect(await a.redis.exists(a.sessions.lockKey("u"))).toBe(0);
  });

  it("should refuse the write of a holder whose lock expired once another turn took it (fencing), and keep the newer session", async () => {
    const a = await instance("fence", { lockTtlMs: 100 });
    const b = await instance("fence", { lockTtlMs: 5_000 });
    let bInside!: () => void;
    const bHolds = new Promise<void>((r) => (bInside = r));
    let releaseB!: () => void;
    const bMayWrite = new Promise<void>((r) => (releaseB = r));

    const slow = a.sessions.withUserLock("u", async (lock) => {
      await a.sessions.get("u", lock);
      await sleep(250); // a long pause (GC, a stalled host): the lock expires meanwhile
      await bHolds; // and another instance takes it
      await a.sessions.set("u", { v: 1, occupation: "电子商务师", updatedAt: 1 }, lock);
    });
    await sleep(150);
    const fast = b.sessions.withUserLock("u", async (lock) => {
      bInside();
      await bMayWrite;
      await b.sessions.set("u", { v: 1, occupation: "供应链管理师", updatedAt: 2 }, lock);
      return lock.fence;
    });

    await expect(slow).rejects.toBeInstanceOf(StaleLockError);
    // The late holder's end did not release the lock another turn now holds.
    expect(await b.redis.exists(b.sessions.lockKey("u"))).toBe(1);
    releaseB();
    const fence = await fast;
    expect(fence).toBeGreaterThan(1);
    expect((await a.sessions.get("u"))?.occupation).toBe("供应链管理师");
  });

  it("should wait a bounded time for a held lock, then give up without running the turn", async () => {
    const a = await instance("busy");
    const b = await instance("busy", { lockWaitMs: 150 });
    let release!: () => void;
    const holding = a.sessions.withUserLock("u", () => new Promise<void>((r) => (release = r)));
    await sleep(20);
    let ran = false;
    await expect(b.sessions.withUserLock("u", async () => void (ran = true))).rejects.toBeInstanceOf(LockTimeoutError);
    expect(ran).toBe(false);
    release();
    await holding;
    // Free again: the next turn gets it at once.
    expect(await b.sessions.withUserLock("u", async (lock) => lock.fence)).toBeGreaterThan(0);
  });

  it("should take over the lock of a holder that died, once it expires", async () => {
    const b = await instance("dead", { lockWaitMs: 2_000 });
    // An instance killed while holding the lock: the key stays until its time to live.
    await b.redis.set(b.sessions.lockKey("u"), "7", "PX", 200);
    await b.redis.set(b.sessions.fenceKey("u"), "7");
    const fence = await b.sessions.withUserLock("u", async (lock) => {
      await b.sessions.set("u", { v: 1, level: 3, updatedAt: 3 }, lock);
      return lock.fence;
    });
    expect(fence).toBe(8);
    expect((await b.sessions.get("u"))?.level).toBe(3);
  });

  it("should release the lock when the turn throws, and write nothing", async () => {
    const a = await instance("throw");
    await a.sessions.set("u", { v: 1, level: 4, updatedAt: 1 });
    await expect(
      a.sessions.withUserLock("u", async () => {
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    expect(await a.redis.exists(a.sessions.lockKey("u"))).toBe(0);
    expect((await a.sessions.get("u"))?.level).toBe(4);
  });

  it("should hand the turn the session as it was when the lock was taken", async () => {
    const a = await instance("prefetch");
    await a.sessions.set("u", { v: 1, occupation: "电子商务师", updatedAt: 1 });
    const seen = await a.sessions.withUserLock("u", async (lock) => {
      const s = await a.sessions.get("u", lock);
      await a.sessions.set("u", { ...s!, level: 2 }, lock);
      return s;
    });
    expect(seen?.occupation).toBe("电子商务师");
    expect(await a.sessions.get("u")).toMatchObject({ occupation: "电子商务师", level: 2 });
  });
});

describe.runIf(up)("the engine on a Redis store", () => {
  const logger = { info() {}, error() {} };

  it("should answer the apology and write nothing when the conversation stays locked past the wait", async () => {
    const a = await instance("engine-busy", { lockWaitMs: 100 });
    const engine = makeEngine({ store: a.sessions, unanswered: a.unanswered, logger });
    await a.redis.set(a.sessions.lockKey("user"), "999", "PX", 10_000);
    const r = await engine.turn("user", "资格自测");
    expect(r.status).toBe("error");
    expect(r.replies[0]).toContain("400-007-5676");
    expect(await a.sessions.get("user")).toBeUndefined();
    await a.redis.del(a.sessions.lockKey("user"));
    const [expected] = await say(makeEngine(), "ref-busy", "资格自测");
    expect((await engine.turn("user", "资格自测")).replies.join("\n")).toBe(expected);
    expect((await a.sessions.get("user"))?.dialog).toBeDefined();
  });

  it("should give the same replies as the memory store, turn by turn, with turns alternating between two engines", async () => {
    const dialog = ["资格自测", "1", "四级", "3年", "2", "1", "1", "2", "电子商务", "那多少钱", "三级呢"];
    const expected = await say(makeEngine(), "ref", ...dialog);
    const a = makeEngine({ store: (await instance("engine-alt")).sessions, logger });
    const b = makeEngine({ store: (await instance("engine-alt")).sessions, logger });
    const got: string[] = [];
    for (const [i, text] of dialog.entries()) got.push(...(await say(i % 2 ? b : a, "alt", text)));
    expect(got).toEqual(expected);
  });
});
