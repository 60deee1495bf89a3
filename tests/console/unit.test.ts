/** The console's parts without HTTP: password hashes, the users file, sessions, grouping, phone text, search ranking. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { ConsoleAuth, ConsoleAuthError, hashPassword, readUsersFile, verifyPassword } from "../../src/console/auth.js";
import { questionKey } from "../../src/console/unanswered.js";
import { phoneText } from "../../src/console/views.js";
import { ConsoleSearch } from "../../src/console/search.js";
import { MemoryUnansweredLog, type StoredUnanswered } from "../../src/engine/unanswered.js";

const kb = getKb();
const engine = makeEngine();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "console-unit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("password hashes", () => {
  it("scrypt with a random salt: the same password hashes differently and verifies; a wrong one does not", async () => {
    const a = await hashPassword("一二三四五六七八九十");
    const b = await hashPassword("一二三四五六七八九十");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("一二三四五六七八九十", a)).toBe(true);
    expect(await verifyPassword("一二三四五六七八九", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
});

describe("users file", () => {
  it("reads YAML and JSON, and explains what is wrong in Chinese", async () => {
    const hash = await hashPassword("password-123456");
    const yaml = join(dir, "u.yaml");
    writeFileSync(yaml, `users:\n  - { name: wang, hash: "${hash}" }\n`);
    expect(readUsersFile(yaml)).toEqual([{ name: "wang", hash }]);
    const json = join(dir, "u.json");
    writeFileSync(json, JSON.stringify({ users: [{ name: "li", displayName: "李四", hash }] }));
    expect(readUsersFile(json)[0].displayName).toBe("李四");

    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, `users:\n  - { name: wang, hash: plain-text-password }\n  - { name: wang, hash: "${hash}" }\n`);
    expect(() => readUsersFile(bad)).toThrow(ConsoleAuthError);
    expect(() => readUsersFile(bad)).toThrow(/hash-password\.ts/);
    expect(() => readUsersFile(bad)).toThrow(/重复/);
    expect(() => readUsersFile(join(dir, "missing.yaml"))).toThrow(/无法读取/);
    writeFileSync(bad, `users:\n  - { name: wang, hash: "${hash}", password: "x" }\n`);
    expect(() => readUsersFile(bad)).toThrow(ConsoleAuthError);
  });

  it("picks up a user added to the file without a restart; a removed user's session ends", async () => {
    const file = join(dir, "live.yaml");
    const hash = await hashPassword("password-aaaaaa");
    writeFileSync(file, `users:\n  - { name: a, hash: "${hash}" }\n`);
    let t = 1_000_000;
    const auth = new ConsoleAuth({ usersFile: file, secret: "k".repeat(32), sessionMs: 3_600_000, now: () => t });
    const s = await auth.login("a", "password-aaaaaa", "c");
    expect(s).toBeDefined();
    expect(await auth.login("b", "password-bbbbbb", "c")).toBeUndefined();

    writeFileSync(file, `users:\n  - { name: b, hash: "${await hashPassword("password-bbbbbb")}" }\n`);
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    t += 5_000;
    expect(await auth.login("b", "password-bbbbbb", "c")).toBeDefined();
    expect(await auth.verify(auth.sign(s!))).toBeUndefined();
  });
});

describe("hash-password CLI", () => {
  const run = (args: string[], input: string) =>
    spawnSync(process.execPath, [resolve("node_modules/tsx/dist/cli.mjs"), "src/console/hash-password.ts", ...args], { input, encoding: "utf8", timeout: 20_000 });

  it("prints an entry for the users file that logs in with the password read from stdin", { timeout: 30_000 }, async () => {
    const r = run(["zhao", "赵六"], "a-long-password-1\n");
    expect(r.status).toBe(0);
    const file = join(dir, "cli.yaml");
    writeFileSync(file, `users:\n${r.stdout.split("\n").filter((l) => !l.startsWith("#")).join("\n")}`);
    const [user] = readUsersFile(file);
    expect(user).toMatchObject({ name: "zhao", displayName: "赵六" });
    expect(await verifyPassword("a-long-password-1", user.hash)).toBe(true);
    const json = run(["zhao", "--json"], "a-long-password-1\n");
    expect(JSON.parse(json.stdout).name).toBe("zhao");
    const short = run(["zhao"], "short\n");
    expect(short.status).toBe(1);
    expect(short.stderr).toContain("至少");
  });
});

describe("sessions", () => {
  it("a token session survives a new process with the same secret, not a changed token or secret", async () => {
    const opts = { token: "shared-token-123456", secret: "k".repeat(32), sessionMs: 60_000 };
    const a = new ConsoleAuth(opts);
    const cookie = a.sign((await a.login("", opts.token, "c"))!);
    expect((await new ConsoleAuth(opts).verify(cookie))?.sub).toBe("token");
    expect(await new ConsoleAuth({ ...opts, token: "another-token-123456" }).verify(cookie)).toBeUndefined();
    expect(await new ConsoleAuth({ ...opts, secret: "j".repeat(32) }).verify(cookie)).toBeUndefined();
    expect(await new ConsoleAuth({ ...opts, secret: undefined }).verify(cookie)).toBeUndefined();
  });

  it("is off without a token or users file and never logs anyone in", async () => {
    const off = new ConsoleAuth({ sessionMs: 60_000 });
    expect(off.enabled).toBe(false);
    expect(await off.login("", "", "c")).toBeUndefined();
  });
});

describe("grouping what the bot could not answer", () => {
  const entry = (id: number, text: string, intent = "fallback", kind: StoredUnanswered["kind"] = "fallback", handled = false): StoredUnanswered => ({
    id,
    at: 1000 * id,
    userId: `u${id}`,
    channel: id % 2 ? "http" : "wechat",
    text,
    intent,
    confidence: 0.3,
    kind,
    handled,
  });
  const read = (text: string) => engine.understander.entities.extract(engine.understander.understand(text).norm.text);

  it("the question key drops punctuation, greetings and particles", () => {
    expect(questionKey("请问，今天天气怎么样啊？")).toBe(questionKey("今天天气怎么样"));
    expect(questionKey("吗")).toBe("吗");
  });

  it("same words or same intent with the same entities: one group, grouped as written; newest first", async () => {
    // As the engine records them: oldest first, with what the bot read in each.
    const entries = [
      entry(1, "今天天气怎么样"),
      entry(2, "今天天气怎么样？", "fallback", "fallback"),
      entry(3, "中午吃什么"),
      entry(4, "电子商务师三级要交多少钱", "fee", "low_confidence"),
      entry(5, "电子商务师4级要交多少钱", "fee", "low_confidence"),
      entry(6, "电子商务师四级考试费多少呢", "fee", "low_confidence"),
    ];
    const log = new MemoryUnansweredLog(100, 1e15, () => 10_000);
    for (const e of entries) log.record({ ...e, entities: read(e.text) });
    const { groups } = await log.groups({ page: 1, limit: 10 });
    expect(groups.map((g) => [g.text, g.count, g.open])).toEqual([
      ["电子商务师四级考试费多少呢", 2, 2],
      ["电子商务师三级要交多少钱", 1, 1],
      ["中午吃什么", 1, 1],
      ["今天天气怎么样?", 2, 2],
    ]);
    expect(groups[0].entities).toEqual({ occupation: "电子商务师", level: 4 });
    expect(groups[3]).toMatchObject({ firstSeen: 1000, lastSeen: 2000, channels: ["http", "wechat"], variants: ["今天天气怎么样"] });
    // Two fallbacks with nothing in common stay apart even though neither names an intent.
    expect(groups.find((g) => g.text === "中午吃什么")!.count).toBe(1);
  });
});

describe("phone text", () => {
  it("no markup, no spaces between Chinese characters, Latin spacing kept, the source at the end", () => {
    const vars = engine.composer.vars;
    const t = phoneText(kb, vars, "**注意** 登录 http://a.example/ 进入。\n# 标题\n- 第一 项", "三（一）");
    const lines = t.split("\n");
    expect(lines[0]).toBe("注意登录 http://a.example/ 进入。");
    expect(lines[1]).toBe("标题");
    expect(lines[2]).toBe("第一项");
    expect(lines[3]).toContain("三（一）");
  });
});

describe("search ranking", () => {
  const search = new ConsoleSearch(kb, engine);
  const top = (q: string) => search.search(q).results[0];

  it.each([
    ["照片要求", "canned:photo"],
    ["照片", "canned:photo"],
    ["准考证怎么打印", "canned:admission_ticket"],
    ["证书查询", "canned:cert_lookup"],
    ["交了钱不考了能退吗", "canned:refund"],
    ["投诉电话", "canned:complaint"],
  ])("%s → %s first", (q, id) => {
    expect(top(q).id).toBe(id);
  });

  it("parametric answers for the entities named", () => {
    expect(top("8月考什么").intent).toBe("month_list");
    expect(top("香港人带什么证件").intent).toBe("id_documents");
    const majors = search.search("相关专业").results;
    expect(majors.filter((r) => r.intent === "related_major").length).toBe(kb.rules.size);
  });

  it("a question about applying suggests the eligibility form, prefilled", () => {
    expect(search.search("我干了5年电商能报三级吗").eligibility).toMatchObject({ occupation: "电子商务师", level: 3 });
  });

  it("every result carries a clause and a copy text ending with the source", () => {
    for (const q of ["照片要求", "直播销售员四级", "电子商务师", "报名费多少", "四级"]) {
      for (const r of search.search(q).results) {
        expect(r.clause).toBeTruthy();
        expect(r.plain.endsWith(`${r.clause}）`)).toBe(true);
      }
    }
  });
});
