/**
 * The Messenger gateway over real sockets on 127.0.0.1: Meta's webhook → the gateway (Botkit) → the service's
 * POST /api/chat → the stand-in Send API, which checks every request as the Graph API does.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { getKb } from "../helpers.js";
import { Engine } from "../../src/engine/engine.js";
import { createHttpApp } from "../../src/server/http.js";
import { createGateway, validSignature, type Gateway } from "../../src/gateway/app.js";
import { GatewaySchema, loadGatewayConfig, GatewayConfigError } from "../../src/gateway/config.js";
import { GatewayTexts } from "../../src/gateway/texts.js";
import { LIMITS, phonePayload, renderForMessenger, splitText } from "../../src/gateway/render.js";
import { BoundedStorage } from "../../src/gateway/bounded-storage.js";
import { listen, type Running } from "../server/listen.js";
import { graphStandIn, type GraphStandIn } from "./graph-standin.js";

const SECRET = "test-app-secret-0123456789";
const TOKEN = "EAAtestpagetoken0123456789";
const VERIFY = "verify-me-please";
const VERSION = "v21.0";
const API_KEY = "gateway-key-0123456789abcdef";
const kb = getKb();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let graph: GraphStandIn;
let service: Running;
let engine: Engine;
const running: { gw: Gateway; http: Running }[] = [];

beforeAll(async () => {
  graph = await graphStandIn({ version: VERSION, token: TOKEN, secret: SECRET });
  engine = new Engine(kb);
  service = await listen(
    createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 10_000, API_KEYS: [{ name: "gateway", secret: API_KEY }] } as never }),
  );
});
afterAll(async () => {
  await Promise.all(running.map(async (r) => { await r.http.close(); await r.gw.close(); }));
  await service.close();
  await graph.close();
});
afterEach(() => {
  graph.sent.length = 0;
  graph.hang = false;
  expect(graph.malformed).toEqual([]);
});

function config(overrides: Record<string, string> = {}) {
  return GatewaySchema.parse({
    FB_APP_SECRET: SECRET,
    FB_PAGE_TOKEN: TOKEN,
    FB_VERIFY_TOKEN: VERIFY,
    FB_GRAPH_VERSION: VERSION,
    FB_GRAPH_BASE: graph.url,
    SERVICE_URL: service.url,
    GATEWAY_API_KEY: API_KEY,
    ...overrides,
  });
}

async function startGateway(overrides: Record<string, string> = {}, texts?: GatewayTexts): Promise<string> {
  const gw = createGateway(config(overrides), { log: quiet, texts });
  const http = await listen(gw.app);
  running.push({ gw, http });
  return `${http.url}/messenger`;
}

let mid = 0;
function event(psid: string, message: Record<string, unknown>) {
  return {
    object: "page",
    entry: [{ id: "PAGE1", time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: "PAGE1" }, timestamp: Date.now(), message: { mid: `m-${++mid}`, ...message } }] }],
  };
}
const sign = (body: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function webhook(url: string, body: unknown, signature?: string | null) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-hub-signature-256"] = signature ?? sign(raw);
  const res = await fetch(url, { method: "POST", headers, body: raw });
  await res.text();
  return res.status;
}

const textsTo = (psid: string) => graph.sent.filter((s) => s.recipient === psid);

/** A stand-in for the service, for replies the real one gives only in some states (options, long text, links). */
async function stubService(answer: (body: { userId: string; text: string }) => unknown): Promise<Running & { got: { userId: string; text: string }[] }> {
  const got: { userId: string; text: string }[] = [];
  const app = express();
  app.use(express.json());
  app.get("/api/info", (_req, res) => void res.json({ contacts: { hotline: "400-007-5676", hours: "8:30-17:30" } }));
  app.post("/api/chat", (req, res) => {
    got.push(req.body);
    res.json(answer(req.body));
  });
  return Object.assign(await listen(app), { got });
}

