/** The API's fixed-window limiter and the key a client address is counted under. */
import { describe, expect, it } from "vitest";
import type { Request, Response } from "express";
import { clientKey, rateLimit, WindowCounts, type RateLimitOptions } from "../../src/server/rate-limit.js";

describe("WindowCounts", () => {
  it("counts hits per key until the window ends, then starts from nothing", () => {
    let now = 1_000;
    const w = new WindowCounts(100, () => now);
    expect(w.hit("a")).toEqual({ hits: 1, resetAt: 1_100 });
    expect(w.hit("a").hits).toBe(2);
    expect(w.hit("b").hits).toBe(1);
    now = 1_099;
    expect(w.hit("a")).toEqual({ hits: 3, resetAt: 1_100 });
    expect(w.size).toBe(2);
    now = 1_100;
    expect(w.size).toBe(0);
    expect(w.hit("a")).toEqual({ hits: 1, resetAt: 1_200 });
  });
});

/** A limiter over the request's ip; each call runs it once and tells what it did. */
function limiter(options: Omit<RateLimitOptions, "key" | "onLimited">) {
  let retryAfter: number | undefined;
  const mw = rateLimit({ ...options, key: (req) => req.ip!, onLimited: (_req, _res, seconds) => void (retryAfter = seconds) });
  return (ip: string) => {
    const headers = new Map<string, string>();
    let passed = false;
    retryAfter = undefined;
    const res = { setHeader: (k: string, v: string) => void headers.set(k.toLowerCase(), v) } as unknown as Response;
    mw({ ip } as Request, res, () => void (passed = true));
    return { passed, headers, retryAfter };
  };
}

describe("rateLimit", () => {
  it("lets `limit` requests per key through in a window, then answers with the seconds to wait", () => {
    let now = 0;
    const call = limiter({ windowMs: 60_000, limit: 2, headers: true, now: () => now });
    const first = call("1.2.3.4");
    expect(first.passed).toBe(true);
    expect(first.headers.get("ratelimit-policy")).toBe("2;w=60");
    expect(first.headers.get("ratelimit")).toBe("limit=2, remaining=1, reset=60");
    now = 15_000;
    expect(call("1.2.3.4").headers.get("ratelimit")).toBe("limit=2, remaining=0, reset=45");
    const third = call("1.2.3.4");
    expect(third.passed).toBe(false);
    expect(third.retryAfter).toBe(45);
    // Another client is counted apart; a new window lets the first one through again.
    expect(call("5.6.7.8").passed).toBe(true);
    now = 60_000;
    expect(call("1.2.3.4").passed).toBe(true);
  });

  it("says at least one second to wait, and sets no headers unless asked", () => {
    let now = 0;
    const call = limiter({ windowMs: 300, limit: 0, now: () => now });
    now = 299;
    const r = call("x");
    expect(r.passed).toBe(false);
    expect(r.retryAfter).toBe(1);
    expect(r.headers.size).toBe(0);
  });
});

describe("clientKey", () => {
  it("keeps IPv4 addresses, also written IPv4-mapped", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::ffff:cb00:7107")).toBe("203.0.113.7");
  });

  it("counts an IPv6 address by its /56 prefix, however it is written", () => {
    const key = clientKey("2001:db8:85a3:12ff:1:2:3:4");
    expect(key).toBe("2001:db8:85a3:1200::/56");
    expect(clientKey("2001:db8:85a3:1234::1")).toBe(key);
    expect(clientKey("2001:0db8:85a3:12ab:ffff:ffff:ffff:ffff")).toBe(key);
    expect(clientKey("2001:db8:85a3:1300::1")).not.toBe(key);
    expect(clientKey("::1")).toBe("0:0:0:0::/56");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/56");
    expect(clientKey("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/56");
  });

  it("gives an unknown or malformed address a key of its own", () => {
    expect(clientKey(undefined)).toBe("unknown");
    expect(clientKey("")).toBe("unknown");
    expect(clientKey("not an address")).toBe("other:not an address");
  });
});
