/**
 * Issue 11: the 公众号 push endpoint against replay and downgrade, over real HTTP on 127.0.0.1. A signed push with an
 * old timestamp, a reused timestamp and nonce with another body, a plaintext push while the AES key is set, one user's
 * MsgId asked by another, and every way a decryption can fail (one answer for all of them).
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKb, sharedEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { createOfficialAccountRouter, ReplyCache, type OfficialAccountOptions } from "../../src/channels/official-account.js";
import { connect } from "node:net";
import { MemorySharedKeys } from "../../src/store/shared-keys.js";
import { connectRedis } from "../../src/store/redis.js";
import type { Engine } from "../../src/engine/engine.js";
import { listen, type Running } from "../server/listen.js";

const kb = getKb();
const engine = sharedEngine();

// Independent helpers (node:crypto only).
const sign = (...parts: string[]) => createHash("sha1").update([...parts].sort().join("")).digest("hex");
const KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID = "wx2c2769f8efd9abc2";
const aes = Buffer.from(KEY + "=", "base64");
function encrypt(message: string, appId = APPID): string {
  const msg = Buffer.from(message);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const plain = Buffer.concat([Buffer.alloc(16, 9), len, msg, Buffer.from(appId)]);
  const n = 32 - (plain.length % 32);
  const c = createCipheriv("aes-256-cbc", aes, aes.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(n, n)])), c.final()]).toString("base64");
}
function decrypt(b64: string): string {
  const d = createDecipheriv("aes-256-cbc", aes, aes.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(b64, "base64")), d.final()]);
  const body = plain.subarray(16, plain.length - plain[plain.length - 1]);
  return body.subarray(4, 4 + body.readUInt32BE(0)).toString();
}
const field = (xml: string, name: string) => new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml)?.slice(1).find((x) => x !== undefined);

const TOKEN = "replay-token-1";
const GH = "gh_replay";
let clock = 1_750_000_000_000;
const now = () => clock;
const ts = (offsetS = 0) => String(Math.floor(clock / 1000) + offsetS);
let nonceSeq = 1000;
const nextNonce = () => String(++nonceSeq);
let msgSeq = 1;
const nextId = () => String(7_000_000_000_000_000_000n + BigInt(msgSeq++));

const textXml = (content: string, msgId: string, from = "oUser_r1") =>
  `<xml><ToUserName><![CDATA[${GH}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${ts()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;

function counting() {
  const calls: string[] = [];
  const wrapped = {
    kb,
    turn: async (user: string, text: string, channel?: string) => {
      calls.push(`${user}|${text}`);
      return engine.turn(user, text, channel);
    },
  } as unknown as Engine;
  return { engine: wrapped, calls };
}

async function start(options: Partial<OfficialAccountOptions> & { engine: Engine }): Promise<Running> {
  const app = createHttpApp({
    kb,
    engine,
    config: { RATE_LIMIT_PER_MINUTE: 1000 },
    mount: (a) => a.use("/wechat", createOfficialAccountRouter({ kb, token: TOKEN, now, ...options })),
  });
  return listen(app);
}

const query = (t: string, nonce: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({ signature: sign(TOKEN, t, nonce), timestamp: t, nonce, ...extra }).toString();
const post = (url: string, body: string) => fetch(url, { method: "POST", headers: { "content-type": "text/xml" }, body });

describe("plain mode: timestamps and nonces", () => {
  let oa: Running;
  const counter = counting();
  beforeAll(async () => {
    oa = await start({ engine: counter.engine });
  });
  afterAll(() => oa.close());

  it("refuses a signed push with timestamp=1, or more than 5 minutes off either way, without processing it", async () => {
    const before = counter.calls.length;
    for (const t of ["1", ts(-301), ts(301), "99999999999999999999", "-5", "12a"]) {
      const nonce = nextNonce();
      const res = await post(`${oa.url}/wechat?${query(t, nonce)}`, textXml("咨询电话", nextId()));
      expect(res.status, t).toBe(401);
      expect(await res.text()).toBe("");
    }
    expect(counter.calls.length).toBe(before);
    // Within the window, both ways, it is answered.
    for (const t of [ts(-299), ts(299)]) {
      const res = await post(`${oa.url}/wechat?${query(t, nextNonce())}`, textXml("咨询电话", nextId()));
      expect(field(await res.text(), "Content")).toContain(kb.contacts.hotline.text);
    }
  });

  it("refuses the same timestamp and nonce with another body; the same request again gets the same reply, processed once", async () => {
    const t = ts();
    const nonce = nextNonce();
    const first = textXml("电子商务师三级多少钱", nextId(), "oUser_victim");
    const before = counter.calls.length;
    const a = await (await post(`${oa.url}/wechat?${query(t, nonce)}`, first)).text();
    expect(field(a, "Content")).toBeTruthy();
    const forged = await post(`${oa.url}/wechat?${query(t, nonce)}`, textXml("资格自测", nextId(), "oUser_victim"));
    expect(forged.status).toBe(401);
    expect(await forged.text()).toBe("");
    const again = await (await post(`${oa.url}/wechat?${query(t, nonce)}`, first)).text();
    expect(field(again, "Content")).toBe(field(a, "Content"));
    expect(counter.calls.length - before).toBe(1);
  });

  it("a WeChat retry (same message, new timestamp, nonce and signature) gets the same reply, processed once", async () => {
    const body = textXml("直播销售员四级几月考", nextId(), "oUser_retry2");
    const before = counter.calls.length;
    const a = await (await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, body)).text();
    clock += 5_000;
    const b = await (await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, body)).text();
    clock += 5_000;
    const c = await (await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, body)).text();
    expect(counter.calls.length - before).toBe(1);
    expect(field(b, "Content")).toBe(field(a, "Content"));
    expect(field(c, "Content")).toBe(field(a, "Content"));
  });

  it("keys the reply cache by user and MsgId: another user's message with the same MsgId gets its own answer", async () => {
    const id = nextId();
    const before = counter.calls.length;
    const mine = await (await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, textXml("咨询电话是多少", id, "oUser_alice"))).text();
    const theirs = await (await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, textXml("照片有什么要求", id, "oUser_bob"))).text();
    expect(counter.calls.slice(before)).toEqual(["oa:oUser_alice|咨询电话是多少", "oa:oUser_bob|照片有什么要求"]);
    expect(field(theirs, "ToUserName")).toBe("oUser_bob");
    expect(field(theirs, "Content")).not.toBe(field(mine, "Content"));
    expect(field(theirs, "Content")).toContain(String(kb.materials.photo.minHeightPx));
  });

  it("refuses fields too long to key the reply cache (400), without processing", async () => {
    const before = counter.calls.length;
    const longUser = await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, textXml("咨询电话", nextId(), "o".repeat(200)));
    expect(longUser.status).toBe(400);
    const longEvent = `<xml><ToUserName>${GH}</ToUserName><FromUserName>oUser_ev</FromUserName><CreateTime>${ts()}</CreateTime><MsgType>event</MsgType><Event>${"E".repeat(5_000)}</Event></xml>`;
    expect((await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, longEvent)).status).toBe(400);
    expect(counter.calls.length).toBe(before);
  });

  it("the URL check (GET) answers within the window; its nonce cannot then sign a push", async () => {
    const t = ts();
    const nonce = nextNonce();
    const get = await fetch(`${oa.url}/wechat?${query(t, nonce, { echostr: "1234567890" })}`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("1234567890");
    // WeChat may send the check twice: the same request is answered again.
    expect(await (await fetch(`${oa.url}/wechat?${query(t, nonce, { echostr: "1234567890" })}`)).text()).toBe("1234567890");
    const before = counter.calls.length;
    expect((await post(`${oa.url}/wechat?${query(t, nonce)}`, textXml("资格自测", nextId()))).status).toBe(401);
    expect(counter.calls.length).toBe(before);
    expect((await fetch(`${oa.url}/wechat?${query("1", nextNonce(), { echostr: "1" })}`)).status).toBe(401);
  });

  it("two instances sharing the store's keys agree on nonces", async () => {
    const shared = new MemorySharedKeys({ now });
    const other = counting();
    const a = await start({ engine: other.engine, shared });
    const b = await start({ engine: other.engine, shared });
    try {
      const t = ts();
      const nonce = nextNonce();
      expect((await post(`${a.url}/wechat?${query(t, nonce)}`, textXml("咨询电话", nextId(), "oUser_lb"))).status).toBe(200);
      expect((await post(`${b.url}/wechat?${query(t, nonce)}`, textXml("资格自测", nextId(), "oUser_lb"))).status).toBe(401);
      expect(other.calls).toEqual(["oa:oUser_lb|咨询电话"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("several instances on one store", () => {
  function slow(delayMs: number) {
    const calls: string[] = [];
    const wrapped = {
      kb,
      turn: async (user: string, text: string, channel?: string) => {
        calls.push(`${user}|${text}`);
        await new Promise((r) => setTimeout(r, delayMs));
        return engine.turn(user, text, channel);
      },
    } as unknown as Engine;
    return { engine: wrapped, calls };
  }

  it("a retry that reaches another instance gets the first one's reply, and the message is processed once", async () => {
    const shared = new MemorySharedKeys({ now });
    const counter = slow(300);
    const a = await start({ engine: counter.engine, shared });
    const b = await start({ engine: counter.engine, shared });
    try {
      const body = textXml("咨询电话是多少", nextId(), "oUser_two");
      // The retry arrives while the first instance is still answering, then once more after it has answered.
      const [first, second] = await Promise.all([
        post(`${a.url}/wechat?${query(ts(), nextNonce())}`, body).then((r) => r.text()),
        new Promise((r) => setTimeout(r, 50)).then(() => post(`${b.url}/wechat?${query(ts(), nextNonce())}`, body).then((r) => r.text())),
      ]);
      const third = await (await post(`${b.url}/wechat?${query(ts(), nextNonce())}`, body)).text();
      expect(counter.calls).toEqual(["oa:oUser_two|咨询电话是多少"]);
      expect(field(first, "Content")).toContain(kb.contacts.hotline.text);
      expect(field(second, "Content")).toBe(field(first, "Content"));
      expect(field(third, "Content")).toBe(field(first, "Content"));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("when the first instance's answer is not ready in time, the other answers success and a later retry gets the answer", async () => {
    const shared = new MemorySharedKeys({ now });
    const counter = slow(500);
    const a = await start({ engine: counter.engine, shared, replyTimeoutMs: 200 });
    const b = await start({ engine: counter.engine, shared, replyTimeoutMs: 200 });
    try {
      const body = textXml("照片有什么要求", nextId(), "oUser_late");
      expect(await (await post(`${a.url}/wechat?${query(ts(), nextNonce())}`, body)).text()).toBe("success");
      expect(await (await post(`${b.url}/wechat?${query(ts(), nextNonce())}`, body)).text()).toBe("success");
      await new Promise((r) => setTimeout(r, 500));
      const late = await (await post(`${b.url}/wechat?${query(ts(), nextNonce())}`, body)).text();
      expect(field(late, "Content")).toContain(String(kb.materials.photo.minHeightPx));
      expect(counter.calls).toEqual(["oa:oUser_late|照片有什么要求"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisUp = await new Promise<boolean>((resolve) => {
  const u = new URL(REDIS_URL);
  const socket = connect({ host: u.hostname, port: Number(u.port || 6379), timeout: 500 });
  const done = (ok: boolean) => (socket.destroy(), resolve(ok));
  socket.once("connect", () => done(true));
  socket.once("error", () => done(false));
  socket.once("timeout", () => done(false));
});

describe.runIf(redisUp || process.env.REQUIRE_REDIS === "1")("two instances on one Redis", () => {
  it("agree on nonces and answer a retry once", async () => {
    const prefix = `test:oa:${process.pid}:${Date.now()}:`;
    const ra = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix });
    const rb = await connectRedis({ url: REDIS_URL, ttlMs: 60_000, prefix });
    const counter = counting();
    // Redis expires keys by the real clock: these instances use it too.
    const a = await start({ engine: counter.engine, shared: ra.shared, now: Date.now });
    const b = await start({ engine: counter.engine, shared: rb.shared, now: Date.now });
    try {
      const t = String(Math.floor(Date.now() / 1000));
      const nonce = nextNonce();
      const body = textXml("咨询电话", nextId(), "oUser_redis");
      const first = await (await post(`${a.url}/wechat?${query(t, nonce)}`, body)).text();
      expect((await post(`${b.url}/wechat?${query(t, nonce)}`, textXml("资格自测", nextId(), "oUser_redis"))).status).toBe(401);
      const retry = await (await post(`${b.url}/wechat?${query(t, nextNonce())}`, body)).text();
      expect(field(retry, "Content")).toBe(field(first, "Content"));
      expect(counter.calls).toEqual(["oa:oUser_redis|咨询电话"]);
    } finally {
      await a.close();
      await b.close();
      const keys = await ra.redis.keys(`${prefix}*`);
      if (keys.length) await ra.redis.del(...keys);
      await ra.close();
      await rb.close();
    }
  });
});

describe("safe mode (OA_AES_KEY set): no downgrade, one answer for every failure", () => {
  let oa: Running;
  const counter = counting();
  beforeAll(async () => {
    oa = await start({ engine: counter.engine, appId: APPID, aesKey: KEY });
  });
  afterAll(() => oa.close());

  const safe = (encryptB64: string, opts: { t?: string; nonce?: string; msgSignature?: string } = {}) => {
    const t = opts.t ?? ts();
    const nonce = opts.nonce ?? nextNonce();
    return `${oa.url}/wechat?${query(t, nonce, { openid: "x", encrypt_type: "aes", msg_signature: opts.msgSignature ?? sign(TOKEN, t, nonce, encryptB64) })}`;
  };
  const envelope = (enc: string, plain = "") => `<xml><ToUserName><![CDATA[${GH}]]></ToUserName>${plain}<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`;

  it("refuses a plaintext push without encrypt_type=aes, or without msg_signature, and processes nothing", async () => {
    const before = counter.calls.length;
    const plain = await post(`${oa.url}/wechat?${query(ts(), nextNonce())}`, textXml("咨询电话", nextId(), "oUser_downgrade"));
    expect(plain.status).toBe(401);
    expect(await plain.text()).toBe("");
    const enc = encrypt(textXml("咨询电话", nextId(), "oUser_downgrade"));
    const noSig = await post(`${oa.url}/wechat?${query(ts(), nextNonce(), { encrypt_type: "aes" })}`, envelope(enc));
    expect(noSig.status).toBe(401);
    const otherType = await post(`${oa.url}/wechat?${query(ts(), nextNonce(), { encrypt_type: "raw" })}`, textXml("咨询电话", nextId(), "oUser_downgrade"));
    expect(otherType.status).toBe(401);
    expect(counter.calls.length).toBe(before);
  });

  it("still answers the URL check (GET with a plain echostr, as WeChat sends it in every mode)", async () => {
    const res = await fetch(`${oa.url}/wechat?${query(ts(), nextNonce(), { echostr: "5838479218127813673" })}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("5838479218127813673");
  });

  it("answers a compatible-mode push from its cipher text alone, never from the plaintext beside it", async () => {
    const id = nextId();
    const enc = encrypt(textXml("照片有什么要求", id, "oUser_compat2"));
    const plainBeside = `<FromUserName><![CDATA[oUser_someone_else]]></FromUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[咨询电话]]></Content><MsgId>${id}</MsgId>`;
    const before = counter.calls.length;
    const res = await post(safe(enc), envelope(enc, plainBeside));
    expect(res.status).toBe(200);
    const inner = decrypt(field(await res.text(), "Encrypt")!);
    expect(field(inner, "ToUserName")).toBe("oUser_compat2");
    expect(counter.calls.slice(before)).toEqual(["oa:oUser_compat2|照片有什么要求"]);
  });

  it("answers a wrong msg_signature, another appid, junk cipher text, a broken inner message, a stale timestamp and a reused nonce alike", async () => {
    const good = encrypt(textXml("咨询电话", nextId(), "oUser_oracle"));
    const t = ts();
    const nonce = nextNonce();
    expect((await post(safe(good, { t, nonce }), envelope(good))).status).toBe(200);
    const cases: [string, string, string][] = [];
    cases.push(["wrong msg_signature", safe(good, { msgSignature: "0".repeat(40) }), envelope(good)]);
    const other = encrypt(textXml("你好", nextId()), "wx_someone_else");
    cases.push(["another appid", safe(other), envelope(other)]);
    const junk = Buffer.alloc(64, 3).toString("base64");
    cases.push(["junk", safe(junk), envelope(junk)]);
    const odd = Buffer.alloc(20, 3).toString("base64");
    cases.push(["length", safe(odd), envelope(odd)]);
    const notXml = encrypt("not xml at all");
    cases.push(["inner not xml", safe(notXml), envelope(notXml)]);
    const stale = encrypt(textXml("咨询电话", nextId()));
    cases.push(["stale", safe(stale, { t: ts(-3600) }), envelope(stale)]);
    const reused = encrypt(textXml("资格自测", nextId(), "oUser_oracle"));
    cases.push(["reused nonce", safe(reused, { t, nonce }), envelope(reused)]);
    cases.push(["no Encrypt", safe(""), `<xml><ToUserName>${GH}</ToUserName></xml>`]);
    cases.push(["outer not xml", safe(good), "<xml><Encrypt>"]);
    const before = counter.calls.length;
    const answers = [];
    for (const [name, url, body] of cases) {
      const res = await post(url, body);
      answers.push({ name, status: res.status, body: await res.text(), type: res.headers.get("content-type") });
    }
    expect(answers).toEqual(cases.map(([name]) => ({ name, status: 401, body: "", type: null })));
    expect(counter.calls.length).toBe(before);
  });

  it("a WeChat retry of an encrypted message (new timestamp, nonce and signatures) gets the same reply, processed once", async () => {
    const plain = textXml("电子商务师四级几月考", nextId(), "oUser_safe_retry");
    const before = counter.calls.length;
    const replies = [];
    for (let i = 0; i < 3; i++) {
      const enc = encrypt(plain);
      replies.push(field(decrypt(field(await (await post(safe(enc), envelope(enc))).text(), "Encrypt")!), "Content"));
      clock += 5_000;
    }
    expect(counter.calls.length - before).toBe(1);
    expect(replies[0]).toBeTruthy();
    expect(new Set(replies).size).toBe(1);
  });
});

describe("the reply cache", () => {
  it("is bounded by bytes: the oldest replies go first", async () => {
    let t = 0;
    const cache = new ReplyCache({ maxBytes: 64 * 1024, ttlMs: 60_000, now: () => t });
    for (let i = 0; i < 200; i++) {
      cache.set(`u:${i}`, Promise.resolve("长".repeat(1_000)));
      await Promise.resolve();
      t++;
    }
    await new Promise((r) => setImmediate(r));
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.get("u:199")).toBeDefined();
    expect(cache.get("u:0")).toBeUndefined();
    t += 60_001;
    expect(cache.get("u:199")).toBeUndefined();
  });
});
