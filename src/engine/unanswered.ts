/** Questions the bot could not answer well (fallbacks, low confidence, handoffs), for staff to review. */
export interface UnansweredEntry {
  at: number;
  userId: string;
  channel: string;
  text: string;
  intent: string;
  confidence: number;
  kind: "fallback" | "low_confidence" | "handoff";
}

export interface StoredUnanswered extends UnansweredEntry {
  id: number;
  handled: boolean;
}

export interface UnansweredLog {
  record(entry: UnansweredEntry): void | Promise<void>;
  /** The newest entries first, at most `limit`. */
  recent(limit: number): Promise<StoredUnanswered[]>;
  markHandled(ids: number[]): Promise<void>;
}

/** Keeps the latest entries in memory (a bounded ring). */
export class MemoryUnansweredLog implements UnansweredLog {
  private readonly entries: StoredUnanswered[] = [];
  private nextId = 1;

  constructor(private readonly max = 10_000) {}

  record(entry: UnansweredEntry): void {
    this.entries.push({ ...entry, id: this.nextId++, handled: false });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  async recent(limit: number): Promise<StoredUnanswered[]> {
    return this.entries.slice(-limit).reverse().map((e) => ({ ...e }));
  }

  async markHandled(ids: number[]): Promise<void> {
    const set = new Set(ids);
    for (const e of this.entries) if (set.has(e.id)) e.handled = true;
  }
}
