/** Damaged notices: the importer reads them or refuses them with a reason, never throws anything else. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildFolder, readPrevious, runImport } from "../../src/importer/import.js";
import { ImportError } from "../../src/importer/types.js";
import { ROOT } from "../../src/knowledge/load.js";

const SEED = readFileSync(join(import.meta.dirname, "fixtures", "2024-seed.txt"), "utf8");
const PREVIOUS = join(ROOT, "knowledge", "2024");
const prev = readPrevious(PREVIOUS);
const LINES = SEED.split("\n");

/** Builds the folder in memory: a result or an ImportError, nothing else. */
function outcome(text: string): "built" | "refused" {
  try {
    buildFolder(text, prev);
    return "built";
  } catch (err) {
    if (err instanceof ImportError) return "refused";
    throw err;
  }
}

describe("damaged notices", () => {
  it("a block of lines cut out, a line doubled, tabs turned into spaces or cells emptied: read or refused", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("cut"), at: fc.nat(LINES.length - 1), n: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant("double"), at: fc.nat(LINES.length - 1), n: fc.constant(1) }),
      fc.record({ kind: fc.constant("spaces"), at: fc.nat(LINES.length - 1), n: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant("empty"), at: fc.nat(LINES.length - 1), n: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let lines = [...LINES];
        for (const e of edits) {
          const at = Math.min(e.at, lines.length - 1);
          if (e.kind === "cut") lines.splice(at, e.n);
          else if (e.kind === "double") lines.splice(at, 0, lines[at]);
          else if (e.kind === "spaces") lines = lines.map((l, i) => (i >= at && i < at + e.n ? l.replace(/\t/g, "  ") : l));
          else lines = lines.map((l, i) => (i >= at && i < at + e.n ? l.replace(/[^\t]+/g, "") : l));
        }
        expect(["built", "refused"]).toContain(outcome(lines.join("\n")));
      }),
      { numRuns: 150, seed: 20261204 },
    );
  });

  it("random text and random bytes are refused", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), (text) => {
        expect(outcome(text)).toBe("refused");
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it("a damaged notice that the loader refuses leaves no folder and no temporary beside it", () => {
    const tmp = mkdtempSync(join(tmpdir(), "import-robust-"));
    try {
      // A plan row printed twice: the parser lists it, the loader refuses the folder (a repeated plan row).
      const text = SEED.replace("9\t\t\t四级/中级工\t10\n", "9\t\t\t四级/中级工\t10\n9\t\t\t四级/中级工\t10\n");
      writeFileSync(join(tmp, "n.txt"), text);
      const r = runImport({ file: join(tmp, "n.txt"), out: join(tmp, "out", "x"), previous: PREVIOUS });
      expect(r.code).toBe(1);
      expect(r.problems?.join("\n")).toMatch(/重复的计划行 互联网营销师\/平台管理员\/4/);
      expect(r.review.map((i) => i.reason).join("\n")).toMatch(/出现了两次/);
      expect(readdirSync(join(tmp, "out"))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
