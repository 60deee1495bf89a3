/** Line-oriented JSON in, one JSON line out per input line, in order; a bad line gets {"error"} and the batch goes on. */
import { createInterface } from "node:readline";

export async function eachLine(handle: (line: string) => Promise<object>): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    let out: object;
    try {
      out = await handle(line);
    } catch (err) {
      out = { error: (err as Error).message };
    }
    await new Promise<void>((resolve) => {
      if (process.stdout.write(JSON.stringify(out) + "\n")) resolve();
      else process.stdout.once("drain", resolve);
    });
  }
}

/** Parses one line as JSON, with a message a person can act on. */
export function parseJsonLine(line: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!line.trim()) return { ok: false, error: "空行：每行应为一个 JSON 对象" };
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch (err) {
    return { ok: false, error: `JSON 格式错误：${(err as Error).message}` };
  }
}
