/**
 * Our regression sets, scored by the shared acceptance scorer through the command-line contracts
 * (`npm run --silent chat -- --jsonl`, `npm run --silent eligibility -- --jsonl`). Written from the notice by people
 * who did not read the code; every case must pass.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../src/knowledge/load.js";

const SCORER = join(ROOT, "..", "shared", "acceptance", "score.mjs");
const SETS: [string, string][] = [
  ["faq", "faq-cases.jsonl"],
  ["faq", "faq-blind.jsonl"],
  ["faq", "faq-blind3.jsonl"],
  ["faq", "faq-blind4.jsonl"],
  ["eligibility", "eligibility-blind.jsonl"],
];

describe.skipIf(!existsSync(SCORER))("acceptance regression sets (scorer at ../shared/acceptance)", () => {
  it.each(SETS)("%s %s: every case passes", (mode, file) => {
    const run = spawnSync("node", [SCORER, mode, join(ROOT, "tests", "acceptance", file)], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(run.stdout, run.stdout.split("\n").filter((l) => l.startsWith("FAIL") || l.startsWith("  ")).join("\n")).toMatch(/: (\d+) passed, 0 failed/);
    expect(run.status).toBe(0);
  });
});
