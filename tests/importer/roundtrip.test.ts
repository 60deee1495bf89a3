/**
 * Round trip: importing the seed (the 2024 notice) reproduces knowledge/2024 field by field, both folders loaded by the
 * real loader. A difference is a bug in one of them, decided by the notice's text.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImport, type ImportOutcome } from "../../src/importer/import.js";
import { loadKnowledge, ROOT, type Knowledge } from "../../src/knowledge/load.js";
import { baseVars, render } from "../../src/knowledge/facts.js";

const SEED = join(import.meta.dirname, "fixtures", "2024-seed.txt");
const HAND = join(ROOT, "knowledge", "2024");

let tmp: string;
let result: ImportOutcome;
let hand: Knowledge;
let imported: Knowledge;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "import-roundtrip-"));
  result = runImport({ file: SEED, out: join(tmp, "2024"), previous: HAND });
  hand = loadKnowledge({ noticeDir: HAND });
  imported = loadKnowledge({ noticeDir: join(tmp, "2024") });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("importing the seed reproduces knowledge/2024", () => {
  it("writes the folder, with nothing to review outside 附件1 (another parser's) ", () => {
    expect(result.code).not.toBe(1);
    expect(result.review.filter((r) => r.file !== "conditions.yaml")).toEqual([]);
    expect(result.changes).toEqual([]);
  });

  it("the notice's facts, parts, process numbers and clause texts", () => {
    expect(imported.notice).toEqual(hand.notice);
  });

  it("every plan row, months resolved from merged cells", () => {
    expect(imported.plan).toEqual(hand.plan);
  });

  it("occupations and tracks, with their everyday names carried over", () => {
    expect(imported.occupations).toEqual(hand.occupations);
  });

  it("fees, materials (identity documents, photo spec), contacts, evaluation", () => {
    expect(imported.fees).toEqual(hand.fees);
    expect(imported.materials).toEqual(hand.materials);
    expect(imported.contacts).toEqual(hand.contacts);
    expect(imported.evaluation).toEqual(hand.evaluation);
  });

  it("every canned answer renders to the same text", () => {
    const [hv, iv] = [baseVars(hand), baseVars(imported)];
    expect(imported.answers.map((a) => [a.id, render(a.answer, {}, iv)])).toEqual(hand.answers.map((a) => [a.id, render(a.answer, {}, hv)]));
  });
});
