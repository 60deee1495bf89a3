/**
 * 企业微信 微信客服 over real sockets: WeCom's callback → sync_msg from a stored cursor → send_msg, on the stand-in API;
 * the session states (a servicer in WeCom's own client holds a session: the bot is silent for it), the welcome on
 * enter_session, non-text messages, and staff replies of our own hand-off through the Delivery outbox.
 */
import express from "express";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signature, WeChatCipher } from "../../src/channels/official-account.js";
import { WeComKfApi, type KfMessage } from "../../src/channels/wechat-api.js";
import { createWeComKf, kfConversation } from "../../src/channels/wecom-kf.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { Delivery } from "../../src/handoff/delivery.js";
import { memoryLog, type Log } from "../../src/server/logger.js";
import { listen, type Running } from "../server/listen.js";
import { weChatStandIn, type WeChatStandIn } from "./wechat-standin.js";

const TOKEN = "wecomToken123";
const AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const CORP = "wwCORPID";
const cipher = new WeChatCipher(AES, CORP);
let wx: WeChatStandIn;
const servers: Running[] = [];

beforeAll(async () => {
  wx = await weChatStandIn({ corpId: CORP, kfSecret: "KFSECRET" });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await wx.close();
});

const api = () => new WeComKfApi({ base: wx.url, corpId: CORP, secret: "KFSECRET", backoffMs: 5 });
let msgN = 0;
const userMsg = (user: string, content: string): KfMessage => ({
  msgid: `msg-${++msgN}`, open_kfid: "wkKF", external_userid: user, send_time: Math.floor(Date.now() / 1000), origin: 3, msgtype: "text", text: { content },
});

const TEXTS = { welcome: "欢迎：直接发问题即可", help: "请用文字提问", photoUnchecked: "收到图片，请按规格自查" };

async function start(docs = new MemoryDocs(), answer = async (_c: string, text: string) => `答：${text}`, log?: Log) {
  const kf = createWeComKf({ token: TOKEN, aesKey: AES, corpId: CORP, api: api(), docs, answer, texts: TEXTS, log });
  const app = express();
  app.use("/wecom", kf.router);
  const s = await listen(app);
  servers.push(s);
  return { kf, url: `${s.url}/wecom` };
}

function push(url: string, inner: string, tamper = false) {
  const encrypted = cipher.encrypt(inner);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = "n" + Math.random().toString(36).slice(2);
  const sig = signature(TOKEN, timestamp, nonce, encrypted);
  const q = new URLSearchParams({ msg_signature: tamper ? (sig[0] === "0" ? "1" : "0") + sig.slice(1) : sig, timestamp, nonce });
  return fetch(`${url}?${q}`, { method: "POST", body: `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` });
}
const event = (token = "SYNC_TOKEN") =>
  `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[${token}]]></Token><OpenKfId><![CDATA[wkKF]]></OpenKfId></xml>`;

