/**
 * The web chat's transcript (what this browser's conversation said, so the page can show it again after a reload)
 * and the 👍/👎 given to answers. Stored beside the sessions (memory, SQLite or Redis); personal data in what the
 * person typed is masked before it is stored; each conversation keeps its last MAX_TURNS turns, for the session's
 * time to live.
 */
import { mask } from "../logging.js";
import type { StructuredReply } from "./reply.js";

/** Turns kept per conversation. */
export const MAX_TURNS = 50;
/** What the person typed is kept to this many characters. */
export const MAX_TEXT_STORED = 500;

export type FeedbackValue = "up" | "down";

export interface TranscriptTurn {
  turnId: string;
  at: number;
  /** What the person sent, as their bubble shows it (a chosen option's label), masked and clipped. */
  text: string;
  reply: StructuredReply;
  intent: string;
  status: string;
  feedback?: FeedbackValue;
}

export interface FeedbackCount {
  intent: string;
  up: number;
  down: number;
}

export interface ChatLog {
  append(conv: string, turn: TranscriptTurn): Promise<void>;
  /** The conversation's last `limit` turns, oldest first, with the feedback given to each. */
  history(conv: string, limit?: number): Promise<TranscriptTurn[]>;
  /** Forgets the conversation's transcript (新对话); the feedback given stays counted. */
  clear(conv: string): Promise<void>;
  /** Stores 👍/👎 for a turn of this conversation (a later one replaces it); false when the turn is not this
   * conversation's (or is gone). */
  feedback(conv: string, turnId: string, value: FeedbackValue): Promise<boolean>;
  /** 👍/👎 per answered intent, most feedback first. */
  feedbackCounts(): Promise<FeedbackCount[]>;
  close?(): Promise<void>;
}

/** The turn as stored: the person's text masked and clipped. */
export function storedTurn(turn: TranscriptTurn): TranscriptTurn {
  const { feedback: _f, ...rest } = turn;
  return { ...rest, text: mask(turn.text.slice(0, MAX_TEXT_STORED)) };
}

export function sortCounts(counts: FeedbackCount[]): FeedbackCount[] {
  return counts.filter((c) => c.up + c.down > 0).sort((a, b) => b.up + b.down - (a.up + a.down) || a.intent.localeCompare(b.intent));
}

/** In memory (SESSION_STORE=memory, tests): bounded by conversations, turns and feedback entries. */
export class MemoryChatLog implements ChatLog {
  private readonly convs = new Map<string, { turns: TranscriptTurn[]; at: number }>();
  private readonly given = new Map<string, { intent: string; value: FeedbackValue }>();

  constructor(
    private readonly ttlMs = 24 * 3_600_000,
    private readonly maxConversations = 10_000,
    private readonly maxFeedback = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async append(conv: string, turn: TranscriptTurn): Promise<void> {
    const c = this.live(conv) ?? { turns: [], at: 0 };
    c.turns.push(storedTurn(turn));
    if (c.turns.length > MAX_TURNS) c.turns.splice(0, c.turns.length - MAX_TURNS);
    c.at = this.now();
    this.convs.delete(conv);
    this.convs.set(conv, c);
    while (this.convs.size > this.maxConversations) this.convs.delete(this.convs.keys().next().value!);
  }

  async history(conv: string, limit = MAX_TURNS): Promise<TranscriptTurn[]> {
    const turns = this.live(conv)?.turns ?? [];
    return turns.slice(-limit).map((t) => {
      const f = this.given.get(t.turnId);
      return f ? { ...t, feedback: f.value } : { ...t };
    });
  }

  async clear(conv: string): Promise<void> {
    this.convs.delete(conv);
  }

  async feedback(conv: string, turnId: string, value: FeedbackValue): Promise<boolean> {
    const turn = this.live(conv)?.turns.find((t) => t.turnId === turnId);
    if (!turn) return false;
    this.given.delete(turnId);
    this.given.set(turnId, { intent: turn.intent, value });
    while (this.given.size > this.maxFeedback) this.given.delete(this.given.keys().next().value!);
    return true;
  }

  async feedbackCounts(): Promise<FeedbackCount[]> {
    const by = new Map<string, FeedbackCount>();
    for (const { intent, value } of this.given.values()) {
      const c = by.get(intent) ?? { intent, up: 0, down: 0 };
      c[value]++;
      by.set(intent, c);
    }
    return sortCounts([...by.values()]);
  }

  private live(conv: string) {
    const c = this.convs.get(conv);
    if (c && c.at + this.ttlMs <= this.now()) {
      this.convs.delete(conv);
      return undefined;
    }
    return c;
  }
}
