/**
 * The 公众号 push endpoint over real HTTP on 127.0.0.1: signatures, plain and safe mode (WeChat's published sample
 * vectors and a vector computed here with node:crypto alone), retries, bad XML, each message type.
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import { getKb, sharedEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { baseVars, render } from "../../src/knowledge/facts.js";
import { createOfficialAccountRouter, fitBytes, MAX_REPLY_BYTES, MAX_XML_BYTES, parseWeChatXml, WeChatCipher, type OfficialAccountOptions } from "../../src/channels/official-account.js";
import type { Engine } from "../../src/engine/engine.js";
import { listen, type Running } from "../server/listen.js";
import { renderText } from "../../src/engine/render-text.js";
import { jpeg, KB, png } from "./images.js";

const kb = getKb();
const engine = sharedEngine();
const vars = baseVars(kb);

// === Independent helpers (node:crypto only, nothing from the module under test)
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const sign = (...parts: string[]) => sha1([...parts].sort().join(""));
const aesKey = (encodingAesKey: string) => Buffer.from(encodingAesKey + "=", "base64");

function encryptIndependently(encodingAesKey: string, appId: string, message: string, random: Buffer): string {
  const key = aesKey(encodingAesKey);
  const msg = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const plain = Buffer.concat([random, len, msg, Buffer.from(appId)]);
  const n = 32 - (plain.length % 32);
  const c = createCipheriv("aes-256-cbc", key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(n, n)])), c.final()]).toString("base64");
}

function decryptIndependently(encodingAesKey: string, b64: string): { message: string; appId: string } {
  const key = aesKey(encodingAesKey);
  const d = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(b64, "base64")), d.final()]);
  const body = plain.subarray(16, plain.length - plain[plain.length - 1]);
  const len = body.readUInt32BE(0);
  return { message: body.subarray(4, 4 + len).toString(), appId: body.subarray(4 + len).toString() };
}

const field = (xml: string, name: string) => new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml)?.slice(1).find((x) => x !== undefined);

// === WeChat's published sample (WXBizMsgCrypt demo): token, key, appid, a pushed message and its signature
const SAMPLE = {
  token: "spamtest",
  key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  appId: "wx2c2769f8efd9abc2",
  timestamp: "1409735669",
  nonce: "1320562132",
  msgSignature: "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
  encrypt:
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",
};
// The Java sample's fixed-random vector: appid, 16 random bytes, message → cipher text.
const JAVA_SAMPLE = {
  appId: "wxb11529c136998cb6",
  random: "aaaabbbbccccdddd",
  message: "我是中文abcd123",
  encrypted: "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==",
};

// === Server under test
const TOKEN = "test-token-1";
const OPENID = "oUser_plain_0001";
const GH = "gh_test0001";

function counting(e: Engine, delayMs = 0) {
  const calls: string[] = [];
  const wrapped = {
    kb,
    turn: async (user: string, text: string, channel?: string) => {
      calls.push(text);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return e.turn(user, text, channel);
    },
  } as unknown as Engine;
  return { engine: wrapped, calls };
}

async function startOa(options: Partial<OfficialAccountOptions> & { engine?: Engine } = {}): Promise<Running> {
  const app = createHttpApp({
    kb,
    engine,
    config: { RATE_LIMIT_PER_MINUTE: 1000 },
    mount: (a) => a.use("/wechat", createOfficialAccountRouter({ kb, engine, token: TOKEN, ...options })),
  });
  return listen(app);
}

function signedUrl(base: string, token = TOKEN, extra: Record<string, string> = {}, ts = String(Math.floor(Date.now() / 1000)), nonce = String(Math.floor(Math.random() * 1e9))) {
  const q = new URLSearchParams({ signature: sign(token, ts, nonce), timestamp: ts, nonce, ...extra });
  return `${base}/wechat?${q}`;
}

const textXml = (content: string, msgId: string, from = OPENID) =>
  `<xml><ToUserName><![CDATA[${GH}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
const eventXml = (event: string, createTime: number, from = OPENID) =>
  `<xml><ToUserName><![CDATA[${GH}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event></xml>`;
const mediaXml = (type: string, inner: string, msgId: string) =>
  `<xml><ToUserName><![CDATA[${GH}]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[${type}]]></MsgType>${inner}<MsgId>${msgId}</MsgId></xml>`;

const post = (url: string, body: string) => fetch(url, { method: "POST", headers: { "content-type": "text/xml" }, body });
let seq = 1_000_000;
const nextId = () => String(6_054_768_590_064_713_728n + BigInt(seq++));

// ===

describe("the message cipher against WeChat's published vectors", () => {
  it("decrypts the demo's pushed message, whose msg_signature matches", () => {
    expect(sign(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.encrypt)).toBe(SAMPLE.msgSignature);
    const xml = new WeChatCipher(SAMPLE.key, SAMPLE.appId).decrypt(SAMPLE.encrypt);
    expect(parseWeChatXml(xml)).toMatchObject({ ToUserName: "gh_10f6c3c3ac5a", FromUserName: "oyORnuP8q7ou2gfYjqLzSIWZf0rs", MsgType: "text", Content: "abcdteT", MsgId: "6054768590064713728" });
  });

  it("encrypts the Java demo's message with its fixed random bytes to the published cipher text", () => {
    const c = new WeChatCipher(SAMPLE.key, JAVA_SAMPLE.appId);
    expect(c.encrypt(JAVA_SAMPLE.message, Buffer.from(JAVA_SAMPLE.random))).toBe(JAVA_SAMPLE.encrypted);
    expect(c.decrypt(JAVA_SAMPLE.encrypted)).toBe(JAVA_SAMPLE.message);
  });

  it("round-trips any text, and agrees with an implementation written here with node:crypto", () => {
    const c = new WeChatCipher(SAMPLE.key, SAMPLE.appId);
    for (const text of ["", "a", "x".repeat(27), "x".repeat(28), "电子商务师三级多少钱？]]>&<", "长".repeat(3000)]) {
      const enc = c.encrypt(text);
      expect(c.decrypt(enc)).toBe(text);
      expect(decryptIndependently(SAMPLE.key, enc)).toEqual({ message: text, appId: SAMPLE.appId });
      const mine = encryptIndependently(SAMPLE.key, SAMPLE.appId, text, Buffer.from("0123456789abcdef"));
      expect(c.encrypt(text, Buffer.from("0123456789abcdef"))).toBe(mine);
    }
  });

  it("refuses another appid and broken cipher text", () => {
    const enc = encryptIndependently(SAMPLE.key, "wx_other_app", "<xml/>", Buffer.alloc(16, 1));
    expect(() => new WeChatCipher(SAMPLE.key, SAMPLE.appId).decrypt(enc)).toThrow(/AppID/);
    expect(() => new WeChatCipher(SAMPLE.key, SAMPLE.appId).decrypt("AAAA")).toThrow();
    const tampered = Buffer.from(SAMPLE.encrypt, "base64");
    tampered[tampered.length - 1] ^= 0xff;
    expect(() => new WeChatCipher(SAMPLE.key, SAMPLE.appId).decrypt(tampered.toString("base64"))).toThrow();
  });
});

describe("plain mode", () => {
  let oa: Running;
  const counter = counting(engine);
  beforeAll(async () => {
    oa = await startOa({ engine: counter.engine });
  });
  afterAll(() => oa.close());

  it("GET: echoes echostr for a right signature", async () => {
    const res = await fetch(signedUrl(oa.url, TOKEN, { echostr: "5838479218127813673" }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("5838479218127813673");
  });

  it("GET: 401 and nothing else for a wrong or missing signature", async () => {
    for (const url of [
      signedUrl(oa.url, "wrong-token", { echostr: "123" }),
      `${oa.url}/wechat?echostr=123`,
      `${oa.url}/wechat?signature=${"0".repeat(40)}&timestamp=1&nonce=2&echostr=123`,
      `${oa.url}/wechat?signature=abc&timestamp=1&nonce=2&echostr=123`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe("");
    }
  });

  it("POST: 401 for a wrong signature, and the message is not processed", async () => {
    const before = counter.calls.length;
    const res = await post(signedUrl(oa.url, "wrong-token"), textXml("你好", nextId()));
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("");
    expect(counter.calls.length).toBe(before);
  });

  it("answers a text with a passive text reply", async () => {
    const res = await post(signedUrl(oa.url), textXml("电子商务师三级多少钱", nextId()));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/xml/);
    const xml = await res.text();
    expect(field(xml, "ToUserName")).toBe(OPENID);
    expect(field(xml, "FromUserName")).toBe(GH);
    expect(field(xml, "MsgType")).toBe("text");
    expect(Number(field(xml, "CreateTime"))).toBeGreaterThan(1_600_000_000);
    const fee = kb.fees.tables.find((t) => t.occupation === "电子商务师")!.rows.find((row) => row.level === 3)!;
    expect(field(xml, "Content")).toContain(String(fee.total));
  });

  it("renders a question's options as numbered text with the hint (the structured reply, issue 13)", async () => {
    const res = await post(signedUrl(oa.url), textXml("资格自测", nextId(), "oUser_options"));
    const content = field(await res.text(), "Content");
    const same = await engine.turn("oa-render-reference", "资格自测", "official_account");
    expect(content).toBe(renderText(same.reply, { hint: render(kb.replies.options_hint, vars) }));
    kb.occupations.occupations.forEach((o, i) => expect(content).toContain(`\n${i + 1}. ${o.name}`));
    expect(content).toContain("回复数字即可");
    const next = await post(signedUrl(oa.url), textXml("1", nextId(), "oUser_options"));
    expect(field(await next.text(), "Content")).toContain(kb.occupations.occupations[0].name);
  });

  it("answers WeChat's retries of one MsgId with the same reply and processes it once", async () => {
    const id = nextId();
    const body = textXml("直播销售员四级几月考", id, "oUser_retry");
    const before = counter.calls.length;
    const [a, b] = await Promise.all([post(signedUrl(oa.url), body), post(signedUrl(oa.url), body)]);
    const c = await post(signedUrl(oa.url), body);
    const [x, y, z] = await Promise.all([a.text(), b.text(), c.text()]);
    expect(counter.calls.length - before).toBe(1);
    expect(field(x, "Content")).toBeTruthy();
    expect(field(y, "Content")).toBe(field(x, "Content"));
    expect(field(z, "Content")).toBe(field(x, "Content"));
  });

  it("subscribe → the welcome that lists what it answers; its retry (same user and CreateTime) is the same", async () => {
    const body = eventXml("subscribe", 1_700_000_123);
    const first = field(await (await post(signedUrl(oa.url), body)).text(), "Content");
    expect(first).toBe(render(kb.replies.welcome, { ...vars, topics: render(kb.replies.topics, vars) }));
    for (const topic of render(kb.replies.topics, vars).split("、")) expect(first).toContain(topic);
    expect(field(await (await post(signedUrl(oa.url), body)).text(), "Content")).toBe(first);
  });

  it("unsubscribe and other silent events → success", async () => {
    for (const ev of ["unsubscribe", "VIEW", "LOCATION"]) {
      const res = await post(signedUrl(oa.url), eventXml(ev, 1_700_000_200));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("success");
    }
  });

  it("a menu click → the short help", async () => {
    const xml = await (await post(signedUrl(oa.url), eventXml("CLICK", 1_700_000_300))).text();
    expect(field(xml, "Content")).toBe(render(kb.replies.channel_help, vars));
  });

  it("an image without picture fetching → the spec to check by hand", async () => {
    const xml = await (await post(signedUrl(oa.url), mediaXml("image", "<PicUrl><![CDATA[http://127.0.0.1:9/x.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>", nextId()))).text();
    expect(field(xml, "Content")).toBe(render(kb.replies.photo_unchecked, vars));
  });

  it("a voice message with recognition is answered as text; without, the help", async () => {
    const before = counter.calls.length;
    const withText = await (await post(signedUrl(oa.url), mediaXml("voice", "<MediaId><![CDATA[v1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[咨询电话是多少]]></Recognition>", nextId()))).text();
    expect(counter.calls.slice(before)).toEqual(["咨询电话是多少"]);
    expect(field(withText, "Content")).toContain(kb.contacts.hotline.text);
    const without = await (await post(signedUrl(oa.url), mediaXml("voice", "<MediaId><![CDATA[v2]]></MediaId><Format><![CDATA[amr]]></Format>", nextId()))).text();
    expect(field(without, "Content")).toBe(render(kb.replies.channel_help, vars));
  });

  it.each([
    ["video", "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>"],
    ["shortvideo", "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>"],
    ["location", "<Location_X>39.9</Location_X><Location_Y>116.3</Location_Y><Scale>20</Scale><Label><![CDATA[北京]]></Label>"],
    ["link", "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://127.0.0.1/]]></Url>"],
  ])("%s → the short help", async (type, inner) => {
    const xml = await (await post(signedUrl(oa.url), mediaXml(type, inner, nextId()))).text();
    expect(field(xml, "Content")).toBe(render(kb.replies.channel_help, vars));
  });

  it("400 for malformed XML, a DOCTYPE with entities, a wrong root, missing fields", async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>`;
    for (const body of [
      "<xml><ToUserName>a</ToUserName><Content>unclosed</xml>",
      "not xml at all",
      "",
      laughs,
      `<root><FromUserName>a</FromUserName></root>`,
      `<xml><ToUserName>${GH}</ToUserName><MsgType>text</MsgType></xml>`,
    ]) {
      const res = await post(signedUrl(oa.url), body);
      expect(res.status, body.slice(0, 40)).toBe(400);
    }
  });

  it("413 for a body over the size limit", async () => {
    const big = textXml("好".repeat(MAX_XML_BYTES), nextId());
    const res = await post(signedUrl(oa.url), big);
    expect(res.status).toBe(413);
  });

  it("400 for an encrypted push when no EncodingAESKey is configured", async () => {
    const res = await post(signedUrl(oa.url, TOKEN, { encrypt_type: "aes", msg_signature: "x" }), `<xml><ToUserName>${GH}</ToUserName><Encrypt><![CDATA[abc]]></Encrypt></xml>`);
    expect(res.status).toBe(400);
  });
});

describe("replies that are late or long", () => {
  it("replies success when the answer is not ready in time, and a retry gets the answer once ready, processed once", async () => {
    const slow = counting(engine, 400);
    const oa = await startOa({ engine: slow.engine, replyTimeoutMs: 150 });
    try {
      const body = textXml("咨询电话", nextId(), "oUser_slow");
      const t0 = Date.now();
      const res = await post(signedUrl(oa.url), body);
      expect(await res.text()).toBe("success");
      expect(Date.now() - t0).toBeLessThan(380);
      await new Promise((r) => setTimeout(r, 350));
      const retry = await (await post(signedUrl(oa.url), body)).text();
      expect(field(retry, "Content")).toContain(kb.contacts.hotline.text);
      expect(slow.calls).toEqual(["咨询电话"]);
    } finally {
      await oa.close();
    }
  });

  it("cuts a reply to WeChat's byte limit at a sentence end, with a note", () => {
    const note = render(kb.replies.reply_truncated, vars);
    const long = "第一句话。".repeat(400);
    const cut = fitBytes(long, MAX_REPLY_BYTES, note);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    expect(cut.endsWith(note)).toBe(true);
    expect(cut.split("\n")[0].endsWith("。")).toBe(true);
    expect(fitBytes("短", MAX_REPLY_BYTES, note)).toBe("短");
  });
});

describe("pictures fetched from PicUrl (OA_FETCH_PICTURES)", () => {
  let oa: Running;
  let pics: Running;
  const spec = kb.materials.photo;
  beforeAll(async () => {
    const app = express();
    app.get("/good.jpg", (_req, res) => void res.type("image/jpeg").send(jpeg({ width: spec.minWidthPx + 50, height: spec.minHeightPx + 80, bytes: (spec.minSizeKB + 5) * KB })));
    app.get("/bad.png", (_req, res) => void res.type("image/png").send(png({ width: 60, height: 80, bytes: 20 * KB })));
    pics = await listen(app);
    oa = await startOa({ fetchPictures: true });
  });
  afterAll(async () => {
    await oa.close();
    await pics.close();
  });

  it("confirms a photo within the spec", async () => {
    const xml = await (await post(signedUrl(oa.url), mediaXml("image", `<PicUrl><![CDATA[${pics.url}/good.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>`, nextId()))).text();
    const content = field(xml, "Content")!;
    expect(content).toContain(String(spec.minWidthPx + 50));
    expect(content).not.toMatch(/不符合/);
    expect(content).toMatch(/压缩/);
  });

  it("names every failing rule of a photo outside the spec", async () => {
    const xml = await (await post(signedUrl(oa.url), mediaXml("image", `<PicUrl><![CDATA[${pics.url}/bad.png]]></PicUrl><MediaId><![CDATA[m]]></MediaId>`, nextId()))).text();
    const content = field(xml, "Content")!;
    expect(content).toMatch(/不符合/);
    expect(content.split("\n").filter((l) => /^\d\. /.test(l))).toHaveLength(4);
  });

  it("falls back to the spec when the picture cannot be fetched", async () => {
    const xml = await (await post(signedUrl(oa.url), mediaXml("image", `<PicUrl><![CDATA[${pics.url}/missing.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>`, nextId()))).text();
    expect(field(xml, "Content")).toBe(render(kb.replies.photo_unchecked, vars));
  });
});

describe("safe mode (encrypted)", () => {
  let oa: Running;
  // WeChat's sample vectors carry fixed timestamps: the channel checks them against this clock (±5 minutes), which
  // each test sets to the time of its vector.
  let clock = Number(SAMPLE.timestamp) * 1000;
  beforeAll(async () => {
    oa = await startOa({ token: SAMPLE.token, appId: SAMPLE.appId, aesKey: SAMPLE.key, now: () => clock });
  });
  afterAll(() => oa.close());

  const safeUrl = (ts: string, nonce: string, msgSignature: string) =>
    `${oa.url}/wechat?${new URLSearchParams({ signature: sign(SAMPLE.token, ts, nonce), timestamp: ts, nonce, openid: "x", encrypt_type: "aes", msg_signature: msgSignature })}`;

  function readEncryptedReply(xml: string) {
    const encrypt = field(xml, "Encrypt")!;
    const ts = field(xml, "TimeStamp")!;
    const nonce = field(xml, "Nonce")!;
    expect(field(xml, "MsgSignature")).toBe(sign(SAMPLE.token, ts, nonce, encrypt));
    const inner = decryptIndependently(SAMPLE.key, encrypt);
    expect(inner.appId).toBe(SAMPLE.appId);
    return inner.message;
  }

  it("answers WeChat's sample push, encrypting the reply so that an independent decryption reads it", async () => {
    clock = Number(SAMPLE.timestamp) * 1000 + 3_000;
    const body = `<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[${SAMPLE.encrypt}]]></Encrypt></xml>`;
    const res = await post(safeUrl(SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.msgSignature), body);
    expect(res.status).toBe(200);
    const inner = readEncryptedReply(await res.text());
    expect(field(inner, "ToUserName")).toBe("oyORnuP8q7ou2gfYjqLzSIWZf0rs");
    expect(field(inner, "FromUserName")).toBe("gh_10f6c3c3ac5a");
    expect(field(inner, "MsgType")).toBe("text");
    expect(field(inner, "Content")).toBeTruthy();
  });

  it("answers a push encrypted here with node:crypto alone", async () => {
    const plain = textXml("照片有什么要求", nextId(), "oUser_safe");
    const encrypt = encryptIndependently(SAMPLE.key, SAMPLE.appId, plain, Buffer.from("fedcba9876543210"));
    const ts = "1700000000";
    const nonce = "424242";
    clock = Number(ts) * 1000;
    const res = await post(safeUrl(ts, nonce, sign(SAMPLE.token, ts, nonce, encrypt)), `<xml><ToUserName><![CDATA[${GH}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
    const inner = readEncryptedReply(await res.text());
    expect(field(inner, "ToUserName")).toBe("oUser_safe");
    expect(field(inner, "Content")).toContain(`${kb.materials.photo.minHeightPx}`);
  });

  it("401 with an empty body for a wrong msg_signature, another appid, or cipher text that is not WeChat's", async () => {
    clock = Number(SAMPLE.timestamp) * 1000;
    const body = `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${SAMPLE.encrypt}]]></Encrypt></xml>`;
    expect((await post(safeUrl(SAMPLE.timestamp, SAMPLE.nonce, "0".repeat(40)), body)).status).toBe(401);

    const other = encryptIndependently(SAMPLE.key, "wx_someone_else", textXml("你好", nextId()), Buffer.alloc(16, 7));
    const ts = "1700000001";
    clock = Number(ts) * 1000;
    const res = await post(safeUrl(ts, "77", sign(SAMPLE.token, ts, "77", other)), `<xml><Encrypt><![CDATA[${other}]]></Encrypt></xml>`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("");

    // Issue 11: cipher text that does not decrypt is answered as every other failure (it was a 400 before).
    const junk = Buffer.alloc(64, 3).toString("base64");
    const bad = await post(safeUrl(ts, "78", sign(SAMPLE.token, ts, "78", junk)), `<xml><Encrypt><![CDATA[${junk}]]></Encrypt></xml>`);
    expect(bad.status).toBe(401);
    expect(await bad.text()).toBe("");
  });

  it("refuses a plain push (no encrypt_type=aes) while the EncodingAESKey is set: compatible mode sends the cipher text too", async () => {
    // Issue 11: this was answered before (a downgrade); WeChat's compatible and safe modes both sign and encrypt.
    const ts = "1700000002";
    clock = Number(ts) * 1000;
    const url = `${oa.url}/wechat?${new URLSearchParams({ signature: sign(SAMPLE.token, ts, "99"), timestamp: ts, nonce: "99" })}`;
    const res = await post(url, textXml("咨询电话", nextId(), "oUser_compat"));
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("");
  });
});
