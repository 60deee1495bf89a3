/** The HTTP API contract over a real socket on 127.0.0.1: answers, every error status, limits, headers, mounting. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express, { type RequestHandler } from "express";
import helmet from "helmet";
import { getKb, sharedEngine } from "../helpers.js";
import { createHttpApp, fixedHeaders, MAX_TEXT_CHARS, trustProxyValue } from "../../src/server/http.js";
import { memoryLog } from "../../src/server/logger.js";
import type { Engine } from "../../src/engine/engine.js";
import { listen, postJson, type Running } from "./listen.js";
import { jpeg, KB, png } from "../channels/images.js";

const kb = getKb();
const engine = sharedEngine();
let api: Running;
/** An integrator's API key: with it, the body's userId is the conversation (without one, the cookie decides). */
const KEY = "test-key-0123456789abcdef";
const API_KEYS = [{ name: "tests", secret: KEY }];
const keyed = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  const mounted = express.Router();
  mounted.get("/ping", (_req, res) => void res.json({ pong: true }));
  mounted.get("/boom", () => {
    throw new Error("mounted router failed");
  });
  api = await listen(
    createHttpApp({
      kb,
      engine,
      config: { RATE_LIMIT_PER_MINUTE: 1000, API_KEYS },
      version: "9.9.9",
      startedAt: Date.now() - 5000,
      mount: (app) => app.use("/extra", mounted),
    }),
  );
});
afterAll(() => api.close());

describe("POST /api/chat", () => {
  it("answers a question with replies, intent and confidence, and the reply's structure beside them", async () => {
    const r = await postJson(`${api.url}/api/chat`, { userId: "chat-1", text: "电子商务师三级多少钱" }, keyed);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    // (Issue 13 added the structure: parts, options, source, links, turnId, status.)
    expect(Object.keys(r.json).sort()).toEqual(["confidence", "intent", "links", "options", "parts", "replies", "source", "status", "turnId"]);
    expect(r.json.options).toEqual([]);
    expect(r.json.source).toMatch(/^（依据：/);
    expect(r.json.replies[0].endsWith(r.json.source)).toBe(true);
    expect(r.json.intent).toBe("fee");
    expect(r.json.confidence).toBeGreaterThan(0.5);
    const fee = kb.fees.tables.find((t) => t.occupation === "电子商务师")!.rows.find((row) => row.level === 3)!;
    expect(r.json.replies.join("\n")).toContain(String(fee.total));
  });

  it("keeps a user's conversation across requests (the eligibility dialog)", async () => {
    const first = await postJson(`${api.url}/api/chat`, { userId: "dialog-1", text: "资格自测" }, keyed);
    expect(first.json.replies.join("\n")).toMatch(/\n1\. /);
    const second = await postJson(`${api.url}/api/chat`, { userId: "dialog-1", text: "1" }, keyed);
    expect(second.status).toBe(200);
    expect(second.json.intent).toBe("eligibility_dialog");
    // Another user saying "1" is not in the dialog.
    const other = await postJson(`${api.url}/api/chat`, { userId: "dialog-2", text: "1" }, keyed);
    expect(other.json.intent).not.toBe("eligibility_dialog");
  });

  it("answers an empty text with a prompt, not an error", async () => {
    const r = await postJson(`${api.url}/api/chat`, { userId: "chat-empty", text: "  " });
    expect(r.status).toBe(200);
    expect(r.json.intent).toBe("empty");
  });

  it.each([
    ["missing userId", { text: "你好" }, /userId/],
    ["userId of the wrong type", { userId: 42, text: "你好" }, /userId/],
    ["text of the wrong type", { userId: "u", text: ["你好"] }, /text/],
    ["missing text", { userId: "u" }, /text/],
    ["empty userId", { userId: " ", text: "你好" }, /userId/],
    ["text too long", { userId: "u", text: "好".repeat(MAX_TEXT_CHARS + 1) }, /text/],
    ["an array body", [1, 2], /userId/],
  ])("400 for %s (with an API key)", async (_name, body, field) => {
    const r = await postJson(`${api.url}/api/chat`, body, keyed);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("invalid_request");
    expect(r.json.error).toMatch(field);
  });

  it("400 for malformed JSON", async () => {
    const r = await postJson(`${api.url}/api/chat`, '{"userId": "u", "text": ');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: expect.any(String), code: "invalid_json" });
  });

  it("400 for a JSON scalar (strict JSON: objects and arrays only)", async () => {
    const r = await postJson(`${api.url}/api/chat`, '"你好"');
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("invalid_json");
  });

  it("413 for a body over 64 KB", async () => {
    const r = await postJson(`${api.url}/api/chat`, { userId: "big", text: "好".repeat(30_000) });
    expect(r.status).toBe(413);
    expect(r.json.code).toBe("body_too_large");
  });

  it("415 for a body that is not JSON", async () => {
    const res = await fetch(`${api.url}/api/chat`, { method: "POST", headers: { "content-type": "text/plain" }, body: "你好" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { code: string }).code).toBe("unsupported_media_type");
  });

  it("405 with Allow for another method", async () => {
    const res = await fetch(`${api.url}/api/chat`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(((await res.json()) as { code: string }).code).toBe("method_not_allowed");
  });
});

