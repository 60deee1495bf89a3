/**
 * A footnote of 附件1 the importer could not read (a blind 2027 notice: "③直播销售员工种：申报直播销售员工种各等级的人员
 * 均须年满18周岁"): it may restrict who can apply, so a candidate it applies to is never told 可以报 — neither yes nor no,
 * the footnote as the notice words it and the hotline — while the occupation's other tracks are answered as before.
 * The test folder is knowledge/2024 with that footnote kept as the importer keeps one it cannot read.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { loadKnowledge, ROOT, type Knowledge } from "../../src/knowledge/load.js";
import { evaluateInput } from "../../src/eligibility/profile.js";
import { Engine } from "../../src/engine/engine.js";
import { say } from "../helpers.js";

const FOOTNOTE = "直播销售员工种：申报直播销售员工种各等级的人员均须年满18周岁，下同。";
let kb: Knowledge;
let hotline: string;

beforeAll(() => {
  const dir = join(mkdtempSync(join(tmpdir(), "restricted-")), "2024");
  cpSync(join(ROOT, "knowledge", "2024"), dir, { recursive: true });
  const file = join(dir, "conditions.yaml");
  const doc = parse(readFileSync(file, "utf8"));
  doc.occupations.find((o: { occupation: string }) => o.occupation === "互联网营销师").restrictions = [FOOTNOTE];
  writeFileSync(file, stringify(doc));
  kb = loadKnowledge({ noticeDir: dir });
  hotline = kb.contacts.hotline.text;
});

describe("a footnote the importer could not read", () => {
  it("a 17-year-old for 直播销售员 五级: not eligible, not refused either — the footnote and the hotline", () => {
    const r = evaluateInput(kb, { occupation: "互联网营销师", track: "直播销售员", level: 5, age: 17, yearsInField: 0 });
    if ("error" in r) throw new Error(r.error);
    expect(r.eligible).toBe(false);
    expect(r.reason).toContain("未能确认");
    expect(r.reason).toContain("年满18周岁");
    expect(r.reason).toContain(hotline);
    expect(r.undetermined).toEqual([FOOTNOTE]);
    expect(r.materials).toEqual([]);
    // The condition the candidate does meet is named; it is not listed as a shortfall.
    expect(r.conditions.length).toBeGreaterThan(0);
    expect(r.gaps.map((g) => g.condition)).toContain(FOOTNOTE);
    expect(r.gaps.map((g) => g.condition)).not.toContain(r.conditions[0].text);
  });

  it("also at a level met by years in the field (四级, 6 years) when the age is not given; an age that reaches it lifts it", () => {
    const unknownAge = evaluateInput(kb, { occupation: "互联网营销师", track: "直播销售员", level: 4, yearsInField: 6 });
    if ("error" in unknownAge) throw new Error(unknownAge.error);
    expect(unknownAge.eligible).toBe(false);
    expect(unknownAge.undetermined).toEqual([FOOTNOTE]);
    const adult = evaluateInput(kb, { occupation: "互联网营销师", track: "直播销售员", level: 4, age: 30, yearsInField: 6 });
    if ("error" in adult) throw new Error(adult.error);
    expect(adult.eligible).toBe(true);
    expect(adult.undetermined).toBeUndefined();
  });

  it("the occupation's other tracks are answered as before", () => {
    const r = evaluateInput(kb, { occupation: "互联网营销师", track: "选品员", level: 5, age: 17, yearsInField: 0 });
    if ("error" in r) throw new Error(r.error);
    expect(r.eligible).toBe(true);
    expect(r.undetermined).toBeUndefined();
  });

  it("a level not met stays a plain no", () => {
    const r = evaluateInput(kb, { occupation: "互联网营销师", track: "直播销售员", level: 3, age: 30, yearsInField: 2 });
    if ("error" in r) throw new Error(r.error);
    expect(r.eligible).toBe(false);
    expect(r.undetermined).toBeUndefined();
  });

  it("in the chat: no 可以报, the footnote quoted, the hotline", async () => {
    const engine = new Engine(kb);
    const replies = await say(engine, "restricted-1", "我17岁，想报直播销售员五级，打算以后做直播", "五级");
    const last = replies.join("\n");
    expect(last).not.toMatch(/可以报/);
    expect(last).toContain("年满18周岁");
    expect(last).toContain(hotline);
  });
});
