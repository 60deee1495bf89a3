/** Builds the product from its data: the knowledge base, then the engine over it. */
import { loadKnowledge, type Knowledge, type LoadOptions } from "./knowledge/load.js";
import { Engine, type EngineOptions } from "./engine/engine.js";
import { ConfigSchema } from "./config.js";

export interface App {
  kb: Knowledge;
  engine: Engine;
}

export function createApp(options: { knowledge?: LoadOptions; engine?: EngineOptions } = {}): App {
  const kb = loadKnowledge({ noticeDir: process.env.KNOWLEDGE_DIR || undefined, ...options.knowledge });
  // REPLY_SCRIPT is read here too, so that the command lines answer as the service does.
  const replyScript = options.engine?.replyScript ?? ConfigSchema.shape.REPLY_SCRIPT.parse(process.env.REPLY_SCRIPT || undefined);
  return { kb, engine: new Engine(kb, { ...options.engine, replyScript }) };
}
