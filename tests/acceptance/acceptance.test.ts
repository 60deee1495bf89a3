/**
 * Our regression sets, scored through the command-line contracts (`npm run --silent chat -- --jsonl`,
 * `npm run --silent eligibility -- --jsonl`): by the shared acceptance scorer when it is beside the project
 * (../shared/acceptance, as on the development machines), otherwise by the same contract checked here, so that a
 * clean checkout in CI runs them too. Written from the notice by people who did not read the code. Every case must
 * pass except the few listed as known, each with its reason beside it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { spawn } from "node:child_process";
import * as OpenCC from "opencc-js";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../src/knowledge/load.js";
import { runImport } from "../../src/importer/import.js";

const SCORER = join(ROOT, "..", "shared", "acceptance", "score.mjs");
const SETS: [mode: string, file: string, known: string[]][] = [
  ["faq", "faq-cases.jsonl", []],
  ["faq", "faq-blind.jsonl", []],
  ["faq", "faq-blind3.jsonl", []],
  ["faq", "faq-blind4.jsonl", []],
  // "那五级呢" in the middle of a dialog about 四级, which switches the dialog to 五级 and asks the age instead of
  // saying yes outright.
  ["faq", "faq-blind5.jsonl", ["b5-c12b"]],
  ["faq", "faq-blind6.jsonl", []],
  ["faq", "faq-blind7.jsonl", []],
  // "滲透測試員二級今年有得考嗎": the case wants the offered levels within four characters of each other.
  ["faq", "faq-blind8.jsonl", ["b8-e-is-n01"]],
  ["faq", "faq-blind9.jsonl", []],
  ["faq", "faq-blind10.jsonl", []],
  ["faq", "faq-blind11.jsonl", []],
  // "网络营销那个证": 网络营销 is a major on 电子商务师's lists, and read as that; "物流那个证": the notice names no
  // occupation 物流.
  ["faq", "faq-blind12.jsonl", ["b12-034", "b12-037"]],
  ["faq", "faq-blind13.jsonl", []],
  ["faq", "faq-blind14.jsonl", []],
  // "没交费能打印准考证吗": the answer says who can print it (已成功缴费的考生), not "no" in so many words;
  // "技师学院预备技师班学生能报二级吗" is taken as the asker's own case and starts the dialog.
  ["faq", "faq-blind15.jsonl", ["b15-042", "b15-069"]],
  // Facts given over several turns: "沒有二級證" while the dialog asks about schooling, and a 大专 major said while it
  // asks the years.
  ["faq", "faq-blind16.jsonl", ["b16-c18-c", "b16-c19-c"]],
  // "15岁能考直播销售员吗": the dialog asks the level before saying that every 五级 condition needs 16.
  ["faq", "faq-blind17.jsonl", ["b17-024"]],
  // "我做咗電商8年，冇任何證書，可唔可以報電子商務師三級": 8 years are short of 10, but a school route is still open,
  // so the dialog asks about schooling where the case expects a no.
  ["faq", "faq-blind18.jsonl", ["b18-067"]],
  // Simulated candidates answering the dialog in their own words (71 conversations, 2024 notice), written blind and
  // scored before any fix: 114/159, no wrong 可以报. Known, to be fixed next: messages stating a person's facts routed
  // to a FAQ by one keyword (拿证 → certificate collection, 上班 → hours, 客服, a fee word; c05 c07 c10 c16 c25 c26 c45
  // c48 c65 c69 c70), the highest level not computed over every level's routes (c11, c23), 大专 read as 专科 only where
  // the list names 高职 majors (c54), a 16-year-old who plans to work put on the 从事 route (c59), a question inside a
  // yes/no answer taken as yes (c38), everyday words not read (ages "我17"/"刚满十六"/"下个月才满16", ranges "七八年",
  // majors "学的汽修"/"大专电商毕业", "没有证", "对", a certificate whose occupation is named: c01 c02 c06 c08 c15 c20 c21
  // c28 c36 c43 c47 c49 c52 c62 c68), follow-ups ("那还差多久", "那要多大才能报": c07 c30), an occupation not in the
  // plan (c63), and turns that follow an earlier miss (c17 c19 c22 c24 c57 c67).
  ["faq", "faq-blind19.jsonl", [
    "b2-c01-c", "b2-c01-d", "b2-c02-b", "b2-c05-b", "b2-c05-c", "b2-c06-a", "b2-c07-a", "b2-c07-b", "b2-c08-d", "b2-c10-a",
    "b2-c11-a", "b2-c11-b", "b2-c15-a", "b2-c16-b", "b2-c17-a", "b2-c19-b", "b2-c20-a", "b2-c21-c", "b2-c22-b", "b2-c22-c",
    "b2-c23-b", "b2-c24-b", "b2-c25-b", "b2-c26-a", "b2-c28-b", "b2-c30-b", "b2-c36-d", "b2-c38-b", "b2-c43-a", "b2-c43-b",
    "b2-c45-a", "b2-c47-c", "b2-c48-a", "b2-c49-a", "b2-c52-a", "b2-c54-a", "b2-c57-a", "b2-c59-a", "b2-c62-b", "b2-c63-a",
    "b2-c65-a", "b2-c67-c", "b2-c68-c", "b2-c69-a", "b2-c70-a",
  ]],
  ["eligibility", "eligibility-blind.jsonl", []],
];

interface FaqCase {
  id: string;
  user: string;
  text: string;
  all: string[];
  none: string[];
}
interface EligibilityCase {
  id: string;
  profile: unknown;
  eligible: boolean;
  materials: string[];
}

/** A reply in either script is read alike: NFKC, no white space, Traditional characters as Simplified. */
const toSimplified = OpenCC.Converter({ from: "hk", to: "cn" });
const fold = (s: string) => toSimplified(s.normalize("NFKC").replace(/\s+/g, ""));

