/**
 * What the console reads from the chat log (kept by the web channel: each turn, the bot's reply, 👍/👎): the
 * conversation an unanswered question came from, and the feedback per answer. The service implements it on its chat
 * log; without one, the console shows neither.
 */
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