describe("POST /api/eligibility", () => {
  it("evaluates a valid profile", async () => {
    const r = await postJson(`${api.url}/api/eligibility`, { occupation: "电子商务师", level: 4, yearsInField: 6 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ eligible: true, occupation: "电子商务师", level: 4 });
    expect(Array.isArray(r.json.materials)).toBe(true);
  });

  it("returns a profile that does not qualify with its gaps", async () => {
    const r = await postJson(`${api.url}/api/eligibility`, { occupation: "电子商务师", level: 4, yearsInField: 1 });
    expect(r.status).toBe(200);
    expect(r.json.eligible).toBe(false);
    expect(r.json.gaps.length).toBeGreaterThan(0);
  });

  it("400 with zod's (Chinese) message for an invalid profile", async () => {
    const r = await postJson(`${api.url}/api/eligibility`, { occupation: "宇航员", level: 9, yearsInField: -1 });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("invalid_profile");
    expect(r.json.error).toMatch(/未知职业/);
    expect(r.json.error).toMatch(/等级/);
  });

  it("400 for wrong types", async () => {
    const r = await postJson(`${api.url}/api/eligibility`, { occupation: "电子商务师", level: "四级", yearsInField: "6" });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/level|等级/);
  });

  it("400 for malformed JSON", async () => {
    const r = await postJson(`${api.url}/api/eligibility`, "{occupation:");
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("invalid_json");
  });
});

describe("POST /api/photo", () => {
  const spec = kb.materials.photo;
  const upload = (body: Buffer | string, type: string) => fetch(`${api.url}/api/photo`, { method: "POST", headers: { "content-type": type }, body });

  it("confirms a photo within the spec", async () => {
    const res = await upload(jpeg({ width: spec.minWidthPx + 10, height: spec.minHeightPx + 10, bytes: spec.minSizeKB * KB }), "image/jpeg");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, format: "JPEG", width: spec.minWidthPx + 10, height: spec.minHeightPx + 10, sizeKB: spec.minSizeKB, problems: [] });
    expect(body.reply).toEqual(expect.stringContaining(String(spec.minWidthPx + 10)));
  });

  it("lists what to fix in a photo outside the spec", async () => {
    const res = await upload(png({ width: 50, height: 50, bytes: (spec.maxSizeKB + 1) * KB }), "image/png");
    const body = (await res.json()) as { ok: boolean; problems: { rule: string }[]; reply: string };
    expect(body.ok).toBe(false);
    expect(body.problems.map((p) => p.rule)).toEqual(["format", "height", "width", "size_large"]);
    expect(body.reply).toMatch(/不符合/);
  });

  it("415 for a body that is not a picture type, 400 for an empty one, 413 over the limit", async () => {
    const text = await upload("你好", "text/plain");
    expect(text.status).toBe(415);
    expect(((await text.json()) as { code: string }).code).toBe("unsupported_media_type");
    expect((await upload(Buffer.alloc(0), "image/jpeg")).status).toBe(400);
    const huge = await upload(Buffer.alloc(21 * 1024 * 1024, 0xff), "image/jpeg");
    expect(huge.status).toBe(413);
  });
});

