/** Shared test fixtures: one knowledge base and engine per test file (building the NLU takes about half a second). */
import { loadKnowledge, type Knowledge } from "../src/knowledge/load.js";
import { Engine, type EngineOptions } from "../src/engine/engine.js";

let kb: Knowledge | undefined;

export function getKb(): Knowledge {
  kb ??= loadKnowledge();
  return kb;
}

export function makeEngine(options: EngineOptions = {}): Engine {
  return new Engine(getKb(), options);
}

let shared: Engine | undefined;
/** One engine for a whole file; give every test its own user id so conversations do not mix. */
export function sharedEngine(): Engine {
  shared ??= makeEngine();
  return shared;
}

/** Sends messages as one user and returns the reply texts. */
export async function say(engine: Engine, user: string, ...texts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of texts) out.push((await engine.turn(user, t)).replies.join("\n"));
  return out;
}
