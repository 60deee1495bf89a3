/** The hand-off's parts as the service runs them, from the configuration and the store's documents. */
import type { Config } from "../config.js";
import type { DocStore } from "./docs.js";
import type { HandoffSetup } from "./handler.js";
import { parseDays, parseHours, type StaffedHours } from "./hours.js";
import { Presence } from "./presence.js";
import { HandoffQueue } from "./queue.js";

export interface HandoffParts extends HandoffSetup {
  queue: HandoffQueue;
  presence: Presence;
}

/** HANDOFF_HOURS and HANDOFF_DAYS: staffed hours (undefined: the notice's 业务受理时间) and days (undefined: every day). */
export function configuredHours(config: Pick<Config, "HANDOFF_HOURS" | "HANDOFF_DAYS">): { hours?: StaffedHours; days?: Set<number> } {
  const days = config.HANDOFF_DAYS ? parseDays(config.HANDOFF_DAYS) : undefined;
  const range = config.HANDOFF_HOURS ? parseHours(config.HANDOFF_HOURS) : undefined;
  return { ...(range ? { hours: { ...range, days: days ?? new Set([1, 2, 3, 4, 5, 6, 7]) } } : {}), ...(days ? { days } : {}) };
}

export function createHandoff(
  docs: DocStore,
  config: Pick<Config, "HANDOFF_HOURS" | "HANDOFF_DAYS" | "HANDOFF_RETENTION_DAYS">,
  now: () => number = Date.now,
): HandoffParts {
  const queue = new HandoffQueue(docs, { now, retentionMs: config.HANDOFF_RETENTION_DAYS * 24 * 3_600_000 });
  const presence = new Presence(docs, now);
  return { queue, presence, ...configuredHours(config), now };
}
