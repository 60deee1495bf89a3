/**
 * The structured reply (issue 13): options only where the bot waits for a choice, never for a list in an answer;
 * the text reply (the JSONL CLI's) unchanged beside it; a tapped value or a typed number chooses.
 */
import { describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { OPTION_VALUE } from "../../src/engine/reply.js";

const kb = getKb();
const engine = makeEngine();
let n = 0;
const user = () => `structured-${++n}`;

describe("options", () => {
  it.each(["报名需要什么材料", "电子商务师三级的申报条件", "照片有什么要求", "直播销售员四级几月考"])("none for an answer with a list: %s", async (q) => {
    const r = await engine.turn(user(), q);
    expect(r.reply.options).toEqual([]);
    expect(r.reply.parts.join("\n")).toBe(r.replies[0].replace(/\n?（依据：[^\n]*$/, "").replace(/\n?说明：以上是[^\n]*$/, ""));
  });

  it("the dialog's numbered questions, as options with opaque values, the question text without them", async () => {
    const r = await engine.turn(user(), "资格自测");
    expect(r.status).toBe("asked");
    expect(r.reply.options.map((o) => o.label)).toEqual(kb.occupations.occupations.map((o) => o.name));
    for (const o of r.reply.options) {
      expect(o.value).toMatch(OPTION_VALUE);
      expect(o.value).not.toMatch(/^\d+$/);
    }
    expect(r.reply.parts.join("\n")).not.toMatch(/^\d\. /m);
    // The text reply is as it always was: numbered.
    expect(r.replies[0]).toMatch(/\n1\. 电子商务师\n2\. /);
  });

  it("none while an open question (years, age) waits", async () => {
    const u = user();
    await engine.turn(u, "资格自测");
    await engine.turn(u, "1");
    const r = await engine.turn(u, "三级");
    expect(r.reply.parts.join("")).toMatch(/几年/);
    expect(r.reply.options).toEqual([]);
  });

  it("a tapped value chooses its option and names it; a typed number still chooses", async () => {
    const u = user();
    const start = await engine.turn(u, "资格自测");
    const tapped = await engine.turn(u, start.reply.options[2].value);
    expect(tapped.chosen).toBe(kb.occupations.occupations[2].name);
    expect(tapped.reply.parts.join("")).toContain(kb.occupations.occupations[2].name);
    const typed = await engine.turn(u, "1");
    expect(typed.chosen).toBeUndefined();
    expect(typed.intent).toBe("eligibility_dialog");
  });

  it("a value of another question is not read as an answer, and the waiting question's options stay", async () => {
    const u = user();
    const start = await engine.turn(u, "资格自测");
    await engine.turn(u, start.reply.options[0].value);
    const stale = await engine.turn(u, start.reply.options[1].value);
    expect(stale.intent).toBe("option_stale");
    expect(stale.reply.options.length).toBeGreaterThan(1);
    expect(stale.reply.options[0].value).not.toBe(start.reply.options[0].value);
    // The dialog is where it was: the level question still takes its answer.
    const level = await engine.turn(u, stale.reply.options[0].value);
    expect(level.intent).toBe("eligibility_dialog");
    expect(level.chosen).toBe(stale.reply.options[0].label);
  });

  it("the fallback's suggestions, chosen by value", async () => {
    const u = user();
    const r = await engine.turn(u, "那个啥东东咋弄嘛");
    expect(r.status).toBe("fallback");
    expect(r.reply.options.length).toBeGreaterThan(0);
    expect(r.reply.parts.join("\n")).not.toContain("1. ");
    const pick = await engine.turn(u, r.reply.options[0].value);
    expect(pick.status).toBe("answered");
    expect(pick.chosen).toBe(r.reply.options[0].label);
  });
});

describe("links", () => {
  it("types the hotline as tel: and the platform as a url", async () => {
    const r = await engine.turn(user(), "怎么报名");
    expect(r.reply.links.some((l) => l.kind === "url" && l.href === kb.contacts.website.text)).toBe(true);
    const c = await engine.turn(user(), "投诉电话和邮箱");
    expect(c.reply.links.map((l) => l.href)).toEqual(expect.arrayContaining([`tel:${kb.contacts.complaint.phone.replace(/-/g, "")}`, `mailto:${kb.contacts.complaint.email}`]));
  });
});
