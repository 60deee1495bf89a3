/**
 * The chat routes as the web chat and integrators use them (issues 11 and 13): who a request speaks for (a signed
 * cookie, or an API key and its userId), the structured reply (options only for a real choice, chosen by value or
 * number), 新对话, the transcript for a reload, and 👍/👎.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKb } from "../helpers.js";
import { createApp } from "../../src/app.js";
import { MemoryStore } from "../../src/engine/session.js";
import { MemoryChatLog } from "../../src/engine/chat-log.js";
import { createHttpApp } from "../../src/server/http.js";
import { CHAT_COOKIE } from "../../src/server/identity.js";
import { listen, postJson, type Running } from "./listen.js";
import { consoleRouter, COOKIE as CONSOLE_COOKIE } from "../../src/console/router.js";
import { chatLogView } from "../../src/console/chatlog.js";

const kb = getKb();
const KEY = "integrator-secret-0123456789";
const OTHER = "other-secret-abcdefghijklmno";
const STAFF = "staff-token-0123456789";
const chatLog = new MemoryChatLog();
const { engine } = createApp({ engine: { store: new MemoryStore() } });
let api: Running;

beforeAll(async () => {
  api = await listen(
    createHttpApp({
      kb,
      engine,
      chatLog,
      config: { RATE_LIMIT_PER_MINUTE: 1000, CHAT_SECRET: "s".repeat(40), API_KEYS: [{ name: "crm", secret: KEY }, { name: "bot", secret: OTHER }] },
      mount: (app) => app.use("/console", consoleRouter({ engine, config: { CONSOLE_TOKEN: STAFF }, chatLog: chatLogView(chatLog) })),
    }),
  );
});
afterAll(() => api.close());

/** A browser: keeps the cookie the server sets. */
function browser() {
  let cookie = "";
  const remember = (h: Headers) => {
    const set = h.getSetCookie().find((c) => c.startsWith(`${CHAT_COOKIE}=`));
    if (set) cookie = set.split(";")[0];
  };
  return {
    get cookie() {
      return cookie;
    },
    set cookie(c: string) {
      cookie = c;
    },
    async chat(text: string, extra: Record<string, unknown> = {}) {
      const r = await postJson(`${api.url}/api/chat`, { text, ...extra }, cookie ? { cookie } : {});
      remember(r.headers);
      return r;
    },
    async post(path: string, body: unknown) {
      const r = await postJson(`${api.url}${path}`, body, cookie ? { cookie } : {});
      remember(r.headers);
      return r;
    },
    async history() {
      const res = await fetch(`${api.url}/api/chat/history`, { headers: cookie ? { cookie } : {} });
      remember(res.headers);
      return { status: res.status, json: (await res.json()) as { turns: any[] } };
    },
  };
}

