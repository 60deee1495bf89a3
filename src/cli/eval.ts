/**
 * `npm run eval [-- file.yaml]`: the NLU report on a labelled test file (default tests/nlu/labelled.yaml),
 * whose examples are not in intents/: per-intent precision, recall and F1, the confused pairs, and accuracy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { loadKnowledge, ROOT } from "../knowledge/load.js";
import { Understander } from "../nlu/understand.js";

const Labelled = z.object({ examples: z.array(z.object({ text: z.string().min(1), intent: z.string().min(1) })).min(1) });

const file = process.argv.slice(2).find((a) => !a.startsWith("-")) ?? join(ROOT, "tests", "nlu", "labelled.yaml");
const data = Labelled.safeParse(parse(readFileSync(file, "utf8")));
if (!data.success) {
  console.error(`${file}: ${z.prettifyError(data.error)}`);
  process.exit(1);
}
const kb = loadKnowledge();
const u = new Understander(kb);
const training = new Set([...kb.intents.flatMap((i) => i.examples), ...kb.answers.flatMap((a) => a.questions)]);
const leaked = data.data.examples.filter((e) => training.has(e.text));
if (leaked.length) console.warn(`注意：${leaked.length} 条测试例句也在训练数据中：${leaked.map((e) => e.text).join("、")}`);

const stats = new Map<string, { tp: number; fp: number; fn: number }>();
const confused = new Map<string, number>();
const get = (i: string) => stats.get(i) ?? (stats.set(i, { tp: 0, fp: 0, fn: 0 }), stats.get(i)!);
let correct = 0;
for (const e of data.data.examples) {
  // Without context, a bare entity ("直播销售员四级") is an overview; the engine decides that, not the classifier.
  const predicted = u.understand(e.text).intent;
  if (predicted === e.intent) {
    correct++;
    get(e.intent).tp++;
  } else {
    get(e.intent).fn++;
    get(predicted).fp++;
    const key = `${e.intent} → ${predicted}`;
    confused.set(key, (confused.get(key) ?? 0) + 1);
  }
}
const f = (n: number) => n.toFixed(2);
console.log("intent                  precision  recall  f1     n");
for (const [intent, s] of [...stats].sort()) {
  const p = s.tp + s.fp ? s.tp / (s.tp + s.fp) : 0;
  const r = s.tp + s.fn ? s.tp / (s.tp + s.fn) : 0;
  const f1 = p + r ? (2 * p * r) / (p + r) : 0;
  console.log(`${intent.padEnd(22)}  ${f(p).padStart(9)}  ${f(r).padStart(6)}  ${f(f1)}  ${s.tp + s.fn}`);
}
console.log("\nconfused pairs (expected → predicted):");
for (const [pair, count] of [...confused].sort((a, b) => b[1] - a[1])) console.log(`  ${count}× ${pair}`);
console.log(`\naccuracy: ${correct}/${data.data.examples.length} = ${f(correct / data.data.examples.length)}`);
