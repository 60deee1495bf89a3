/** An engine with the hand-off on memory parts and a clock the test moves, as the engine-level hand-off tests use it. */
import { makeEngine } from "../helpers.js";
import { MemoryStore } from "../../src/engine/session.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { HandoffQueue } from "../../src/handoff/queue.js";
import { Presence } from "../../src/handoff/presence.js";

/** 10:00 and 20:00 in Beijing on a Monday. */
export const DAY = Date.UTC(2026, 0, 5, 2, 0);
export const NIGHT = Date.UTC(2026, 0, 5, 12, 0);

export function setup(at = DAY, staffOnline = true) {
  const docs = new MemoryDocs();
  let clock = at;
  const now = () => clock;
  const queue = new HandoffQueue(docs, { now });
  const presence = new Presence(docs, now);
  const store = new MemoryStore(24 * 3_600_000, 1_000, now);
  const engine = makeEngine({ now, store, handoff: { queue, presence, now } });
  return {
    engine, queue, presence, store,
    /** Moves the clock on (each turn a few seconds after the last, as people type). */
    tick: (ms = 5_000) => (clock += ms),
    setTime: (t: number) => (clock = t),
    /** A staff member has the 人工会话 tab open (unless the setup says nobody is online). */
    ready: async () => (staffOnline ? presence.beat("staff:zhang", "tab1") : undefined),
  };
}
