/**
 * Kinds of question the assistant missed when tried as a new user (issue 13): a dialog command typed when no
 * self-check is open, "where can I take it", what a certificate is for. Answered from data (intents/, answers.yaml).
 */
import { describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";

const kb = getKb();
const engine = makeEngine();
let n = 0;
const ask = async (...texts: string[]) => {
  const user = `misses-${++n}`;
  let last;
  for (const t of texts) last = await engine.turn(user, t);
  return last!;
};

describe("a dialog command with no self-check open", () => {
  it.each(["退出", "返回", "重新开始", "上一步", "不测了"])("%s after a finished self-check says none is open and what it can do", async (cmd) => {
    const r = await ask("资格自测", "1", "四级", "6", cmd);
    // (The self-check above ended with its verdict at "6" years.)
    expect(r.intent).toBe("no_dialog");
    expect(r.replies[0]).toMatch(/没有进行中的资格自测/);
    expect(r.replies[0]).toContain("资格自测");
    expect(r.replies[0]).not.toMatch(/退还|您是不是想问/);
  });

  it("still quits an open self-check", async () => {
    const r = await ask("资格自测", "退出");
    expect(r.intent).toBe("eligibility_dialog");
    expect(r.replies[0]).toBe(kb.dialog.quit);
  });
});

describe("where can I take it", () => {
  it.each(["北京哪里可以考", "在哪里考试", "考试地点在哪", "去哪考", "where can I take the exam"])("%s: the notice gives no venue; the ticket says, and the office's address", async (q) => {
    const r = await ask(q);
    expect(r.intent).toBe("venue");
    expect(r.replies[0]).toContain("准考证");
    expect(r.replies[0]).toContain(kb.contacts.address.text);
    expect(r.replies[0]).toMatch(/没有列出考试地点/);
  });
});

describe("what a certificate is for", () => {
  it.each(["证书有什么用", "拿到证书有啥好处", "考这个证有用吗"])("%s: the notice does not say (not the months table)", async (q) => {
    const r = await ask(q);
    expect(r.intent).toBe("certificate_use");
    expect(r.replies[0]).toMatch(/没有写/);
    expect(r.replies[0]).not.toMatch(/认定月份/);
  });
});
