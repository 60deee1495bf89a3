/** `npm run eligibility -- --jsonl`: one profile per stdin line → one result line (or {"error"}) per line. */
import { createInterface } from "node:readline/promises";
import { loadKnowledge } from "../knowledge/load.js";
import { evaluateInput } from "../eligibility/profile.js";
import { eachLine, parseJsonLine } from "./jsonl.js";

const kb = loadKnowledge({ noticeDir: process.env.KNOWLEDGE_DIR || undefined });

async function jsonl(): Promise<void> {
  await eachLine(async (line) => {
    const parsed = parseJsonLine(line);
    if (!parsed.ok) return { error: parsed.error };
    return evaluateInput(kb, parsed.value);
  });
}

async function once(): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const example = JSON.stringify({ occupation: kb.occupations.occupations[0].name, level: kb.plan.rows[0].level, yearsInField: 6 });
  const line = await rl.question(`输入一个资格档案（JSON），例如 ${example}：\n`);
  rl.close();
  const parsed = parseJsonLine(line);
  console.log(JSON.stringify(parsed.ok ? evaluateInput(kb, parsed.value) : { error: parsed.error }, null, 2));
}

(process.argv.includes("--jsonl") ? jsonl : once)().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
