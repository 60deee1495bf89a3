/**
 * "What the bot could not answer" for the console: one page of the log's groups, newest first. The log groups
 * questions as they are written (src/engine/unanswered.ts: same question key, or the same intent about the same
 * entities) and stores them masked and clipped, so a listing reads one page and never the whole log.
 */
import type { GroupQuery } from "../engine/unanswered.js";

export { questionKey, type GroupPage, type UnansweredGroup } from "../engine/unanswered.js";

/** The page asked for in a query string: ?page=2&limit=20&all=1 (limits enforced by the stores: 1–100 a page). */
export function unansweredQuery(q: Record<string, unknown>): GroupQuery {
  const all = q.all === "1" || q.all === "true";
  return { page: Number(q.page) || 1, limit: Number(q.limit) || 20, all };
}
