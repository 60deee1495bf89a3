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

export interface UnansweredLog {
  record(entry: UnansweredEntry): void | Promise<void>;
}

/** Keeps the latest entries in memory (a bounded ring). */
export class MemoryUnansweredLog implements UnansweredLog {
  readonly entries: UnansweredEntry[] = [];
  constructor(private readonly max = 10_000) {}
  record(entry: UnansweredEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }
}
