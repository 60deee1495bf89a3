/**
 * Structured logs (pino, JSON lines on stderr) with personal data masked in every logged string:
 * ID-card numbers, mainland mobile numbers and e-mail addresses. Landlines (010-…, 400-…) stay readable:
 * they are the agency's own numbers, which staff need to see.
 */
import { pino, type DestinationStream, type LevelWithSilent, type Logger as PinoLogger } from "pino";
import type { Logger } from "./engine/engine.js";

// Digits as typed on a phone keyboard or a full-width IME.
const D = "[0-9０-９]";
const SEP = "[ \\-－]?";

/** 18-character resident ID: 17 digits and a check character (digit or X), optionally grouped 6-8-4. */
const ID_CARD = new RegExp(`(?<!${D})(${D}{6})${SEP}(${D}{8})${SEP}(${D}{3}[0-9０-９XxＸｘ])(?!${D})`, "g");
/** Mainland mobile: 1[3-9] and 9 more digits, optionally +86 and grouped 3-4-4; never part of a longer number. */
const MOBILE = new RegExp(`(?<!${D})((?:[+＋]?[8８][6６]${SEP})?)([1１][3-9３-９]${D})${SEP}(${D}{4})${SEP}(${D}{4})(?!${D})`, "g");
/** The local part takes every character RFC 5322 allows unquoted; the first one stays readable. */
const EMAIL = /([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})/g;
const MAYBE_PERSONAL = /[0-9０-９@]/;

/**
 * Masks personal data in a text: `110101199003071234` → `110***********1234`, `13812345678` → `138****5678`,
 * `zhang.san@example.com` → `z***@example.com`. Strings in `keep` (the agency's own address) are left as they are.
 */
export function mask(text: string, keep?: ReadonlySet<string>): string {
  if (!MAYBE_PERSONAL.test(text)) return text;
  return text
    .replace(EMAIL, (all, local: string, domain: string) => (keep?.has(all) ? all : `${maskLocal(local)}@${domain}`))
    .replace(ID_CARD, (all, a: string, _b: string, c: string) => (keep?.has(all) ? all : `${a.slice(0, 3)}***********${c}`))
    .replace(MOBILE, (all, prefix: string, a: string, _b: string, c: string) => (keep?.has(all) ? all : `${prefix}${a}****${c}`));
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
