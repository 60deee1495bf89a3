/**
 * Logouts and login attempts are kept with the sessions: a logged-out cookie stays refused after a restart (SQLite)
 * and on another instance (two servers on one Redis), and attempts are counted across both.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { makeEngine } from "../helpers.js";
import { consoleRouter } from "../../src/console/router.js";
import { createStores, type Stores } from "../../src/store/index.js";
import { sessionCookie } from "./server.js";
import { redisReachable } from "../store/redis-env.js";

const engine = makeEngine();
const TOKEN = "revocation-test-token-42";
const SECRET = "q".repeat(40);
const config = { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: SECRET };

interface Instance {
  url: string;
  stores: Stores;
  close(): Promise<void>;
}

/** A console over the given stores, as `npm start` mounts it. */
async function instance(stores: Stores): Promise<Instance> {
  const app = express();
  app.use("/console", consoleRouter({ engine, config, shared: stores.shared }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stores,
    close: async () => {
      await new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
      await stores.close();
    },
  };
}

const login = (i: Instance, password = TOKEN) =>
  fetch(`${i.url}/console/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password }) });
const me = async (i: Instance, cookie: string) => (await fetch(`${i.url}/console/api/me`, { headers: { cookie } })).status;
const logout = (i: Instance, cookie: string) => fetch(`${i.url}/console/api/logout`, { method: "POST", headers: { cookie } });

async function loggedIn(i: Instance): Promise<string> {
  const res = await login(i);
  expect(res.status).toBe(200);
  return sessionCookie(res)!;
}

describe("SQLite: across a restart", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "console-revoke-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const open = async () => instance(await createStores({ SESSION_STORE: "sqlite", SESSION_TTL_MINUTES: 60, DATA_DIR: dir, REDIS_URL: undefined }));

  it("a logged-out cookie is refused after a restart; one still logged in keeps working", async () => {
    const first = await open();
    const out = await loggedIn(first);
    const kept = await loggedIn(first);
    expect((await logout(first, out)).status).toBe(200);
    expect(await me(first, out)).toBe(401);
    await first.close();

    const second = await open();
    try {
      expect(await me(second, out)).toBe(401);
      expect(await me(second, kept)).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("failed attempts are still counted after a restart", async () => {
    const first = await open();
    for (let i = 0; i < 6; i++) expect((await login(first, `wrong-${i}-xxxxxxxxxx`)).status).toBe(401);
    await first.close();
    const second = await open();
    try {
      for (let i = 0; i < 4; i++) expect((await login(second, `wrong-again-${i}-xxxxxxxxxx`)).status).toBe(401);
      expect((await login(second)).status).toBe(429);
    } finally {
      await second.close();
    }
  });
});

// === Two instances on one Redis (skipped without a redis-server, as tests/store/redis.test.ts)

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test:console:${process.pid}:${Date.now()}:`;
const up = await redisReachable(REDIS_URL);
if (!up && process.env.REQUIRE_REDIS !== "1") console.warn(`[tests/console/revocation] 跳过 Redis：${REDIS_URL} 上没有 redis-server`);

describe.runIf(up || process.env.REQUIRE_REDIS === "1")("Redis: two instances", () => {
  let a: Instance;
  let b: Instance;
  let n = 0;
  const pair = async () => {
    const prefix = `${PREFIX}${++n}:`;
    const open = async () =>
      instance(await createStores({ SESSION_STORE: "redis", SESSION_TTL_MINUTES: 60, DATA_DIR: "./unused", REDIS_URL }, { redisPrefix: prefix }));
    a = await open();
    b = await open();
  };
  afterAll(async () => {
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

  it("a cookie logged out on one instance is refused on the other", async () => {
    await pair();
    try {
      const cookie = await loggedIn(a);
      expect(await me(b, cookie)).toBe(200);
      expect((await logout(a, cookie)).status).toBe(200);
      expect(await me(b, cookie)).toBe(401);
      expect(await me(a, cookie)).toBe(401);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("attempts are counted across both: 5 wrong on each, and the next one on either is refused", async () => {
    await pair();
    try {
      for (let i = 0; i < 5; i++) {
        expect((await login(a, `wrong-a-${i}-xxxxxxxxxx`)).status).toBe(401);
        expect((await login(b, `wrong-b-${i}-xxxxxxxxxx`)).status).toBe(401);
      }
      expect((await login(a)).status).toBe(429);
      expect((await login(b)).status).toBe(429);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
