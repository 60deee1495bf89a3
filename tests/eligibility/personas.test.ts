/**
 * Simulated candidates in their own words (tests/eligibility/personas.ts): hand-written scripts from the notice and
 * 200 generated personas (seeded), each played through the engine one message at a time. Every verdict must equal
 * the rules' verdict on the persona's true facts; a wrong 可以报 is never allowed; the median number of messages a
 * candidate sends up to the verdict is reported.
 */
import { describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { MemoryStore } from "../../src/engine/session.js";
import { generate, play, type Outcome, type Persona } from "./personas.js";
import { SCRIPTS } from "./persona-scripts.js";

const kb = getKb();

async function run(personas: Persona[]): Promise<{ outcomes: Outcome[]; summary: string }> {
  const store = new MemoryStore();
  const engine = makeEngine({ store });
  const outcomes: Outcome[] = [];
  for (const [i, p] of personas.entries()) outcomes.push(await play(engine, store, kb, p, `persona-${i}-${p.id}`));
  const right = outcomes.filter((o) => o.said === o.expected).length;
  const wrongYes = outcomes.filter((o) => o.said === true && !o.expected).length;
  const none = outcomes.filter((o) => o.said === undefined).length;
  const counts = outcomes.map((o) => o.messages).sort((a, b) => a - b);
  const median = counts[Math.floor(counts.length / 2)];
  return { outcomes, summary: `${right}/${outcomes.length} right, ${wrongYes} wrong 可以报, ${none} without a verdict, median ${median} messages` };
}

const show = (o: Outcome) => `${o.persona.id} expected ${o.expected} said ${o.said}\n${o.persona.truth ? JSON.stringify(o.persona.truth) : ""}\n${o.transcript.join("\n")}`;

describe("simulated candidates in their own words", () => {
  it("should reach the rules' verdict for every hand-written script", async () => {
    const { outcomes, summary } = await run(SCRIPTS);
    console.log(`scripts: ${summary}`);
    const wrong = outcomes.filter((o) => o.said !== o.expected);
    expect(wrong.map(show).join("\n\n")).toBe("");
  });

  it("should reach the rules' verdict for 200 generated personas and never say 可以报 wrongly", async () => {
    const { outcomes, summary } = await run(generate(kb, 20261204, 200));
    console.log(`generated: ${summary}`);
    const wrongYes = outcomes.filter((o) => o.said === true && !o.expected);
    expect(wrongYes.map(show).join("\n\n")).toBe("");
    const wrong = outcomes.filter((o) => o.said !== o.expected);
    expect(wrong.map(show).join("\n\n")).toBe("");
    const counts = outcomes.map((o) => o.messages).sort((a, b) => a - b);
    expect(counts[Math.floor(counts.length / 2)]).toBeLessThanOrEqual(5);
  }, 60_000);
});
