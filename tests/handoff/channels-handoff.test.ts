/**
 * 转人工 on the official WeChat channels against the stand-in API on 127.0.0.1 (issue 15): 微信客服 from its callback
 * (queue, take, staff replies by send_msg, the candidate's message to staff only, end), with an expired token and a
 * failed send retried; the 公众号's 客服消息, and a message WeChat refuses for good (outside the 48-hour window) noted in
 * the transcript; /healthz's channels.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { MemoryStore } from "../../src/engine/session.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { createHandoff } from "../../src/handoff/setup.js";
import { HandoffChannels } from "../../src/handoff/channels.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter, COOKIE as CONSOLE_COOKIE } from "../../src/console/router.js";
import { signature, WeChatCipher } from "../../src/channels/official-account.js";
import type { KfMessage } from "../../src/channels/wechat-api.js";
import { silentLog } from "../../src/server/logger.js";
import { listen, postJson, type Running } from "../server/listen.js";
import { weChatStandIn, type WeChatStandIn } from "../channels/wechat-standin.js";

const STAFF = "staff-token-0123456789";
const TOKEN = "wecomToken123";
const AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const CORP = "wwCORPID";
const cipher = new WeChatCipher(AES, CORP);

let wx: WeChatStandIn;
let srv: Running;
let channels: HandoffChannels;
let handoff: ReturnType<typeof createHandoff>;
let engine: ReturnType<typeof createApp>["engine"];
let cookie = "";
let tab: AbortController;

beforeAll(async () => {
  wx = await weChatStandIn({ corpId: CORP, kfSecret: "KFSECRET", appId: "wxAPPID", appSecret: "APPSECRET" });
  const docs = new MemoryDocs();
  handoff = createHandoff(docs, { HANDOFF_HOURS: "00:00-24:00", HANDOFF_DAYS: undefined, HANDOFF_RETENTION_DAYS: 90 });
  const built = createApp({ engine: { store: new MemoryStore(), handoff } });
  engine = built.engine;
  channels = new HandoffChannels({
    config: {
      OA_TOKEN: "oatoken", OA_APPID: "wxAPPID", OA_APPSECRET: "APPSECRET", WECHAT_API_BASE: wx.url,
      WECOM_CORP_ID: CORP, WECOM_KF_SECRET: "KFSECRET", WECOM_TOKEN: TOKEN, WECOM_AES_KEY: AES, WECOM_API_BASE: wx.url, WECHATY_PUPPET: undefined,
    },
    engine, docs, queue: handoff.queue, log: silentLog, api: { backoffMs: 5, timeoutMs: 2_000 },
  });
  srv = await listen(createHttpApp({
    kb: built.kb, engine, handoff, channels: () => channels.status(),
    config: { RATE_LIMIT_PER_MINUTE: 1000, CHAT_SECRET: "s".repeat(40) },
    mount: (app) => {
      channels.mount(app);
      app.use("/console", consoleRouter({ engine, config: { CONSOLE_TOKEN: STAFF, CONSOLE_SECRET: "c".repeat(40) }, docs, handoff: { ...handoff, delivery: channels.delivery } }));
    },
  }));
  const login = await postJson(`${srv.url}/console/api/login`, { password: STAFF });
  cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${CONSOLE_COOKIE}=`))!.split(";")[0];
  // A staff member online: the 人工会话 stream open.
  tab = new AbortController();
  const res = await fetch(`${srv.url}/console/api/handoffs/stream`, { headers: { cookie }, signal: tab.signal });
  const reader = res.body!.getReader();
  await reader.read();
  void (async () => { for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return; })();
});
afterAll(async () => {
  tab?.abort();
  await channels?.stop();
  await srv?.close();
  await wx?.close();
});

const consolePost = (path: string, body: unknown = {}) => postJson(`${srv.url}/console/api${path}`, body, { cookie });
const consoleGet = async (path: string) => (await fetch(`${srv.url}/console/api${path}`, { headers: { cookie } })).json() as Promise<any>;
const until = async (f: () => boolean | Promise<boolean>) => {
  for (let n = 0; n < 150; n++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("condition not reached");
};

let msgN = 0;
const userMsg = (user: string, content: string): KfMessage => ({
  msgid: `hmsg-${++msgN}`, open_kfid: "wkKF", external_userid: user, send_time: Math.floor(Date.now() / 1000), origin: 3, msgtype: "text", text: { content },
});
/** 企业微信 tells the service there are new messages (signed and encrypted as WeCom does). */
async function push() {
  const inner = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[T]]></Token><OpenKfId><![CDATA[wkKF]]></OpenKfId></xml>`;
  const encrypted = cipher.encrypt(inner);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = "n" + Math.random().toString(36).slice(2);
  const q = new URLSearchParams({ msg_signature: signature(TOKEN, timestamp, nonce, encrypted), timestamp, nonce });
  const res = await fetch(`${srv.url}/wecom?${q}`, { method: "POST", body: `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` });
  expect(res.status).toBe(200);
}
const to = (user: string) => wx.sent.filter((s) => s.touser === user).map((s) => s.content);

describe("微信客服", () => {
  it("the whole hand-off: queue, take, staff replies by send_msg (an expired token, a busy WeChat), no bot answer while held, end", async () => {
    wx.kfQueue.push(userMsg("wmU1", "电子商务师四级多少钱"));
    await push();
    await until(() => to("wmU1").some((t) => /元/.test(t)));
    wx.kfQueue.push(userMsg("wmU1", "转人工"));
    await push();
    await until(() => to("wmU1").some((t) => t.includes("第 1 位")));
    const h = (await consoleGet("/handoffs")).find((x: any) => x.channel === "wecom");
    expect(h).toMatchObject({ status: "waiting" });
    // The staff member sees what was said before 转人工 first, the bot's answer included.
    const first = (await consoleGet(`/handoffs/${h.id}`)).transcript;
    expect(first.slice(0, 3).map((t: any) => [t.from, t.earlier ?? false])).toEqual([["candidate", true], ["bot", true], ["candidate", false]]);
    expect(first[0].text).toBe("电子商务师四级多少钱");
    expect(first[1].text).toMatch(/元/);

    expect((await consolePost(`/handoffs/${h.id}/take`)).status).toBe(200);
    await until(() => to("wmU1").some((t) => t.includes("工作人员已接入")));
    wx.expireTokens();
    wx.failNext(1);
    const sent = await consolePost(`/handoffs/${h.id}/messages`, { text: "您好，请问是哪个职业？" });
    expect(sent.status).toBe(201);
    expect(sent.json.delivered).toBe(true);
    expect(to("wmU1")).toContain("您好，请问是哪个职业？");

    const before = to("wmU1").length;
    wx.kfQueue.push(userMsg("wmU1", "电子商务师"));
    await push();
    await until(async () => (await consoleGet(`/handoffs/${h.id}`)).transcript.some((t: any) => t.text === "电子商务师"));
    expect(to("wmU1").length).toBe(before);

    expect((await consolePost(`/handoffs/${h.id}/close`)).status).toBe(200);
    await until(() => to("wmU1").some((t) => t.includes("人工服务已结束")));
    const held = to("wmU1").length;
    wx.kfQueue.push(userMsg("wmU1", "电子商务师四级多少钱"));
    await push();
    await until(() => to("wmU1").slice(held).some((t) => /元/.test(t)));
  });
});

describe("公众号 客服消息", () => {
  it("delivers staff replies within the 48-hour window; outside it the message is given up and noted for staff", async () => {
    wx.lastInbound.set("oOPEN1", Date.now());
    const r = await engine.turn("oa:oOPEN1", "转人工", "official_account");
    expect(r.replies[0]).toContain("第 1 位");
    const h = (await consoleGet("/handoffs")).find((x: any) => x.channel === "official_account" && x.status === "waiting");
    await consolePost(`/handoffs/${h.id}/take`);
    const ok = await consolePost(`/handoffs/${h.id}/messages`, { text: "您好，这里是人工客服" });
    expect(ok.json.delivered).toBe(true);
    expect(to("oOPEN1")).toContain("您好，这里是人工客服");
    const held = await engine.turn("oa:oOPEN1", "好的", "official_account");
    expect(held).toMatchObject({ status: "with_staff", replies: [] });
    await consolePost(`/handoffs/${h.id}/close`);

    await engine.turn("oa:oSILENT", "转人工", "official_account");
    const h2 = (await consoleGet("/handoffs")).find((x: any) => x.channel === "official_account" && x.status === "waiting");
    await consolePost(`/handoffs/${h2.id}/take`);
    const late = await consolePost(`/handoffs/${h2.id}/messages`, { text: "还在吗" });
    expect(late.status).toBe(201);
    expect(late.json.delivered).not.toBe(true);
    await until(async () => (await consoleGet(`/handoffs/${h2.id}`)).transcript.some((t: any) => t.text.includes("未能送达")));
    expect(await channels.delivery.pending()).toEqual([]);
  });
});

describe("/healthz", () => {
  it("lists each channel, on or off with the reason", async () => {
    const body = (await (await fetch(`${srv.url}/healthz`)).json()) as any;
    expect(body.channels.http).toEqual({ on: true });
    expect(body.channels.wecom.on).toBe(true);
    expect(body.channels.official_account_kf.on).toBe(true);
    expect(body.channels.official_account_kf.lastError).toMatch(/45015/);
    expect(body.channels.wechaty).toMatchObject({ on: false, reason: expect.stringContaining("WECHATY_PUPPET") });
  });
});
