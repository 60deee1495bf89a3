/** The state of one turn as it goes through the handler chain, and what a turn gives back. */
import type { Understanding } from "../nlu/understand.js";
import type { Session } from "./session.js";
import type { ReplyOption } from "./reply.js";

export interface TurnResult {
  replies: string[];
  intent: string;
  confidence: number;
  status: "answered" | "asked" | "fallback" | "handoff" | "empty" | "error";
}

export interface TurnContext {
  userId: string;
  channel: string;
  text: string;
  session: Session;
  u?: Understanding;
  intent?: string;
  confidence?: number;
  /** Reply parts, in order; the source line and script conversion come last. */
  parts: string[];
  /** The choices the bot now waits for (a dialog question, "您是不是想问"); empty unless it waits for one. */
  options: ReplyOption[];
  clause?: string;
  status?: TurnResult["status"];
  /** Append the year caveat. */
  future?: boolean;
}