describe("identity", () => {
  it("gives a client without a cookie a signed HttpOnly SameSite=Lax cookie and a fresh conversation", async () => {
    const b = browser();
    const r = await b.chat("资格自测");
    const set = r.headers.getSetCookie().join("\n");
    expect(set).toMatch(new RegExp(`^${CHAT_COOKIE}=[\\w-]{22}\\.[0-9a-z]+\\.[\\w-]{43}; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax$`));
    expect(set).not.toMatch(/Secure/); // plain HTTP on 127.0.0.1
    expect(r.json.status).toBe("asked");
    // The same browser continues its dialog.
    expect((await b.chat("1")).json.intent).toBe("eligibility_dialog");
  });

  it("ignores a body userId without an API key: naming someone's id does not reach their conversation", async () => {
    const victim = browser();
    await victim.chat("资格自测", { userId: "alice" });
    const intruder = browser();
    const r = await intruder.chat("1", { userId: "alice" });
    expect(r.json.intent).not.toBe("eligibility_dialog");
    // An integrator's user of that name is another conversation again.
    const keyed = await postJson(`${api.url}/api/chat`, { userId: "alice", text: "1" }, { authorization: `Bearer ${KEY}` });
    expect(keyed.json.intent).not.toBe("eligibility_dialog");
  });

  it("refuses a forged or tampered cookie: a new conversation begins", async () => {
    const b = browser();
    await b.chat("资格自测");
    const [id, seen] = b.cookie.split("=")[1].split(".");
    const forged = browser();
    forged.cookie = `${CHAT_COOKIE}=${id}.${seen}.${"A".repeat(43)}`;
    const r = await forged.chat("1");
    expect(r.json.intent).not.toBe("eligibility_dialog");
    expect(forged.cookie.split("=")[1].split(".")[0]).not.toBe(id);
  });

  it("marks the cookie Secure over HTTPS behind a trusted proxy; embedded, SameSite=None and Partitioned", async () => {
    for (const [embed, expected] of [
      [undefined, /; HttpOnly; SameSite=Lax; Secure$/],
      [["https://www.example.org"], /; HttpOnly; SameSite=None; Secure; Partitioned$/],
    ] as const) {
      const run = await listen(
        createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 100, TRUST_PROXY: "loopback", WEB_EMBED_ORIGINS: embed ? [...embed] : undefined } }),
      );
      try {
        const r = await postJson(`${run.url}/api/chat`, { text: "你好" }, { "x-forwarded-proto": "https" });
        expect(r.headers.getSetCookie()[0]).toMatch(expected);
      } finally {
        await run.close();
      }
    }
  });

  it("expires a conversation left idle", async () => {
    let now = Date.now();
    const idle = await listen(
      createHttpApp({ kb, engine, config: { RATE_LIMIT_PER_MINUTE: 100, CHAT_IDLE_MINUTES: 1, CHAT_SECRET: "k".repeat(40) } }),
    );
    try {
      const first = await postJson(`${idle.url}/api/chat`, { text: "资格自测" });
      const cookie = first.headers.getSetCookie()[0].split(";")[0];
      expect(first.headers.getSetCookie()[0]).toMatch(/Max-Age=60;/);
      // The cookie carries when it was last used: one from two minutes ago is over, whatever the browser sends.
      const [name, value] = cookie.split("=");
      const [id] = value.split(".");
      const { createHmac } = await import("node:crypto");
      now -= 120_000;
      const seen = Math.floor(now / 1000).toString(36);
      const sig = createHmac("sha256", "k".repeat(40)).update(`${id}.${seen}`).digest("base64url");
      const old = await postJson(`${idle.url}/api/chat`, { text: "1" }, { cookie: `${name}=${id}.${seen}.${sig}` });
      expect(old.json.intent).not.toBe("eligibility_dialog");
      const fresh = await postJson(`${idle.url}/api/chat`, { text: "1" }, { cookie });
      expect(fresh.json.intent).toBe("eligibility_dialog");
    } finally {
      await idle.close();
    }
  });

  it("namespaces an integrator's userId by its key, and refuses a wrong key with 401", async () => {
    const crm = { authorization: `Bearer ${KEY}` };
    const bot = { authorization: `Bearer ${OTHER}` };
    await postJson(`${api.url}/api/chat`, { userId: "u-7", text: "资格自测" }, crm);
    expect((await postJson(`${api.url}/api/chat`, { userId: "u-7", text: "1" }, bot)).json.intent).not.toBe("eligibility_dialog");
    expect((await postJson(`${api.url}/api/chat`, { userId: "u-7", text: "1" }, crm)).json.intent).toBe("eligibility_dialog");
    const wrong = await postJson(`${api.url}/api/chat`, { userId: "u-7", text: "1" }, { authorization: `Bearer ${KEY}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe("invalid_api_key");
    expect((await postJson(`${api.url}/api/chat`, { userId: "u-7", text: "1" }, { authorization: "Basic abc" })).status).toBe(401);
    const missing = await postJson(`${api.url}/api/chat`, { text: "你好" }, crm);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatch(/userId/);
    // A keyed request gets no cookie.
    expect(missing.headers.getSetCookie()).toEqual([]);
  });
});

describe("the structured reply", () => {
  it("offers options only for a real choice, and a tapped value chooses it (the chosen label comes back)", async () => {
    const b = browser();
    const start = await b.chat("资格自测");
    const occupations = kb.occupations.occupations.map((o) => o.name);
    expect(start.json.options.map((o: { label: string }) => o.label)).toEqual(occupations);
    for (const o of start.json.options) expect(o.value).toMatch(/^opt:/);
    // The question's text does not repeat the options (the page shows them as buttons).
    expect(start.json.parts.join("\n")).not.toMatch(/\n1\. /);
    // …while the replies keep them, as the JSONL CLI's reply does.
    expect(start.json.replies[0]).toMatch(/\n1\. /);
    const pick = start.json.options[1];
    const level = await b.chat(pick.value);
    expect(level.json.chosen).toBe(pick.label);
    expect(level.json.parts.join("")).toContain(pick.label);
    expect(level.json.options.length).toBeGreaterThan(1);
  });

  it("still takes a typed number among the options just offered, as on WeChat", async () => {
    const b = browser();
    await b.chat("资格自测");
    const r = await b.chat("2");
    expect(r.json.parts.join("")).toContain(kb.occupations.occupations[1].name);
  });

  it("lists a negative verdict's conditions as text, never as options", async () => {
    const b = browser();
    let r = await b.chat("资格自测");
    // 电子商务师, 三级, no years, no certificate, no schooling: tapped or typed, each is an option or a number.
    for (const answer of ["opt:occupation:1", "opt:level:2", "0", "opt:certificate:2", "opt:education:2"]) {
      if (r.json.status !== "asked") break;
      r = await b.chat(answer);
    }
    expect(r.json.status).toBe("answered");
    expect(r.json.replies[0]).toMatch(/暂不符合/);
    expect(r.json.replies[0]).toMatch(/\n1\. /);
    expect(r.json.options).toEqual([]);
    expect(r.json.source).toMatch(/依据/);
  });

  it("gives the fallback's suggestions as options; an old option's value is not read as an answer", async () => {
    const b = browser();
    const r = await b.chat("嗯嗯那个东西怎么弄啊");
    if (r.json.intent === "fallback" && r.json.options.length) {
      expect(r.json.options[0].value).toMatch(/^opt:suggest:1$/);
    }
    await b.chat("资格自测");
    const stale = await b.chat("opt:suggest:1");
    expect(stale.json.intent).toBe("option_stale");
    expect(stale.json.options.length).toBeGreaterThan(1); // the dialog's question is still the one waiting
  });

  it("types the phone numbers and addresses in a reply as links", async () => {
    const r = await browser().chat("咨询电话是多少");
    const tel = r.json.links.find((l: { kind: string }) => l.kind === "tel");
    expect(tel.href).toBe(`tel:${kb.contacts.hotline.text.replace(/-/g, "")}`);
    expect(r.json.links.some((l: { kind: string }) => l.kind === "url")).toBe(true);
  });
});

describe("新对话, history and feedback", () => {
  it("restores the transcript on reload, masked; 新对话 ends the dialog on the server and starts a clean one", async () => {
    const b = browser();
    await b.chat("我的手机是13812345678，照片有什么要求");
    const start = await b.chat("资格自测");
    await b.chat(start.json.options[0].value);
    const h = await b.history();
    expect(h.json.turns).toHaveLength(3);
    expect(h.json.turns[0].text).toContain("138****5678");
    expect(JSON.stringify(h.json)).not.toContain("13812345678");
    expect(h.json.turns[2].text).toBe(start.json.options[0].label);
    // Only the last turn's options are live.
    expect(h.json.turns[1].options).toEqual([]);
    expect(h.json.turns[2].options.length).toBeGreaterThan(1);
    const old = b.cookie;
    const reset = await b.post("/api/chat/reset", {});
    expect(reset.json).toEqual({ ok: true });
    expect(b.cookie).not.toBe(old);
    expect((await b.history()).json.turns).toEqual([]);
    // The dialog is over: "1" is no answer now.
    expect((await b.chat("1")).json.intent).not.toBe("eligibility_dialog");
    // And the old cookie's conversation is gone on the server too.
    const stolen = browser();
    stolen.cookie = old;
    expect((await stolen.history()).json.turns).toEqual([]);
  });

  it("stores 👍/👎 for a turn of this conversation only, a later one replacing it, counted per intent", async () => {
    const b = browser();
    const r = await b.chat("电子商务师三级多少钱");
    expect((await b.post("/api/feedback", { turnId: r.json.turnId, value: "down" })).json).toEqual({ ok: true });
    expect((await b.post("/api/feedback", { turnId: r.json.turnId, value: "up" })).json).toEqual({ ok: true });
    expect((await b.history()).json.turns[0].feedback).toBe("up");
    const counts = await chatLog.feedbackCounts();
    expect(counts.find((c) => c.intent === r.json.intent)).toMatchObject({ up: expect.any(Number), down: 0 });
    const other = browser();
    expect((await other.post("/api/feedback", { turnId: r.json.turnId, value: "down" })).status).toBe(404);
    expect((await b.post("/api/feedback", { turnId: r.json.turnId, value: "meh" })).status).toBe(400);
    expect((await b.post("/api/feedback", { value: "up" })).status).toBe(400);
  });

  it("shows the 👍/👎 per answer intent to hotline staff (the console's 未能回答 tab)", async () => {
    const b = browser();
    const r = await b.chat("照片有什么要求");
    await b.post("/api/feedback", { turnId: r.json.turnId, value: "down" });
    const login = await postJson(`${api.url}/console/api/login`, { password: STAFF });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${CONSOLE_COOKIE}=`))!.split(";")[0];
    const res = await fetch(`${api.url}/console/api/feedback`, { headers: { cookie } });
    const { byIntent } = (await res.json()) as { byIntent: Record<string, { up: number; down: number }> };
    expect(byIntent[r.json.intent]).toMatchObject({ down: 1 });
    expect((await fetch(`${api.url}/console/api/feedback`)).status).toBe(401);
  });

  it("answers 405 to other methods on the new routes", async () => {
    expect((await fetch(`${api.url}/api/chat/reset`)).status).toBe(405);
    expect((await fetch(`${api.url}/api/feedback`)).status).toBe(405);
    expect((await fetch(`${api.url}/api/chat/history`, { method: "POST" })).status).toBe(405);
  });
});
