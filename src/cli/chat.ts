/** `npm run chat`: the terminal chat; `-- --jsonl` reads {"user","text"} lines and writes one reply line each. */
import { createInterface } from "node:readline";
import { z } from "zod";
import { createApp } from "../app.js";
import { eachLine, parseJsonLine } from "./jsonl.js";

const Line = z.object({
  user: z.string({ error: "user 应为字符串" }).min(1, "user 不能为空").max(200, "user 过长"),
  text: z.string({ error: "text 应为字符串" }).max(100_000, "text 过长（上限 100000 字符）"),
});

async function jsonl(): Promise<void> {
  const { engine } = createApp();
  await eachLine(async (line) => {
    const parsed = parseJsonLine(line);
    if (!parsed.ok) return { error: parsed.error };
    const input = Line.safeParse(parsed.value);
    if (!input.success) return { error: z.prettifyError(input.error) };
    const r = await engine.turn(input.data.user, input.data.text, "cli");
    return { user: input.data.user, text: input.data.text, reply: r.replies.join("\n"), intent: r.intent, confidence: r.confidence };
  });
}

async function interactive(): Promise<void> {
  const { engine, kb } = createApp();
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "你：" });
  console.log(`职业技能等级认定咨询（${kb.notice.shortName}，${kb.notice.docNumber}）。输入问题，Ctrl+D 退出。`);
  rl.prompt();
  // Line by line, so that lines typed (or piped) while an answer is being composed are not lost.
  for await (const text of rl) {
    const r = await engine.turn("terminal", text, "cli");
    console.log(`助手：${r.replies.join("\n")}\n`);
    rl.prompt();
  }
}

const main = process.argv.includes("--jsonl") ? jsonl : interactive;
main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
