/**
 * Property tests on every HTTP route (the API, the web chat, the 公众号 webhook, the staff console) on 127.0.0.1:
 * malformed JSON and XML, wrong types, odd content types and encodings, huge bodies, odd methods and paths.
 * Always a 2xx/3xx or a 4xx, never a 5xx or a dropped connection; a conversation in between is not disturbed.
 */
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpApp } from "../../src/server/http.js";
import { createOfficialAccountRouter, signature } from "../../src/channels/official-account.js";
import { consoleRouter } from "../../src/console/router.js";
import { SqliteDb } from "../../src/store/sqlite.js";
import { getKb, makeEngine, say } from "../helpers.js";
import { CONTROL_UNITS, unicodeText } from "./arbitraries.js";

const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE) || 1);
const OA_TOKEN = "fuzz-oa-token";
const CONSOLE_TOKEN = "fuzz-console-token-0123456789";
/** An integrator's key: with it the body's userId is the conversation; without one the cookie decides. */
const API_KEY = "fuzz-api-key-0123456789abcdef";
const KEYED = { authorization: `Bearer ${API_KEY}` };

const dir = mkdtempSync(join(tmpdir(), "zhineng-http-fuzz-"));
const db = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0 });
const errors: object[] = [];
const log = { debug: () => {}, info: () => {}, warn: () => {}, error: (obj: object) => void errors.push(obj) };
const engine = makeEngine({ store: db.sessions, unanswered: db.unanswered, turnTimeoutMs: 3_000, logger: log });
const kb = getKb();
const app = createHttpApp({
  kb,
  engine,
  // No rate limit in the way: 429 would hide what the routes do with the input.
  config: { RATE_LIMIT_PER_MINUTE: 1e9, RATE_LIMIT_PER_IP_PER_MINUTE: 1e9, API_KEYS: [{ name: "fuzz", secret: API_KEY }] },
  logger: log,
  mount: (a) => {
    a.use("/wechat", createOfficialAccountRouter({ kb, engine, token: OA_TOKEN, logger: log, replyTimeoutMs: 3_000 }));
    a.use("/console", consoleRouter({ engine, kb, config: { CONSOLE_TOKEN }, logger: log }));
  },
});
let port = 0;
let cookie = "";
const server = app.listen(0, "127.0.0.1");

interface Reply {
  status: number;
  type: string;
  body: string;
  setCookie: string[];
}