describe("the callback URL check (GET)", () => {
  it("answers the decrypted echostr for a good signature and 401 otherwise", async () => {
    const { url } = await start();
    const echostr = cipher.encrypt("echo-12345");
    const timestamp = String(Math.floor(Date.now() / 1000));
    const q = new URLSearchParams({ msg_signature: signature(TOKEN, timestamp, "abc", echostr), timestamp, nonce: "abc", echostr });
    const ok = await fetch(`${url}?${q}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("echo-12345");
    q.set("msg_signature", "0".repeat(40));
    expect((await fetch(`${url}?${q}`)).status).toBe(401);
    const old = new URLSearchParams({ msg_signature: signature(TOKEN, "1", "abc", echostr), timestamp: "1", nonce: "abc", echostr });
    expect((await fetch(`${url}?${old}`)).status).toBe(401);
  });
});

describe("messages", () => {
  it("pulls new messages on a push and answers each with send_msg", async () => {
    wx.kfQueue.length = 0;
    wx.sent.length = 0;
    const { url } = await start();
    wx.kfQueue.push(userMsg("wmA", "怎么报名"), { ...userMsg("wmA", ""), origin: 5, msgtype: "text", text: { content: "(我们发出的)" } }, userMsg("wmB", "几月考"));
    const res = await push(url, event());
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("success");
    await wx.waitFor((s) => s.length >= 2);
    expect(wx.sent.map((s) => [s.touser, s.content])).toEqual([["wmA", "答：怎么报名"], ["wmB", "答：几月考"]]);
  });

  it("refuses a push with a bad signature, reaching nothing", async () => {
    wx.kfQueue.length = 0;
    wx.sent.length = 0;
    const { url } = await start();
    wx.kfQueue.push(userMsg("wmC", "x"));
    expect((await push(url, event(), true)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(wx.sent).toEqual([]);
  });

  it("after a crash in the middle of a page, answers the rest once and nothing twice", async () => {
    wx.kfQueue.length = 0;
    wx.sent.length = 0;
    const docs = new MemoryDocs(); // stands for the durable store both processes share
    let first = true;
    // The first process answers one message, then dies while answering the second (it never returns).
    const dying = await start(docs, async (_c, text) => {
      if (!first) return new Promise<string>(() => {});
      first = false;
      return `答：${text}`;
    });
    wx.kfQueue.push(userMsg("wmD", "一"), userMsg("wmD", "二"), userMsg("wmD", "三"));
    await push(dying.url, event());
    await wx.waitFor((s) => s.length >= 1);
    const restarted = await start(docs);
    await restarted.kf.sync();
    expect(wx.sent.map((s) => s.content)).toEqual(["答：一", "答：二", "答：三"]);
    await restarted.kf.sync();
    expect(wx.sent).toHaveLength(3);
  });

  it("delivers a staff reply to a conversation of the channel", async () => {
    wx.sent.length = 0;
    const { kf } = await start();
    wx.lastInbound.set("wmE", Date.now());
    await kf.deliver(kfConversation("wkKF", "wmE"), "您好，我是工作人员");
    expect(wx.sent.at(-1)).toMatchObject({ api: "kf", touser: "wmE", openKfid: "wkKF", content: "您好，我是工作人员" });
  });

  it("keeps answering when the token expires", async () => {
    wx.kfQueue.length = 0;
    wx.sent.length = 0;
    const { url } = await start();
    wx.kfQueue.push(userMsg("wmF", "第一"));
    await push(url, event());
    await wx.waitFor((s) => s.length >= 1);
    wx.expireTokens();
    wx.kfQueue.push(userMsg("wmF", "第二"));
    await push(url, event());
    await wx.waitFor((s) => s.length >= 2);
    expect(wx.sent.map((s) => s.content)).toEqual(["答：第一", "答：第二"]);
  });
});

/** Waits until `pred` holds (bounded). */
async function until(pred: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
const to = (user: string) => wx.sent.filter((s) => s.touser === user).map((s) => s.content);
const gets = (user: string) => wx.stateCalls.filter((c) => c.user === user && c.call === "get").length;
/** Each test below reads sync_msg from the start of a queue of its own. */
const fresh = () => {
  wx.kfQueue.length = 0;
  wx.sent.length = 0;
  wx.stateCalls.length = 0;
  wx.malformed.length = 0;
};

/** A start whose answers are recorded: which texts reached the engine. */
async function recording(docs = new MemoryDocs(), log?: Log) {
  const asked: string[] = [];
  const started = await start(docs, async (c, text) => {
    asked.push(`${c}|${text}`);
    return `答：${text}`;
  }, log);
  return { ...started, asked };
}

describe("session states (a servicer in 企业微信's own client)", () => {
  beforeEach(fresh);

  it("answers a new session as 智能助手 (moved to 1 once), is silent while a servicer holds it, others still answered, and answers again when it ends", async () => {
    const { url, asked } = await recording();
    wx.kfQueue.push(userMsg("wmS1", "一"));
    await push(url, event());
    await until(() => to("wmS1").length === 1);
    expect(to("wmS1")).toEqual(["答：一"]);
    expect(wx.serviceStates.get("wkKF/wmS1")).toBe(1);

    wx.servicerTakes("wkKF", "wmS1");
    wx.kfQueue.push(userMsg("wmS1", "二"), userMsg("wmS2", "三"));
    await push(url, event());
    await until(() => to("wmS2").length === 1);
    expect(to("wmS2")).toEqual(["答：三"]);
    expect(to("wmS1")).toEqual(["答：一"]);
    expect(asked).not.toContain("wecom:wkKF:wmS1|二"); // not even seen by the engine: the servicer answers it

    wx.servicerEnds("wkKF", "wmS1");
    wx.kfQueue.push(userMsg("wmS1", "四"));
    await push(url, event());
    await until(() => to("wmS1").length === 2);
    expect(to("wmS1")).toEqual(["答：一", "答：四"]);
    expect(wx.serviceStates.get("wkKF/wmS1")).toBe(1);
    // What was learnt is kept: the state was read once, not on every message.
    expect(gets("wmS1")).toBe(1);
    expect(wx.malformed).toEqual([]);
  });

  it("a send refused for the session's state: the state is read again and the bot stays silent for that user", async () => {
    const { url, asked } = await recording();
    wx.kfQueue.push(userMsg("wmR", "一"));
    await push(url, event());
    await until(() => to("wmR").length === 1);
    // A servicer took it and the event was not seen (e.g. the enterprise moved it in the admin console).
    wx.serviceStates.set("wkKF/wmR", 3);
    wx.kfQueue.push(userMsg("wmR", "二"));
    await push(url, event());
    await until(() => gets("wmR") === 2);
    wx.kfQueue.push(userMsg("wmR", "三"), userMsg("wmR2", "别人"));
    await push(url, event());
    await until(() => to("wmR2").length === 1);
    expect(to("wmR")).toEqual(["答：一"]);
    expect(asked).not.toContain("wecom:wkKF:wmR|三");
    expect(gets("wmR")).toBe(2);
  });

  it("after a restart (a new instance on the same store) keeps what it learnt", async () => {
    const docs = new MemoryDocs();
    const first = await recording(docs);
    wx.kfQueue.push(userMsg("wmP1", "一"), userMsg("wmP2", "一"));
    await push(first.url, event());
    await until(() => to("wmP1").length === 1 && to("wmP2").length === 1);
    wx.servicerTakes("wkKF", "wmP2");
    await first.kf.sync();

    const second = await recording(docs);
    wx.kfQueue.push(userMsg("wmP1", "二"), userMsg("wmP2", "二"));
    await push(second.url, event());
    await until(() => to("wmP1").length === 2);
    await second.kf.sync();
    expect(to("wmP1")).toEqual(["答：一", "答：二"]);
    expect(to("wmP2")).toEqual(["答：一"]);
    expect(second.asked).toEqual(["wecom:wkKF:wmP1|二"]);
    expect(gets("wmP1")).toBe(1);
    expect(gets("wmP2")).toBe(1);
  });
});

describe("events and other messages", () => {
  beforeEach(fresh);

  it("enter_session: one welcome with send_msg_on_event and the welcome_code; none without a code", async () => {
    const { url, kf } = await recording();
    wx.enterSession("wkKF", "wmW1");
    wx.enterSession("wkKF", "wmW2", false);
    await push(url, event());
    await until(() => to("wmW1").length === 1);
    await kf.sync();
    expect(wx.sent.filter((s) => s.touser === "wmW1")).toEqual([{ api: "kf_event", touser: "wmW1", openKfid: "wkKF", content: TEXTS.welcome }]);
    expect(to("wmW2")).toEqual([]);
    expect(wx.malformed).toEqual([]);
  });

  it("a picture gets the photo note, other kinds the channel help, without reaching the engine; msg_send_fail is logged; unknown events are ignored", async () => {
    const log = memoryLog();
    const { url, asked } = await recording(new MemoryDocs(), log);
    const base = userMsg("wmN", "");
    wx.kfQueue.push(
      { ...base, msgid: "img-1", msgtype: "image", text: undefined, image: { media_id: "MEDIA" } } as KfMessage,
      { ...base, msgid: "voice-1", msgtype: "voice", text: undefined, voice: { media_id: "MEDIA" } } as KfMessage,
      { msgid: "ev-fail-1", open_kfid: "wkKF", send_time: Math.floor(Date.now() / 1000), origin: 4, msgtype: "event", event: { event_type: "msg_send_fail", open_kfid: "wkKF", external_userid: "wmN", fail_msgid: "kfmsg_1", fail_type: 10 } },
      { msgid: "ev-odd-1", open_kfid: "wkKF", send_time: Math.floor(Date.now() / 1000), origin: 4, msgtype: "event", event: { event_type: "servicer_status_change", servicer_userid: "zhangsan", status: 2 } },
      { msgid: "ev-odd-2", open_kfid: "wkKF", send_time: Math.floor(Date.now() / 1000), origin: 4, msgtype: "event" } as KfMessage,
      userMsg("wmN", "文字"),
    );
    await push(url, event());
    await until(() => to("wmN").length === 3);
    expect(to("wmN")).toEqual([TEXTS.photoUnchecked, TEXTS.help, "答：文字"]);
    expect(asked).toEqual(["wecom:wkKF:wmN|文字"]);
    expect(log.lines.some((l) => l.level === "warn" && JSON.stringify(l.obj).includes("kfmsg_1"))).toBe(true);
    expect(log.lines.filter((l) => l.level === "error")).toEqual([]);
  });
});

describe("staff replies of our own hand-off (Delivery sender \"wecom\")", () => {
  beforeEach(fresh);

  it("reach the user; past WeCom's 5 messages without an answer, or while a servicer holds the session, they are refused for good", async () => {
    const { kf } = await recording();
    const givenUp: string[] = [];
    const delivery = new Delivery(new MemoryDocs(), { onGivenUp: (_item, reason) => givenUp.push(reason) });
    delivery.register("wecom", kf.deliver);
    wx.lastInbound.set("wmH", Date.now()); // the user wrote (转人工) a moment ago

    for (let i = 1; i <= 5; i++) expect(await delivery.send(kfConversation("wkKF", "wmH"), `工作人员回复 ${i}`)).toBe(true);
    expect(to("wmH")).toHaveLength(5);
    expect(await delivery.send(kfConversation("wkKF", "wmH"), "第六条")).toBe(false);
    expect(givenUp.at(-1)).toMatch(/95001/);
    expect(await delivery.pending()).toEqual([]); // not retried: WeChat will not take it until the user writes

    wx.lastInbound.set("wmH2", Date.now());
    wx.serviceStates.set("wkKF/wmH2", 3);
    expect(await delivery.send(kfConversation("wkKF", "wmH2"), "您好")).toBe(false);
    expect(givenUp.at(-1)).toMatch(/企业微信/);
    expect(await delivery.pending()).toEqual([]);
    expect(to("wmH2")).toEqual([]);
  });
});
