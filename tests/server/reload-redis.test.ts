/**
 * Several instances on one Redis (SESSION_STORE=redis) all switch: a publish on one instance is sent on the Redis
 * channel `<prefix>knowledge` and every other instance reloads the folders it names. Two servers on 127.0.0.1, one
 * Redis (127.0.0.1:6379, REDIS_URL overrides), a key and channel prefix of this run only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createApp, type App } from "../../src/app.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter } from "../../src/console/router.js";
import { connectRedis, safeUrl, type RedisStores } from "../../src/store/redis.js";
import { cleanNotices, edit, makeNotice } from "../knowledge/notice-fixture.js";
import { listen, postJson, type Running } from "./listen.js";
import { redisReachable } from "../store/redis-env.js";

const URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test:reload:${process.pid}:${Date.now()}:`;
const TOKEN = "reload-redis-token-0123";

const up = await redisReachable(URL);
if (!up) console.warn(`[tests/server/reload-redis] 跳过：${safeUrl(URL)} 上没有 redis-server`);

interface Instance {
  app: App;
  stores: RedisStores;
  run: Running;
  cookie: string;
}

const dir = makeNotice(2024);
const instances: Instance[] = [];

async function start(): Promise<Instance> {
  const stores = await connectRedis({ url: URL, ttlMs: 60_000, prefix: PREFIX });
  const app = createApp({ source: { dir }, engine: { store: stores.sessions, unanswered: stores.unanswered } });
  app.registry.bus = await stores.knowledgeBus((dirs) => void app.registry.onRemote(dirs));
  const run = await listen(
    createHttpApp({
      kb: app.kb,
      engine: app.engine,
      config: { RATE_LIMIT_PER_MINUTE: 10_000 },
      mount: (a) => a.use("/console", consoleRouter({ engine: app.engine, registry: app.registry, config: { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: "x".repeat(40) } })),
    }),
  );
  const login = await postJson(`${run.url}/console/api/login`, { password: TOKEN });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith("console_session="))!.split(";")[0];
  const i = { app, stores, run, cookie };
  instances.push(i);
  return i;
}

async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ask = async (i: Instance, text: string, userId = `r-${Math.random()}`) =>
  ((await postJson(`${i.run.url}/api/chat`, { userId, text })).json.replies as string[]).join("\n");
const year = async (i: Instance) => ((await (await fetch(`${i.run.url}/healthz`)).json()) as { notice: { year: number } }).notice.year;

describe.runIf(up)("several instances on Redis", () => {
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    a = await start();
    b = await start();
  });
  afterAll(async () => {
    for (const i of instances) {
      await i.run.close();
      await i.stores.close();
    }
    const redis = new Redis(URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    cleanNotices();
  });

  it("a folder refused on one instance is not sent to the others", async () => {
    const broken = makeNotice(2025);
    edit(broken, "plan.yaml", "months: [3, 5, 8, 10, 11] }", "months: [0] }");
    const r = await postJson(`${a.run.url}/console/api/knowledge/reload`, { dir: broken }, { cookie: a.cookie });
    expect(r.status).toBe(422);
    await new Promise((res) => setTimeout(res, 300));
    expect(await year(b)).toBe(2024);
  });

  it("a publish on one instance switches the other, and a conversation goes on across them", async () => {
    const user = "shared-user";
    expect(await ask(a, "2025年电子商务师四级几月考", user)).toMatch(/没有2025年/);
    const k2025 = makeNotice(2025, { ecommerceMonths: [5, 7] });
    const r = await postJson(`${a.run.url}/console/api/knowledge/reload`, { dir: k2025 }, { cookie: a.cookie });
    expect(r.status).toBe(200);
    expect(r.json.instancesNotified).toBeGreaterThanOrEqual(1);
    expect(await year(a)).toBe(2025);
    await until(async () => (await year(b)) === 2025, 10_000, "the second instance to switch");
    expect(await ask(b, "电子商务师四级几月考")).toMatch(/2025年计划.*5月、7月/);
    expect(await ask(b, "2024年电子商务师四级几月考")).toMatch(/2024年计划.*3月、5月、8月、10月、11月/);
    // The same conversation (one session in Redis) continues on the other instance.
    expect(await ask(b, "那三级呢", user)).toMatch(/三级/);
  });

  it("a reload of the folders in use on one instance (SIGHUP, or the route without a folder) reloads them on the other", async () => {
    edit(dir, "plan.yaml", "months: [3, 5, 8, 10, 11] }", "months: [4, 6] }");
    const r = await postJson(`${b.run.url}/console/api/knowledge/reload`, {}, { cookie: b.cookie });
    expect(r.status).toBe(200);
    await until(async () => /2024年计划.*4月、6月(?!、)/.test(await ask(a, "2024年电子商务师四级几月考")), 10_000, "the first instance to reload");
    expect(await year(a)).toBe(2025);
  });
});
