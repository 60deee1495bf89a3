/**
 * A negative verdict people can act on (issue 13): the conditions as alternatives, the route nearest to the person
 * first, routes needing a school type they cannot have left out, and under 300 characters before the source line.
 */
import { describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { describeFacts } from "../../src/eligibility/dialog.js";
import { render } from "../../src/knowledge/facts.js";
import { offeredLevels } from "../../src/knowledge/facts.js";
import type { Facts } from "../../src/eligibility/rules.js";

const kb = getKb();
const engine = makeEngine();
const verdict = (f: Facts & { occupation: string; level: number }) => engine.composer.eligibilityVerdict(f)!.text;
/** The reply as the dialog gives it, before its source line. */
const shown = (f: Facts & { occupation: string; level: number }) => `${render(kb.dialog.known, { facts: describeFacts(kb, f) })}\n${verdict(f)}`;

describe("a negative verdict", () => {
  it("introduces the conditions as alternatives", () => {
    const text = verdict({ occupation: "电子商务师", level: 3, yearsInField: 0, certificate: null, education: null });
    expect(text).toMatch(/暂不符合/);
    expect(text).toContain("满足以下任一条件即可");
    expect(text).toMatch(/\n1\. .*\n2\. /);
  });

  it("puts first the route that builds on the schooling the person has", () => {
    const text = verdict({
      occupation: "电子商务师", level: 3, yearsInField: 3, certificate: null,
      education: { school: "普通高等学校专科", status: "毕业", major: "电子商务" },
    });
    // The first route listed (or the only one, when the others do not fit a phone screen).
    const first = text.split("\n").find((l) => l.startsWith("1. ") || l.startsWith("还差："))!;
    expect(first).toMatch(/证书/);
    expect(first).toContain("普通高等学校专科学历可用于这一条");
  });

  it("leaves out routes that need schooling the person said they do not have, and says so", () => {
    const text = verdict({ occupation: "电子商务师", level: 3, yearsInField: 0, certificate: null, education: null });
    const routes = text.split("\n").filter((l) => /^\d\. /.test(l));
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r).not.toMatch(/技工学校|技师学院|职业学校|高等学校/);
    expect(text).toMatch(/另有\d种途径/);
  });

  it("stays under 300 characters before its source line, for every occupation and level and usual profiles", () => {
    const profiles: Facts[] = [
      { yearsInField: 0, certificate: null, education: null, age: 30 },
      { yearsInField: 2, certificate: null, education: { school: "普通高等学校专科", status: "毕业", major: "电子商务" }, age: 25 },
      { yearsInField: 1, certificate: null, education: { school: "本科及以上", status: "毕业", major: "计算机科学与技术" }, age: 24 },
      { yearsInField: 3, certificate: { level: 4, related: true, yearsInFieldSince: 1, yearsHeld: 1 }, education: null, age: 35 },
      { yearsInField: 1, certificate: null, education: { school: "技师学院", program: "高级工班", status: "在读", major: "电子商务" }, age: 19 },
    ];
    let checked = 0;
    for (const o of kb.occupations.occupations) {
      for (const level of offeredLevels(kb, o.name)) {
        for (const p of profiles) {
          const f = { ...p, occupation: o.name, level };
          const a = engine.composer.eligibilityVerdict(f);
          if (!a || !/暂不符合/.test(a.text)) continue;
          checked++;
          expect(shown(f).length, `${o.name} ${level} ${JSON.stringify(p)}:\n${shown(f)}`).toBeLessThan(300);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
