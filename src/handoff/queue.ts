/**
 * The hand-off queue: a conversation a candidate asked to hand to a person. Few statuses, one field for who holds it
 * (the agent-bot pattern): `waiting` (in the queue; the bot still answers), `active` (a staff member took it; the bot
 * is silent), `closed` (given back to the bot). Taking is a compare-and-set, so two staff racing for one conversation
 * get one "ok" and one "taken", on one instance or several. The transcript is one list per conversation of what the
 * candidate, the bot and staff said. After hours the candidate can leave a question and a callback number; the
 * number is masked in lists and shown whole only to the staff member who opens it, and every such message is
 * deleted after the retention period.
 */
import { randomUUID } from "node:crypto";
import { mask } from "../logging.js";
import type { DocStore } from "./docs.js";

export type HandoffStatus = "waiting" | "active" | "closed";

export interface Handoff {
  id: string;
  /** The conversation's user id in the session store (channel-prefixed: http:…, wx:…, oa:…, wecom:…, api:…). */
  conversation: string;
  channel: string;
  status: HandoffStatus;
  since: number;
  takenBy?: string;
  takenAt?: number;
  closedAt?: number;
}

export type Speaker = "candidate" | "bot" | "staff";

export interface TranscriptEntry {
  at: number;
  from: Speaker;
  text: string;
  /** The staff member who wrote it. */
  by?: string;
  /** Said before the conversation was handed over (between the candidate and the bot), recorded on 转人工. */
  earlier?: boolean;
}

export interface CallbackMessage {
  id: string;
  at: number;
  conversation: string;
  channel: string;
  question: string;
  phone: string;
  /** What the candidate and the bot said before 转人工 (masked). */
  context?: TranscriptEntry[];
  openedBy?: string;
  openedAt?: number;
}

export type HandoffEvent =
  | { type: "handoff"; handoff: Handoff }
  | { type: "message"; conversation: string; seq: number; entry: TranscriptEntry }
  | { type: "callback"; id: string };

export type TakeResult = "ok" | "taken" | "closed" | "missing";

const OPEN = "handoffs:open";
const RECENT = "handoffs:recent";
const CALLBACKS = "callbacks";
const MAX_TEXT = 2_000;
/** Entries of the conversation before 转人工 kept with an after-hours message. */
const MAX_CONTEXT = 40;

export interface QueueOptions {
  now?: () => number;
  /** Closed hand-offs stay listed this long. */
  recentMs?: number;
  /** After-hours messages (question and callback number) are deleted after this. */
  retentionMs?: number;
}

export class HandoffQueue {
  private readonly listeners = new Set<(e: HandoffEvent) => void>();
  private readonly now: () => number;
  private readonly recentMs: number;
  private readonly retentionMs: number;

  constructor(
    private readonly docs: DocStore,
    options: QueueOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.recentMs = options.recentMs ?? 24 * 3_600_000;
    this.retentionMs = options.retentionMs ?? 90 * 24 * 3_600_000;
  }

