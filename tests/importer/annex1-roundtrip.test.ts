// Round trip: 附件1 of the 2024 notice, read by the importer, must mean what the hand-written knowledge/2024/conditions.yaml
// means — compared after loading both with the real loader, field by field — and give the same eligibility verdicts.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseAnnex1 } from "../../src/importer/annex1.js";
import type { SourceLine } from "../../src/importer/types.js";
import { loadKnowledge, ROOT, type Knowledge } from "../../src/knowledge/load.js";
import { parseProfile } from "../../src/eligibility/profile.js";
import { evaluate } from "../../src/eligibility/rules.js";

const SEED_PATHS = [join(ROOT, "..", "shared", "seed", "000_2a3069a21d62eb2b.txt"), "/work/shared/seed/000_2a3069a21d62eb2b.txt"];
const SEED = SEED_PATHS.find((p) => existsSync(p));
const HAND = join(ROOT, "knowledge", "2024");

/** The lines of 附件1: from its heading up to 附件2's. */
function annex1Lines(text: string): SourceLine[] {
  const lines = text.split(/\r?\n/).map((t, i) => ({ no: i + 1, text: t }));
  const start = lines.findIndex((l) => /^附件\s*1\s*$/.test(l.text.trim()));
  const end = lines.findIndex((l) => /^附件\s*2\s*$/.test(l.text.trim()));
  return lines.slice(start, end);
}

function planLevels(kb: Knowledge): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of kb.plan.rows) {
    const l = m.get(r.occupation) ?? [];
    if (!l.includes(r.level)) l.push(r.level);
    m.set(r.occupation, l);
  }
  return m;
}

describe.skipIf(!SEED)("附件1 round trip on the 2024 notice", () => {
  const hand = loadKnowledge({ noticeDir: HAND });
  const previous = parse(readFileSync(join(HAND, "conditions.yaml"), "utf8"));
  const result = parseAnnex1(annex1Lines(readFileSync(SEED!, "utf8")), { conditions: previous }, planLevels(hand));
  const dir = mkdtempSync(join(tmpdir(), "annex1-roundtrip-"));
  cpSync(HAND, dir, { recursive: true });
  writeFileSync(join(dir, "conditions.yaml"), stringify(result.data));
  const mine = loadKnowledge({ noticeDir: dir });

  it("reads the whole annex with nothing to review", () => {
    expect(result.review).toEqual([]);
  });

  it("writes each occupation's own conditions (no shared templates)", () => {
    const data = result.data as { templates?: unknown; occupations: { conditions?: object }[] };
    expect(data.templates).toBeUndefined();
    for (const o of data.occupations) expect(Object.keys(o.conditions ?? {}).length).toBeGreaterThan(0);
  });

  it("read again with its own output as the previous folder: the same data (ids and material keys carried over)", () => {
    const again = parseAnnex1(annex1Lines(readFileSync(SEED!, "utf8")), { conditions: parse(stringify(result.data)) }, planLevels(hand));
    expect(again.review).toEqual([]);
    expect(again.data).toEqual(result.data);
  });

  const SAMPLE = [join(ROOT, "..", "shared", "notices", "2025-sample.txt"), "/work/shared/notices/2025-sample.txt"].find((p) => existsSync(p));
  it.skipIf(!SAMPLE)("the 2025 sample notice (the same 附件1): the same data, nothing to review", () => {
    const next = parseAnnex1(annex1Lines(readFileSync(SAMPLE!, "utf8")), { conditions: previous }, planLevels(hand));
    expect(next.review).toEqual([]);
    expect(next.data).toEqual(result.data);
  });

  it("has the same occupations in the same order", () => {
    expect([...mine.rules.keys()]).toEqual([...hand.rules.keys()]);
  });

  for (const [occupation, h] of hand.rules) {
    describe(occupation, () => {
      const m = () => mine.rules.get(occupation)!;
      it("levels, in the table's order", () => expect([...m().levels.keys()]).toEqual([...h.levels.keys()]));
      for (const [level, conditions] of h.levels) {
        it(`${level} 级: each condition's id, text, rule and materials`, () => {
          const got = m().levels.get(level)!;
          expect(got.map((c) => c.text)).toEqual(conditions.map((c) => c.text));
          got.forEach((c, i) => {
            expect(c.id).toBe(conditions[i].id);
            expect(c.rule).toEqual(conditions[i].rule);
            expect(c.materials).toEqual(conditions[i].materials);
          });
        });
      }
      it("related occupations and their everyday names", () => {
        expect(m().relatedOccupations).toEqual(h.relatedOccupations);
        expect(m().relatedOccupationAliases).toEqual(h.relatedOccupationAliases);
      });
      it("major lists: labels, schools, notes, majors", () => {
        expect(m().majorLists).toEqual(h.majorLists);
      });
    });
  }

  it("the material texts canned answers name ({material_…}) are all there, unchanged", () => {
    expect(Object.fromEntries(mine.materialTexts)).toEqual(Object.fromEntries(hand.materialTexts));
  });

  it("gives the same result for every eligibility profile of the blind set", () => {
    const rows = readFileSync(join(ROOT, "tests", "acceptance", "eligibility-blind.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { profile: unknown });
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) {
      const a = parseProfile(hand, row.profile);
      const b = parseProfile(mine, row.profile);
      expect(b.ok).toBe(a.ok);
      if (a.ok && b.ok) expect(evaluate(mine, b.profile)).toEqual(evaluate(hand, a.profile));
    }
  });

  it("gives the same result over a grid of candidates for every occupation and level", () => {
    let n = 0;
    const seen = new Set<string>();
    for (const row of hand.plan.rows) {
      if (seen.has(`${row.occupation}/${row.level}`)) continue;
      seen.add(`${row.occupation}/${row.level}`);
      const listed = hand.rules.get(row.occupation)!.majorLists[0].majors[0];
      const cert = { level: Math.min(5, row.level + 1), related: true, yearsHeld: 2, yearsInFieldSince: 3 };
      for (const yearsInField of [0, 5, 10]) {
        for (const certificate of [undefined, cert]) {
          for (const education of [
            undefined,
            { school: "技师学院", program: "预备技师班", major: listed, status: "在读" },
            { school: "高等职业学校", major: listed, status: "应届" },
            { school: "中等职业学校", major: "汉语言文学", status: "毕业" },
          ]) {
            const profile = { occupation: row.occupation, track: row.track, level: row.level, age: 20, yearsInField, certificate, education };
            const a = parseProfile(hand, profile);
            const b = parseProfile(mine, profile);
            expect(b.ok).toBe(a.ok);
            if (a.ok && b.ok) {
              expect(evaluate(mine, b.profile)).toEqual(evaluate(hand, a.profile));
              n++;
            }
          }
        }
      }
    }
    expect(n).toBeGreaterThan(200);
  });
});
