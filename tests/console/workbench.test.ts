/** Issue 14 over a real socket: roles, answers edited (the engine rebuilt on them answers), unanswered questions
 * assigned, the history and its reverts, the numbers, and publishing a notice through the NoticePublisher interface. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getKb } from "../helpers.js";
import { hashPassword } from "../../src/console/auth.js";
import { Engine } from "../../src/engine/engine.js";
import { MemoryUnansweredLog } from "../../src/engine/unanswered.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { AnswerEdits, LOCAL_CLAUSE } from "../../src/console/edits.js";
import { NoticeError, type NoticePublisher, type StagedNotice } from "../../src/console/notices.js";
import type { ChatLogView, ChatTurnView } from "../../src/console/chatlog.js";
import { MemoryStats, StatsRecorder } from "../../src/stats/stats.js";
import { turnEvent } from "../../src/stats/record.js";
import { startConsole, sessionCookie, type TestServer } from "./server.js";

const kb = getKb();
const TOKEN = "workbench-token-0123";
const SECRET = "w".repeat(40);
const PASSWORD = "password-for-tests-1";
const WATER = { topic: "考试当天", questions: ["可以带矿泉水吗", "考试的时候能带水吗"], answer: "可以携带透明瓶装饮用水。如有疑问请致电 {hotline}。" };

/** A fake publisher: what the console does with the importer and the registry, recorded. */
class FakeNotices implements NoticePublisher {
  current = "2024年认定通知";
  previous: string | null = null;
  staged = new Map<string, string>();
  calls: string[] = [];
  async stage(text: string): Promise<StagedNotice> {
    this.calls.push("stage");
    if (!text.includes("通知")) throw new NoticeError("这不是一份认定通知：没有找到标题", 400);
    const id = `n${this.staged.size + 1}`;
    this.staged.set(id, "2025年认定通知");
    return {
      id,
      title: "2025年认定通知",
      review: [{ file: "plan.yaml", field: "rows.3.months", line: 42, source: "直播销售员 四级 3、9", reason: "月份一栏像是合并单元格，请核对" }],
      diff: { from: this.current, to: "2025年认定通知", changes: [{ area: "计划", kind: "changed", what: "直播销售员 四级 认定月份", before: "3月、9月", after: "4月、10月" }] },
    };
  }
  async publish(id: string) {
    const t = this.staged.get(id);
    if (!t) throw new NoticeError("没有这份待发布的通知", 404);
    this.calls.push(`publish:${id}`);
    this.previous = this.current;
    this.current = t;
    this.staged.delete(id);
    return { title: t };
  }
  async discard(id: string) {
    this.staged.delete(id);
  }
  async rollback() {
    if (!this.previous) throw new NoticeError("没有可恢复的上一版", 409);
    this.calls.push("rollback");
    [this.current, this.previous] = [this.previous, null];
    return { title: this.current };
  }
  async status() {
    return { current: { title: this.current }, previous: this.previous ? { title: this.previous } : null, staged: [] };
  }
}

/** A chat log as the web channel keeps it: every turn of every user, with 👍/👎 on the bot's. */
class FakeChatLog implements ChatLogView {
  turns = new Map<string, ChatTurnView[]>();
  add(userId: string, t: ChatTurnView) {
    this.turns.set(userId, [...(this.turns.get(userId) ?? []), t]);
  }
  async around(userId: string, at: number, limit: number) {
    return (this.turns.get(userId) ?? []).filter((t) => Math.abs(t.at - at) < 3_600_000).slice(-limit);
  }
  async feedbackByIntent(from: number, to: number) {
    const out: Record<string, { up: number; down: number }> = {};
    for (const list of this.turns.values())
      for (const t of list)
        if (t.intent && t.feedback && t.at >= from && t.at < to) (out[t.intent] ??= { up: 0, down: 0 })[t.feedback]++;
    return out;
  }
}