/** A failing case: its id and what the scorer said of it. */
interface Failure {
  id: string;
  report: string;
}

/** Runs a command with `input` on its stdin, without blocking the worker (two sets can run at once). */
function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, input = ""): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/** The cases that fail, checked here as the scorer checks them. */
async function failures(mode: string, file: string, env: NodeJS.ProcessEnv): Promise<Failure[]> {
  const cases = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as FaqCase & EligibilityCase);
  const input = cases.map((c) => JSON.stringify(mode === "faq" ? { user: c.user, text: c.text } : c.profile)).join("\n") + "\n";
  const run = await exec("npm", ["run", "--silent", mode === "faq" ? "chat" : "eligibility", "--", "--jsonl"], env, input);
  if (run.status !== 0) throw new Error(`the ${mode} command failed (exit ${run.status}): ${run.stderr.slice(-1000)}`);
  const lines = run.stdout.split("\n").filter((l) => l.trim().startsWith("{"));
  const failed: Failure[] = [];
  cases.forEach((c, i) => {
    const out = JSON.parse(lines[i] ?? "null") as { reply?: string; eligible?: boolean; materials?: string[] } | null;
    const why: string[] = [];
    if (!out) why.push("no JSON line");
    else if (mode === "faq") {
      const reply = fold(out.reply ?? "");
      for (const r of c.all) if (!new RegExp(r).test(reply)) why.push(`missing /${r}/`);
      for (const r of c.none) if (new RegExp(r).test(reply)) why.push(`has /${r}/`);
    } else {
      if (out.eligible !== c.eligible) why.push(`eligible ${out.eligible}, expected ${c.eligible}`);
      const materials = fold((out.materials ?? []).join("；"));
      if (c.eligible) for (const r of c.materials) if (!new RegExp(r).test(materials)) why.push(`materials missing /${r}/`);
    }
    if (why.length)
      failed.push({ id: c.id, report: `FAIL ${c.id}: ${why.join("; ")}\n  got: ${JSON.stringify(mode === "faq" ? out?.reply : out)?.slice(0, 300)}` });
  });
  return failed;
}

