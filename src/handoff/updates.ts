/**
 * What reaches a candidate outside a request: staff messages, and the bot's notices of a hand-off (taken, ended),
 * which are transcript entries of the bot written on a staff member's action (`by` set). The bot's answers to the
 * candidate's own messages are not among them: the client has those from its requests.
 */
import type { HandoffQueue, TranscriptEntry } from "./queue.js";

export interface ChatUpdate {
  seq: number;
  from: "staff" | "bot";
  text: string;
  at: number;
}

export const isUpdate = (e: TranscriptEntry): boolean => e.from === "staff" || (e.from === "bot" && Boolean(e.by));

export const toUpdate = (seq: number, e: TranscriptEntry): ChatUpdate => ({ seq, from: e.from as "staff" | "bot", text: e.text, at: e.at });

/** Updates after `after` (a seq), oldest first, at most 200 transcript entries read per call. */
export async function chatUpdates(queue: HandoffQueue, conversation: string, after: number): Promise<ChatUpdate[]> {
  const rows = await queue.transcript(conversation, after, 200);
  return rows.filter((r) => r.seq > after && isUpdate(r.entry)).map((r) => toUpdate(r.seq, r.entry));
}
