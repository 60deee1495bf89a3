/**
 * The 公众号 with 客服消息 (issue 15): an answer that misses WeChat's 5-second reply is sent whole through 客服消息 once
 * it is ready, and a long answer's rest follows its passive first part — each once, across WeChat's retries and across
 * two instances sharing the store's keys — against the stand-in API on 127.0.0.1 (tokens, JSON, 2048 bytes checked).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getKb, sharedEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { baseVars, render } from "../../src/knowledge/facts.js";
import { createOfficialAccountRouter, MAX_REPLY_BYTES, splitPassive, type OfficialAccountOptions } from "../../src/channels/official-account.js";
import { HandoffChannels } from "../../src/handoff/channels.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { createHandoff } from "../../src/handoff/setup.js";
import { silentLog } from "../../src/server/logger.js";
import { MemorySharedKeys } from "../../src/store/shared-keys.js";
import type { Engine } from "../../src/engine/engine.js";
import { listen, type Running } from "../server/listen.js";
import { weChatStandIn, type WeChatStandIn } from "./wechat-standin.js";

const kb = getKb();
const engine = sharedEngine();
const vars = baseVars(kb);
const continued = render(kb.replies.reply_continued, vars);
const truncated = render(kb.replies.reply_truncated, vars);

const TOKEN = "late-token";
const GH = "gh_late0001";
const sign = (...parts: string[]) => createHash("sha1").update([...parts].sort().join("")).digest("hex");
const field = (xml: string, name: string) => new RegExp(`<${name}><!\\[CDATA\\[([\\s\\S]*?)\\]\\]></${name}>`).exec(xml)?.[1];

function signedUrl(base: string) {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  return `${base}/wechat?${new URLSearchParams({ signature: sign(TOKEN, ts, nonce), timestamp: ts, nonce })}`;
}
const textXml = (from: string, content: string, msgId: string) =>
  `<xml><ToUserName><![CDATA[${GH}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
/** The same push again (a retry): same body, signed again (WeChat's retries carry their own timestamp and nonce). */
const push = (url: string, body: string) => fetch(signedUrl(url), { method: "POST", headers: { "content-type": "text/xml" }, body });
let seq = 7_000_000;
const nextId = () => String(6_054_768_590_064_713_728n + BigInt(seq++));

/** The real engine, slowed by `delayMs`, its answer's text replaced by `parts` when given, its status by `status`. */
function wrapped(o: { delayMs?: number; parts?: string[]; status?: "with_staff" } = {}) {
  const calls: string[] = [];
  const e = {
    kb,
    turn: async (user: string, text: string, channel?: string) => {
      calls.push(text);
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      const r = await engine.turn(user, text, channel);
      if (o.status) return { ...r, status: o.status };
      return o.parts ? { ...r, reply: { ...r.reply, parts: o.parts, options: [], source: undefined } } : r;
    },
  } as unknown as Engine;
  return { engine: e, calls };
}

const LONG = Array.from({ length: 60 }, (_, i) => `第${i + 1}条：${"电子商务师三级报名需要准备的材料与条件说明。".repeat(2)}`);

let wx: WeChatStandIn;
/** The service's wiring: the outbox with the 客服消息 sender (OA_APPID + OA_APPSECRET), as main.ts builds it. */
let channels: HandoffChannels;
/** Moves the outbox's clock on (its retries wait). */
let skewMs = 0;
const openServers: Running[] = [];

async function startOa(options: Partial<OfficialAccountOptions> & { engine: Engine }): Promise<Running> {
  const app = createHttpApp({
    kb,
    engine,
    config: { RATE_LIMIT_PER_MINUTE: 10_000 },
    mount: (a) =>
      a.use(
        "/wechat",
        createOfficialAccountRouter({ kb, token: TOKEN, sendLater: channels.sendLater, ...options }),
      ),
  });
  const s = await listen(app);
  openServers.push(s);
  return s;
}