let dir: string;
let srv: TestServer;
const chatLog = new FakeChatLog();
let unanswered: MemoryUnansweredLog;
let base: Engine;
let answering: Engine;
let edits: AnswerEdits;
let republished = 0;
let stats: StatsRecorder;
let notices: FakeNotices;
let admin: string;
let staff: string;
let plain: string;

const post = (path: string, body: unknown, cookie: string, method = "POST") =>
  fetch(srv.url + path, { method, headers: { "content-type": "application/json", cookie }, body: body === undefined ? undefined : JSON.stringify(body) });
const get = (path: string, cookie: string) => fetch(srv.url + path, { headers: { cookie } });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
const json = (res: Response): Promise<any> => res.json();

async function login(body: unknown): Promise<string> {
  const res = await fetch(`${srv.url}/console/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return sessionCookie(res)!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "console-wb-"));
  const usersFile = join(dir, "users.yaml");
  const hash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  writeFileSync(
    usersFile,
    `users:\n  - name: li\n    role: admin\n    hash: "${hash}"\n  - name: wang\n    role: staff\n    hash: "${hash}"\n  - name: zhao\n    hash: "${hash}"\n`,
  );
  unanswered = new MemoryUnansweredLog();
  base = new Engine(kb, { unanswered });
  answering = base;
  edits = new AnswerEdits(new MemoryDocs());
  stats = new StatsRecorder(new MemoryStats(), 0);
  notices = new FakeNotices();
  srv = await startConsole(base, { CONSOLE_TOKEN: TOKEN, CONSOLE_USERS_FILE: usersFile, CONSOLE_SECRET: SECRET }, undefined, {
    edits,
    stats,
    notices,
    current: () => answering,
    chatLog,
    // What the service does at merge: the registry rebuilds the engine on the edited knowledge, on every instance.
    republish: async () => {
      republished++;
      await edits.refresh();
      answering = new Engine(edits.apply(kb), { unanswered });
    },
  });
  admin = await login({ name: "li", password: PASSWORD });
  staff = await login({ name: "wang", password: PASSWORD });
  plain = await login({ name: "zhao", password: PASSWORD });
});

afterAll(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  republished = 0;
});

describe("roles", () => {
  it("users file roles (missing → staff); the shared token is admin even beside a users file", async () => {
    expect((await json(await get("/console/api/me", admin))).role).toBe("admin");
    expect((await json(await get("/console/api/me", staff))).role).toBe("staff");
    expect((await json(await get("/console/api/me", plain))).role).toBe("staff");
    const token = await login({ password: TOKEN });
    expect((await json(await get("/console/api/me", token))).role).toBe("admin");
  });

  it("staff search, browse, self-check and mark handled; every change is 403", async () => {
    for (const cookie of [staff, plain]) {
      expect((await get("/console/api/search?q=怎么报名", cookie)).status).toBe(200);
      expect((await get("/console/api/answers", cookie)).status).toBe(200);
      expect((await get("/console/api/stats", cookie)).status).toBe(200);
      const handled = await post("/console/api/unanswered/handled", { ids: [999] }, cookie);
      expect(handled.status).toBe(200);
      const changes: [string, string, unknown][] = [
        ["POST", "/console/api/answers", WATER],
        ["PUT", "/console/api/answers/refund", WATER],
        ["DELETE", "/console/api/answers/refund", undefined],
        ["POST", "/console/api/unanswered/assign", { text: "x", answerId: "refund" }],
        ["POST", "/console/api/history/1/revert", {}],
        ["POST", "/console/api/notices", { text: "通知" }],
        ["POST", "/console/api/notices/n1/publish", {}],
        ["POST", "/console/api/notices/rollback", {}],
      ];
      for (const [method, path, body] of changes) {
        const res = await post(path, body, cookie, method);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect((await json(res)).error).toContain("管理员");
      }
    }
    expect(republished).toBe(0);
  });

  it("the page shows a staff member no editing, publishing or history", async () => {
    const staffPage = await (await get("/console/", staff)).text();
    expect(staffPage).toContain('data-role="staff"');
    expect(staffPage).not.toContain('id="tab-edit"');
    expect(staffPage).not.toContain('id="tab-notice"');
    expect(staffPage).toContain('id="tab-stats"');
    const adminPage = await (await get("/console/", admin)).text();
    expect(adminPage).toContain('id="tab-edit"');
    expect(adminPage).toContain('id="tab-notice"');
    expect(adminPage).toContain('id="tab-history"');
  });
});

describe("answers edited in the console", () => {
  it("creates an answer: 201 {id}, republished, and the rebuilt engine gives it citing 本机构补充说明", async () => {
    expect((await answering.turn("c1", "可以带矿泉水吗", "web")).status).toBe("fallback");
    const res = await post("/console/api/answers", WATER, admin);
    expect(res.status).toBe(201);
    const { id } = await json(res);
    expect(id).toMatch(/^[a-z_]+$/);
    expect(republished).toBe(1);
    const r = await answering.turn("c2", "考试的时候能带水吗", "web");
    expect(r.intent).toBe(id);
    expect(r.replies[0]).toContain("透明瓶装饮用水");
    expect(r.replies[0]).toContain(kb.contacts.hotline.text);
    expect(r.replies[0]).toContain(LOCAL_CLAUSE);
    expect(r.replies[0]).not.toContain(kb.notice.shortName);
    // The console's own search finds it at once, and GET /answers/:id gives the editable form.
    const found = await json(await get(`/console/api/search?q=${encodeURIComponent("可以带矿泉水吗")}`, staff));
    expect(found.results[0].intent).toBe(id);
    expect(found.results[0].clause).toBe(LOCAL_CLAUSE);
    const one = await json(await get(`/console/api/answers/${id}`, admin));
    expect(one).toMatchObject({ id, topic: WATER.topic, questions: WATER.questions, answer: WATER.answer, clause: null, local: true, retirable: true });
    const topics = await json(await get("/console/api/topics", staff));
    expect(topics.topics).toContainEqual({ topic: WATER.topic, count: 1 });
  });

  it("edits an answer of answers.yaml (the edit overrides it), and refuses what npm run validate refuses", async () => {
    const file = kb.answers.find((a) => a.id === "refund")!;
    const body = { topic: file.topic, questions: [...file.questions, "不去考了钱能退吗"], answer: "因个人原因不参加认定的，考试费不退。", clause: file.clause };
    const res = await post("/console/api/answers/refund", body, admin, "PUT");
    expect(res.status).toBe(200);
    expect(republished).toBe(1);
    const r = await answering.turn("e1", "不去考了钱能退吗", "web");
    expect(r.intent).toBe("refund");
    expect(r.replies[0]).toContain("考试费不退");
    expect(r.replies[0]).toContain(`${kb.notice.shortName} ${file.clause}`);
    const bad = async (b: unknown, want: string, path = "/console/api/answers", method = "POST") => {
      const x = await post(path, b, admin, method);
      expect(x.status).toBe(400);
      expect((await json(x)).error).toContain(want);
    };
    await bad({ ...WATER, answer: "请致电 {hotlne}" }, "{hotlne}");
    await bad({ ...WATER, questions: [] }, "至少要有一个问法");
    await bad({ ...WATER, questions: ["怎么报名"] }, "registration");
    await bad({ ...WATER, topic: "" }, "主题");
    const noBody = await fetch(`${srv.url}/console/api/answers`, { method: "POST", headers: { cookie: admin } });
    expect(noBody.status).toBe(400);
    expect((await json(noBody)).error).toContain("请求体应为");
    await bad({ ...WATER, questions: ["问".repeat(101)] }, "100");
    await bad({ ...body, answer: "" }, "答案", "/console/api/answers/refund", "PUT");
    expect((await post("/console/api/answers/no_such", WATER, admin, "PUT")).status).toBe(404);
    expect(republished).toBe(1);
  });

  it("retires: an answer an intent needs is 409 with the reason; one of its own is 200 and no longer given", async () => {
    const needed = await post("/console/api/answers/refund", undefined, admin, "DELETE");
    expect(needed.status).toBe(409);
    expect((await json(needed)).error).toContain("不能停用");
    const { id } = await json(await post("/console/api/answers", { topic: "交通", questions: ["开车去有停车位吗", "能停车吗"], answer: "车位有限，建议乘坐公共交通。" }, admin));
    expect((await answering.turn("r1", "开车去有停车位吗", "web")).intent).toBe(id);
    const res = await post(`/console/api/answers/${id}`, undefined, admin, "DELETE");
    expect(res.status).toBe(200);
    expect((await answering.turn("r2", "开车去有停车位吗", "web")).intent).not.toBe(id);
    expect((await post(`/console/api/answers/${id}`, undefined, admin, "DELETE")).status).toBe(404);
  });

  it("exports the edit layer as YAML", async () => {
    const res = await get("/console/api/answers/export", admin);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("yaml");
    const text = await res.text();
    expect(text).toContain("id: refund");
    expect(text).toContain("不去考了钱能退吗");
    expect(text).toContain(`clause: ${LOCAL_CLAUSE}`);
    expect(text).toContain("retired:");
  });
});

describe("from unanswered to answered", () => {
  it("assigns a question and its group as variants; 404 for a question not in the log; the group is handled", async () => {
    const { id } = await json(await post("/console/api/answers", { topic: "考试当天", questions: ["考试要自己准备文具吗"], answer: "理论考试为机考，不需要带计算器。" }, admin));
    for (const [u, t] of [["a1", "可以带计算器吗"], ["a2", "可以带计算器吗？"], ["a3", "我电话13812345678，可以带计算器吗"]]) {
      await answering.turn(u, t, "web");
    }
    const before = await json(await get("/console/api/unanswered", admin));
    const group = before.groups.find((g: { text: string; variants: string[] }) => [g.text, ...g.variants].some((t) => t.includes("可以带计算器")));
    expect(group).toBeTruthy();
    expect((await post("/console/api/unanswered/assign", { text: "从来没人问过的问题", answerId: id }, admin)).status).toBe(404);
    expect((await post("/console/api/unanswered/assign", { text: "可以带计算器吗", answerId: "no_such" }, admin)).status).toBe(404);
    expect((await post("/console/api/unanswered/assign", { text: "" }, admin)).status).toBe(400);
    republished = 0;
    const res = await post("/console/api/unanswered/assign", { text: "可以带计算器吗", answerId: id }, admin);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.answerId).toBe(id);
    // The group's wordings once each (the same up to punctuation counts once), the newest first.
    expect(body.added).toEqual(["可以带计算器吗?"]); // stored as the log keeps it (NFKC)
    // No personal data becomes a variant.
    expect(body.added.join()).not.toContain("138");
    expect(republished).toBe(1);
    expect((await answering.turn("a4", "能带计算器吗", "web")).intent).toBe(id);
    const after = await json(await get("/console/api/unanswered", admin));
    expect(after.groups.find((g: { id: string }) => g.id === group.id)).toBeUndefined();
  });
});

describe("the conversation of an unanswered question, and 👍/👎", () => {
  it("shows the turns around the question, masked; feedback per answer for a range of days", async () => {
    const at = Date.now();
    chatLog.add("conv-1", { at: at - 2_000, from: "user", text: "我手机13812345678，报名费多少", intent: undefined });
    chatLog.add("conv-1", { at: at - 1_000, from: "bot", text: "直播销售员四级 …", intent: "fee", feedback: "down" });
    chatLog.add("conv-1", { at, from: "user", text: "能停电动车吗" });
    chatLog.add("conv-1", { at: at + 10, from: "bot", text: "抱歉，这个问题我还不能回答。", intent: "none" });
    chatLog.add("conv-2", { at, from: "bot", text: "…", intent: "fee", feedback: "up" });
    await answering.turn("conv-1", "能停电动车吗", "web");
    const { groups } = await json(await get("/console/api/unanswered", staff));
    const g = groups.find((x: { text: string }) => x.text === "能停电动车吗");
    expect(g).toBeTruthy();
    const res = await get(`/console/api/unanswered/conversation?id=${g.ids[0]}`, staff);
    expect(res.status).toBe(200);
    const c = await json(res);
    expect(c.turns.map((t: { from: string }) => t.from)).toEqual(["user", "bot", "user", "bot"]);
    expect(c.turns[0].text).toContain("138****5678");
    expect(JSON.stringify(c)).not.toContain("12345678");
    expect((await get("/console/api/unanswered/conversation?id=999999", staff)).status).toBe(404);
    const fb = await json(await get("/console/api/feedback", staff));
    expect(fb.byIntent.fee).toEqual({ up: 1, down: 1 });
    const st = await json(await get("/console/api/stats", staff));
    expect(st.feedbackByAnswer.fee).toEqual({ up: 1, down: 1 });
    expect(st.intentLabels.fee).toBe("收费标准");
    expect((await json(await get("/console/api/me", staff))).features).toEqual({ stats: true, notices: true, chatLog: true });
  });
});

describe("history", () => {
  it("records every change (who, when, action, before, after) and reverts an answer change, itself recorded", async () => {
    const res = await get("/console/api/history", staff);
    expect(res.status).toBe(200);
    const { items } = await json(res);
    const actions = items.map((i: { action: string }) => i.action);
    for (const a of ["create", "update", "retire", "assign"]) expect(actions).toContain(a);
    const update = items.find((i: { action: string; target: string }) => i.action === "update" && i.target === "answer:refund");
    expect(update).toMatchObject({ user: "user:li", target: "answer:refund" });
    expect(typeof update.at).toBe("number");
    expect(update.before.fromFile).toBe(true);
    expect(update.after.answer).toContain("考试费不退");
    republished = 0;
    const rev = await post(`/console/api/history/${update.id}/revert`, {}, admin);
    expect(rev.status).toBe(200);
    expect(republished).toBe(1);
    const file = kb.answers.find((a) => a.id === "refund")!;
    expect((await json(await get("/console/api/answers/refund", admin))).answer).toBe(file.answer);
    expect((await answering.turn("h1", "考试费能退吗", "web")).replies[0]).not.toContain("考试费不退");
    const again = (await json(await get("/console/api/history", admin))).items[0];
    expect(again).toMatchObject({ action: "revert", target: "answer:refund", reverts: update.id });
    // Reverting the revert brings the edit back.
    expect((await post(`/console/api/history/${again.id}/revert`, {}, admin)).status).toBe(200);
    expect((await json(await get("/console/api/answers/refund", admin))).answer).toContain("考试费不退");
    expect((await post("/console/api/history/99999/revert", {}, admin)).status).toBe(404);
  });
});

describe("numbers", () => {
  it("GET /stats: the report for a range of Shanghai days, the last 30 by default; bad dates 400; CSV by day", async () => {
    const at = Date.now();
    stats.turn(turnEvent({ intent: "fee", confidence: 0.9, status: "answered" }, "web", "报名费多少钱", at));
    stats.turn(turnEvent({ intent: "none", confidence: 0.1, status: "fallback" }, "wechat", "能带宠物吗", at));
    stats.feedback(at, "up");
    const r = await json(await get("/console/api/stats", staff));
    expect(r.byDay).toHaveLength(30);
    expect(r).toMatchObject({ turns: 2, answered: 1, fallbacks: 1, handoffs: 0, byChannel: { web: 1, wechat: 1 }, feedback: { up: 1, down: 0 } });
    expect(r.selfChecks).toMatchObject({ total: 0, eligible: 0 });
    expect(r.byIntent.fee).toBe(1);
    expect(r.topQuestions.map((q: { text: string }) => q.text)).toContain("报名费多少钱");
    expect(r.intentLabels.fee).toBe("收费标准");
    const day = r.to;
    const one = await json(await get(`/console/api/stats?from=${day}&to=${day}`, staff));
    expect(one.byDay).toEqual([expect.objectContaining({ day, turns: 2 })]);
    for (const q of ["from=2026-02-30", "from=yesterday", "from=2026-03-02&to=2026-03-01", "from=2020-01-01&to=2026-01-01"]) {
      expect((await get(`/console/api/stats?${q}`, staff)).status, q).toBe(400);
    }
    const csv = await get(`/console/api/stats.csv?from=${day}&to=${day}`, staff);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    expect(text).toContain("日期,对话轮数");
    expect(text).toContain(`${day},2,1,1`);
  });
});

describe("publishing a notice", () => {
  it("stage → review and diff; publish; rollback; each recorded; refusals carry the reason", async () => {
    const staged = await post("/console/api/notices", { text: "关于开展2025年职业技能等级认定工作的通知……", name: "2025.txt" }, admin);
    expect(staged.status).toBe(201);
    const s = await json(staged);
    expect(s.id).toBe("n1");
    expect(s.review[0].reason).toContain("核对");
    expect(s.diff.changes[0]).toMatchObject({ area: "计划", kind: "changed" });
    const asText = await fetch(`${srv.url}/console/api/notices`, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8", cookie: admin }, body: "第二份通知" });
    expect(asText.status).toBe(201);
    const notNotice = await post("/console/api/notices", { text: "hello" }, admin);
    expect(notNotice.status).toBe(400);
    expect((await json(notNotice)).error).toContain("不是");
    expect((await post("/console/api/notices", { text: "通知" + "字".repeat(400_000) }, admin)).status).toBe(413);
    expect((await post("/console/api/notices/nope/publish", {}, admin)).status).toBe(404);
    const pub = await post(`/console/api/notices/${s.id}/publish`, {}, admin);
    expect(pub.status).toBe(200);
    expect((await json(pub)).title).toBe("2025年认定通知");
    expect((await json(await get("/console/api/notices", admin))).current.title).toBe("2025年认定通知");
    const back = await post("/console/api/notices/rollback", {}, admin);
    expect(back.status).toBe(200);
    expect(notices.current).toBe("2024年认定通知");
    expect((await post("/console/api/notices/rollback", {}, admin)).status).toBe(409);
    const { items } = await json(await get("/console/api/history", admin));
    expect(items[0]).toMatchObject({ action: "revert", user: "user:li" });
    expect(items[1]).toMatchObject({ action: "publish", target: "notice:n1" });
    expect(notices.calls).toEqual(["stage", "stage", "stage", "publish:n1", "rollback"]);
    // A publish reverted from the history rolls back too.
    const again = await json(await post("/console/api/notices", { text: "2025年的通知" }, admin));
    expect((await post(`/console/api/notices/${again.id}/publish`, {}, admin)).status).toBe(200);
    const pubEntry = (await json(await get("/console/api/history", admin))).items[0];
    expect(pubEntry.action).toBe("publish");
    expect((await post(`/console/api/history/${pubEntry.id}/revert`, {}, admin)).status).toBe(200);
    expect(notices.current).toBe("2024年认定通知");
    expect(notices.calls.at(-1)).toBe("rollback");
  });

  it("without a publisher, the notice routes say so (503)", async () => {
    const off = await startConsole(base, { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: SECRET }, undefined, { edits: new AnswerEdits(new MemoryDocs()), republish: async () => {} });
    try {
      const res = await fetch(`${off.url}/console/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: TOKEN }) });
      const cookie = sessionCookie(res)!;
      const n = await fetch(`${off.url}/console/api/notices`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ text: "通知" }) });
      expect(n.status).toBe(503);
      expect((await fetch(`${off.url}/console/api/stats`, { headers: { cookie } })).status).toBe(503);
    } finally {
      await off.close();
    }
  });
});
