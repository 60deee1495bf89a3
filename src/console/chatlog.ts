/**
 * What the console reads from the chat log (kept by the web channel: each turn, the bot's reply, 👍/👎): the
 * conversation an unanswered question came from, and the feedback per answer. The service implements it on its chat
 * log; without one, the console shows neither.
 */
import type { ChatLog } from "../engine/chat-log.js";
export interface ChatTurnView {
  at: number;
  from: "user" | "bot";
  text: string;
  /** The bot's turns: what it understood. */
  intent?: string;
  /** The bot's turns: 👍/👎 given to it. */
  feedback?: "up" | "down";
}

export interface ChatLogView {
  /** The conversation's turns around an instant (the question and what came before and after), oldest first. */
  around(userId: string, at: number, limit: number): Promise<ChatTurnView[]>;
  /** 👍/👎 per intent (a canned answer's id) for turns in [from, to) (ms since the epoch). */
  feedbackByIntent(from: number, to: number): Promise<Record<string, { up: number; down: number }>>;
}

/** The console's view of the web chat's log (src/engine/chat-log.ts): the turns around an instant, 👍/👎 per intent. */
export function chatLogView(log: ChatLog): ChatLogView {
  return {
    async around(userId, at, limit) {
      const turns = await log.history(userId);
      const i = turns.findIndex((t) => t.at >= at);
      const end = i < 0 ? turns.length : Math.min(turns.length, i + 2);
      return turns.slice(Math.max(0, end - Math.ceil(limit / 2)), end).flatMap((t): ChatTurnView[] => [
        { at: t.at, from: "user", text: t.text },
        { at: t.at, from: "bot", text: [...t.reply.parts, ...(t.reply.source ? [t.reply.source] : [])].join("\n"), intent: t.intent, ...(t.feedback ? { feedback: t.feedback } : {}) },
      ]);
    },
    // The chat log counts 👍/👎 per intent over all time: the range is not narrowed.
    async feedbackByIntent() {
      const out: Record<string, { up: number; down: number }> = {};
      for (const c of await log.feedbackCounts()) out[c.intent] = { up: c.up, down: c.down };
      return out;
    },
  };
}
