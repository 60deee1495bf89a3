/** Every change made in the console, kept in the store (who, when, what, before and after): `GET /console/api/history`,
 * and what a revert restores. An append-only list of the DocStore: durable with SQLite, shared with Redis; the newest
 * 2,000 changes are kept. */
import type { DocStore } from "../handoff/docs.js";

export type HistoryAction = "create" | "update" | "retire" | "assign" | "revert" | "publish";

export interface HistoryItem {
  at: number;
  /** The console user ("user:zhang", "token") and the name shown. */
  user: string;
  userName: string;
  action: HistoryAction;
  /** "answer:<id>" or "notice:<id>". */
  target: string;
  before: unknown;
  after: unknown;
  /** For a revert: the change it undid. */
  reverts?: number;
  /** A line in plain words for the page. */
  summary?: string;
}

export interface HistoryEntry extends HistoryItem {
  id: number;
}

const LIST = "console:history";

export class ChangeHistory {
  constructor(
    private readonly docs: DocStore,
    private readonly list = LIST,
  ) {}

  async record(item: HistoryItem): Promise<number> {
    return this.docs.append(this.list, item);
  }

  /** The newest changes first. */
  async recent(limit = 200): Promise<HistoryEntry[]> {
    const items = await this.docs.tail<HistoryItem>(this.list, Math.max(1, Math.min(2_000, limit)));
    return items.map(({ seq, item }) => ({ ...item, id: seq })).reverse();
  }

  async get(id: number): Promise<HistoryEntry | undefined> {
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    const [hit] = await this.docs.range<HistoryItem>(this.list, id - 1, 1);
    return hit && hit.seq === id ? { ...hit.item, id } : undefined;
  }
}
