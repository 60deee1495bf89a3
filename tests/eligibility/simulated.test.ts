/**
 * Simulated candidates: random complete profiles answer the dialog's questions in words, as a person would;
 * the dialog's verdict must equal the rules' verdict for the same profile.
 */
import { describe, expect, it } from "vitest";
import { makeEngine } from "../helpers.js";
import { getKb } from "../helpers.js";
import { evaluate } from "../../src/eligibility/rules.js";
import { parseProfile, type Profile } from "../../src/eligibility/profile.js";
import { MemoryStore } from "../../src/engine/session.js";
import { levelLabel, tracksOf } from "../../src/knowledge/facts.js";
import { SCHOOLS, PROGRAMS } from "../../src/knowledge/schema.js";

const kb = getKb();

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function randomProfile(r: () => number): Profile {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const occupation = pick(kb.occupations.occupations.map((o) => o.name));
  const tracks = tracksOf(kb, occupation);
  const track = tracks.length ? pick(tracks) : undefined;
  const years = pick([0, 1, 2, 2.9, 3, 4, 4.9, 5, 6, 9.9, 10, 12]);
  const majors = [...new Set(kb.rules.get(occupation)!.majorLists.flatMap((l) => l.majors))];
  const p: Profile = { occupation, track, level: pick([1, 2, 3, 4, 5]), yearsInField: years, age: pick([15, 16, 20, 35]) };
  if (r() < 0.6) {
    const held = pick([0, 1, 1.9, 2, 3, 4, 5, 6]);
    p.certificate = { level: pick([2, 3, 4, 5]), related: r() < 0.85, yearsHeld: held, yearsInFieldSince: Math.min(held, years) };
  }
  if (r() < 0.6) {
    p.education = {
      school: pick(SCHOOLS),
      status: pick(["毕业", "应届", "在读"] as const),
      major: r() < 0.7 ? pick(majors) : "会计学",
      ...(r() < 0.5 ? { program: pick(PROGRAMS) } : {}),
    };
  }
  return p;
}

/** How a candidate answers each question, in words. */
function answer(field: string, p: Profile): string {
  const c = p.certificate;
  const e = p.education;
  switch (field) {
    case "occupation":
      return p.track ?? p.occupation;
    case "level":
      return levelLabel(kb, p.level).split("/")[0];
    case "yearsInField":
      return `${p.yearsInField}年`;
    case "age":
      return `${p.age}岁`;
    case "certificate":
      return c ? "有" : "没有";
    case "certificate.level":
      return levelLabel(kb, c!.level).split("/")[0];
    case "certificate.related":
      return c!.related ? "是的" : "不是";
    case "certificate.yearsInFieldSince":
      return `${c!.yearsInFieldSince}年`;
    case "certificate.yearsHeld":
      return `${c!.yearsHeld}年`;
    case "education":
      return e ? "有" : "没有";
    case "education.school":
      return e!.school;
    case "education.program":
      return e!.program ?? "以上都不是";
    case "education.status":
      return { 毕业: "已毕业", 应届: "今年毕业", 在读: "还在读，不是应届" }[e!.status];
    case "education.major":
      return `${e!.major}专业`;
    default:
      throw new Error(`unexpected question ${field}`);
  }
}

describe("simulated candidates complete the dialog", () => {
  it("should reach the rules' verdict for 300 random profiles, asking each field at most once", async () => {
    const store = new MemoryStore();
    const engine = makeEngine({ store });
    const r = rng(20241229);
    for (let i = 0; i < 300; i++) {
      const profile = parseProfile(kb, randomProfile(r));
      if (!profile.ok) throw new Error(profile.error);
      const p = profile.profile;
      const user = `sim-${i}`;
      let reply = (await engine.turn(user, "资格自测")).replies[0];
      const asked = new Set<string>();
      for (let turn = 0; turn < 20; turn++) {
        const dialog = (await store.get(user))?.dialog;
        if (!dialog) break;
        expect(asked.has(dialog.asking), `${JSON.stringify(p)} asked ${dialog.asking} twice:\n${reply}`).toBe(false);
        asked.add(dialog.asking);
        reply = (await engine.turn(user, answer(dialog.asking, p))).replies[0];
      }
      expect((await store.get(user))?.dialog, `dialog did not end for ${JSON.stringify(p)}`).toBeUndefined();
      const expected = evaluate(kb, p);
      const said = reply.includes(`可以报${p.occupation}`);
      expect(said, `${JSON.stringify(p)}\n${reply}`).toBe(expected.eligible);
    }
  });
});