describe("webhook verification (GET)", () => {
  it("echoes the challenge for the right verify token and refuses a wrong one", async () => {
    const url = await startGateway();
    const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=12345`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("12345");
    const bad = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=12345`);
    expect(bad.status).toBe(403);
  });
});

describe("a signed webhook is answered through the service", () => {
  it("answers a question, and a follow-up keeps its context", async () => {
    const url = await startGateway();
    expect(await webhook(url, event("psid-ctx", { text: "电子商务师几月考" }))).toBe(200);
    await graph.waitFor(() => textsTo("psid-ctx").length >= 1);
    expect(textsTo("psid-ctx").map((s) => s.text).join("\n")).toMatch(/电子商务师/);
    graph.sent.length = 0;
    expect(await webhook(url, event("psid-ctx", { text: "一级呢" }))).toBe(200);
    await graph.waitFor(() => textsTo("psid-ctx").length >= 1);
    const text = textsTo("psid-ctx").map((s) => s.text).join("\n");
    expect(text).toMatch(/电子商务师/);
    expect(text).toMatch(/一级/);
  });

  it("keeps each Messenger user's conversation apart", async () => {
    const url = await startGateway();
    await webhook(url, event("psid-a", { text: "供应链管理师几月考" }));
    await webhook(url, event("psid-b", { text: "一级呢" }));
    await graph.waitFor(() => textsTo("psid-a").length >= 1 && textsTo("psid-b").length >= 1);
    // psid-b's "一级呢" has no context of its own: answered as a fresh conversation would be, not as psid-a's follow-up.
    const fresh = await new Engine(kb).turn("fresh", "一级呢");
    expect(textsTo("psid-b").map((s) => s.text).join("\n")).toBe(fresh.replies.join("\n"));
  });

  it("answers a redelivered message (same mid) once", async () => {
    const url = await startGateway();
    const body = event("psid-dup", { text: "怎么报名" });
    await webhook(url, body);
    await webhook(url, body);
    await graph.waitFor(() => textsTo("psid-dup").length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(new Set(textsTo("psid-dup").map((s) => s.text)).size).toBe(textsTo("psid-dup").length);
  });

  it("answers a message without text (a sticker, a picture) with how to ask", async () => {
    const url = await startGateway();
    await webhook(url, event("psid-img", { attachments: [{ type: "image", payload: { url: "https://example.invalid/x.jpg" } }] }));
    await graph.waitFor(() => textsTo("psid-img").length >= 1);
    expect(textsTo("psid-img")[0].text).toMatch(/文字/);
  });
});

describe("the signature", () => {
  it("refuses a bad or missing X-Hub-Signature-256 with 401, reaching neither the service nor Messenger", async () => {
    const url = await startGateway();
    const turn = vi.spyOn(engine, "turn");
    const body = event("psid-sig", { text: "怎么报名" });
    expect(await webhook(url, body, null)).toBe(401);
    expect(await webhook(url, body, sign(JSON.stringify(body), "another-secret-0000000"))).toBe(401);
    expect(await webhook(url, body, "sha256=abcd")).toBe(401);
    expect(await webhook(url, body, `sha1=${createHmac("sha1", SECRET).update(JSON.stringify(body)).digest("hex")}`)).toBe(401);
    await new Promise((r) => setTimeout(r, 150));
    expect(turn).not.toHaveBeenCalled();
    expect(textsTo("psid-sig")).toEqual([]);
    turn.mockRestore();
  });

  it("checks the raw bytes in constant time", () => {
    const body = Buffer.from('{"a":1}');
    expect(validSignature(SECRET, body, sign(body.toString()))).toBe(true);
    expect(validSignature(SECRET, Buffer.from('{"a": 1}'), sign(body.toString()))).toBe(false);
    expect(validSignature(SECRET, body, undefined)).toBe(false);
  });
});

describe("failures", () => {
  it("gives the apology with the notice's hotline within 2 s when the service is down", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const url = await startGateway({ SERVICE_URL: `http://127.0.0.1:${port}` });
    await webhook(url, event("psid-down", { text: "怎么报名" }));
    await graph.waitFor(() => textsTo("psid-down").length >= 1, 2000);
    expect(textsTo("psid-down")[0].text).toContain(kb.contacts.hotline.text);
  });

  it("gives the apology within 2 s when the service hangs, and the webhook ends at its deadline", async () => {
    const hanging: Server = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (hanging.address() as AddressInfo).port;
      const url = await startGateway({ SERVICE_URL: `http://127.0.0.1:${port}`, GATEWAY_DEADLINE_MS: "200", SERVICE_TIMEOUT_MS: "1200" });
      const status = await webhook(url, event("psid-slow", { text: "怎么报名" }));
      expect(status).toBe(200);
      expect(textsTo("psid-slow")).toEqual([]); // ended by the deadline, before the service could answer
      await graph.waitFor(() => textsTo("psid-slow").length >= 1, 2000);
      expect(textsTo("psid-slow")[0].text).toContain(kb.contacts.hotline.text);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it("still answers 200 when Messenger refuses a send, and the next message goes through", async () => {
    const url = await startGateway();
    graph.refuseNext(5);
    expect(await webhook(url, event("psid-refused", { text: "怎么报名" }))).toBe(200);
    graph.refuseNext(0);
    expect(await webhook(url, event("psid-refused", { text: "照片有什么要求" }))).toBe(200);
    await graph.waitFor(() => textsTo("psid-refused").length >= 1);
  });

  it("ends the webhook when Messenger hangs", async () => {
    const url = await startGateway({ GATEWAY_DEADLINE_MS: "300" });
    graph.hang = true;
    expect(await webhook(url, event("psid-hang", { text: "怎么报名" }))).toBe(200);
  });

  it("a handler that throws still ends the webhook", async () => {
    const texts = new GatewayTexts();
    texts.say = () => {
      throw new Error("boom");
    };
    const url = await startGateway({ GATEWAY_DEADLINE_MS: "2000" }, texts);
    expect(await webhook(url, event("psid-throw", { text: "怎么报名" }))).toBe(200);
  });

  it("answers 400 to a body that is not JSON, once signed", async () => {
    const url = await startGateway();
    const res = await fetch(url, { method: "POST", headers: { "x-hub-signature-256": sign("not json") }, body: "not json" });
    expect(res.status).toBe(400);
  });
});

describe("structured replies rendered for Messenger", () => {
  it("sends options as quick replies, and a tapped quick reply sends its value", async () => {
    const stub = await stubService(({ text }) =>
      text.startsWith("opt:")
        ? { replies: [`您选了 ${text}`], options: [], links: [], source: null }
        : { replies: ["您有没有职业技能等级证书？"], options: [{ label: "有", value: "opt:cert:yes" }, { label: "没有", value: "opt:cert:no" }], links: [], source: null },
    );
    try {
      const url = await startGateway({ SERVICE_URL: stub.url });
      await webhook(url, event("psid-qr", { text: "资格自测" }));
      await graph.waitFor(() => textsTo("psid-qr").length >= 1);
      expect(textsTo("psid-qr").at(-1)!.quickReplies).toEqual([{ title: "有", payload: "opt:cert:yes" }, { title: "没有", payload: "opt:cert:no" }]);
      await webhook(url, event("psid-qr", { text: "没有", quick_reply: { payload: "opt:cert:no" } }));
      await graph.waitFor(() => textsTo("psid-qr").length >= 2);
      expect(stub.got.at(-1)).toEqual({ userId: "fb:psid-qr", text: "opt:cert:no" });
    } finally {
      await stub.close();
    }
  });

  it("splits a long answer under 2,000 characters and turns links into buttons", async () => {
    const long = Array.from({ length: 90 }, (_, i) => `第${i + 1}行：${"认定".repeat(20)}`).join("\n");
    const stub = await stubService(() => ({
      replies: [long],
      options: [],
      links: [
        { kind: "url", text: "http://www.jinengpingjia.com/", href: "http://www.jinengpingjia.com/" },
        { kind: "tel", text: "400-007-5676", href: "tel:4000075676" },
      ],
      source: null,
    }));
    try {
      const url = await startGateway({ SERVICE_URL: stub.url });
      await webhook(url, event("psid-long", { text: "全部" }));
      await graph.waitFor(() => textsTo("psid-long").some((s) => s.buttons));
      const texts = textsTo("psid-long").filter((s) => s.text);
      expect(texts.length).toBeGreaterThan(1);
      expect(texts.map((s) => s.text).join("\n")).toBe(long);
      const buttons = textsTo("psid-long").find((s) => s.buttons)!.buttons!;
      expect(buttons.map((b) => b.type)).toEqual(["web_url", "phone_number"]);
      expect(buttons[1].payload).toBe("+864000075676");
    } finally {
      await stub.close();
    }
  });
});

describe("pieces", () => {
  it("splits text at line breaks and never past the limit", () => {
    const chunks = splitText(`${"一".repeat(1500)}\n${"二".repeat(1500)}\n${"三".repeat(4100)}`);
    expect(chunks.every((c) => Array.from(c).length <= LIMITS.text)).toBe(true);
    expect(chunks[0]).toBe("一".repeat(1500));
    expect(chunks.join("\n").replace(/\n/g, "")).toBe(`${"一".repeat(1500)}${"二".repeat(1500)}${"三".repeat(4100)}`);
  });

  it("cuts option labels to Messenger's 20 characters and keeps 13 at most", () => {
    const options = Array.from({ length: 20 }, (_, i) => ({ label: `选项${i}：${"很长的说明".repeat(5)}`, value: `opt:x:${i}` }));
    const [m] = renderForMessenger({ replies: ["请选择"], options, links: [], source: null }, "可点击打开：");
    expect(m.channelData!.quick_replies!).toHaveLength(13);
    expect(m.channelData!.quick_replies!.every((q) => Array.from(q.title).length <= 20)).toBe(true);
  });

  it("writes Chinese phone numbers in the international form", () => {
    expect(phonePayload("tel:4000075676")).toBe("+864000075676");
    expect(phonePayload("tel:010-68662352")).toBe("+861068662352");
    expect(phonePayload("tel:+85212345678")).toBe("+85212345678");
  });

  it("keeps Botkit's state bounded", async () => {
    const s = new BoundedStorage(3);
    for (let i = 0; i < 10; i++) await s.write({ [`k${i}`]: { v: i } });
    expect(s.size).toBe(3);
    expect(await s.read(["k0", "k9"])).toEqual({ k9: expect.objectContaining({ v: 9 }) });
  });
});

describe("configuration", () => {
  it("is off when none of its settings is present", () => {
    const s = loadGatewayConfig({}, "/nonexistent.env");
    expect(s.on).toBe(false);
    expect(s.on === false && s.missing).toContain("FB_APP_SECRET");
  });

  it("names each missing or malformed variable when some are set", () => {
    expect(() => loadGatewayConfig({ FB_APP_SECRET: SECRET, FB_GRAPH_VERSION: "3.2" }, "/nonexistent.env")).toThrow(GatewayConfigError);
    try {
      loadGatewayConfig({ FB_APP_SECRET: SECRET, FB_GRAPH_VERSION: "3.2" }, "/nonexistent.env");
    } catch (err) {
      expect((err as Error).message).toMatch(/FB_GRAPH_VERSION/);
      expect((err as Error).message).toMatch(/FB_PAGE_TOKEN/);
      expect((err as Error).message).toMatch(/SERVICE_URL/);
    }
  });
});
