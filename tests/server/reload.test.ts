/**
 * Publishing without a restart, over a real socket on 127.0.0.1: POST /console/api/knowledge/reload (console login)
 * refuses a folder that does not validate (422, every problem with its file and path) while the old knowledge keeps
 * answering; reloads a changed folder or switches to another one, after which the chat, the console and /healthz
 * answer from it at once. A dialog in progress and a turn in flight across a publish.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter } from "../../src/console/router.js";
import { MemoryStore, type Session } from "../../src/engine/session.js";
import { loadNotices } from "../../src/knowledge/registry.js";
import { Engine } from "../../src/engine/engine.js";
import { say } from "../helpers.js";
import { cleanNotices, edit, makeNotice } from "../knowledge/notice-fixture.js";
import { listen, postJson, type Running } from "./listen.js";

const TOKEN = "reload-test-token-0123";
const SECRET = "r".repeat(40);
// The folder in use (KNOWLEDGE_DIR): a copy of 2024 that the tests change.
const dir = makeNotice(2024);
let app: App;
let run: Running;
let cookie: string;

beforeAll(async () => {
  app = createApp({ source: { dir } });
  const config = { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: SECRET };
  run = await listen(
    createHttpApp({
      kb: app.kb,
      engine: app.engine,
      config: { RATE_LIMIT_PER_MINUTE: 10_000 },
      mount: (a) => {
        a.use("/console", consoleRouter({ engine: app.engine, registry: app.registry, config }));
        // A console where publishing needs a role this login does not have.
        a.use("/console-ro", consoleRouter({ engine: app.engine, registry: app.registry, config, mayPublish: () => false }));
      },
    }),
  );
  const login = await postJson(`${run.url}/console/api/login`, { password: TOKEN });
  expect(login.status).toBe(200);
  cookie = login.headers.getSetCookie().find((c) => c.startsWith("console_session="))!.split(";")[0];
});

afterAll(async () => {
  await run?.close();
  cleanNotices();
});

const chat = async (text: string, userId = `u-${Math.random()}`) => (await postJson(`${run.url}/api/chat`, { userId, text })).json.replies.join("\n") as string;
const reload = (body: unknown = {}, path = "/console") => postJson(`${run.url}${path}/api/knowledge/reload`, body, { cookie });
const health = async () => (await (await fetch(`${run.url}/healthz`)).json()) as { notice: { year: number; docNumber: string }; notices: { year: number }[] };
const search = async (q: string) => (await (await fetch(`${run.url}/console/api/search?q=${encodeURIComponent(q)}`, { headers: { cookie } })).json()) as { results: { text: string }[] };

describe("POST /console/api/knowledge/reload", () => {
  it("needs a console login, and the permission to publish", async () => {
    expect((await postJson(`${run.url}/console/api/knowledge/reload`, {})).status).toBe(401);
    const login = await postJson(`${run.url}/console-ro/api/login`, { password: TOKEN });
    const ro = login.headers.getSetCookie().find((c) => c.startsWith("console_session="))!.split(";")[0];
    const r = await postJson(`${run.url}/console-ro/api/knowledge/reload`, {}, { cookie: ro });
    expect(r.status).toBe(403);
    expect((await reload({ dir: 5 })).status).toBe(400);
    expect((await reload({ dir: "x", other: 1 })).status).toBe(400);
  });

  it("shows the notice in use on /healthz", async () => {
    expect(await health()).toMatchObject({ notice: { year: 2024, docNumber: "中教培〔2023〕66号" }, notices: [{ year: 2024 }] });
  });

  it("refuses a folder that does not validate, with each problem's file and path, and the old answers are still served", async () => {
    const broken = makeNotice(2025, { ecommerceMonths: [5, 7] });
    edit(broken, "plan.yaml", "{ no: 4, occupation: 电子商务师, level: 1, months: [3, 5, 8, 11] }", "{ no: 4, occupation: 电子商务师, level: 1, months: [3, 13] }");
    edit(broken, "fees.yaml", "total: 240", "total: 250");
    const r = await reload({ dir: broken });
    expect(r.status).toBe(422);
    expect(r.json.error).toMatch(/未切换/);
    const files = r.json.problems.map((p: { file: string; path: string }) => `${p.file} ${p.path}`).join("\n");
    expect(files).toMatch(/plan\.yaml rows\.3\.months\.1/);
    expect(files).toMatch(/fees\.yaml/);
    for (const p of r.json.problems) expect(p).toEqual({ file: expect.any(String), path: expect.any(String), message: expect.any(String) });
    expect(await chat("电子商务师四级几月考")).toMatch(/2024年计划.*3月、5月、8月、10月、11月/);
    expect((await health()).notice.year).toBe(2024);
    // A folder that is not there at all.
    const missing = await reload({ dir: join(broken, "..", "nothing-here") });
    expect(missing.status).toBe(422);
    expect(missing.json.problems[0].file).toMatch(/nothing-here/);
  });

  it("refuses the folder in use once broken, and keeps answering from what it loaded", async () => {
    edit(dir, "fees.yaml", "{ level: 4, theory: 80, skill: 80, review: null, total: 160 }", "{ level: 4, theory: 80, skill: 80, review: null, total: 999 }");
    try {
      const r = await reload();
      expect(r.status).toBe(422);
      expect(r.json.problems[0]).toMatchObject({ path: "tables.0.rows.0.total" });
      expect(r.json.problems[0].file).toMatch(/fees\.yaml$/);
      expect(await chat("电子商务师四级多少钱")).toMatch(/160/);
    } finally {
      edit(dir, "fees.yaml", "total: 999", "total: 160");
    }
  });

  it("switches to the changed folder in use at once: the chat, the console and /healthz", async () => {
    edit(dir, "plan.yaml", "months: [3, 5, 8, 10, 11] }", "months: [4, 6, 9] }");
    edit(dir, "notice.yaml", "docNumber: 中教培〔2023〕66号", "docNumber: 中教培〔2023〕66号（修订）");
    const r = await reload();
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, changed: true, current: { year: 2024, docNumber: "中教培〔2023〕66号（修订）", dir } });
    expect(await chat("电子商务师四级几月考")).toMatch(/4月、6月、9月/);
    expect((await health()).notice.docNumber).toBe("中教培〔2023〕66号（修订）");
    const hits = await search("电子商务师四级几月考");
    expect(hits.results[0].text).toMatch(/4月、6月、9月/);
    const plan = await (await fetch(`${run.url}/console/api/plan`, { headers: { cookie } })).json();
    expect(JSON.stringify(plan)).toMatch(/4月、6月、9月|\[4,6,9\]/);
    // Reloading the same folders again changes nothing.
    expect((await reload()).json.changed).toBe(false);
  });

  it("switches to another folder: a newer notice becomes the current one, the one before stays for its year", async () => {
    const k2025 = makeNotice(2025, { ecommerceMonths: [5, 7], ecommerceFee: 100 });
    const r = await reload({ dir: k2025 });
    expect(r.status).toBe(200);
    expect(r.json.current).toMatchObject({ year: 2025, dir: k2025 });
    expect(r.json.notices.map((n: { year: number }) => n.year)).toEqual([2025, 2024]);
    expect(await health()).toMatchObject({ notice: { year: 2025 }, notices: [{ year: 2025 }, { year: 2024 }] });
    expect(await chat("电子商务师四级几月考")).toMatch(/2025年计划.*5月、7月/);
    expect(await chat("电子商务师四级多少钱")).toMatch(/200/);
    expect(await chat("2024年电子商务师四级几月考")).toMatch(/2024年计划.*4月、6月、9月/);
    expect(await chat("去年电子商务师四级几月考")).toMatch(/2024年计划.*4月、6月、9月/);
    // The web page and the eligibility route answer from the new notice too.
    const elig = await postJson(`${run.url}/api/eligibility`, { occupation: "电子商务师", level: 4, age: 30, yearsInField: 6 });
    expect(elig.json.months).toEqual([5, 7]);
    const status = await (await fetch(`${run.url}/console/api/knowledge`, { headers: { cookie } })).json();
    expect(status).toMatchObject({ current: { year: 2025, dir: k2025 }, notices: [{ year: 2025 }, { year: 2024, dir }] });
    // A plain reload keeps the folder published beside the configured one.
    const again = await reload();
    expect(again.json.current.year).toBe(2025);
  });
});

describe("a conversation across a publish", () => {
  it("a dialog in progress goes on under the notice it started with while that notice is unchanged", async () => {
    const folder = makeNotice(2024);
    const a = createApp({ source: { dir: folder } });
    const u = "dlg-same";
    const [first] = await say(a.engine, u, "我做电商6年了，有四级证书，能报电子商务师三级吗");
    expect(first).toContain("相关职业");
    await a.registry.reload();
    const [second] = await say(a.engine, u, "是");
    expect(second).toContain("取得这张证书后");
    expect(second).not.toMatch(/认定通知已更新/);
  });

  it("a dialog whose notice changed is told so and finishes under the new notice's rules", async () => {
    const folder = makeNotice(2024);
    const a = createApp({ source: { dir: folder } });
    const u = "dlg-changed";
    await say(a.engine, u, "我做电商6年了，有四级证书，能报电子商务师三级吗", "是");
    edit(folder, "plan.yaml", "months: [3, 5, 8, 10, 11] }", "months: [4, 6, 9] }");
    await a.registry.reload();
    const [verdict] = await say(a.engine, u, "4年");
    expect(verdict).toMatch(/认定通知已更新/);
    expect(verdict).toContain("可以报电子商务师三级/高级工");
    expect(verdict).toMatch(/4月、6月、9月/);
    expect(verdict).not.toMatch(/3月、5月、8月、10月、11月/);
    const session = (await a.engine.store.get(u)) as Session;
    expect(session.dialog).toBeUndefined();
  });

  it("a dialog records the notice it runs under", async () => {
    const a = createApp({ source: { dir: makeNotice(2024) } });
    await say(a.engine, "dlg-id", "资格自测");
    const session = (await a.engine.store.get("dlg-id")) as Session;
    expect(session.dialog?.notice).toBe(`2024:${a.engine.kb.hash}`);
  });

  it("a turn in flight finishes on the knowledge it started with; the next turn has the new one", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const store = new MemoryStore();
    const slow = { ...store, get: async (id: string) => (await gate, store.get(id)), set: store.set.bind(store), delete: store.delete.bind(store) };
    const folder = makeNotice(2024);
    const engine = new Engine(loadNotices([folder]), { store: slow, turnTimeoutMs: 60_000 });
    const inFlight = engine.turn("flight", "电子商务师四级几月考");
    edit(folder, "plan.yaml", "months: [3, 5, 8, 10, 11] }", "months: [4, 6, 9] }");
    await engine.publish(loadNotices([folder]));
    release();
    expect((await inFlight).replies.join()).toMatch(/3月、5月、8月、10月、11月/);
    expect((await engine.turn("flight", "电子商务师四级几月考")).replies.join()).toMatch(/4月、6月、9月/);
  });
});

it("a notice folder's hash follows its contents", () => {
  const folder = makeNotice(2024);
  const before = loadNotices([folder]).current.hash;
  writeFileSync(join(folder, "answers.yaml"), `# 注释\n${readFileSync(join(folder, "answers.yaml"), "utf8")}`);
  expect(loadNotices([folder]).current.hash).not.toBe(before);
});