/** One request with full control over method, headers and bytes; a dropped connection rejects. */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: a server that closes after an early error answer cannot trip the next request.
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          type: String(res.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8"),
          setCookie: res.headers["set-cookie"] ?? [],
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

const json = (path: string, value: unknown, headers: Record<string, string> = {}) =>
  send("POST", path, { "content-type": "application/json", ...headers }, typeof value === "string" ? value : JSON.stringify(value));

function expectNo5xx(r: Reply, what: string): void {
  if (r.status >= 500) throw new Error(`${what} → ${r.status} ${r.body.slice(0, 300)}`);
}

/** An API error is JSON {error, code}. */
function expectApiAnswer(r: Reply, what: string): void {
  expectNo5xx(r, what);
  if (r.status >= 400) {
    expect(r.type).toMatch(/json/);
    expect(JSON.parse(r.body)).toMatchObject({ error: expect.any(String), code: expect.any(String) });
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", resolve)));
  port = (server.address() as AddressInfo).port;
  const login = await json("/console/api/login", { password: CONSOLE_TOKEN });
  expect(login.status).toBe(200);
  cookie = (login.setCookie[0] ?? "").split(";")[0];
  expect(cookie).toMatch(/^console_session=./);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

// === Arbitraries

const CONTENT_TYPES = [
  "application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "application/json; charset=utf-16",
  "application/vnd.api+json", "text/xml", "application/xml", "text/plain", "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x", "", "*/*", "application/json; charset=\u00ff", "json",
];

/** JSON that is almost right: cut short, doubled, with a stray byte, with a trailing comma, deeply nested. */
const malformedJson = fc.oneof(
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc.json().map((j) => `${j}${j}`),
  fc.tuple(fc.json(), fc.constantFrom(",", "}", "]", "\u0000", "\ufeff", "'", "NaN", "undefined")).map(([j, c]) => `${j}${c}`),
  fc.constantFrom('{"userId":"u","text":"hi",}', "{'userId':'u'}", '{"userId":"u","text":"\\ud800"}', "[".repeat(5_000), '{"__proto__":{"x":1}}', "null", '""', "0", "true"),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => `${'{"a":'.repeat(d)}1${"}".repeat(d)}`),
);

const malformedXml = fc.oneof(
  fc.constantFrom(
    "<xml>",
    "</xml>",
    "<xml><ToUserName><![CDATA[gh]]></ToUserName>",
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;&c;&c;</Content></xml>',
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
    "<xml><MsgType>text</MsgType><MsgType>event</MsgType></xml>",
    `<xml>${"<a>".repeat(3_000)}</xml>`,
  ),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.record({ content: unicodeText, type: fc.constantFrom("text", "event", "image", "voice", "video", "", "<", "text]]>") }).map(
    ({ content, type }) =>
      `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[fuzz-user]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[${type}]]></MsgType><Content><![CDATA[${content}]]></Content><Event>subscribe</Event></xml>`,
  ),
);

const rawBody = fc.oneof(
  malformedJson,
  malformedXml,
  fc.string({ unit: fc.constantFrom(...CONTROL_UNITS), maxLength: 50 }),
  fc.uint8Array({ maxLength: 500 }),
  fc.anything().map((v) => {
    try {
      return JSON.stringify(v) ?? "";
    } catch {
      return "";
    }
  }),
);

/** The chat request with every field of any type, or missing, or with extra fields. */
const chatValue = fc.oneof(
  fc.record({ userId: fc.anything(), text: fc.anything() }, { requiredKeys: [] }),
  fc.record({ userId: fc.string({ maxLength: 210 }), text: unicodeText, extra: fc.anything() }, { requiredKeys: ["userId", "text"] }),
  fc.anything(),
);

const PATHS = [
  "/", "/index.html", "/healthz", "/api", "/api/", "/api/chat", "/api/chat/", "/API/CHAT", "/api/eligibility", "/api/chat?x=1&x=2", "/api/chat/reset", "/api/chat/history", "/api/feedback",
  "/wechat", "/wechat/", "/console", "/console/", "/console/api/me", "/console/api/search?q=%E8%B4%B9", "/console/api/unanswered?limit=-1",
  "/console/api/unanswered/handled", "/console/api/eligibility", "/console/api/login", "/console/login", "/console/logout",
  "/%", "/%zz", "/%E0%A4%A", "/..%2f..%2fetc%2fpasswd", "/api/chat%00", "/a/../../api/chat", "//api//chat", "/favicon.ico",
  "/assets/../../package.json", "/console/api/search?q=%ff%fe", "/healthz?%",
];
const path = fc.oneof(fc.constantFrom(...PATHS), fc.string({ unit: "grapheme-ascii", maxLength: 40 }).map((p) => `/${encodeURI(p).replace(/#/g, "%23")}`));
const METHOD = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE");

// === Properties

describe("HTTP fuzz", () => {
  it("should answer any body on the API with a reply or a JSON 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/api/chat", "/api/eligibility", "/api/feedback", "/api/chat/reset"), rawBody, fc.constantFrom(...CONTENT_TYPES), async (route, body, type) => {
        const r = await send("POST", route, type ? { "content-type": type } : {}, body);
        expectApiAnswer(r, `POST ${route} (${type}) ${String(body).slice(0, 80)}`);
      }),
      { numRuns: 100 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should take a well-typed chat request and reject every other shape with 400", async () => {
    await fc.assert(
      fc.asyncProperty(chatValue, fc.boolean(), async (value, keyed) => {
        // With an API key userId is required; without one it may be absent (the cookie decides) but not ill-typed.
        const r = await json("/api/chat", value, keyed ? KEYED : {});
        expectApiAnswer(r, `chat ${JSON.stringify(value)?.slice(0, 80)}`);
        const v = value as { userId?: unknown; text?: unknown } | null;
        const goodUser = (u: unknown) => typeof u === "string" && u.trim().length > 0 && u.trim().length <= 200;
        const valid = typeof v === "object" && v !== null && !Array.isArray(v) && (keyed ? goodUser(v.userId) : v.userId === undefined || goodUser(v.userId)) &&
          typeof v.text === "string" && v.text.length <= 2_000;
        if (valid) {
          expect(r.status).toBe(200);
          const out = JSON.parse(r.body) as { replies: string[] };
          expect(out.replies.join("").trim().length).toBeGreaterThan(0);
        } else {
          expect(r.status).toBe(400);
        }
      }),
      { numRuns: 100 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should check eligibility profiles of any shape with a result or 400", async () => {
    const profile = fc.oneof(
      fc.anything(),
      fc.record(
        {
          occupation: fc.oneof(fc.constantFrom("电子商务师", "互联网营销师", "选品员", ""), fc.anything()),
          level: fc.oneof(fc.integer({ min: -2, max: 7 }), fc.anything()),
          track: fc.oneof(fc.constantFrom("选品员", "直播销售员"), fc.anything()),
          yearsInField: fc.oneof(fc.double(), fc.anything()),
          age: fc.oneof(fc.integer({ min: -1, max: 200 }), fc.anything()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(profile, async (value) => {
        const r = await json("/api/eligibility", JSON.stringify(value) ?? "null");
        expectApiAnswer(r, `eligibility ${JSON.stringify(value)?.slice(0, 80)}`);
        expect([200, 400]).toContain(r.status);
      }),
      { numRuns: 60 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should refuse bodies over the limit with 413 and long questions with 400", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2_001, max: 200_000 }), fc.constantFrom("a", "长", "😀", "\u0000"), async (size, unit) => {
        // zod counts code points: 2,001 emoji are over the limit as much as 2,001 letters.
        const r = await json("/api/chat", { userId: "big", text: unit.repeat(size) }, KEYED);
        expectApiAnswer(r, `chat text of ${size}`);
        expect([400, 413]).toContain(r.status);
      }),
      { numRuns: 20 * SCALE },
    );
    const huge = await send("POST", "/api/chat", { "content-type": "application/json" }, Buffer.alloc(2 << 20, 0x20));
    expect(huge.status).toBe(413);
    const xml = await send("POST", `/wechat?${oaQuery()}`, { "content-type": "text/xml" }, `<xml>${"x".repeat(100_000)}</xml>`);
    expect(xml.status).toBe(413);
    expect(errors).toEqual([]);
  });

  it("should answer any method on any path without a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(METHOD, path, fc.boolean(), fc.option(rawBody, { nil: undefined }), fc.constantFrom(...CONTENT_TYPES), async (method, p, authed, body, type) => {
        const headers: Record<string, string> = type ? { "content-type": type } : {};
        if (authed) headers.cookie = cookie;
        const r = await send(method, p, headers, method === "GET" || method === "HEAD" ? undefined : body);
        expectNo5xx(r, `${method} ${p}`);
      }),
      { numRuns: 150 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should answer any XML on the signed 公众号 webhook with a reply or a 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(malformedXml, fc.constantFrom("text/xml", "application/xml", "text/plain", ""), async (xml, type) => {
        const r = await send("POST", `/wechat?${oaQuery()}`, type ? { "content-type": type } : {}, xml);
        expectNo5xx(r, `wechat ${xml.slice(0, 80)}`);
      }),
      { numRuns: 60 * SCALE },
    );
    const unsigned = await send("POST", "/wechat?signature=x&timestamp=1&nonce=2", { "content-type": "text/xml" }, "<xml/>");
    expect(unsigned.status).toBe(401);
    expect(errors).toEqual([]);
  });

  it("should keep a conversation intact while hostile requests for the same user come in between", async () => {
    const steps = ["资格自测", "1", "四级", "3年", "2", "1", "1", "2", "电子商务"];
    const expected = await say(makeEngine(), "reference", ...steps);
    const userId = "intact-user";
    const junk = fc.sample(fc.oneof(malformedJson, chatValue.map((v) => JSON.stringify(v) ?? "null")), { numRuns: steps.length * 5, seed: 42 });
    for (const [i, text] of steps.entries()) {
      for (const j of junk.slice(i * 5, i * 5 + 5)) {
        // Junk that is not a valid request for this user must not touch the session.
        let parsed: unknown;
        try {
          parsed = JSON.parse(j);
        } catch {
          parsed = undefined;
        }
        const p = parsed as { userId?: unknown } | undefined;
        if (p && typeof p === "object" && typeof p.userId === "string" && p.userId.trim() === userId) continue;
        expectApiAnswer(await json("/api/chat", j, KEYED), "junk");
        expectApiAnswer(await json("/api/chat", j), "junk");
        expectApiAnswer(await json("/api/chat", { userId, text: 42 }, KEYED), "junk");
        expectApiAnswer(await json("/api/chat", { userId, text: "x".repeat(3_000) }, KEYED), "junk");
        // Without the key the same userId is someone else's cookie conversation, never this one.
        expectApiAnswer(await json("/api/chat", { userId, text: "重新开始" }), "junk");
      }
      const r = await json("/api/chat", { userId, text }, KEYED);
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { replies: string[] }).replies.join("\n")).toBe(expected[i]);
    }
    expect(errors).toEqual([]);
  });
});

/** A valid signature for the webhook's query string. */
function oaQuery(): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  return `signature=${signature(OA_TOKEN, timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}`;
}
