/** 企业微信 微信客服 over real sockets: WeCom's callback → sync_msg from a stored cursor → send_msg, on the stand-in API. */
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signature, WeChatCipher } from "../../src/channels/official-account.js";
import { WeComKfApi, type KfMessage } from "../../src/channels/wechat-api.js";
import { createWeComKf, kfConversation } from "../../src/channels/wecom-kf.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
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

async function start(docs = new MemoryDocs(), answer = async (_c: string, text: string) => `答：${text}`) {
  const kf = createWeComKf({ token: TOKEN, aesKey: AES, corpId: CORP, api: api(), docs, answer });
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
  const q = new URLSearchParams({ msg_signature: tamper ? sig.replace(/^./, "0") : sig, timestamp, nonce });
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
