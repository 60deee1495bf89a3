/** The console's edit layer over answers.yaml, its history, and what a turn becomes in the stats. */
import { describe, expect, it } from "vitest";
import { getKb } from "../helpers.js";
import { Engine } from "../../src/engine/engine.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { AnswerEdits, LOCAL_CLAUSE, type AnswerEdit } from "../../src/console/edits.js";
import { ChangeHistory } from "../../src/console/history.js";
import { selfCheckEvent, statsQuestion, turnEvent } from "../../src/stats/record.js";
import { MemoryStats, StatsRecorder } from "../../src/stats/stats.js";

const kb = getKb();
const WATER = { topic: "考试当天", questions: ["可以带矿泉水吗", "考试的时候能带水吗"], answer: "可以携带透明瓶装饮用水，请勿携带其他饮料。" };

async function save(edits: AnswerEdits, id: string, body: unknown): Promise<AnswerEdit> {
  const v = edits.validate(kb, id, body);
  if (!v.ok) throw new Error(v.error);
  await edits.write(id, () => ({ ...v.value, by: "user:test" }));
  return v.value;
}

describe("AnswerEdits", () => {
  it("a new answer is given by an engine rebuilt on the applied knowledge, citing 本机构补充说明, never the notice", async () => {
    const before = new Engine(kb);
    expect((await before.turn("u1", "可以带矿泉水吗", "web")).status).toBe("fallback");
    const edits = new AnswerEdits(new MemoryDocs());
    const id = edits.newId(kb);
    expect(id).toMatch(/^[a-z_]+$/);
    await save(edits, id, WATER);
    const engine = new Engine(edits.apply(kb));
    for (const q of ["可以带矿泉水吗", "考试的时候能带水吗", "能带一瓶矿泉水吗"]) {
      const r = await engine.turn(`u-${q}`, q, "web");
      expect(r.intent).toBe(id);
      expect(r.status).toBe("answered");
      expect(r.replies[0]).toContain("透明瓶装饮用水");
      expect(r.replies[0]).toContain(LOCAL_CLAUSE);
      expect(r.replies[0]).not.toContain(kb.notice.shortName);
    }
    // The file's answers are all still there and answered as before.
    expect((await engine.turn("u2", "怎么报名", "web")).intent).toBe("registration");
  });

  it("an edit overrides an answer of answers.yaml, with the clause given; removing the edit restores the file's", async () => {
    const edits = new AnswerEdits(new MemoryDocs());
    const file = kb.answers.find((a) => a.id === "refund")!;
    await save(edits, "refund", { topic: file.topic, questions: [...file.questions, "退考能退钱吗"], answer: "报名成功后因个人原因不参加的，考试费不退。", clause: file.clause });
    const applied = edits.apply(kb);
    expect(applied.answers.length).toBe(kb.answers.length);
    const a = applied.answers.find((x) => x.id === "refund")!;
    expect(a.clause).toBe(file.clause);
    expect(a.questions).toContain("退考能退钱吗");
    const r = await new Engine(applied).turn("u", "考试费能退吗", "web");
    expect(r.replies[0]).toContain("考试费不退");
    expect(r.replies[0]).toContain(kb.notice.shortName);
    await edits.write("refund", () => undefined);
    expect(edits.apply(kb).answers.find((x) => x.id === "refund")).toEqual(file);
    // The original knowledge is never changed.
    expect(kb.answers.find((x) => x.id === "refund")!.questions).not.toContain("退考能退钱吗");
  });

  it("validates as npm run validate does: schema, placeholders, bounds, questions owned by another answer", () => {
    const edits = new AnswerEdits(new MemoryDocs());
    const bad = (body: unknown) => {
      const v = edits.validate(kb, "local_x", body);
      expect(v.ok).toBe(false);
      return v.ok ? "" : v.error;
    };
    expect(bad({ ...WATER, questions: [] })).toContain("至少要有一个问法");
    expect(bad({ ...WATER, answer: "  " })).toContain("答案不能为空");
    expect(bad({ ...WATER, answer: "请致电 {hotlin}" })).toContain("{hotlin}");
    expect(bad({ ...WATER, questions: ["x".repeat(101)] })).toContain("100");
    expect(bad({ ...WATER, questions: Array.from({ length: 61 }, (_, i) => `问题${i}`) })).toContain("60");
    expect(bad({ ...WATER, extra: 1 })).toBeTruthy();
    expect(bad({ ...WATER, questions: ["怎么报名？"] })).toContain("registration");
    expect(edits.validate(kb, "BAD-ID", WATER).ok).toBe(false);
    const ok = edits.validate(kb, "local_x", { ...WATER, answer: "请致电 {hotline}", questions: ["带水吗", "带水吗？", "  带水吗 "] });
    expect(ok.ok && ok.value.questions).toEqual(["带水吗"]);
  });

  it("an answer that an intent needs cannot be retired; an answer of its own can", async () => {
    const edits = new AnswerEdits(new MemoryDocs());
    const needed = kb.intents.find((i) => kb.answers.some((a) => a.id === i.intent))!.intent;
    const r = edits.retirable(kb, needed);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.status).toBe(409);
    const id = edits.newId(kb);
    await save(edits, id, WATER);
    expect(edits.retirable(kb, id).ok).toBe(true);
    await edits.write(id, (b) => ({ ...b!, retired: true }));
    const applied = edits.apply(kb);
    expect(applied.answers.some((a) => a.id === id)).toBe(false);
    new Engine(applied); // still builds
  });

  it("two instances over one store: the second sees the first's edit after refresh; a stale save does not lose it", async () => {
    const docs = new MemoryDocs();
    const a = new AnswerEdits(docs);
    const b = new AnswerEdits(docs);
    await b.refresh();
    await save(a, "local_one", WATER);
    await save(b, "local_two", { ...WATER, questions: ["考场有停车位吗"], answer: "考点停车位有限，建议公共交通。" });
    await a.refresh();
    expect(a.list().map((e) => e.id).sort()).toEqual(["local_one", "local_two"]);
    let changed = 0;
    a.onChange(() => changed++);
    await a.write("local_one", (x) => ({ ...x!, retired: true }));
    expect(changed).toBe(1);
  });

  it("a question staff added to an answer, asked as written, gets that answer even where another intent's keywords match", async () => {
    const edits = new AnswerEdits(new MemoryDocs());
    // 停车费 and 考场 are keywords of other intents (费用, 准考证): the staff member's wording must still win.
    const PARKING = { topic: "考试当天", questions: ["考场附近停车费多少", "考试时能带计算器吗"], answer: "考点停车位有限，建议乘公共交通；计算器等物品以准考证上的考场规则为准。" };
    const id = edits.newId(kb);
    await save(edits, id, PARKING);
    // An answer of answers.yaml with a variant added by staff.
    const file = kb.answers.find((a) => a.id === "refund")!;
    await save(edits, "refund", { topic: file.topic, questions: [...file.questions, "照片不合格被退回了考试费怎么办"], answer: file.answer, clause: file.clause });
    const engine = new Engine(edits.apply(kb));
    // As written, and with other punctuation, spaces, full-width forms or Traditional script.
    for (const q of ["考场附近停车费多少", "考场附近停车费多少？", " 考场附近 停车费多少!", "考場附近停車費多少", "考试时能带计算器吗"]) {
      const r = await engine.turn(`exact-${q}`, q, "web");
      expect(r.intent, q).toBe(id);
      expect(r.replies[0], q).toContain("考点停车位有限");
    }
    const r = await engine.turn("exact-refund", "照片不合格被退回了考试费怎么办", "web");
    expect(r.intent).toBe("refund");
    // Not the staff member's wording: understood as before.
    expect((await engine.turn("exact-fee", "考试费多少钱", "web")).intent).toBe("fee");
    expect((await engine.turn("exact-ticket", "准考证什么时候打印", "web")).intent).toBe("admission_ticket");
  });

  it("an answer without a clause joined with another answer's: the source line names only the other's clause", async () => {
    const edits = new AnswerEdits(new MemoryDocs());
    const file = kb.answers.find((a) => a.id === "cert_collect")!;
    // The staff member rewrites it as the institution's own answer (no clause).
    await save(edits, "cert_collect", { topic: file.topic, questions: file.questions, answer: "证书可到本机构现场领取，也可快递邮寄。", clause: "" });
    const engine = new Engine(edits.apply(kb));
    for (const q of ["证书怎么领，补考费多少", "补考费多少，证书怎么领"]) {
      const r = await engine.turn(`clause-${q}`, q, "web");
      const reply = r.replies.join("\n");
      expect(reply, q).toContain("证书可到本机构现场领取");
      expect(reply, q).toContain("80");
      expect(r.reply.source, q).toBeTruthy();
      expect(r.reply.source!, q).toMatch(/三（六）/);
      // No empty clause joined: "、）", "（依据：…、、", "通知 、".
      expect(r.reply.source!, q).not.toMatch(/、）|、、|\s、|：、|、$/);
      expect(reply, q).toContain(LOCAL_CLAUSE);
    }
  });

  it("exports the layer as YAML in answers.yaml's form", async () => {
    const edits = new AnswerEdits(new MemoryDocs());
    await save(edits, "local_one", WATER);
    await edits.write("refund", () => ({ ...kb.answers.find((x) => x.id === "refund")!, clause: "三（三）", retired: true, by: "t", at: 1 }));
    const y = edits.exportYaml();
    expect(y).toContain("id: local_one");
    expect(y).toContain(`clause: ${LOCAL_CLAUSE}`);
    expect(y).toMatch(/retired:\n\s+- refund/);
  });
});