const sentTo = (user: string) => wx.sent.filter((s) => s.api === "custom" && s.touser === user);
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  wx = await weChatStandIn({ appId: "wxLATE", appSecret: "LATESECRET" });
});
function wiring(kf: boolean): HandoffChannels {
  const docs = new MemoryDocs();
  return new HandoffChannels({
    config: {
      OA_TOKEN: TOKEN, OA_APPID: kf ? "wxLATE" : undefined, OA_APPSECRET: kf ? "LATESECRET" : undefined, WECHAT_API_BASE: wx.url,
      WECOM_CORP_ID: undefined, WECOM_KF_SECRET: undefined, WECOM_TOKEN: undefined, WECOM_AES_KEY: undefined, WECOM_API_BASE: wx.url, WECHATY_PUPPET: undefined,
    },
    engine, docs, queue: createHandoff(docs, { HANDOFF_HOURS: "00:00-24:00", HANDOFF_DAYS: undefined, HANDOFF_RETENTION_DAYS: 90 }).queue,
    log: silentLog, now: () => Date.now() + skewMs, api: { attempts: 3, backoffMs: 20, timeoutMs: 2_000 },
  });
}
beforeEach(() => {
  wx.failWhen = undefined;
  channels = wiring(true);
});
afterAll(async () => {
  await Promise.all(openServers.map((s) => s.close()));
  await wx.close();
});

