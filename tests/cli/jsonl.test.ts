import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../src/knowledge/load.js";

function run(script: string, input: string) {
  const r = spawnSync("npx", ["tsx", script, "--jsonl"], { cwd: ROOT, input, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, lines: r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
}

describe("chat --jsonl (a contract)", () => {
  it("should write exactly one JSON line per input line, in order, with an error for bad lines", () => {
    const input = [
      JSON.stringify({ user: "a", text: "直播销售员四级几月考" }),
      "{not json",
      JSON.stringify({ user: "a", text: "那多少钱" }),
      JSON.stringify({ user: 42, text: "x" }),
      JSON.stringify({ user: "b", text: "那多少钱" }),
      "",
      JSON.stringify({ user: "c", text: "🙂" }),
    ].join("\n");
    const { status, lines } = run("src/cli/chat.ts", input + "\n");
    expect(status).toBe(0);
    expect(lines).toHaveLength(7);
    expect(Object.keys(lines[0]).sort()).toEqual(["confidence", "intent", "reply", "text", "user"]);
    expect(lines[0]).toMatchObject({ user: "a", text: "直播销售员四级几月考", intent: "schedule" });
    expect(lines[0].reply).toContain("3月、6月、9月");
    expect(lines[1].error).toContain("JSON");
    // The same user is one conversation: the follow-up knows the row.
    expect(lines[2].reply).toContain("160");
    expect(lines[3].error).toContain("user");
    expect(lines[4].reply).not.toContain("直播销售员");
    expect(lines[5].error).toBeDefined();
    expect(typeof lines[6].reply).toBe("string");
  });
});

describe("eligibility --jsonl (a contract)", () => {
  it("should write one result per profile line, and zod's message in Chinese for an invalid one", () => {
    const input = [
      JSON.stringify({ occupation: "电子商务师", level: 4, yearsInField: 6 }),
      JSON.stringify({ occupation: "电子商务师", level: 3, yearsInField: 8 }),
      JSON.stringify({ occupation: "互联网营销师", level: 4, yearsInField: 6 }),
      "[1,2",
    ].join("\n");
    const { status, lines } = run("src/cli/eligibility.ts", input + "\n");
    expect(status).toBe(0);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ eligible: true, fee: { total: 160 }, months: [3, 5, 8, 10, 11] });
    expect(lines[0].materials).toContain("工作经历承诺书");
    expect(lines[0].conditions[0].text).toContain("满5年");
    expect(lines[1].eligible).toBe(false);
    expect(lines[1].gaps.length).toBeGreaterThan(0);
    expect(lines[1].suggestion).toMatchObject({ level: 4 });
    expect(lines[2].error).toContain("工种");
    expect(lines[3].error).toContain("JSON");
  });
});
