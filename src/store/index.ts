/** Chooses the session store and the unanswered-question log from the configuration. */
import { MemoryStore, type SessionStore } from "../engine/session.js";
import { MemoryUnansweredLog, type UnansweredLog } from "../engine/unanswered.js";
import type { Config } from "../config.js";

export interface Stores {
  sessions: SessionStore;
  unanswered: UnansweredLog;
  close(): Promise<void>;
}

export async function createStores(config: Pick<Config, "SESSION_STORE" | "SESSION_TTL_MINUTES" | "DATA_DIR" | "REDIS_URL">): Promise<Stores> {
  const sessions = new MemoryStore(config.SESSION_TTL_MINUTES * 60_000);
  return { sessions, unanswered: new MemoryUnansweredLog(), close: async () => {} };
}
