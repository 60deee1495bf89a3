/**
 * What a turn and a self-check become in the console's numbers (src/stats/stats.ts): the question is masked (ID-card,
 * phone, e-mail) and normalised before it is counted among the top questions, so no personal data reaches the stats.
 * The service calls `stats.turn(turnEvent(result, channel, text))` after each turn and
 * `stats.selfCheck(selfCheckEvent(result))` after each verdict.
 */
import type { TurnResult } from "../engine/context.js";
import type { EligibilityResult } from "../eligibility/rules.js";
import { mask } from "../logging.js";
import { normalise } from "../nlu/normalize.js";
import type { SelfCheckEvent, TurnEvent } from "./stats.js";

/** Statuses whose question says what people ask (an empty message or an error says nothing). */
const COUNTED = new Set<TurnResult["status"]>(["answered", "asked", "fallback", "handoff"]);
const MAX_QUESTION = 60;

/** The question as counted: masked, normalised (full-width, case, Traditional script), punctuation at the ends and
 * runs of white space taken away, clipped. Empty when nothing is left. */
export function statsQuestion(text: string): string {
  // Normalised first: full-width digits become digits, so a phone number written in them is masked too.
  const n = mask(normalise(String(text ?? "")).text);
  return [...n.replace(/\s+/g, " ").replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, "")].slice(0, MAX_QUESTION).join("");
}

export function turnEvent(result: Pick<TurnResult, "intent" | "confidence" | "status">, channel: string, text: string, at: number = Date.now()): TurnEvent {
  const question = COUNTED.has(result.status) ? statsQuestion(text) : "";
  return {
    at,
    channel: channel || "unknown",
    intent: result.intent || "none",
    status: result.status,
    confidence: Number.isFinite(result.confidence) ? result.confidence : 0,
    ...(question ? { question } : {}),
  };
}

/** A self-check's outcome: the occupation (with its track, when it has one) and level, and whether the candidate can apply. */
export function selfCheckEvent(result: Pick<EligibilityResult, "occupation" | "track" | "level" | "eligible">, at: number = Date.now()): SelfCheckEvent {
  return { at, occupation: result.track ? `${result.occupation}（${result.track}）` : result.occupation, level: result.level, eligible: result.eligible };
}
