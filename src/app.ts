/** Builds the product from its data: the knowledge base, then the engine over it. */
import { loadKnowledge, type Knowledge, type LoadOptions } from "./knowledge/load.js";
import { Engine, type EngineOptions } from "./engine/engine.js";

export interface App {
  kb: Knowledge;
  engine: Engine;
}

export function createApp(options: { knowledge?: LoadOptions; engine?: EngineOptions } = {}): App {
  const kb = loadKnowledge({ noticeDir: process.env.KNOWLEDGE_DIR || undefined, ...options.knowledge });
  return { kb, engine: new Engine(kb, options.engine) };
}
