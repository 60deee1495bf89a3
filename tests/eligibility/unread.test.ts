/**
 * A condition of 附件1 the importer could not read into a rule (kept in conditions.yaml as the notice words it, without
 * `rule`): nobody is said to meet it, and nobody who could only qualify through it is told 不能报 either. The test
 * folder is knowledge/2024 with 电子商务师 四级's third condition replaced by a sentence no rule covers.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { loadKnowledge, ROOT, type Knowledge } from "../../src/knowledge/load.js";
import { evaluateInput } from "../../src/eligibility/profile.js";
import { Engine } from "../../src/engine/engine.js";
import { say } from "../helpers.js";

const UNREAD = "经所在单位推荐，在本单位连续从事电子商务相关工作满2年的人员。";
let dir: string;
let kb: Knowledge;
let hotline: string;

beforeAll(() => {
  dir = join(mkdtempSync(join(tmpdir(), "unread-")), "2024");
  cpSync(join(ROOT, "knowledge", "2024"), dir, { recursive: true });
  const file = join(dir, "conditions.yaml");
  const doc = parse(readFileSync(file, "utf8"));
  const occ = doc.occupations.find((o: { occupation: string }) => o.occupation === "电子商务师");
  const four = (doc.templates["4"] as { id: string; text: string; rule: unknown; materials: unknown[] }[]).map((c) => ({ ...c }));
  // As the importer writes a sentence it cannot read: the text, its materials, no rule.
  four[2] = { id: "unread-1", text: UNREAD, materials: [{ ref: "workHistory" }] } as never;
  occ.conditions = { "4": four };
  writeFileSync(file, stringify(doc));
  kb = loadKnowledge({ noticeDir: dir });
  hotline = kb.contacts.hotline.text;
});

describe("a condition the importer could not read", () => {
  it("is not established: the API says neither eligible nor a plain no, but names it with the hotline", () => {
    const r = evaluateInput(kb, { occupation: "电子商务师", level: 4, yearsInField: 2 });
    expect("error" in r).toBe(false);
    if ("error" in r) return;
    expect(r.eligible).toBe(false);
    expect(r.reason).toContain("未能确认");
    expect(r.reason).toContain(UNREAD.replace(/。$/, ""));
    expect(r.reason).toContain(hotline);
    expect(r.undetermined).toEqual([UNREAD]);
    // The readable conditions' shortfalls are still listed, and the unread one says to ask.
    const gap = r.gaps.find((g) => g.condition === UNREAD);
    expect(gap?.missing.join("")).toContain(hotline);
    expect(r.gaps.some((g) => g.condition.includes("满5年"))).toBe(true);
  });

  it("does not matter when a readable condition is met, and is not mentioned then", () => {
    const r = evaluateInput(kb, { occupation: "电子商务师", level: 4, yearsInField: 6 });
    expect(r).toMatchObject({ eligible: true });
    expect("undetermined" in r && r.undetermined).toBeFalsy();
    // Another level of the same occupation (templates, all readable) is a plain no as before.
    const three = evaluateInput(kb, { occupation: "电子商务师", level: 3, yearsInField: 2 });
    expect(three).toMatchObject({ eligible: false });
    expect("reason" in three && three.reason).toBeFalsy();
  });

  it("in the dialog: after the readable conditions fail, the reply quotes the condition and refers to the hotline", async () => {
    const engine = new Engine(kb);
    const [r] = await say(engine, "unread-1", "我做电商2年了，没有证书，也没有相关学历，能报电子商务师四级吗");
    expect(r).toContain(UNREAD.replace(/。$/, ""));
    expect(r).toContain(hotline);
    expect(r).not.toMatch(/可以报电子商务师四级|暂不符合/);
    // Asked step by step, the same.
    // (The condition replaced was the schooling one, so no schooling is asked.)
    const steps = await say(engine, "unread-2", "我想报电子商务师四级", "2年", "没有");
    expect(steps.at(-1)).toContain(UNREAD.replace(/。$/, ""));
    expect(steps.at(-1)).not.toMatch(/可以报电子商务师四级|暂不符合/);
    // Met by a readable condition: a plain yes.
    const [yes] = await say(engine, "unread-3", "我做电商6年了，能报电子商务师四级吗");
    expect(yes).toContain("可以报电子商务师四级");
  });

  it("is listed with the level's other conditions when asked what they are", async () => {
    const [r] = await say(new Engine(kb), "unread-4", "电子商务师四级的报考条件是什么");
    expect(r).toContain(UNREAD);
    expect(r).toContain("满5年");
  });

  it("the eligibility --jsonl contract keeps its shape: eligible false with the reason", () => {
    const input = JSON.stringify({ occupation: "电子商务师", level: 4, yearsInField: 2 }) + "\n";
    const run = spawnSync("npx", ["tsx", "src/cli/eligibility.ts", "--jsonl"], { cwd: ROOT, input, encoding: "utf8", timeout: 60_000, env: { ...process.env, KNOWLEDGE_DIR: dir } });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ eligible: false, undetermined: [UNREAD] });
    expect(lines[0].reason).toContain("未能确认");
    for (const key of ["conditions", "materials", "fee", "months", "gaps", "suggestion"]) expect(lines[0]).toHaveProperty(key);
  });
});