describe("an answer that misses the 5-second reply", () => {
  it("gets success at once and is sent whole through 客服消息 once it is ready, once although WeChat retries", async () => {
    const user = "oLate_slow_0001";
    wx.lastInbound.set(user, Date.now());
    const slow = wrapped({ delayMs: 500 });
    const oa = await startOa({ engine: slow.engine, replyTimeoutMs: 150 });
    const body = textXml(user, "电子商务师三级多少钱", nextId());
    const first = await push(oa.url, body);
    expect(await first.text()).toBe("success");
    const retry = await push(oa.url, body); // WeChat's retry while the answer is still being made
    expect(await retry.text()).toBe("success");
    const sent = await wx.waitFor((s) => s.some((x) => x.touser === user), 5_000);
    await settle();
    expect(sent.filter((x) => x.touser === user)).toHaveLength(1);
    const reference = await engine.turn("oa-late-reference", "电子商务师三级多少钱", "official_account");
    expect(sentTo(user)[0].content).toContain(reference.reply.parts[0]);
    // A retry after the late answer went out gets nothing more.
    expect(await (await push(oa.url, body)).text()).toBe("success");
    await settle();
    expect(sentTo(user)).toHaveLength(1);
    expect(slow.calls).toHaveLength(1);
  });

  it("is still sent when the first send fails (system busy, then an expired token)", async () => {
    const user = "oLate_retry_0001";
    wx.lastInbound.set(user, Date.now());
    const oa = await startOa({ engine: wrapped({ delayMs: 300 }).engine, replyTimeoutMs: 100 });
    wx.failNext(1);
    wx.expireTokens();
    expect(await (await push(oa.url, textXml(user, "照片有什么要求", nextId()))).text()).toBe("success");
    await wx.waitFor((s) => s.some((x) => x.touser === user), 5_000);
    await settle();
    expect(sentTo(user)).toHaveLength(1);
    expect(wx.malformed).toEqual([]);
  });

  it("two instances sharing the store's keys: the retry reaching the other instance adds no second answer", async () => {
    const user = "oLate_two_0001";
    wx.lastInbound.set(user, Date.now());
    const shared = new MemorySharedKeys({ maxBytes: 2 ** 20 });
    const a = wrapped({ delayMs: 500 });
    const b = wrapped({ delayMs: 500 });
    const oaA = await startOa({ engine: a.engine, replyTimeoutMs: 150, shared });
    const oaB = await startOa({ engine: b.engine, replyTimeoutMs: 150, shared });
    const body = textXml(user, "证书怎么领", nextId());
    expect(await (await push(oaA.url, body)).text()).toBe("success");
    expect(await (await push(oaB.url, body)).text()).toBe("success");
    await wx.waitFor((s) => s.some((x) => x.touser === user), 5_000);
    await settle(700);
    expect(sentTo(user)).toHaveLength(1);
    expect(a.calls.length + b.calls.length).toBe(1);
  });

  it("a late turn while a staff member holds the conversation sends nothing anywhere", async () => {
    const user = "oLate_staff_0001";
    wx.lastInbound.set(user, Date.now());
    const oa = await startOa({ engine: wrapped({ delayMs: 300, status: "with_staff" }).engine, replyTimeoutMs: 100 });
    expect(await (await push(oa.url, textXml(user, "电子商务师三级多少钱", nextId()))).text()).toBe("success");
    await settle(700);
    expect(sentTo(user)).toEqual([]);
  });

  it("WeChat closing the request before the answer is ready: the answer is sent through 客服消息, once", async () => {
    const user = "oLate_gone_0001";
    wx.lastInbound.set(user, Date.now());
    const slow = wrapped({ delayMs: 400 });
    const oa = await startOa({ engine: slow.engine, replyTimeoutMs: 3_000 });
    const body = textXml(user, "证书怎么领", nextId());
    await expect(fetch(signedUrl(oa.url), { method: "POST", headers: { "content-type": "text/xml" }, body, signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await wx.waitFor((s) => s.some((x) => x.touser === user), 5_000);
    expect(await (await push(oa.url, body)).text()).toBe("success"); // WeChat's retry
    await settle();
    expect(sentTo(user)).toHaveLength(1);
    const reference = await engine.turn("oa-late-reference-2", "证书怎么领", "official_account");
    expect(sentTo(user)[0].content).toContain(reference.reply.parts[0]);
    expect(slow.calls).toHaveLength(1);
  });

  it("waits for a late answer only so long (lateMaxMs): an answer later than that is not sent", async () => {
    const user = "oLate_bound_0001";
    wx.lastInbound.set(user, Date.now());
    const oa = await startOa({ engine: wrapped({ delayMs: 700 }).engine, replyTimeoutMs: 100, lateMaxMs: 200 });
    expect(await (await push(oa.url, textXml(user, "照片有什么要求", nextId()))).text()).toBe("success");
    await settle(1_000);
    expect(sentTo(user)).toEqual([]);
  });

  it("without 客服消息 configured, the late answer is not sent anywhere (success only)", async () => {
    const user = "oLate_none_0001";
    wx.lastInbound.set(user, Date.now());
    channels = wiring(false);
    expect(channels.sendLater).toBeUndefined();
    const oa = await startOa({ engine: wrapped({ delayMs: 300 }).engine, replyTimeoutMs: 100 });
    expect(await (await push(oa.url, textXml(user, "电子商务师三级多少钱", nextId()))).text()).toBe("success");
    await settle(600);
    expect(sentTo(user)).toEqual([]);
  });
});

describe("a long answer", () => {
  const whole = LONG.join("\n");

  it("passive first part with the note, the rest through 客服消息 in order; the texts together are the answer", async () => {
    expect(Buffer.byteLength(whole)).toBeGreaterThan(3 * MAX_REPLY_BYTES);
    const user = "oLong_0001";
    wx.lastInbound.set(user, Date.now());
    const oa = await startOa({ engine: wrapped({ parts: LONG }).engine });
    const body = textXml(user, "报名材料", nextId());
    const xml = await (await push(oa.url, body)).text();
    const first = field(xml, "Content")!;
    expect(Buffer.byteLength(first)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    expect(first.endsWith(`\n${continued}`)).toBe(true);
    expect(first).not.toContain(truncated);
    await wx.waitFor((s) => s.filter((x) => x.touser === user).length >= 2, 5_000);
    await settle();
    const rest = sentTo(user).map((s) => s.content);
    for (const part of rest) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(2048);
    const received = [first.slice(0, -(continued.length + 1)), ...rest].join("\n");
    expect(received).toBe(whole);

    // WeChat's retry (it missed our reply) gets the first part again and nothing more is sent.
    const again = field(await (await push(oa.url, body)).text(), "Content");
    expect(again).toBe(first);
    await settle();
    expect(sentTo(user).map((s) => s.content)).toEqual(rest);
  });

  it("a part that fails past the client's retries waits in the outbox; the retry goes on from that part (none twice)", async () => {
    const user = "oLong_fail_0001";
    wx.lastInbound.set(user, Date.now());
    const oa = await startOa({ engine: wrapped({ parts: LONG }).engine });
    const failing = "第30条：";
    wx.failWhen = (path, b) => path === "/cgi-bin/message/custom/send" && String(b?.text?.content).includes(failing);
    const first = field(await (await push(oa.url, textXml(user, "报名材料", nextId()))).text(), "Content")!;
    expect(first).not.toContain(failing);
    for (let n = 0; n < 100 && (await channels.delivery.pending()).length === 0; n++) await settle(30);
    expect(await channels.delivery.pending()).toHaveLength(1);
    const before = sentTo(user).map((s) => s.content);
    expect(before.length).toBeGreaterThan(0); // the parts before the failing one went out
    expect(before.join("\n")).not.toContain(failing);

    wx.failWhen = undefined;
    skewMs += 10 * 60_000; // the outbox's next try is due
    await channels.delivery.retryDue();
    expect(await channels.delivery.pending()).toEqual([]);
    const rest = sentTo(user).map((s) => s.content);
    expect(rest.slice(0, before.length)).toEqual(before);
    expect([first.slice(0, -(continued.length + 1)), ...rest].join("\n")).toBe(whole);
  });

  it("two instances sharing the store's keys: WeChat's retry on the other gets the same first part, the rest goes once", async () => {
    const user = "oLong_two_0001";
    wx.lastInbound.set(user, Date.now());
    const shared = new MemorySharedKeys({ maxBytes: 2 ** 20 });
    const a = wrapped({ parts: LONG });
    const b = wrapped({ parts: LONG });
    const oaA = await startOa({ engine: a.engine, shared });
    const oaB = await startOa({ engine: b.engine, shared });
    const body = textXml(user, "报名材料", nextId());
    const first = field(await (await push(oaA.url, body)).text(), "Content")!;
    expect(first.endsWith(`\n${continued}`)).toBe(true);
    expect(field(await (await push(oaB.url, body)).text(), "Content")).toBe(first);
    await wx.waitFor((s) => s.filter((x) => x.touser === user).length >= 2, 5_000);
    await settle(500);
    const rest = sentTo(user).map((s) => s.content);
    expect([first.slice(0, -(continued.length + 1)), ...rest].join("\n")).toBe(whole);
    expect(a.calls.length + b.calls.length).toBe(1);
  });

  it("without 客服消息, is cut with the note that it was cut, as before", async () => {
    const user = "oLong_none_0001";
    channels = wiring(false);
    const oa = await startOa({ engine: wrapped({ parts: LONG }).engine });
    const content = field(await (await push(oa.url, textXml(user, "报名材料", nextId()))).text(), "Content")!;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    expect(content.endsWith(truncated)).toBe(true);
    await settle();
    expect(sentTo(user)).toEqual([]);
  });

  it("a short answer is only the passive reply", async () => {
    const user = "oShort_0001";
    wx.lastInbound.set(user, Date.now());
    const oa = await startOa({ engine: wrapped().engine });
    const content = field(await (await push(oa.url, textXml(user, "电子商务师三级多少钱", nextId()))).text(), "Content")!;
    expect(content).not.toContain(continued);
    await settle();
    expect(sentTo(user)).toEqual([]);
  });
});

describe("splitPassive", () => {
  it("cuts at a line end within the limit, note included, and the rest is exactly what follows", () => {
    const text = LONG.join("\n");
    const [first, rest] = splitPassive(text, MAX_REPLY_BYTES, continued);
    expect(Buffer.byteLength(first)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    const body = first.slice(0, -(continued.length + 1));
    expect(LONG).toContain(body.split("\n").at(-1)); // a whole line
    expect(`${body}\n${rest}`).toBe(text);
  });

  it("a single line longer than the limit is cut within it, and nothing is added to or lost from the text", () => {
    const text = "报名材料说明".repeat(300); // 5,400 bytes, no line end
    const [first, rest] = splitPassive(text, MAX_REPLY_BYTES, continued);
    expect(Buffer.byteLength(first)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    expect(first.slice(0, -(continued.length + 1)) + rest).toBe(text);
  });

  it("a text within the limit is left whole", () => {
    expect(splitPassive("短答案", MAX_REPLY_BYTES, continued)).toEqual(["短答案", ""]);
  });
});
