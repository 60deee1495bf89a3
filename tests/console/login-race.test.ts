/**
 * Issue 11: the console's login lockout under parallel attempts, over real HTTP on 127.0.0.1.
 * 300 wrong passwords sent at once from one address must not all be checked (the limit is 10).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEngine } from "../helpers.js";
import { ConsoleAuth, hashPassword } from "../../src/console/auth.js";
import { consoleRouter } from "../../src/console/router.js";

const engine = makeEngine();
const PASSWORD = "li-password-123456";
const SECRET = "r".repeat(40);
let dir: string;
let usersFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "console-race-"));
  usersFile = join(dir, "users.yaml");
  writeFileSync(usersFile, `users:\n  - name: li\n    hash: "${await hashPassword(PASSWORD)}"\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The console behind a trusted proxy on loopback, so a test can speak for any client address (X-Forwarded-For). */
async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.set("trust proxy", "loopback");
  app.use("/console", consoleRouter({ engine, config: { CONSOLE_USERS_FILE: usersFile, CONSOLE_SECRET: SECRET } }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const attempt = (url: string, password: string, from?: string) =>
  fetch(`${url}/console/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(from ? { "x-forwarded-for": from } : {}) },
    body: JSON.stringify({ name: "li", password }),
  });

describe("login lockout under parallel attempts", () => {
  it("checks at most 10 of 300 wrong passwords sent at once from one address; the rest get 429 at once", { timeout: 120_000 }, async () => {
    const srv = await start();
    try {
      const statuses = await Promise.all(Array.from({ length: 300 }, (_, i) => attempt(srv.url, `wrong-${i}-xxxxxxxx`).then((r) => r.status)));
      const checked = statuses.filter((s) => s === 401).length;
      expect(checked).toBeGreaterThanOrEqual(1);
      expect(checked).toBeLessThanOrEqual(10);
      expect(statuses.filter((s) => s === 429).length).toBe(300 - checked);
      // Sequentially the same client reaches the limit, and then the right password is refused too.
      for (let i = 0; i < 10; i++) await attempt(srv.url, `again-${i}-xxxxxxxx`);
      const locked = await attempt(srv.url, PASSWORD);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await locked.json()) as { error: string }).error).toContain("次数过多");
    } finally {
      await srv.close();
    }
  });

  it("counts an IPv6 client by its /56, as the API's rate limit does", { timeout: 60_000 }, async () => {
    const srv = await start();
    try {
      // Eleven addresses of one /56 (2001:db8:1:100::/56), one wrong password each.
      for (let i = 0; i < 10; i++) expect((await attempt(srv.url, `wrong-${i}-xxxxxxxx`, `2001:db8:1:1${i.toString(16)}${i}::${i + 1}`)).status).toBe(401);
      expect((await attempt(srv.url, PASSWORD, "2001:db8:1:1ff::abcd")).status).toBe(429);
      // Another /56 and an IPv4 client are not affected.
      expect((await attempt(srv.url, PASSWORD, "2001:db8:1:200::1")).status).toBe(200);
      expect((await attempt(srv.url, PASSWORD, "192.0.2.7")).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});

describe("password checks at once", () => {
  it("one attempt per client and two per process are checked at once; the others are refused at once, not queued", async () => {
    const auth = new ConsoleAuth({ usersFile, secret: SECRET, sessionMs: 60_000, maxChecksInFlight: 2 });
    const results = await Promise.all([
      auth.attempt("li", "wrong-a-xxxxxxxx", "10.0.0.1"),
      auth.attempt("li", PASSWORD, "10.0.0.1"),
      auth.attempt("li", "wrong-b-xxxxxxxx", "10.0.0.2"),
      auth.attempt("li", PASSWORD, "10.0.0.3"),
    ]);
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["invalid", "in-flight", "invalid", "busy"]);
    // Refused attempts were not counted: once the checks are done, the right password logs in from either.
    expect((await auth.attempt("li", PASSWORD, "10.0.0.3")).ok).toBe(true);
    expect((await auth.attempt("li", PASSWORD, "10.0.0.1")).ok).toBe(true);
  });

  it("a flood from a hundred addresses gets 503 with Retry-After beyond the cap, never a queue of hashes", { timeout: 60_000 }, async () => {
    const srv = await start();
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => attempt(srv.url, `wrong-${i}-xxxxxxxx`, `198.51.100.${i + 1}`).then(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), body: (await r.json()) as { error: string } }))),
      );
      const busy = answers.filter((a) => a.status === 503);
      expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy.every((a) => a.retryAfter === "1" && a.body.error.includes("稍后再试"))).toBe(true);
      // Once the flood is over, a staff member logs in.
      expect((await attempt(srv.url, PASSWORD, "203.0.113.9")).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});
