/** A profile for an occupation or track the newest plan dropped gets a verdict (not offered), not an error. */
import { describe, expect, it } from "vitest";
import { getKb } from "../helpers.js";
import { evaluateInput } from "../../src/eligibility/profile.js";
import type { Knowledge } from "../../src/knowledge/load.js";

const base = getKb();
const kb: Knowledge = {
  ...base,
  occupations: { ...base.occupations, withdrawn: [{ name: "物流师", aliases: [], lastYear: base.notice.year - 1 }, { name: "带货员", aliases: [], lastYear: base.notice.year - 1 }] },
};

describe("a dropped occupation in the eligibility contract", () => {
  it("is not eligible, with the reason that this year's plan does not have it", () => {
    const r = evaluateInput(kb, { occupation: "物流师", level: 3, yearsInField: 12 });
    expect(r).toMatchObject({ eligible: false, occupation: "物流师", level: 3, conditions: [], materials: [], fee: null, months: [] });
    expect("reason" in r && r.reason).toContain("物流师");
  });

  it("works for a dropped track of an occupation still in the plan", () => {
    const r = evaluateInput(kb, { occupation: "互联网营销师", track: "带货员", level: 4, yearsInField: 6 });
    expect(r).toMatchObject({ eligible: false, track: "带货员" });
  });

  it("still refuses a name that was never in a plan, and a bad level", () => {
    expect(evaluateInput(kb, { occupation: "厨师", level: 3 })).toHaveProperty("error");
    expect(evaluateInput(kb, { occupation: "物流师", level: 9 })).toHaveProperty("error");
  });
});
