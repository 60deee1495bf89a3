/** The web chat's transcript and feedback in the service's SQLite file (tables of their own beside the sessions). */
import type Database from "better-sqlite3";
import { MAX_TURNS, sortCounts, storedTurn, type ChatLog, type FeedbackCount, type FeedbackValue, type TranscriptTurn } from "../engine/chat-log.js";

const MAX_FEEDBACK = 100_000;

export class SqliteChatLog implements ChatLog {
  closed = false;
  private readonly insert: Database.Statement;
  private readonly trim: Database.Statement;
  private readonly select: Database.Statement;
  private readonly findTurn: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly give: Database.Statement;
  private readonly trimFeedback: Database.Statement;
  private readonly counts: Database.Statement;
  private readonly expire: Database.Statement;
  private readonly timer: NodeJS.Timeout;
  /** Turns appended since the last commit, and the promise their commit settles (see append). */
  private pending: { conv: string; turnId: string; at: number; data: string }[] = [];
  private batch?: { done: Promise<void>; settle: (err?: unknown) => void };
  private readonly writeMany: (rows: { conv: string; turnId: string; at: number; data: string }[]) => void;

  constructor(
    db: Database.Database,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS chat_turns (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        conv TEXT NOT NULL,
        turn_id TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS chat_turns_conv ON chat_turns (conv, seq);
      CREATE INDEX IF NOT EXISTS chat_turns_at ON chat_turns (at);
      CREATE TABLE IF NOT EXISTS chat_feedback (
        turn_id TEXT PRIMARY KEY,
        intent TEXT NOT NULL,
        value TEXT NOT NULL,
        at INTEGER NOT NULL
      );
    `);
    this.insert = db.prepare("INSERT OR REPLACE INTO chat_turns (conv, turn_id, at, data) VALUES (?, ?, ?, ?)");
    this.trim = db.prepare(
      "DELETE FROM chat_turns WHERE conv = ? AND seq < (SELECT seq FROM chat_turns WHERE conv = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
    );
    this.select = db.prepare(
      `SELECT t.data AS data, f.value AS value FROM chat_turns t LEFT JOIN chat_feedback f ON f.turn_id = t.turn_id
       WHERE t.conv = ? AND t.at > ? ORDER BY t.seq DESC LIMIT ?`,
    );
    this.findTurn = db.prepare("SELECT data FROM chat_turns WHERE conv = ? AND turn_id = ? AND at > ?");
    this.remove = db.prepare("DELETE FROM chat_turns WHERE conv = ?");
    this.give = db.prepare("INSERT OR REPLACE INTO chat_feedback (turn_id, intent, value, at) VALUES (?, ?, ?, ?)");
    this.trimFeedback = db.prepare("DELETE FROM chat_feedback WHERE rowid <= (SELECT max(rowid) FROM chat_feedback) - ?");
    this.counts = db.prepare(
      "SELECT intent, SUM(value = 'up') AS up, SUM(value = 'down') AS down FROM chat_feedback GROUP BY intent",
    );
    this.expire = db.prepare("DELETE FROM chat_turns WHERE at <= ?");
    this.writeMany = db.transaction((rows: { conv: string; turnId: string; at: number; data: string }[]) => {
      const convs = new Set<string>();
      for (const r of rows) {
        this.insert.run(r.conv, r.turnId, r.at, r.data);
        convs.add(r.conv);
      }
      for (const conv of convs) this.trim.run(conv, conv, MAX_TURNS - 1);
    });
    this.timer = setInterval(() => this.purge(), 5 * 60_000);
    this.timer.unref();
  }

  /** Deletes transcripts past the time to live. */
  purge(): void {
    if (this.closed) return;
    this.flush();
    this.expire.run(this.now() - this.ttlMs);
  }

  /**
   * Resolves once the turn is committed. Turns appended in the same turn of the event loop (several conversations
   * answered together) are committed in one transaction just after it, each conversation trimmed once: a commit
   * each cost about 90 µs of CPU per turn, one commit for five about 30 (the sessions' group commit does the same).
   * Reads, clear and close commit what is waiting first, so they see every turn appended before them.
   */
  append(conv: string, turn: TranscriptTurn): Promise<void> {
    if (this.closed) return Promise.resolve();
    const t = storedTurn(turn);
    this.pending.push({ conv, turnId: t.turnId, at: t.at, data: JSON.stringify(t) });
    if (!this.batch) {
      let settle!: (err?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
      const batch = (this.batch = { done, settle });
      setImmediate(() => {
        if (this.batch === batch) this.flush();
      });
    }
    return this.batch.done;
  }

  /** Commits the turns waiting for the next group commit now; a failure rejects their appends (not the caller). */
  private flush(): void {
    const rows = this.pending;
    const batch = this.batch;
    this.pending = [];
    this.batch = undefined;
    if (!rows.length) return batch?.settle();
    try {
      this.writeMany(rows);
    } catch (err) {
      return batch?.settle(err);
    }
    batch?.settle();
  }

  async history(conv: string, limit = MAX_TURNS): Promise<TranscriptTurn[]> {
    if (this.closed) return [];
    this.flush();
    const rows = this.select.all(conv, this.now() - this.ttlMs, Math.min(limit, MAX_TURNS)) as { data: string; value: FeedbackValue | null }[];
    return rows.reverse().map((r) => ({ ...(JSON.parse(r.data) as TranscriptTurn), ...(r.value ? { feedback: r.value } : {}) }));
  }

  async clear(conv: string): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.remove.run(conv);
  }

  async feedback(conv: string, turnId: string, value: FeedbackValue): Promise<boolean> {
    if (this.closed) return false;
    this.flush();
    const row = this.findTurn.get(conv, turnId, this.now() - this.ttlMs) as { data: string } | undefined;
    if (!row) return false;
    const turn = JSON.parse(row.data) as TranscriptTurn;
    this.give.run(turnId, turn.intent, value, this.now());
    this.trimFeedback.run(MAX_FEEDBACK);
    return true;
  }

  async feedbackCounts(): Promise<FeedbackCount[]> {
    if (this.closed) return [];
    return sortCounts(this.counts.all() as FeedbackCount[]);
  }

  async close(): Promise<void> {
    if (!this.closed) this.flush();
    this.closed = true;
    clearInterval(this.timer);
  }
}
