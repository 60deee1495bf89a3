/**
 * 转人工 in the engine's chain (only when the service runs the hand-off queue: EngineOptions.handoff).
 *
 * - While a staff member holds the conversation (status active), the candidate's message goes to the transcript and
 *   the bot says nothing (status `with_staff`).
 * - 转人工 / 人工客服 / 找客服 (the `handoff` intent), or the 转人工 option offered after two fallbacks in a row: within
 *   staffed hours and with a staff member online, the conversation joins the queue and the candidate is told their
 *   place; otherwise the bot says when staff are back and takes a message (the question, then a callback number;
 *   "取消" cancels).
 * - While waiting, the bot answers as usual and both sides go to the transcript.
 * - Before that, the conversation's last few exchanges with the bot (masked, clipped, within a time bound) are kept in
 *   its session, on every channel alike: they go first into the transcript, marked as earlier, when the conversation
 *   joins the queue, and with an after-hours message, so that the staff member sees what was already said. They live
 *   and die with the session (新对话, expiry).
 * Every wording is a reply template of knowledge/common/replies.yaml.
 */
import type { Knowledge } from "../knowledge/load.js";
import { render } from "../knowledge/facts.js";
import type { Handler } from "../engine/chain.js";
import type { TurnContext } from "../engine/context.js";
import { optionValue } from "../engine/reply.js";
import { mask } from "../logging.js";
import type { HandoffQueue, TranscriptEntry } from "./queue.js";
import { maskPhone } from "./queue.js";
import type { Presence } from "./presence.js";
import { clock, isStaffed, parseHours, shanghaiClock, type StaffedHours } from "./hours.js";

export interface HandoffSetup {
  queue: HandoffQueue;
  presence: Presence;
  /** HANDOFF_HOURS (and days); absent: the notice's 业务受理时间. */
  hours?: StaffedHours;
  /** HANDOFF_DAYS (ISO weekdays) with the notice's hours; absent: every day. */
  days?: Set<number>;
  now?: () => number;
}

/** What a conversation's session keeps for the hand-off. */
export interface HandoffSessionState {
  /** Taking an after-hours message: which part is asked next. */
  leaving?: { step: "question" | "phone"; question?: string; at?: number };
  /** Fallbacks in a row. */
  fallbacks?: number;
  /** The number of the 转人工 option the last reply offered. */
  handoffOption?: string;
  /**
   * Set when this conversation joined the queue (only its own turn can put it there): the queue is read on the turns
   * of such conversations alone, not on every turn of every conversation. Cleared once the hand-off is over.
   */
  inHandoff?: boolean;
  /** The last exchanges with the bot before a hand-off, oldest first (see EarlierTurn). */
  earlier?: EarlierTurn[];
}

/** One exchange with the bot kept for a later hand-off: what the candidate said and the bot's reply, masked, clipped. */
export interface EarlierTurn {
  at: number;
  said: string;
  reply: string;
  /** Part of taking an after-hours message (转人工, the question, the number): not repeated in that message. */
  leaving?: 1;
}

/** Exchanges kept (the newest). */
export const EARLIER_TURNS = 6;
/** Exchanges older than this when kept or handed over are left out. */
export const EARLIER_MS = 60 * 60_000;
/** What the candidate said is kept to this many characters, the bot's reply to that many. */
const EARLIER_SAID = 200;
const EARLIER_REPLY = 160;

/** Masked first (a number cut in two would no longer be seen as one), then clipped with an ellipsis. */
function keep(text: string, max: number): string {
  const masked = mask(text.length > max + 100 ? text.slice(0, max + 100) : text);
  if (masked.length <= max) return masked;
  // Never half of a character outside the BMP (an emoji).
  const cut = /[\uD800-\uDBFF]/.test(masked[max - 2]) ? max - 2 : max - 1;
  return `${masked.slice(0, cut)}…`;
}

/** Adds this turn's exchange to the session's earlier turns, dropping the oldest and those past the time bound. */
export function rememberTurn(s: HandoffSessionState, at: number, said: string, reply: string, leaving = false): void {
  if (!said) return;
  const kept = (s.earlier ?? []).filter((e) => at - e.at <= EARLIER_MS);
  kept.push({ at, said: keep(said, EARLIER_SAID), reply: keep(reply, EARLIER_REPLY), ...(leaving ? { leaving: 1 as const } : {}) });
  s.earlier = kept.length > EARLIER_TURNS ? kept.slice(-EARLIER_TURNS) : kept;
}