  /** Live events for the console's stream (and a bridge to other instances). Returns the unsubscribe. */
  subscribe(listener: (e: HandoffEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers an event to this instance's listeners (also called by a bridge with other instances' events). */
  emit(e: HandoffEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** The conversation's open hand-off (waiting or active), if any. */
  async current(conversation: string): Promise<Handoff | undefined> {
    const ref = await this.docs.get<string>(`byconv:${conversation}`);
    if (!ref) return undefined;
    const h = await this.get(ref.value);
    return h && h.status !== "closed" ? h : undefined;
  }

  async get(id: string): Promise<Handoff | undefined> {
    return (await this.docs.get<Handoff>(`handoff:${id}`))?.value;
  }

  /** Puts the conversation in the queue (or returns the hand-off it is already in) and its place among those waiting. */
  async open(conversation: string, channel: string): Promise<{ handoff: Handoff; position: number }> {
    const existing = await this.current(conversation);
    if (existing) return { handoff: existing, position: await this.position(existing) };
    const handoff: Handoff = { id: randomUUID(), conversation, channel, status: "waiting", since: this.now() };
    await this.docs.cas(`handoff:${handoff.id}`, 0, handoff);
    const ref = await this.docs.get<string>(`byconv:${conversation}`);
    await this.docs.cas(`byconv:${conversation}`, ref?.version ?? 0, handoff.id);
    await this.docs.addToSet(OPEN, handoff.id);
    this.emit({ type: "handoff", handoff });
    return { handoff, position: await this.position(handoff) };
  }

  /** 1 for the first waiting conversation; 0 when not waiting. */
  async position(h: Handoff): Promise<number> {
    if (h.status !== "waiting") return 0;
    const waiting = (await this.list()).filter((x) => x.status === "waiting");
    return waiting.filter((x) => x.since < h.since || (x.since === h.since && x.id <= h.id)).length;
  }

  /** Open hand-offs, oldest first, then those closed recently. */
  async list(): Promise<Handoff[]> {
    const ids = [...(await this.docs.members(OPEN)), ...(await this.docs.members(RECENT))];
    const all = (await Promise.all([...new Set(ids)].map((id) => this.get(id)))).filter((h): h is Handoff => Boolean(h));
    const cutoff = this.now() - this.recentMs;
    for (const h of all) if (h.status === "closed" && (h.closedAt ?? 0) < cutoff) void this.docs.removeFromSet(RECENT, h.id);
    return all
      .filter((h) => h.status !== "closed" || (h.closedAt ?? 0) >= cutoff)
      .sort((a, b) => Number(a.status === "closed") - Number(b.status === "closed") || a.since - b.since);
  }

  /** One staff member takes a waiting conversation; "taken" when another holds it. */
  async take(id: string, staff: string): Promise<TakeResult> {
    for (;;) {
      const doc = await this.docs.get<Handoff>(`handoff:${id}`);
      if (!doc) return "missing";
      const h = doc.value;
      if (h.status === "closed") return "closed";
      if (h.status === "active") return h.takenBy === staff ? "ok" : "taken";
      const next: Handoff = { ...h, status: "active", takenBy: staff, takenAt: this.now() };
      if ((await this.docs.cas(`handoff:${id}`, doc.version, next)) !== undefined) {
        this.emit({ type: "handoff", handoff: next });
        return "ok";
      }
      // Another instance or request changed it meanwhile: read again.
    }
  }

  /** Gives the conversation back to the bot. False when it was not open. */
  async close(id: string): Promise<boolean> {
    for (;;) {
      const doc = await this.docs.get<Handoff>(`handoff:${id}`);
      if (!doc || doc.value.status === "closed") return false;
      const next: Handoff = { ...doc.value, status: "closed", closedAt: this.now() };
      if ((await this.docs.cas(`handoff:${id}`, doc.version, next)) !== undefined) {
        await this.docs.removeFromSet(OPEN, id);
        await this.docs.addToSet(RECENT, id);
        this.emit({ type: "handoff", handoff: next });
        return true;
      }
    }
  }

  /** Adds a line to the conversation's transcript (clipped, personal data masked unless said by staff). */
  async record(conversation: string, entry: TranscriptEntry): Promise<number> {
    const text = entry.text.slice(0, MAX_TEXT);
    const clipped = { ...entry, text: entry.from === "staff" ? text : mask(text) };
    const seq = await this.docs.append(`transcript:${conversation}`, clipped);
    this.emit({ type: "message", conversation, seq, entry: clipped });
    return seq;
  }

  async transcript(conversation: string, afterSeq = 0, limit = 200): Promise<{ seq: number; entry: TranscriptEntry }[]> {
    const rows = afterSeq > 0 ? await this.docs.range<TranscriptEntry>(`transcript:${conversation}`, afterSeq, limit) : await this.docs.tail<TranscriptEntry>(`transcript:${conversation}`, limit);
    return rows.map((r) => ({ seq: r.seq, entry: r.item }));
  }

  /** Forgets a conversation's transcript (新对话). */
  async forget(conversation: string): Promise<void> {
    await this.docs.dropList(`transcript:${conversation}`);
  }

  /** An after-hours message: the question and the number to call back. */
  async leaveMessage(conversation: string, channel: string, question: string, phone: string, context: TranscriptEntry[] = []): Promise<CallbackMessage> {
    const c: CallbackMessage = {
      id: randomUUID(),
      at: this.now(),
      conversation,
      channel,
      question: question.slice(0, MAX_TEXT),
      phone,
      ...(context.length ? { context: context.slice(-MAX_CONTEXT).map((e) => ({ at: e.at, from: e.from, text: mask(e.text.slice(0, MAX_TEXT)), earlier: true })) } : {}),
    };
    await this.docs.cas(`callback:${c.id}`, 0, c);
    await this.docs.addToSet(CALLBACKS, c.id);
    this.emit({ type: "callback", id: c.id });
    return c;
  }

  /** After-hours messages, newest first, the number and the question masked; old ones deleted on the way. */
  async callbacks(): Promise<(Omit<CallbackMessage, "phone"> & { phone: string })[]> {
    const out: CallbackMessage[] = [];
    for (const id of await this.docs.members(CALLBACKS)) {
      const c = (await this.docs.get<CallbackMessage>(`callback:${id}`))?.value;
      if (!c || c.at < this.now() - this.retentionMs) {
        await this.docs.del(`callback:${id}`);
        await this.docs.removeFromSet(CALLBACKS, id);
        continue;
      }
      out.push(c);
    }
    return out.sort((a, b) => b.at - a.at).map((c) => ({ ...c, phone: maskPhone(c.phone), question: mask(c.question) }));
  }

  /** One after-hours message as lists show it (number and question masked), with what was said before it. */
  async callback(id: string): Promise<(CallbackMessage & { context: TranscriptEntry[] }) | undefined> {
    const c = (await this.docs.get<CallbackMessage>(`callback:${id}`))?.value;
    if (!c || c.at < this.now() - this.retentionMs) return undefined;
    return { ...c, phone: maskPhone(c.phone), question: mask(c.question), context: c.context ?? [] };
  }

  /** One after-hours message in full, for the staff member who opens it (recorded). */
  async openCallback(id: string, staff: string): Promise<CallbackMessage | undefined> {
    const doc = await this.docs.get<CallbackMessage>(`callback:${id}`);
    if (!doc || doc.value.at < this.now() - this.retentionMs) return undefined;
    const opened = { ...doc.value, openedBy: doc.value.openedBy ?? staff, openedAt: doc.value.openedAt ?? this.now() };
    await this.docs.cas(`callback:${id}`, doc.version, opened);
    return opened;
  }

  /** Deletes after-hours messages past the retention period; how many went. */
  async purge(): Promise<number> {
    const before = (await this.docs.members(CALLBACKS)).length;
    await this.callbacks();
    return before - (await this.docs.members(CALLBACKS)).length;
  }
}

/** 138****5678: the first three and the last four digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 7) return "*".repeat(digits.length);
  return `${digits.slice(0, 3)}${"*".repeat(digits.length - 7)}${digits.slice(-4)}`;
}
