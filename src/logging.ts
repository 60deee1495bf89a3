/**
 * Structured logs (pino, JSON lines on stderr) with personal data masked in every logged string:
 * ID-card numbers, mainland mobile numbers and e-mail addresses. Landlines (010-…, 400-…) stay readable:
 * they are the agency's own numbers, which staff need to see.
 */
import { pino, type DestinationStream, type LevelWithSilent, type Logger as PinoLogger } from "pino";
import type { Logger } from "./engine/engine.js";

// Digits as typed on a phone keyboard or a full-width IME.
const D = "[0-9０-９]";
/** What people type between groups of digits: spaces (also full-width), hyphens and dashes, dots, slashes. */
const SEP = "[ \\t\\u3000\\-－‐‑–—.．·・_/]";
/**
 * A run of digits in groups ("138 1234 5678", "1101011990 0307 1234", "+86-138.1234.5678"), never part of a longer
 * number; an ID's check character may end it. Each run is then read group window by group window (see maskRun).
 */
const RUN = new RegExp(`(?<!${D})(?:[+＋]${SEP}{0,2})?${D}+(?:${SEP}{1,3}${D}+)*[XxＸｘ]?(?!${D})`, "g");
/** Mainland mobile: 1[3-9] and 9 more digits, after an optional 86. */
const MOBILE = /^(?:86)?1[3-9]\d{9}$/;
/** 18-character resident ID: 17 digits and a check character. */
const ID_CARD = /^\d{17}[\dX]$/;
/** Groups of a run read together at most (an 18-digit ID typed in single digits is 18 groups). */
const MAX_WINDOW = 18;
/** The local part takes every character RFC 5322 allows unquoted; the first one stays readable. */
const EMAIL = /([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})/g;
const MAYBE_PERSONAL = /[0-9０-９@]/;

/** "１" → "1", "Ｘ"/"x" → "X". */
const ascii = (c: string) => {
  const code = c.charCodeAt(0);
  const a = code >= 0xff10 && code <= 0xff19 ? String.fromCharCode(code - 0xfee0) : c;
  return /[xＸｘ]/.test(a) ? "X" : a;
};

/**
 * Masks personal data in a text: `110101199003071234` → `110***********1234`, `13812345678` → `138****5678`,
 * `zhang.san@example.com` → `z***@example.com`, whatever the spacing, dots or dashes between the digits and whether
 * they are full-width ("138.1234.5678", "1101011990 0307 1234", "１３８ １２３４ ５６７８"). Decided by pattern: a
 * mobile is 11 digits 1[3-9]…, an ID 17 digits and a check character, neither inside a longer number; landlines and
 * the hotline (010-…, 400-…), years, fees and dates stay readable. Strings in `keep` are left as they are.
 */
export function mask(text: string, keep?: ReadonlySet<string>): string {
  if (!MAYBE_PERSONAL.test(text)) return text;
  return text
    .replace(EMAIL, (all, local: string, domain: string) => (keep?.has(all) ? all : `${maskLocal(local)}@${domain}`))
    .replace(RUN, (run) => maskRun(run, keep));
}

/**
 * A run of digit groups with every mobile or ID in it masked: the widest window of whole groups (at most MAX_WINDOW)
 * whose digits are one, from left to right. A 12-digit group is no mobile; "138 1234 5678 2" holds one.
 */
function maskRun(run: string, keep?: ReadonlySet<string>): string {
  const groups: { start: number; end: number; chars: number[] }[] = [];
  const digit = /[0-9０-９XxＸｘ]/;
  for (let i = 0; i < run.length; i++) {
    if (!digit.test(run[i])) continue;
    const g = { start: i, end: i, chars: [] as number[] };
    while (i < run.length && digit.test(run[i])) g.chars.push(i++);
    g.end = i;
    groups.push(g);
  }
  let out = "";
  let last = 0;
  for (let i = 0; i < groups.length; i++) {
    for (let j = Math.min(groups.length, i + MAX_WINDOW) - 1; j >= i; j--) {
      const positions = groups.slice(i, j + 1).flatMap((g) => g.chars);
      const digits = positions.map((p) => ascii(run[p])).join("");
      const kind = ID_CARD.test(digits) ? "id" : MOBILE.test(digits) && !digits.includes("X") ? "mobile" : undefined;
      if (!kind) continue;
      const whole = run.slice(groups[i].start, groups[j].end);
      if (keep?.has(whole)) break;
      const chars = positions.map((p) => run[p]);
      // A mobile keeps its 86 as written; both keep their first 3 and last 4 digits as typed.
      const from = kind === "mobile" ? positions[digits.length - 11] : groups[i].start;
      const body = kind === "mobile" ? chars.slice(-11) : chars;
      out += run.slice(last, from) + body.slice(0, 3).join("") + "*".repeat(body.length - 7) + body.slice(-4).join("");
      last = groups[j].end;
      i = j;
      break;
    }
  }
  return last === 0 ? run : out + run.slice(last);
}

/** "zhang.san" → "z***"; a one-character name is hidden whole; an already masked one stays as it is. */
const maskLocal = (local: string) => (/^.?\*{3}$/.test(local) ? local : local.length > 1 ? `${local[0]}***` : "***");

const MAX_DEPTH = 8;

/** A copy of a log argument with every string masked (objects, arrays and errors walked; cycles cut). */
export function maskValue(value: unknown, keep?: ReadonlySet<string>, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return mask(value, keep);
  // A phone number logged as a number (an id from a form) is masked too, and becomes a string.
  if ((typeof value === "number" && Number.isInteger(value) && value >= 1e10) || typeof value === "bigint") {
    const s = String(value);
    const masked = mask(s, keep);
    return masked === s ? value : masked;
  }
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return "[…]";
  seen.add(value);
  if (value instanceof Error) {
    // Stays an Error, so pino's err serializer still gives type, message and stack.
    const copy = new Error(mask(value.message, keep));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : mask(value.stack, keep);
    for (const [k, v] of Object.entries(value)) (copy as unknown as Record<string, unknown>)[k] = maskValue(v, keep, depth + 1, seen);
    if (value.cause !== undefined) copy.cause = maskValue(value.cause, keep, depth + 1, seen);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, keep, depth + 1, seen));
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, keep, depth + 1, seen);
  return out;
}

export interface LoggerOptions {
  /** Where the JSON lines go (default: stderr, written synchronously so a crash loses no line). */
  destination?: DestinationStream;
  /** Texts left unmasked, e.g. the agency's own e-mail address. */
  keep?: Iterable<string>;
}

/** A pino logger to stderr that masks personal data in messages, fields, errors and child bindings (not in `base`). */
export function createLogger(level: LevelWithSilent = "info", options: LoggerOptions = {}): PinoLogger & Logger {
  const keep = new Set(options.keep ?? []);
  const logger = pino(
    {
      level,
      // Secrets that would otherwise reach the log through request objects.
      redact: { paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token", "password", "token"], censor: "[redacted]" },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => maskValue(a, keep)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
  // pino writes a child's bindings once, past the hooks: mask them on the way in. A child is Object.create(parent),
  // so every descendant inherits this method.
  const child = logger.child;
  logger.child = function (this: PinoLogger, bindings, childOptions) {
    return child.call(this, maskValue(bindings, keep) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