describe("health, unknown routes, headers, mounting", () => {
  it("GET /healthz → 200 with version, uptime and the notice in use", async () => {
    const res = await fetch(`${api.url}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { uptime: number };
    const notice = { year: kb.notice.year, docNumber: kb.notice.docNumber };
    expect(body).toEqual({ status: "ok", version: "9.9.9", uptime: expect.any(Number), notice, notices: [notice] });
    expect(body.uptime).toBeGreaterThanOrEqual(5);
  });

  it("404 JSON for unknown routes", async () => {
    for (const [method, path] of [["GET", "/nope"], ["POST", "/api/nope"], ["DELETE", "/healthz"]]) {
      const res = await fetch(`${api.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe("not_found");
    }
  });

  it("sets helmet's security headers and no X-Powered-By", async () => {
    const res = await fetch(`${api.url}/healthz`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(res.headers.get("content-security-policy")).not.toMatch(/upgrade-insecure-requests/);
    expect(res.headers.get("referrer-policy")).toBeTruthy();
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("sets every header helmet sets, on API answers too, from headers computed once", async () => {
    const direct = express();
    direct.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, frameAncestors: ["'self'"] } }, frameguard: { action: "sameorigin" } }));
    direct.get("/", (_req, res) => void res.end());
    const plain = await listen(direct);
    try {
      const expected = [...(await fetch(plain.url)).headers].filter(([k]) => !["date", "connection", "keep-alive", "content-length"].includes(k));
      expect(expected.length).toBeGreaterThan(8);
      const chat = await postJson(`${api.url}/api/chat`, { userId: "headers-1", text: "你好" });
      for (const [name, value] of expected) expect(chat.headers.get(name), name).toBe(value);
    } finally {
      await plain.close();
    }
  });

  it("falls back to the middleware itself when it does not finish at once", async () => {
    let calls = 0;
    const later: RequestHandler = (_req, res, next) => {
      calls++;
      res.setHeader("X-Later", String(calls));
      setImmediate(next);
    };
    const app = express();
    app.use(fixedHeaders(later));
    app.get("/", (_req, res) => void res.end());
    const run = await listen(app);
    try {
      expect((await fetch(run.url)).headers.get("x-later")).toBe("2");
      expect((await fetch(run.url)).headers.get("x-later")).toBe("3");
    } finally {
      await run.close();
    }
  });

  it("gives the web page an ETag it answers 304 to, and API answers none", async () => {
    const page = await fetch(`${api.url}/`);
    const etag = page.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    // As a browser revalidates (fetch() would add "Cache-Control: no-cache" to a conditional request otherwise).
    const revalidate = (tag: string) => fetch(`${api.url}/`, { headers: { "if-none-match": tag, "cache-control": "max-age=0" } });
    expect((await revalidate(etag!)).status).toBe(304);
    expect((await revalidate('"other"')).status).toBe(200);
    const chat = await postJson(`${api.url}/api/chat`, { userId: "etag-1", text: "你好" });
    expect(chat.headers.get("etag")).toBeNull();
  });

  it("reaches a mounted router before the 404 handler, and its errors come out as JSON 500", async () => {
    const ok = await fetch(`${api.url}/extra/ping`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ pong: true });
    const boom = await fetch(`${api.url}/extra/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: expect.any(String), code: "internal_error" });
  });
});

describe("rate limits", () => {
  it("429 per user id, other users unaffected", async () => {
    const run = await listen(createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 3, RATE_LIMIT_PER_IP_PER_MINUTE: 100, API_KEYS } }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postJson(`${run.url}/api/chat`, { userId: "flood", text: "你好" }, keyed)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const limited = await postJson(`${run.url}/api/chat`, { userId: "flood", text: "你好" }, keyed);
      expect(limited.json.code).toBe("rate_limited_user");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await postJson(`${run.url}/api/chat`, { userId: "calm", text: "你好" }, keyed)).status).toBe(200);
    } finally {
      await run.close();
    }
  });

  it("429 per IP across user ids and routes, with RateLimit headers", async () => {
    const run = await listen(createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 100, RATE_LIMIT_PER_IP_PER_MINUTE: 4 } }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await postJson(`${run.url}/api/chat`, { userId: `u${i}`, text: "你好" })).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      const over = await postJson(`${run.url}/api/eligibility`, { occupation: "电子商务师", level: 4, yearsInField: 6 });
      expect(over.status).toBe(429);
      expect(over.json.code).toBe("rate_limited_ip");
      expect(over.headers.get("ratelimit-policy") ?? over.headers.get("ratelimit")).toBeTruthy();
      // The web page and the health check are not API calls.
      expect((await fetch(`${run.url}/healthz`)).status).toBe(200);
    } finally {
      await run.close();
    }
  });

  it("behind a trusted proxy (TRUST_PROXY), counts per client address from X-Forwarded-For", async () => {
    const run = await listen(createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 100, RATE_LIMIT_PER_IP_PER_MINUTE: 2, TRUST_PROXY: "loopback" } }));
    try {
      const from = (ip: string, user: string) => postJson(`${run.url}/api/chat`, { userId: user, text: "你好" }, { "x-forwarded-for": ip });
      expect((await from("203.0.113.7", "a")).status).toBe(200);
      expect((await from("203.0.113.7", "b")).status).toBe(200);
      expect((await from("203.0.113.7", "c")).status).toBe(429);
      expect((await from("203.0.113.8", "d")).status).toBe(200);
    } finally {
      await run.close();
    }
  });

  it("a new window lets requests through again", async () => {
    const run = await listen(createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 1, API_KEYS }, rateWindowMs: 300 }));
    try {
      expect((await postJson(`${run.url}/api/chat`, { userId: "w", text: "你好" }, keyed)).status).toBe(200);
      expect((await postJson(`${run.url}/api/chat`, { userId: "w", text: "你好" }, keyed)).status).toBe(429);
      await new Promise((r) => setTimeout(r, 400));
      expect((await postJson(`${run.url}/api/chat`, { userId: "w", text: "你好" }, keyed)).status).toBe(200);
    } finally {
      await run.close();
    }
  });
});

describe("access log", () => {
  it("logs each request at debug level without the question, and nothing when debug is off", async () => {
    for (const debug of [true, false]) {
      const log = { ...memoryLog(), isLevelEnabled: (level: string) => debug || level !== "debug" };
      const run = await listen(createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 100 }, logger: log }));
      try {
        await postJson(`${run.url}/api/chat`, { userId: "log-1", text: "电子商务师三级多少钱" });
        const entries = log.lines.filter((l) => l.msg === "http");
        if (!debug) {
          expect(entries).toEqual([]);
          continue;
        }
        expect(entries).toEqual([{ level: "debug", msg: "http", obj: expect.objectContaining({ method: "POST", path: "/api/chat", status: 200 }) }]);
        expect(JSON.stringify(entries)).not.toContain("电子商务师");
      } finally {
        await run.close();
      }
    }
  });
});

describe("configuration helpers", () => {
  it("reads TRUST_PROXY as express takes it", () => {
    expect(trustProxyValue(undefined)).toBe(false);
    expect(trustProxyValue("1")).toBe(1);
    expect(trustProxyValue("true")).toBe(true);
    expect(trustProxyValue("loopback, 10.0.0.0/8")).toBe("loopback, 10.0.0.0/8");
  });
});

describe("failures inside", () => {
  it("500 JSON without internals when the engine fails, and the error is logged", async () => {
    const broken = { kb, turn: async () => Promise.reject(new Error("secret internals")) } as unknown as Engine;
    const log = memoryLog();
    const run = await listen(createHttpApp({ kb, engine: broken, config: { RATE_LIMIT_PER_MINUTE: 100 }, logger: log }));
    try {
      const r = await postJson(`${run.url}/api/chat`, { userId: "x", text: "你好" });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: expect.any(String), code: "internal_error" });
      expect(r.text).not.toContain("secret");
      expect(log.lines.some((l) => l.level === "error" && JSON.stringify(l.obj).includes("secret internals"))).toBe(true);
    } finally {
      await run.close();
    }
  });

  it("lets listed origins embed the web chat (CSP frame-ancestors, no X-Frame-Options)", async () => {
    const run = await listen(
      createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 100, WEB_EMBED_ORIGINS: ["https://www.example.org"] } }),
    );
    try {
      const res = await fetch(`${run.url}/`);
      expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'self' https:\/\/www\.example\.org/);
      expect(res.headers.get("x-frame-options")).toBeNull();
    } finally {
      await run.close();
    }
  });
});
