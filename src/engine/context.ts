/** The state of one turn as it goes through the handler chain, and what a turn gives back. */
import type { Understanding } from "../nlu/understand.js";
import type { Session } from "./session.js";
import type { ReplyOption, StructuredReply } from "./reply.js";

export interface TurnResult {
  /** The reply as one text (the JSONL CLI's `reply`, the API's `replies`): unchanged by the structure beside it. */
  replies: string[];
  /** The same reply as a structured message: parts, options, source line, links (see reply.ts). */
  reply: StructuredReply;
  /** This turn's id (for feedback on the answer). */
  turnId: string;
  /** The label of the option this message chose (a tapped option's value, or its number typed), if it chose one. */
  chosen?: string;
  intent: string;
  confidence: number;
  status: "answered" | "asked" | "fallback" | "handoff" | "empty" | "error" | "with_staff";
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
  /** A part as the structured reply shows it when that differs from the text (a question without its numbered
   * options, which the channel shows as buttons or numbers of its own): keyed by the part's text. */
  shown?: Map<string, string>;
  /** The label of the option this message chose. */
  chosen?: string;
  clause?: string;
  status?: TurnResult["status"];
  /** Append the year caveat. */
  future?: boolean;
}
