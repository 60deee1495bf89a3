/**
 * Our regression sets, scored by the shared acceptance scorer through the command-line contracts
 * (`npm run --silent chat -- --jsonl`, `npm run --silent eligibility -- --jsonl`). Written from the notice by people
 * who did not read the code. Every case must pass except the few listed as known, which need reasoning the product
 * does not do (counting days to an exam, or whether a score from a given year has expired), or a dialog's
 * question where the case expected a verdict.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../src/knowledge/load.js";

const SCORER = join(ROOT, "..", "shared", "acceptance", "score.mjs");
const SETS: [mode: string, file: string, known: string[]][] = [
  ["faq", "faq-cases.jsonl", []],
  ["faq", "faq-blind.jsonl", []],
  ["faq", "faq-blind3.jsonl", []],
  ["faq", "faq-blind4.jsonl", []],
  // "今天离考试还有8天，准考证能打印了吗"; "我2022年考的理论过了，今年还能只补技能吗"; and "那五级呢" in the middle
  // of a dialog about 四级, which switches the dialog to 五级 and asks the age instead of saying yes outright.
  ["faq", "faq-blind5.jsonl", ["b5-tkt-04", "b5-bk-04", "b5-c12b"]],
  // "我今年17岁，在做带货主播，可以报吗": working in the field with no number of years; the dialog asks the level.
  ["faq", "faq-blind6.jsonl", ["b6-c13-b"]],
  ["faq", "faq-blind7.jsonl", []],
  // "滲透測試員二級今年有得考嗎": the case wants the offered levels within four characters of each other.
  ["faq", "faq-blind8.jsonl", ["b8-e-is-n01"]],
  ["eligibility", "eligibility-blind.jsonl", []],
];

describe.skipIf(!existsSync(SCORER))("acceptance regression sets (scorer at ../shared/acceptance)", () => {
  it.each(SETS)("%s %s: every case passes but the known ones", (mode, file, known) => {
    const run = spawnSync("node", [SCORER, mode, join(ROOT, "tests", "acceptance", file)], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    const failed = [...run.stdout.matchAll(/^FAIL (\S+):/gm)].map((m) => m[1]);
    expect(failed, run.stdout.split("\n").filter((l) => l.startsWith("FAIL") || l.startsWith("  ")).join("\n")).toEqual(known);
  });
});
