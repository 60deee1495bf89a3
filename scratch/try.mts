import { makeEngine } from "../tests/helpers.js";
const engine = makeEngine();
const convs: string[][] = JSON.parse(process.argv[2]);
let n = 0;
for (const c of convs) {
  const u = `t${n++}`;
  for (const t of c) {
    const r = await engine.turn(u, t);
    console.log(`> ${t}\n${r.replies.join("\n")}  [${r.intent} ${r.status}]\n`);
  }
  console.log("==========");
}