/** The shared scorer's verdict when it is there. */
async function scored(mode: string, file: string, env: NodeJS.ProcessEnv): Promise<Failure[]> {
  const run = await exec("node", [SCORER, mode, file], env);
  if (!/^\w+: \d+ passed, \d+ failed/m.test(run.stdout)) throw new Error(`the scorer gave no score: ${run.stdout.slice(-500)} ${run.stderr.slice(-1000)}`);
  const failed: Failure[] = [];
  for (const line of run.stdout.split("\n")) {
    const id = /^FAIL (\S+):/.exec(line)?.[1];
    if (id) failed.push({ id, report: line });
    else if (line.startsWith("  ") && failed.length) failed[failed.length - 1].report += `\n${line}`;
  }
  return failed;
}

const SEP = "::";

/**
 * The sets of one mode through one run of the command (its start-up and the knowledge load once, not once a set):
 * the sets are put one after the other in a file, each case's id and user prefixed with its set's name, so that the
 * conversations of two sets never meet. Each set's failures, by its own ids.
 */
async function runSets(mode: string, files: string[], env: NodeJS.ProcessEnv = process.env): Promise<Map<string, Failure[]>> {
  const lines = files.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const c = JSON.parse(l) as { id: string; user?: string };
        const set = basename(file);
        return JSON.stringify({ ...c, id: `${set}${SEP}${c.id}`, ...(c.user === undefined ? {} : { user: `${set}${SEP}${c.user}` }) });
      }),
  );
  const merged = join(mkdtempSync(join(tmpdir(), "acceptance-")), `${mode}.jsonl`);
  writeFileSync(merged, lines.join("\n") + "\n");
  const failed = existsSync(SCORER) ? await scored(mode, merged, env) : await failures(mode, merged, env);
  const bySet = new Map<string, Failure[]>(files.map((f) => [basename(f), []]));
  for (const f of failed) {
    const [set, id] = [f.id.slice(0, f.id.indexOf(SEP)), f.id.slice(f.id.indexOf(SEP) + SEP.length)];
    const list = bySet.get(set);
    if (!list) throw new Error(`a failure of no set: ${f.report}`);
    list.push({ id, report: f.report });
  }
  return bySet;
}

/** Asserts one set's failures: exactly the known ones. */
function check(results: Map<string, Failure[]> | undefined, file: string, known: string[]): void {
  const failed = results?.get(file);
  expect(failed, `no result for ${file}`).toBeDefined();
  expect(
    failed!.map((f) => f.id),
    failed!.map((f) => f.report).join("\n"),
  ).toEqual(known);
}

describe(`acceptance regression sets (${existsSync(SCORER) ? "shared scorer" : "the scorer's contract, checked here"})`, () => {
  const results = new Map<string, Failure[]>();
  beforeAll(async () => {
    const dir = join(ROOT, "tests", "acceptance");
    const modes = [...new Set(SETS.map(([mode]) => mode))];
    const runs = await Promise.all(modes.map((mode) => runSets(mode, SETS.filter(([m]) => m === mode).map(([, file]) => join(dir, file)))));
    for (const run of runs) for (const [file, failed] of run) results.set(file, failed);
  }, 300_000);
  it.each(SETS)("%s %s: every case passes but the known ones", (_mode, file, known) => check(results, file, known));
});

// A notice the product had not seen, written blind from the two notices' layout by a helper (2026: 供应链管理师 dropped,
// 人工智能训练师 added with its own numbers, lists and fees, most numbers and contacts changed), imported as staff
// would, then asked its own blind questions and profiles.
describe("a blind notice imported (2026)", () => {
  const dir = join(ROOT, "tests", "acceptance", "notice-2026");
  const results = new Map<string, Failure[]>();
  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), "blind-2026-")), "2026");
    const r = runImport({ file: join(dir, "notice.txt"), out });
    expect(r.code, r.error ?? "").not.toBe(1);
    const env = { ...process.env, KNOWLEDGE_DIR: out };
    const runs = await Promise.all([runSets("faq", [join(dir, "faq.jsonl")], env), runSets("eligibility", [join(dir, "eligibility.jsonl")], env)]);
    for (const run of runs) for (const [file, failed] of run) results.set(file, failed);
  }, 300_000);
  it.each([
    ["faq", "faq.jsonl", []],
    ["eligibility", "eligibility.jsonl", []],
  ] as [string, string, string[]][])("%s %s: every case passes but the known ones", (_mode, file, known) => check(results, file, known));
});