/** The earlier turns as transcript entries, within the time bound; without those of taking a message, if asked. */
export function earlierEntries(s: HandoffSessionState, at: number, withLeaving = true): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  for (const e of s.earlier ?? []) {
    if (at - e.at > EARLIER_MS || (!withLeaving && e.leaving)) continue;
    out.push({ at: e.at, from: "candidate", text: e.said, earlier: true });
    if (e.reply) out.push({ at: e.at, from: "bot", text: e.reply, earlier: true });
  }
  return out;
}

const CANCEL = /^(取消|不用了?|算了|不留了?|不需要了?|cancel)[。.!！]*$/i;
const EVERY_DAY = new Set([1, 2, 3, 4, 5, 6, 7]);
/** An unfinished after-hours message is given up after this long without an answer. */
const LEAVING_MS = 30 * 60_000;

/** A mobile (11 digits from 1) or a landline with its area code, read from what the candidate typed. */
export function readPhone(text: string): string | undefined {
  const t = text.normalize("NFKC").replace(/(?<=\d)[\s\-－—.·]+(?=\d)/g, "");
  const mobile = /(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)/.exec(t);
  if (mobile) return mobile[1];
  const landline = /(?<!\d)(0\d{9,11})(?!\d)/.exec(t);
  return landline?.[1];
}

/** The staffed hours: HANDOFF_HOURS when given, else the notice's 业务受理时间, every day. */
export function staffedHours(kb: Knowledge, configured?: StaffedHours, days?: Set<number>): StaffedHours | undefined {
  if (configured) return configured;
  const h = parseHours(kb.contacts.hours.text);
  return h ? { ...h, days: days ?? EVERY_DAY } : undefined;
}

