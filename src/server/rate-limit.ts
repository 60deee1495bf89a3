/**
 * Fixed-window rate limits for the API, synchronous: a limit check is a Map lookup and a counter, with no promise
 * and no object per client (express-rate-limit, used before, awaited five promises per check and kept an object
 * and a Date per client: in an A/B run of `POST /api/chat` its two limiters took the route from 0.70 to 0.54 of a
 * bare express route's throughput, and its store held 9 MB at the bench's 36,000 users a minute).
 */
import { isIPv4, isIPv6 } from "node:net";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** Hit counts per key in one fixed window shared by all keys; a window starts with the first hit after the last ended. */
export class WindowCounts {
  private counts = new Map<string, number>();
  private resetAt = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit; returns the key's hits in this window and when the window ends (ms). */
  hit(key: string): { hits: number; resetAt: number } {
    this.roll();
    const hits = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, hits);
    return { hits, resetAt: this.resetAt };
  }

  /** Keys counted in the current window. */
  get size(): number {
    this.roll();
    return this.counts.size;
  }

  /** A window that has ended is dropped whole, its counts with it. */
  private roll(): void {
    const now = this.now();
    if (now < this.resetAt) return;
    this.counts = new Map();
    this.resetAt = now + this.windowMs;
  }
}

export interface RateLimitOptions {
  windowMs: number;
  /** Requests per key and window; the next one is limited. */
  limit: number;
  key: (req: Request) => string;
  /** Sends the 429 answer; `retryAfter` is the seconds until the window ends (at least 1). */
  onLimited: (req: Request, res: Response, retryAfter: number) => void;
  /** Sets the `RateLimit-Policy` and `RateLimit` fields (IETF draft-7 of RateLimit header fields). */
  headers?: boolean;
  now?: () => number;
  /**
   * Several instances (SESSION_STORE=redis): the hits are counted in this shared counter, so a client gets the same
   * limit whichever instance it reaches. Unset (memory, SQLite: one instance), the synchronous in-process count.
   */
  shared?: SharedWindowCounter;
}

/** A fixed-window hit counter every instance counts in (Redis). */
export interface SharedWindowCounter {
  /** Counts a hit; returns the key's hits in the current window and when that window ends (ms). */
  hit(key: string, windowMs: number): Promise<{ hits: number; resetAt: number }>;
}

export function rateLimit(options: RateLimitOptions): RequestHandler {
  const now = options.now ?? Date.now;
  const counts = new WindowCounts(options.windowMs, now);
  const policy = `${options.limit};w=${Math.ceil(options.windowMs / 1000)}`;
  const decide = (req: Request, res: Response, next: NextFunction, hits: number, resetAt: number) => {
    const reset = Math.max(0, Math.ceil((resetAt - now()) / 1000));
    if (options.headers) {
      res.setHeader("RateLimit-Policy", policy);
      res.setHeader("RateLimit", `limit=${options.limit}, remaining=${Math.max(0, options.limit - hits)}, reset=${reset}`);
    }
    if (hits > options.limit) return options.onLimited(req, res, Math.max(1, reset));
    next();
  };
  const shared = options.shared;
  if (!shared) {
    return (req, res, next) => {
      const { hits, resetAt } = counts.hit(options.key(req));
      decide(req, res, next, hits, resetAt);
    };
  }
  return (req, res, next) => {
    const key = options.key(req);
    shared.hit(key, options.windowMs).then(
      ({ hits, resetAt }) => decide(req, res, next, hits, resetAt),
      // Redis away: each instance counts on its own until it is back (the turn itself answers the apology meanwhile).
      () => {
        const { hits, resetAt } = counts.hit(key);
        decide(req, res, next, hits, resetAt);
      },
    ).catch(next);
  };
}

/**
 * The key a client address is counted under: an IPv4 address as it is (also when written IPv4-mapped, ::ffff:a.b.c.d);
 * an IPv6 address by its /56 prefix, since one subscriber is usually given a whole /56 or /64 and could otherwise
 * rotate through it. Anything else (no address known) is one key of its own.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return "unknown";
  const address = ip.replace(/%.*$/, "");
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return `other:${ip}`;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  return `${groups[0].toString(16)}:${groups[1].toString(16)}:${groups[2].toString(16)}:${(groups[3] & 0xff00).toString(16)}::/56`;
}

/** The eight 16-bit groups of a valid IPv6 address ("::" expanded, a trailing dotted IPv4 part as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
