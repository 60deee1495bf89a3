/** Builds the product from its data: the knowledge base (every notice in use), then the engine over it. */
import type { Knowledge, LoadOptions } from "./knowledge/load.js";
import { KnowledgeRegistry, loadSource, sourceFromEnv, type Notices, type NoticeSource, type RegistryLogger } from "./knowledge/registry.js";
import { Engine, type EngineOptions } from "./engine/engine.js";
import { ConfigSchema } from "./config.js";

export interface App {
  /** The current notice (the newest in use) when the app was built; `engine.kb` follows a publish. */
  kb: Knowledge;
  notices: Notices;
  engine: Engine;
  /** Reloads or switches the knowledge of the running engine (the console's reload, SIGHUP, other instances). */
  registry: KnowledgeRegistry;
}

export function createApp(
  options: { knowledge?: LoadOptions; source?: NoticeSource; engine?: EngineOptions; logger?: RegistryLogger } = {},
): App {
  // KNOWLEDGE_DIR (one folder, the current notice) and KNOWLEDGE_DIRS (several); neither: every folder of knowledge/.
  const k = options.knowledge;
  const source: NoticeSource = options.source ?? {
    ...sourceFromEnv(),
    ...(k?.noticeDir ? { dir: k.noticeDir } : {}),
    commonDir: k?.commonDir,
    intentsDir: k?.intentsDir,
  };
  const notices = loadSource(source);
  // REPLY_SCRIPT is read here too, so that the command lines answer as the service does.
  const replyScript = options.engine?.replyScript ?? ConfigSchema.shape.REPLY_SCRIPT.parse(process.env.REPLY_SCRIPT || undefined);
  const engine = new Engine(notices, { ...options.engine, replyScript });
  return { kb: notices.current, notices, engine, registry: new KnowledgeRegistry(engine, source, options.logger) };
}
