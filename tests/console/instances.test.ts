/**
 * The edit layer and the history across a restart (SQLite) and across instances (Redis): an unanswered question,
 * assigned on one instance, is answered by /api/chat on a second instance sharing Redis, without a restart.
 * (The second instance is told over Redis pub/sub, standing in for the knowledge registry's bus, and rebuilds its
 * engine on the layer it reads from Redis.)
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import express from "express";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { getKb } from "../helpers.js";
import { Engine } from "../../src/engine/engine.js";
import { RedisDocs, SqliteDocs } from "../../src/handoff/docs.js";
import { AnswerEdits } from "../../src/console/edits.js";
import { ChangeHistory } from "../../src/console/history.js";
import { consoleRouter } from "../../src/console/router.js";
import { createStores, type Stores } from "../../src/store/index.js";
import { sessionCookie } from "./server.js";
import { redisReachable } from "../store/redis-env.js";

const kb = getKb();
const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const up = await redisReachable(REDIS);
const PREFIX = `test:console-wb:${process.pid}:${Date.now()}:`;
const TOKEN = "instances-token-0123";
const config = { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: "i".repeat(40) };
const WATER = { topic: "考试当天", questions: ["考试要自己准备文具吗"], answer: "理论考试为上机考试，不需要自带文具。" };

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe("across a restart (SQLite)", () => {
  it("keeps the edits and the history", async () => {
    const dir = mkdtempSync(join(tmpdir(), "console-wb-sqlite-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "a.db");
    const db1 = new Database(file);
    const edits1 = new AnswerEdits(new SqliteDocs(db1));
    const v = edits1.validate(kb, "local_water", WATER);
    expect(v.ok).toBe(true);
    const { after } = await edits1.write("local_water", () => (v.ok ? { ...v.value, by: "token" } : undefined));
    await new ChangeHistory(new SqliteDocs(db1)).record({ at: 1, user: "token", userName: "值班人员", action: "create", target: "answer:local_water", before: null, after });
    db1.close();
    const db2 = new Database(file);
    cleanup.push(() => void db2.close());
    const edits2 = new AnswerEdits(new SqliteDocs(db2));
    await edits2.refresh();
    expect(edits2.list().map((e) => e.id)).toEqual(["local_water"]);
    expect((await new Engine(edits2.apply(kb)).turn("u", "考试要自己准备文具吗", "web")).intent).toBe("local_water");
    expect((await new ChangeHistory(new SqliteDocs(db2)).recent()).map((h) => h.action)).toEqual(["create"]);
  });
});

interface Instance {
  url: string;
  engine: () => Engine;
}

describe.skipIf(!up)("across instances (Redis)", () => {
  async function instance(stores: Stores, redis: Redis, sub: Redis): Promise<Instance> {
    const edits = new AnswerEdits(new RedisDocs(redis, `${PREFIX}docs:`));
    await edits.refresh();
    const build = () => new Engine(edits.apply(kb), { store: stores.sessions, unanswered: stores.unanswered });
    let answering = build();
    const reload = async () => {
      await edits.refresh();
      answering = build();
    };
    const channel = `${PREFIX}republish`;
    await sub.subscribe(channel);
    sub.on("message", (c) => {
      if (c === channel) void reload();
    });
    const app = express();
    app.use(
      "/console",
      consoleRouter({
        engine: answering,
        kb,
        config,
        shared: stores.shared,
        docs: new RedisDocs(redis, `${PREFIX}docs:`),
        edits,
        current: () => answering,
        // This instance rebuilds at once; every other instance is told over the bus.
        republish: async () => {
          await reload();
          await redis.publish(channel, "answers");
        },
      }),
    );
    app.post("/api/chat", express.json(), async (req, res) => {
      const r = await answering.turn(String(req.body.userId), String(req.body.text), "web");
      res.json({ replies: r.replies, status: r.status, intent: r.intent });
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    cleanup.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, engine: () => answering };
  }

  it("a question assigned on one instance is answered by /api/chat on the other, without a restart", async () => {
    const open = async () => {
      const stores = await createStores({ SESSION_STORE: "redis", SESSION_TTL_MINUTES: 60, DATA_DIR: "./unused", REDIS_URL: REDIS }, { redisPrefix: PREFIX });
      const redis = new Redis(REDIS, { maxRetriesPerRequest: 1 });
      const sub = new Redis(REDIS, { maxRetriesPerRequest: 1 });
      cleanup.push(async () => {
        sub.disconnect();
        redis.disconnect();
        await stores.close();
      });
      return instance(stores, redis, sub);
    };
    cleanup.push(async () => {
      const r = new Redis(REDIS);
      const keys = await r.keys(`${PREFIX}*`);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    });
    const a = await open();
    const b = await open();
    const chat = async (i: Instance, userId: string, text: string) =>
      (await fetch(`${i.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId, text }) })).json() as Promise<{
        replies: string[];
        status: string;
        intent: string;
      }>;
    // A candidate asks on instance B: the bot cannot answer; the question is in the shared unanswered log.
    expect((await chat(b, "cand-1", "可以带计算器吗")).status).toBe("fallback");
    // An admin on instance A sees it (the log is written just after the reply), creates an answer and assigns it.
    const login = await fetch(`${a.url}/console/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: TOKEN }) });
    const cookie = sessionCookie(login)!;
    const groups = async () => ((await (await fetch(`${a.url}/console/api/unanswered`, { headers: { cookie } })).json()) as { groups: unknown[] }).groups.length;
    for (let i = 0; i < 50 && (await groups()) === 0; i++) await new Promise((x) => setTimeout(x, 50));
    const post = (path: string, body: unknown) => fetch(`${a.url}${path}`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify(body) });
    const created = await post("/console/api/answers", WATER);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const assigned = await post("/console/api/unanswered/assign", { text: "可以带计算器吗", answerId: id });
    expect(assigned.status).toBe(200);
    expect(((await assigned.json()) as { added: string[] }).added).toEqual(["可以带计算器吗"]);
    // Instance B answers it (no restart), once the bus message has arrived: a bounded wait.
    let r = await chat(b, "cand-2", "可以带计算器吗");
    for (let i = 0; i < 50 && r.intent !== id; i++) {
      await new Promise((x) => setTimeout(x, 100));
      r = await chat(b, `cand-2-${i}`, "可以带计算器吗");
    }
    expect(r.intent).toBe(id);
    expect(r.replies[0]).toContain("不需要自带文具");
    // The history is shared too.
    const history = await fetch(`${b.url}/console/api/history`, { headers: { cookie } });
    expect(((await history.json()) as { items: { action: string }[] }).items.map((x) => x.action)).toEqual(["assign", "create"]);
  });
});