describe("ChangeHistory", () => {
  it("keeps changes newest first, each found by id", async () => {
    const h = new ChangeHistory(new MemoryDocs());
    const one = await h.record({ at: 1, user: "user:a", userName: "A", action: "create", target: "answer:x", before: null, after: { a: 1 } });
    await h.record({ at: 2, user: "user:a", userName: "A", action: "update", target: "answer:x", before: { a: 1 }, after: { a: 2 } });
    const list = await h.recent();
    expect(list.map((e) => e.action)).toEqual(["update", "create"]);
    expect((await h.get(one))?.after).toEqual({ a: 1 });
    expect(await h.get(99)).toBeUndefined();
    expect(await h.get(0)).toBeUndefined();
  });
});

describe("stats recording", () => {
  it("a turn: masked and normalised question, channel, intent, status", () => {
    const e = turnEvent({ intent: "fee", confidence: 0.9, status: "answered" }, "web", "  我的电话１３８１２３４５６７８，报名費多少？ ", 1_000);
    expect(e).toMatchObject({ at: 1_000, channel: "web", intent: "fee", status: "answered", confidence: 0.9 });
    expect(e.question).not.toContain("12345678");
    expect(e.question).toContain("138****5678");
    expect(e.question).toContain("报名费多少");
    expect(e.question!.endsWith("？")).toBe(false);
    expect(turnEvent({ intent: "none", confidence: 0, status: "empty" }, "web", "   ").question).toBeUndefined();
    expect(statsQuestion("身份证110101199003071234")).not.toContain("19900307");
  });

  it("a self-check: the occupation with its track, the level and the outcome, summed by the recorder", async () => {
    const stats = new StatsRecorder(new MemoryStats(), 0);
    const at = Date.parse("2026-03-02T02:00:00Z");
    stats.selfCheck(selfCheckEvent({ occupation: "直播销售员", level: 4, eligible: true }, at));
    stats.selfCheck(selfCheckEvent({ occupation: "直播销售员", level: 4, eligible: false }, at));
    stats.turn(turnEvent({ intent: "fee", confidence: 0.9, status: "answered" }, "wechat", "报名费多少", at));
    const r = await stats.report("2026-03-02", "2026-03-02");
    expect(r.selfChecks).toEqual({ total: 2, eligible: 1, byOccupation: { 直播销售员: { 4: { total: 2, eligible: 1 } } } });
    expect(r.byChannel).toEqual({ wechat: 1 });
    expect(r.topQuestions).toEqual([{ text: "报名费多少", count: 1 }]);
  });
});
