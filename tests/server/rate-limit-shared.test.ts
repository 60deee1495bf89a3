/**
 * Rate limits shared by several instances (SESSION_STORE=redis): a client gets the same limit whichever instance it
 * reaches, and a Redis failure falls back to each instance's own count instead of failing the request.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Request, Response } from "express";
import { createHttpApp } from "../../src/server/http.js";

const KEY = "rate-limit-test-key-0123456789";
const AUTH = { authorization: `Bearer ${KEY}` };
import { rateLimit, type SharedWindowCounter } from "../../src/server/rate-limit.js";
import { connectRedis, type RedisStores } from "../../src/store/redis.js";
import { getKb, makeEngine } from "../helpers.js";
import { deleteKeys, REDIS_URL, redisReachable, uniquePrefix } from "../store/redis-env.js";
import { listen, postJson, type Running } from "./listen.js";

/** Runs the middleware once for `key`; resolves with whether it passed or the Retry-After it answered with. */
function runner(shared: SharedWindowCounter, limit: number) {
  let done: (r: { passed: boolean; retryAfter?: number }) => void = () => {};
  const mw = rateLimit({
    windowMs: 60_000,
    limit,
    key: (req) => req.ip!,
    shared,
    onLimited: (_req, _res, seconds) => done({ passed: false, retryAfter: seconds }),
  });
  return (key: string) =>
    new Promise<{ passed: boolean; retryAfter?: number }>((resolve) => {
      done = resolve;
      mw({ ip: key } as Request, { setHeader() {} } as unknown as Response, () => resolve({ passed: true }));
    });
}

describe("rateLimit with a shared counter", () => {
  it("counts in the shared counter and limits past it", async () => {
    const counts = new Map<string, number>();
    const shared: SharedWindowCounter = {
      hit: async (key) => {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return { hits: counts.get(key)!, resetAt: Date.now() + 29_500 };
      },
    };
    const call = runner(shared, 2);
    expect((await call("a")).passed).toBe(true);
    expect((await call("a")).passed).toBe(true);
    expect(await call("a")).toEqual({ passed: false, retryAfter: 30 });
    expect((await call("b")).passed).toBe(true);
    expect(counts.get("a")).toBe(3);
  });

  it("falls back to the in-process count when the shared counter fails, and still limits", async () => {
    const shared: SharedWindowCounter = { hit: () => Promise.reject(new Error("Redis away")) };
    const call = runner(shared, 2);
    expect((await call("a")).passed).toBe(true);
    expect((await call("a")).passed).toBe(true);
    expect((await call("a")).passed).toBe(false);
  });
});

const up = await redisReachable();
const PREFIX = uniquePrefix("rates");
const opened: (RedisStores | Running)[] = [];
let group = 0;

afterAll(async () => {
  if (!up) return;
  for (const o of opened) await o.close();
  await deleteKeys(PREFIX);
});

describe.runIf(up)("rate limits across instances on one Redis", () => {
  /** Two instances of the HTTP API on the same Redis (as behind a load balancer). */
  async function twoInstances(perUser: number, perIp: number, windowMs = 60_000) {
    const kb = getKb();
    const runs: Running[] = [];
    // Each test its own prefix: the address (127.0.0.1) is the same in all of them.
    const prefix = `${PREFIX}${++group}:`;
    for (let i = 0; i < 2; i++) {
      const stores = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix });
      opened.push(stores);
      const engine = makeEngine({ store: stores.sessions, unanswered: stores.unanswered });
      const run = await listen(
        createHttpApp({
          kb,
          engine,
          // An API key: a keyed client's userId is its conversation (without one the cookie decides, and a client
          // without cookies is a new conversation each time).
          config: { RATE_LIMIT_PER_MINUTE: perUser, RATE_LIMIT_PER_IP_PER_MINUTE: perIp, API_KEYS: [{ name: "t", secret: KEY }] },
          rateWindowMs: windowMs,
          sharedRates: (name) => stores.rates.forLimit(name),
        }),
      );
      opened.push(run);
      runs.push(run);
    }
    return runs;
  }

  it("limits one user id over both instances together, other users unaffected", async () => {
    const [a, b] = await twoInstances(3, 1_000);
    const user = `flood-${Math.random()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postJson(`${(i % 2 ? b : a).url}/api/chat`, { userId: user, text: "你好" }, AUTH)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await postJson(`${b.url}/api/chat`, { userId: user, text: "你好" }, AUTH);
    expect(limited.json.code).toBe("rate_limited_user");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await postJson(`${a.url}/api/chat`, { userId: `calm-${Math.random()}`, text: "你好" })).status).toBe(200);
  });

  it("limits one address over both instances, with the shared count in the RateLimit header", async () => {
    const [a, b] = await twoInstances(1_000, 4);
    const seen: { status: number; rl: string | null }[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await postJson(`${(i % 2 ? b : a).url}/api/chat`, { userId: `u${i}`, text: "你好" });
      seen.push({ status: r.status, rl: r.headers.get("ratelimit") });
    }
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 429]);
    expect(seen[2].rl).toMatch(/remaining=1\b/);
  });

  it("starts a new shared window when the last one ends", async () => {
    const [a, b] = await twoInstances(1, 1_000, 1_000);
    const user = `w-${Math.random()}`;
    // Start just after a window boundary, so that both requests fall in one window.
    await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1_000) + 5));
    expect((await postJson(`${a.url}/api/chat`, { userId: user, text: "你好" }, AUTH)).status).toBe(200);
    expect((await postJson(`${b.url}/api/chat`, { userId: user, text: "你好" }, AUTH)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1_000) + 5));
    expect((await postJson(`${b.url}/api/chat`, { userId: user, text: "你好" }, AUTH)).status).toBe(200);
  });
});