export function handoffHandler(kb: Knowledge, vars: Record<string, string>, setup: HandoffSetup): Handler<TurnContext> {
  const now = setup.now ?? Date.now;
  const t = (key: string, v: Record<string, string | number> = {}) => render(kb.replies[key], v, vars);
  const hours = staffedHours(kb, setup.hours, setup.days);
  const hoursText = hours ? `${clock(hours.open)}-${clock(hours.close)}` : kb.contacts.hours.text;
  const { queue } = setup;

  /** When staff are back: 今天 8:30, 明天 8:30, or the next staffed day's. */
  const back = (at: number): string => {
    if (!hours) return "";
    const { minutes, weekday } = shanghaiClock(at);
    const time = clock(hours.open);
    if (hours.days.has(weekday) && minutes < hours.open) return t("handoff_back_today", { time });
    if (hours.days.has((weekday % 7) + 1)) return t("handoff_back_tomorrow", { time });
    return t("handoff_back_later", { time });
  };

  const say = (ctx: TurnContext, text: string, status: TurnContext["status"] = "handoff") => {
    ctx.parts.push(text);
    ctx.intent = "handoff";
    ctx.confidence = 1;
    ctx.status = status;
  };

  const leaveMessage = async (ctx: TurnContext, s: HandoffSessionState, question: string, phone: string) => {
    // The exchanges before 转人工 go with it (not the message's own dialog: the message holds the question and number).
    await queue.leaveMessage(ctx.userId, ctx.channel, question, phone, earlierEntries(s, now(), false));
    delete s.leaving;
    say(ctx, t("handoff_message_left", { phone: maskPhone(phone), hours: kb.contacts.hours.text }), "answered");
  };

  /** A turn of taking an after-hours message: the question, then the number; 取消 cancels. */
  const takeMessage = async (ctx: TurnContext, s: HandoffSessionState, leaving: NonNullable<HandoffSessionState["leaving"]>, raw: string) => {
    if (CANCEL.test(raw)) {
      delete s.leaving;
      return say(ctx, t("handoff_message_cancelled"), "answered");
    }
    if (leaving.step === "question") {
      if (!raw) return say(ctx, t("handoff_ask_question"), "asked");
      const phone = readPhone(raw);
      if (phone) return leaveMessage(ctx, s, raw, phone);
      s.leaving = { step: "phone", question: raw, at: now() };
      return say(ctx, t("handoff_ask_phone"), "asked");
    }
    const phone = readPhone(raw);
    if (phone) return leaveMessage(ctx, s, leaving.question ?? "", phone);
    return say(ctx, t("handoff_phone_again"), "asked");
  };

  return async (ctx, next) => {
    const s = ctx.session as TurnContext["session"] & HandoffSessionState;
    const offered = s.handoffOption;
    delete s.handoffOption;
    const open = s.inHandoff ? await queue.current(ctx.userId) : undefined;
    if (!open) delete s.inHandoff;
    const raw = ctx.text.trim();
    const said = ctx.chosen ?? raw;

    // A person holds the conversation: what the candidate says is for them.
    if (open?.status === "active") {
      if (said) await queue.record(ctx.userId, { at: now(), from: "candidate", text: said });
      delete s.leaving;
      ctx.intent = "with_staff";
      ctx.confidence = 1;
      ctx.status = "with_staff";
      return;
    }

    // Taking an after-hours message (forgotten when the candidate comes back much later: it is a new question then).
    if (s.leaving && now() - (s.leaving.at ?? 0) > LEAVING_MS) delete s.leaving;
    if (s.leaving) {
      await takeMessage(ctx, s, s.leaving, raw);
      rememberTurn(s, now(), said, ctx.parts.join("\n"), true);
      return;
    }

    const asks = (ctx.u?.intent === "handoff" && ctx.u.byRule) || (offered !== undefined && ctx.u?.norm.text === offered);
    if (asks) {
      if (open) {
        const position = await queue.position(open);
        await queue.record(ctx.userId, { at: now(), from: "candidate", text: said });
        say(ctx, t("handoff_still_waiting", { position }));
        await queue.record(ctx.userId, { at: now(), from: "bot", text: ctx.parts.join("\n") });
        return;
      }
      const at = now();
      const inHours = hours ? isStaffed(hours, at) : false;
      const online = inHours ? (await setup.presence.online()).length > 0 : false;
      if (inHours && online) {
        // What was said before comes first in the transcript (written before the queue lists the conversation, so
        // nothing a staff member does on taking it can come in between).
        for (const e of earlierEntries(s, at)) await queue.record(ctx.userId, e);
        const { position } = await queue.open(ctx.userId, ctx.channel);
        s.inHandoff = true;
        delete s.earlier;
        await queue.record(ctx.userId, { at, from: "candidate", text: said });
        say(ctx, t("handoff_queued", { position }));
        await queue.record(ctx.userId, { at: now(), from: "bot", text: ctx.parts.join("\n") });
        return;
      }
      say(ctx, inHours ? t("handoff_nobody_online") : t("handoff_after_hours", { hours: hoursText, back: back(at) }));
      ctx.parts.push(t("handoff_ask_question"));
      s.leaving = { step: "question", at: now() };
      rememberTurn(s, at, said, ctx.parts.join("\n"), true);
      return;
    }

    await next();

    // Two fallbacks in a row: 转人工 is offered as one of the options.
    if (ctx.status === "fallback") {
      s.fallbacks = (s.fallbacks ?? 0) + 1;
      if (s.fallbacks >= 2) {
        const n = ctx.options.length + 1;
        ctx.options.push({ label: t("handoff_offer_option"), value: optionValue("handoff", n) });
        s.handoffOption = String(n);
        ctx.parts.push(t("handoff_offer"));
      }
    } else if (ctx.status !== "error") delete s.fallbacks;

    // Not in a hand-off: the exchange is kept for one later (bounded, in the session). Waiting in the queue: both sides
    // are kept in the transcript for the staff member who takes it.
    if (!open) rememberTurn(s, now(), said, ctx.parts.join("\n"));
    else if (said) {
      await queue.record(ctx.userId, { at: now(), from: "candidate", text: said });
      if (ctx.parts.length) await queue.record(ctx.userId, { at: now(), from: "bot", text: ctx.parts.join("\n") });
    }
  };
}
