/**
 * Two instances on one Redis (issue 15): a candidate's conversation on one, a staff member on the other. The staff
 * member's stream hears the conversation queued on the first instance, the staff reply sent on the second reaches the
 * candidate's push stream on the first, and the candidate's message is held for staff on either.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createApp } from "../../src/app.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter, COOKIE as CONSOLE_COOKIE } from "../../src/console/router.js";
import { createStores, type Stores } from "../../src/store/index.js";
import { createHandoff } from "../../src/handoff/setup.js";
import type { HandoffBridge } from "../../src/handoff/bridge.js";
import { listen, postJson, type Running } from "../server/listen.js";
import { redisReachable } from "../store/redis-env.js";

const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const up = await redisReachable(REDIS);
const PREFIX = `test:handoff-bridge:${process.pid}:${Date.now()}:`;
const KEY = "integrator-secret-0123456789";
const STAFF = "staff-token-0123456789";
const open: { api: Running; stores: Stores; bridge: HandoffBridge }[] = [];

afterAll(async () => {
  for (const o of open) {
    await o.api.close();
    await o.bridge.close();
    await o.stores.close?.();
  }
  if (!up) return;
  const r = new Redis(REDIS);
  const keys = await r.keys(`${PREFIX}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

async function instance() {
  const stores = await createStores({ SESSION_STORE: "redis", SESSION_TTL_MINUTES: 60, DATA_DIR: "/nonexistent", REDIS_URL: REDIS }, { redisPrefix: PREFIX });
  const handoff = createHandoff(stores.docs, { HANDOFF_HOURS: "00:00-24:00", HANDOFF_DAYS: undefined, HANDOFF_RETENTION_DAYS: 90 });
  const bridge = (await stores.handoffBridge!(handoff.queue))!;
  const { engine, kb } = createApp({ engine: { store: stores.sessions, handoff } });
  const api = await listen(createHttpApp({
    kb, engine, handoff,
    config: { RATE_LIMIT_PER_MINUTE: 1000, CHAT_SECRET: "s".repeat(40), API_KEYS: [{ name: "crm", secret: KEY }] },
    mount: (app) => app.use("/console", consoleRouter({ engine, config: { CONSOLE_TOKEN: STAFF, CONSOLE_SECRET: "c".repeat(40) }, docs: stores.docs, handoff })),
  }));
  open.push({ api, stores, bridge });
  return api;
}

/** Reads a server-sent event stream into a list. */
async function events(url: string, headers: Record<string, string>) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const got: { event: string; data: any }[] = [];
  let buf = "";
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += new TextDecoder().decode(value);
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (ev && data) got.push({ event: ev, data: JSON.parse(data) });
      }
    }
  })();
  return { got, close: async () => { ac.abort(); await pump; } };
}
const until = async (f: () => boolean | Promise<boolean>) => {
  for (let n = 0; n < 150; n++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("condition not reached");
};

describe.skipIf(!up)("two instances on one Redis", () => {
  it("staff on one instance, the candidate on the other: queued, taken, replied, held, live both ways", async () => {
    const a = await instance();
    const b = await instance();
    const login = await postJson(`${b.url}/console/api/login`, { password: STAFF });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${CONSOLE_COOKIE}=`))!.split(";")[0];
    const staffTab = await events(`${b.url}/console/api/handoffs/stream`, { cookie });
    await until(() => staffTab.got.length > 0);

    const bearer = { authorization: `Bearer ${KEY}` };
    const asked = await postJson(`${a.url}/api/chat`, { userId: "x1", text: "转人工" }, bearer);
    expect(asked.json.replies[0]).toContain("第 1 位");
    await until(() => staffTab.got.some((e) => e.event === "handoff" && e.data.status === "waiting"));
    const id = staffTab.got.find((e) => e.event === "handoff")!.data.id;

    const page = await events(`${a.url}/api/chat/stream?userId=x1`, bearer);
    expect((await postJson(`${b.url}/console/api/handoffs/${id}/take`, {}, { cookie })).status).toBe(200);
    expect((await postJson(`${b.url}/console/api/handoffs/${id}/messages`, { text: "您好" }, { cookie })).status).toBe(201);
    await until(() => page.got.some((e) => e.data.text === "您好"));

    const held = await postJson(`${a.url}/api/chat`, { userId: "x1", text: "我想改级别" }, bearer);
    expect(held.json).toMatchObject({ replies: [], status: "with_staff" });
    await until(() => staffTab.got.some((e) => e.event === "message" && e.data.text === "我想改级别"));
    await page.close();
    await staffTab.close();
  });
});
