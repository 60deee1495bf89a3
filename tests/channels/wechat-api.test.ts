/** The WeChat API clients against the stand-in server: tokens cached and refreshed, retries, refusals, long texts. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OfficialAccountApi, splitBytes, WeChatApiError, WeComKfApi, ERR } from "../../src/channels/wechat-api.js";
import { weChatStandIn, type WeChatStandIn } from "./wechat-standin.js";

let wx: WeChatStandIn;
beforeAll(async () => {
  wx = await weChatStandIn();
});
afterAll(() => wx.close());
afterEach(() => {
  wx.sent.length = 0;
  wx.failNext(0);
  wx.hang = false;
  expect(wx.malformed).toEqual([]);
});

const oa = (extra: Partial<ConstructorParameters<typeof OfficialAccountApi>[0]> = {}) =>
  new OfficialAccountApi({ base: wx.url, appId: "wxAPPID", appSecret: "APPSECRET", backoffMs: 5, ...extra });

describe("the 公众号's customer-service messages", () => {
  it("fetches one token and reuses it for later sends", async () => {
    const api = oa();
    wx.lastInbound.set("openid-1", Date.now());
    const before = wx.tokenFetches;
    await api.sendText("openid-1", "第一条");
    await api.sendText("openid-1", "第二条");
    await Promise.all([api.sendText("openid-1", "三"), api.sendText("openid-1", "四")]);
    expect(wx.tokenFetches - before).toBe(1);
    expect(wx.sent.map((s) => s.content)).toEqual(expect.arrayContaining(["第一条", "第二条", "三", "四"]));
  });

  it("fetches a new token when WeChat says the old one expired (42001) and sends once", async () => {
    const api = oa();
    wx.lastInbound.set("openid-2", Date.now());
    await api.sendText("openid-2", "before");
    const before = wx.tokenFetches;
    wx.expireTokens();
    await api.sendText("openid-2", "after");
    expect(wx.tokenFetches - before).toBe(1);
    expect(wx.sent.filter((s) => s.content === "after")).toHaveLength(1);
  });

  it("retries with backoff while WeChat is busy (-1), then delivers", async () => {
    const api = oa();
    wx.lastInbound.set("openid-3", Date.now());
    await api.sendText("openid-3", "warm");
    wx.failNext(2);
    await api.sendText("openid-3", "重试后送达");
    expect(wx.sent.filter((s) => s.content === "重试后送达")).toHaveLength(1);
  });

  it("gives up after its attempts and says why", async () => {
    const api = oa({ attempts: 3 });
    wx.lastInbound.set("openid-4", Date.now());
    wx.failNext(10);
    await expect(api.sendText("openid-4", "x")).rejects.toMatchObject({ errcode: ERR.busy });
  });

  it("does not retry outside the 48-hour window (45015)", async () => {
    const api = oa();
    wx.lastInbound.set("openid-5", Date.now() - 49 * 3_600_000);
    const err = await api.sendText("openid-5", "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeChatApiError);
    expect((err as WeChatApiError).errcode).toBe(ERR.outOfWindow);
    expect((err as WeChatApiError).refusedForGood).toBe(true);
  });

  it("sends a long answer in several messages within 2048 bytes", async () => {
    const api = oa();
    wx.lastInbound.set("openid-6", Date.now());
    const long = Array.from({ length: 60 }, (_, i) => `第${i + 1}条：${"认定月份".repeat(10)}`).join("\n");
    await api.sendText("openid-6", long);
    expect(wx.sent.length).toBeGreaterThan(1);
    expect(wx.sent.map((s) => s.content).join("\n")).toBe(long);
  });

  it("times out on a hanging server and throws a retryable error", async () => {
    const api = oa({ timeoutMs: 100, attempts: 1 });
    await api.sendText("openid-7", "warm").catch(() => undefined);
    wx.hang = true;
    const err = await api.sendText("openid-7", "x").catch((e: unknown) => e);
    expect((err as WeChatApiError).retryable).toBe(true);
  });
});

describe("企业微信 微信客服", () => {
  const kf = () => new WeComKfApi({ base: wx.url, corpId: "wwCORPID", secret: "KFSECRET", backoffMs: 5 });

  it("pages through sync_msg with a cursor", async () => {
    wx.kfQueue.length = 0;
    for (let i = 0; i < 5; i++) {
      wx.kfQueue.push({ msgid: `m${i}`, open_kfid: "wkKF", external_userid: "wmUSER", send_time: 1, origin: 3, msgtype: "text", text: { content: `问题${i}` } });
    }
    const api = kf();
    const first = await api.syncMsg({ limit: 3 });
    expect(first.messages.map((m) => m.msgid)).toEqual(["m0", "m1", "m2"]);
    expect(first.hasMore).toBe(true);
    const second = await api.syncMsg({ cursor: first.nextCursor, limit: 3 });
    expect(second.messages.map((m) => m.msgid)).toEqual(["m3", "m4"]);
    expect(second.hasMore).toBe(false);
    const none = await api.syncMsg({ cursor: second.nextCursor });
    expect(none.messages).toEqual([]);
  });

  it("sends with send_msg to a user who wrote, and refuses one who did not (95001)", async () => {
    const api = kf();
    wx.lastInbound.set("wmUSER", Date.now());
    await api.sendText("wmUSER", "wkKF", "您好");
    expect(wx.sent.at(-1)).toMatchObject({ api: "kf", touser: "wmUSER", openKfid: "wkKF", content: "您好" });
    await expect(api.sendText("wmNEVER", "wkKF", "x")).rejects.toMatchObject({ errcode: ERR.kfOutOfWindow });
  });

  it("reads and changes a session's state", async () => {
    const api = kf();
    expect((await api.serviceState("wkKF", "wmUSER")).state).toBe(0);
    await api.transState("wkKF", "wmUSER", 1);
    expect((await api.serviceState("wkKF", "wmUSER")).state).toBe(1);
  });
});

describe("splitBytes", () => {
  it("keeps every piece within the byte limit and loses nothing", () => {
    const text = `${"认".repeat(1000)}\n${"a".repeat(3000)}\n短`;
    const parts = splitBytes(text, 2048);
    expect(parts.every((p) => Buffer.byteLength(p) <= 2048)).toBe(true);
    expect(parts.join("").replace(/\n/g, "")).toBe(text.replace(/\n/g, ""));
  });
});
