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
    this.timer = setInterval(() => this.purge(), 5 * 60_000);
    this.timer.unref();
  }

  /** Deletes transcripts past the time to live. */
  purge(): void {
    if (!this.closed) this.expire.run(this.now() - this.ttlMs);
  }

  async append(conv: string, turn: TranscriptTurn): Promise<void> {
    if (this.closed) return;
    const t = storedTurn(turn);
    this.insert.run(conv, t.turnId, t.at, JSON.stringify(t));
    this.trim.run(conv, conv, MAX_TURNS - 1);
  }

  async history(conv: string, limit = MAX_TURNS): Promise<TranscriptTurn[]> {
    if (this.closed) return [];
    const rows = this.select.all(conv, this.now() - this.ttlMs, Math.min(limit, MAX_TURNS)) as { data: string; value: FeedbackValue | null }[];
    return rows.reverse().map((r) => ({ ...(JSON.parse(r.data) as TranscriptTurn), ...(r.value ? { feedback: r.value } : {}) }));
  }

  async clear(conv: string): Promise<void> {
    if (!this.closed) this.remove.run(conv);
  }

  async feedback(conv: string, turnId: string, value: FeedbackValue): Promise<boolean> {
    if (this.closed) return false;
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
    this.closed = true;
    clearInterval(this.timer);
  }
}
