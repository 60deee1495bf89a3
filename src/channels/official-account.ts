/**
 * WeChat Official Account (公众号) message push at GET/POST /wechat.
 *
 * - GET: the server check: signature = sha1(sorted token, timestamp, nonce), compared in constant time; echoes
 *   echostr. WeChat sends it the same way in every mode (echostr in clear, no msg_signature).
 * - Every request: the timestamp within ±5 minutes of our clock, and its (timestamp, nonce) used for one request only
 *   (the same request again, a retry, is allowed; another body with them is a replay). Nonces are remembered for the
 *   window in the store's shared keys, so several instances agree.
 * - POST: signature checked the same way; with OA_AES_KEY set, only encrypted pushes (encrypt_type=aes, in compatible
 *   or safe mode) with msg_signature = sha1(sorted token, timestamp, nonce, Encrypt) are taken; the message is read from
 *   the cipher text alone (AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7
 *   padding to 32-byte blocks, the appid at the end checked) and the reply encrypted the same way. XML is parsed with no
 *   DTD and no entity expansion, under a size limit.
 * - Every failure of a signature, a timestamp, a nonce or a decryption is the same answer: 401 with an empty body.
 * - text → the engine's answer as a passive text reply; subscribe → the welcome; image → the photo check (the picture
 *   is fetched only when OA_FETCH_PICTURES is on); voice with recognition → as text; other types → a short help.
 * - WeChat retries a push it got no answer to within 5 s (3 tries): FromUserName+MsgId, or FromUserName+CreateTime for
 *   events, keys a cache of the reply (bounded by bytes), so a retry gets the same reply and the message is processed
 *   once. An answer not ready within 4.5 s is replied with "success" (WeChat then shows nothing and does not retry).
 * - With 客服消息 configured (`sendLater`: OA_APPID + OA_APPSECRET), nothing is lost to the 5-second reply: an answer
 *   that misses it is sent whole through 客服消息 once it is ready, and a long answer's first part is the passive reply
 *   (with the reply_continued note) and the rest follows through 客服消息 after it. Who delivers is claimed once per
 *   message in the shared keys (`oa:deliver:<key>` = passive | late), so WeChat's retries and several instances send
 *   each answer once. Without it, a late answer is lost and a long one is cut with the reply_truncated note.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Knowledge } from "../knowledge/load.js";
import type { Engine } from "../engine/engine.js";
import { baseVars, render } from "../knowledge/facts.js";
import { checkPhoto, photoReply, PHOTO_MAX_KB } from "./photo-check.js";
import { silentLog, type Log } from "../server/logger.js";
import { MemorySharedKeys, type SharedKeys } from "../store/shared-keys.js";
import { renderText } from "../engine/render-text.js";
import { splitBytes } from "./wechat-api.js";

// === Signatures and the message cipher

export const sha1 = (s: string): string => createHash("sha1").update(s, "utf8").digest("hex");

/** WeChat's signature: sha1 of the parts sorted as strings and joined. */
export const signature = (...parts: string[]): string => sha1([...parts].sort().join(""));

/** Constant-time comparison of two hex signatures (any length; a length mismatch is false without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(String(a), "utf8");
  const y = Buffer.from(String(b), "utf8");
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export class CryptoError extends Error {}

const BLOCK = 32;

/** WeChat's message encryption (WXBizMsgCrypt): random(16) ‖ length(4, big-endian) ‖ message ‖ appid, PKCS#7 to 32. */
export class WeChatCipher {
  readonly key: Buffer;
  readonly iv: Buffer;

  constructor(
    encodingAesKey: string,
    readonly appId: string,
  ) {
    if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) throw new CryptoError("EncodingAESKey 应为 43 位字母数字");
    this.key = Buffer.from(encodingAesKey + "=", "base64");
    if (this.key.length !== 32) throw new CryptoError("EncodingAESKey 解码后应为 32 字节");
    this.iv = this.key.subarray(0, 16);
  }

  /** Base64 of the encrypted message; `random` (16 bytes) is fixed only in tests. */
  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    if (random.length !== 16) throw new CryptoError("random must be 16 bytes");
    const msg = Buffer.from(message, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length, 0);
    const plain = Buffer.concat([random, len, msg, Buffer.from(this.appId, "utf8")]);
    const pad = BLOCK - (plain.length % BLOCK);
    const cipher = createCipheriv("aes-256-cbc", this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
  }

  /** The message inside; throws CryptoError on a broken cipher text or another appid. */
  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, "base64");
    if (!data.length || data.length % 16 !== 0) throw new CryptoError("密文长度不正确");
    let plain: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-cbc", this.key, this.iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new CryptoError("解密失败");
    }
    const pad = plain[plain.length - 1];
    if (pad < 1 || pad > BLOCK || pad > plain.length) throw new CryptoError("填充不正确");
    for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw new CryptoError("填充不正确");
    const content = plain.subarray(16, plain.length - pad);
    if (content.length < 4) throw new CryptoError("消息过短");
    const len = content.readUInt32BE(0);
    if (4 + len > content.length) throw new CryptoError("消息长度不正确");
    const appId = content.subarray(4 + len).toString("utf8");
    if (!safeEqual(appId, this.appId)) throw new CryptoError("AppID 不匹配");
    return content.subarray(4, 4 + len).toString("utf8");
  }
}

// === XML

/** Largest push body accepted (WeChat's are under 2 KB). */
export const MAX_XML_BYTES = 16 * 1024;
/** A passive text reply's content limit in bytes (UTF-8). */
export const MAX_REPLY_BYTES = 2048;

export class XmlError extends Error {}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keep every value a string: MsgId is a 64-bit number that a JS number would round.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // No entity expansion at all (a DOCTYPE is refused before parsing anyway).
  processEntities: false,
  htmlEntities: false,
});

/** The fields of a push: the children of <xml> whose values are text. */
export function parseWeChatXml(xml: string): Record<string, string> {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlError("不接受 DOCTYPE/ENTITY");
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlError(`XML 格式错误：${valid.err.msg}`);
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = doc?.xml;
  if (!root || typeof root !== "object" || Array.isArray(root)) throw new XmlError("根元素应为 <xml>");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (typeof v === "string" || typeof v === "number") out[k] = String(v);
  }
  return out;
}

/** A CDATA section for any text ("]]>" split across two sections). */
export const cdata = (s: string): string => `<![CDATA[${s.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;

export function textReplyXml(toUser: string, fromUser: string, content: string, createTime: number): string {
  return (
    `<xml><ToUserName>${cdata(toUser)}</ToUserName><FromUserName>${cdata(fromUser)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType>${cdata("text")}</MsgType><Content>${cdata(content)}</Content></xml>`
  );
}

export function encryptedReplyXml(encrypt: string, msgSignature: string, timestamp: string, nonce: string): string {
  return (
    `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(msgSignature)}</MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`
  );
}

/** Cuts a reply to `maxBytes` of UTF-8 at a line or sentence end, adding `note` (which must fit). */
export function fitBytes(text: string, maxBytes: number, note: string): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength("\n" + note, "utf8");
  let cut = "";
  let bytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch, "utf8");
    if (bytes + b > budget) break;
    cut += ch;
    bytes += b;
  }
  const end = Math.max(cut.lastIndexOf("\n"), cut.lastIndexOf("。"), cut.lastIndexOf("；"));
  if (end > cut.length / 2) cut = cut.slice(0, end + 1);
  return `${cut.trimEnd()}\n${note}`;
}

/** The longest answer kept whole for 客服消息 (its first part passive, the rest in several messages). */
export const MAX_LATE_BYTES = 16 * 1024;

/**
 * A long answer as a passive reply and the rest: the first part (whole lines while they fit, with `note` after it)
 * within `maxBytes`, and what follows, for 客服消息.
 */
export function splitPassive(text: string, maxBytes: number, note: string): [string, string] {
  const budget = maxBytes - Buffer.byteLength("\n" + note, "utf8");
  const parts = splitBytes(text, budget);
  if (parts.length < 2) return [text, ""];
  // The first part is the start of the text (whole lines, or a cut within a line longer than the budget): the rest
  // is what follows it, less the line end where it was cut.
  const first = parts[0];
  const rest = text.startsWith(first) ? text.slice(first.length).replace(/^\n/, "") : parts.slice(1).join("\n");
  return [`${first}\n${note}`, rest];
}

/** What a WeChat channel (公众号, 微信客服) says without the engine: the welcome, the help for other kinds of message, the photo note. */
export function channelTexts(kb: Knowledge): { welcome: string; help: string; photoUnchecked: string } {
  const vars = baseVars(kb);
  const r = kb.replies;
  return { welcome: render(r.welcome, { ...vars, topics: render(r.topics, vars) }), help: render(r.channel_help, vars), photoUnchecked: render(r.photo_unchecked, vars) };
}

// === The router

export interface OfficialAccountOptions {
  kb: Knowledge;
  engine: Engine;
  logger?: Log;
  /** OA_TOKEN. */
  token: string;
  /** OA_APPID (safe mode). */
  appId?: string;
  /** OA_AES_KEY, the EncodingAESKey (safe mode). */
  aesKey?: string;
  /** OA_FETCH_PICTURES: download PicUrl to check a photo. */
  fetchPictures?: boolean;
  /** Downloads a picture (default: fetch with a size cap); tests may replace it. */
  fetchPicture?: (url: string, signal: AbortSignal) => Promise<Uint8Array>;
  /** Reply "success" when the answer is not ready within this (ms). */
  replyTimeoutMs?: number;
  /** How long a processed message is remembered for retries (ms). */
  dedupeTtlMs?: number;
  /** The store's shared keys, where nonces are remembered (so several instances agree); default memory. */
  shared?: SharedKeys;
  /** The clock timestamps are checked against (tests give a fixed one for published vectors). */
  now?: () => number;
  /**
   * Sends a text to a follower through 客服消息 outside the request (the durable outbox's send for `oa:<openid>`; it
   * splits long texts): late answers and the rest of long ones. Absent: late answers are lost, long ones cut.
   */
  sendLater?: (openId: string, text: string) => Promise<unknown>;
  /** How long an answer that missed the 5-second reply is awaited to be sent through 客服消息 (ms). */
  lateMaxMs?: number;
}

/** A push's timestamp may be this far from our clock, either way (seconds). */
export const TIMESTAMP_WINDOW_S = 300;
/** Replies kept for WeChat's retries, at most this many bytes (UTF-16) in all. */
export const REPLY_CACHE_BYTES = 8 * 2 ** 20;

/** Largest picture downloaded from PicUrl (the photo check's default limit; WeChat's compressed pictures are far smaller). */
export const MAX_PICTURE_BYTES = PHOTO_MAX_KB * 1024;

/** Fetches a picture over http(s) with a size cap. */
export async function fetchPictureBytes(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`不支持的图片地址：${u.protocol}`);
  const res = await fetch(u, { signal, redirect: "follow" });
  if (!res.ok || !res.body) throw new Error(`下载图片失败：HTTP ${res.status}`);
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_PICTURE_BYTES) throw new Error("图片过大");
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > MAX_PICTURE_BYTES) throw new Error("图片过大");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

interface Pending {
  reply: Promise<string | null>;
  at: number;
  bytes: number;
}

/**
 * Replies by message key for WeChat's retries: a retry waits for the same promise. Bounded by count and by bytes (a
 * reply's size is counted once it is known); the oldest go first, and an entry older than `ttlMs` reads as missing.
 */
export class ReplyCache {
  private readonly map = new Map<string, Pending>();
  private total = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: { maxBytes?: number; maxEntries?: number; ttlMs: number; now?: () => number }) {
    this.maxBytes = options.maxBytes ?? REPLY_CACHE_BYTES;
    this.maxEntries = options.maxEntries ?? 20_000;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: string): Pending | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (this.now() - hit.at <= this.ttlMs) return hit;
    this.remove(key);
    return undefined;
  }

  set(key: string, reply: Promise<string | null>): Pending {
    this.remove(key);
    const entry: Pending = { reply, at: this.now(), bytes: 2 * key.length + 64 };
    this.map.set(key, entry);
    this.total += entry.bytes;
    this.trim();
    void reply.then((text) => {
      // Still the entry of this key (not evicted or replaced meanwhile): count its reply.
      if (this.map.get(key) !== entry || !text) return;
      entry.bytes += 2 * text.length;
      this.total += 2 * text.length;
      this.trim();
    });
    return entry;
  }

  delete(key: string): void {
    this.remove(key);
  }

  private trim(): void {
    const t = this.now();
    for (const [k, v] of this.map) {
      if (t - v.at <= this.ttlMs && this.map.size <= this.maxEntries && this.total <= this.maxBytes) break;
      this.remove(k);
    }
  }

  private remove(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.total -= e.bytes;
  }
}

/** A reply another instance stored (JSON of a string or null); anything else reads as no reply. */
function parseStoredReply(json: string): string | null {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

/** How often an instance looks for the reply of a message another instance is answering. */
const SHARED_POLL_MS = 100;

/** A nonce as WeChat sends it (digits) with room: printable ASCII, short. */
const NONCE_RE = /^[\x21-\x7e]{1,64}$/;
const TIMESTAMP_RE = /^\d{1,12}$/;
/** Longest FromUserName (an openid is 28 characters) and MsgId (a 64-bit number) taken into a cache key. */
const MAX_USER_CHARS = 128;
const MAX_MSGID_CHARS = 32;
const MAX_KEY_CHARS = 256;

/** Why a request was refused, for the log only: the client always gets the same answer. An unsigned request is
 * logged at debug level (anyone can send one); one with a right signature, at warn (WeChat, our clock, or a replay). */
class Refused extends Error {
  constructor(
    message: string,
    readonly signed = true,
  ) {
    super(message);
  }
}

export function createOfficialAccountRouter(options: OfficialAccountOptions): Router {
  const { kb, engine, token } = options;
  const log = options.logger ?? silentLog;
  const now = options.now ?? Date.now;
  const replyTimeoutMs = options.replyTimeoutMs ?? 4500;
  const dedupeTtlMs = options.dedupeTtlMs ?? 5 * 60_000;
  const cipher = options.aesKey ? new WeChatCipher(options.aesKey, options.appId ?? "") : undefined;
  const getPicture = options.fetchPicture ?? fetchPictureBytes;
  const vars = baseVars(kb);
  const r = kb.replies;
  // Rendered at start-up: a template error stops the service before a candidate sees it.
  const { welcome, help, photoUnchecked: unchecked } = channelTexts(kb);
  const truncatedNote = render(r.reply_truncated, vars);
  const replies = new ReplyCache({ ttlMs: dedupeTtlMs, now });
  const instanceId = randomBytes(8).toString("hex");
  const shared = options.shared ?? new MemorySharedKeys({ now, maxBytes: 4 * 2 ** 20 });
  // After a reply's numbered options: the structured reply as 公众号 text (render-text.ts).
  const optionsHint = render(r.options_hint, vars);
  const continuedNote = render(r.reply_continued, vars);
  const sendLater = options.sendLater;
  const lateMaxMs = options.lateMaxMs ?? 60_000;

  /**
   * The query's signature and timestamp; throws Refused. Returns the timestamp and nonce. A right signature with a
   * timestamp outside the window is logged as a warning: it is WeChat's push with our clock off, or a replay.
   */
  const checkQuery = (req: Request): { timestamp: string; nonce: string } => {
    const q = req.query as Record<string, unknown>;
    const [sig, timestamp, nonce] = [q.signature, q.timestamp, q.nonce];
    if (typeof sig !== "string" || typeof timestamp !== "string" || typeof nonce !== "string") throw new Refused("签名参数缺失", false);
    if (!TIMESTAMP_RE.test(timestamp) || !NONCE_RE.test(nonce)) throw new Refused("timestamp/nonce 格式不正确", false);
    if (!safeEqual(signature(token, timestamp, nonce), sig.toLowerCase())) throw new Refused("签名不正确", false);
    const skew = Number(timestamp) - Math.floor(now() / 1000);
    if (Math.abs(skew) > TIMESTAMP_WINDOW_S) {
      log.warn({ skewSeconds: skew }, "公众号：签名正确但时间戳超出 ±5 分钟，已拒绝（重放，或本机时钟不准：请校准时间）");
      throw new Refused("时间戳超出范围");
    }
    return { timestamp, nonce };
  };

  /**
   * Uses (timestamp, nonce) for one request: `fingerprint` names it (the body's hash, or "GET"). The same request
   * again (a retry) passes; another one with them is a replay. Kept until the timestamp leaves the window.
   */
  const useNonce = async (timestamp: string, nonce: string, fingerprint: string): Promise<void> => {
    const ttl = (Number(timestamp) + TIMESTAMP_WINDOW_S) * 1000 - now() + 1_000;
    const present = await shared.putIfAbsent(`oa:nonce:${timestamp}:${nonce}`, fingerprint, Math.max(1_000, ttl));
    if (present !== undefined && present !== fingerprint) throw new Refused("timestamp 与 nonce 已用于另一请求（重放）");
  };

  /** The one answer to every refused request: nothing tells one failure from another. */
  const refuse = (res: Response, err: unknown) => {
    if (err instanceof Refused && !err.signed) log.debug({ reason: err.message }, "公众号：请求被拒绝");
    else if (err instanceof Refused || err instanceof CryptoError || err instanceof XmlError) log.warn({ reason: (err as Error).message }, "公众号：请求被拒绝");
    else log.error({ err: (err as Error).message }, "公众号：校验请求时出错，已拒绝");
    res.status(401).end();
  };

  /**
   * The reply to send for one message, or null. Without 客服消息 it is cut to WeChat's limit here (so the cache holds
   * what is sent); with it, the whole answer is kept (its rest goes through 客服消息), up to a bound.
   */
  const process = (msg: Record<string, string>): Promise<string | null> =>
    answer(msg).then(
      (text) => (text === null ? null : fitBytes(text, sendLater ? MAX_LATE_BYTES : MAX_REPLY_BYTES, truncatedNote)),
      (err) => {
        log.error({ err: (err as Error).message }, "公众号：处理消息失败");
        return null;
      },
    );

  /**
   * With a store shared by several instances: the first instance to see a message processes it and stores its reply;
   * a retry that reaches another instance waits for that reply (up to the reply time limit, then "success" and a
   * later retry may find it). A store that does not answer lets this instance process it.
   */
  const once = async (key: string, msg: Record<string, string>): Promise<string | null> => {
    const shared = options.shared!;
    let owner: string | undefined;
    try {
      owner = await shared.putIfAbsent(`oa:msg:${key}`, instanceId, dedupeTtlMs);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "公众号：共享存储不可用，消息在本实例处理");
    }
    if (owner === undefined) {
      const text = await process(msg);
      await shared.putIfAbsent(`oa:reply:${key}`, JSON.stringify(text), dedupeTtlMs).catch((err: Error) => log.warn({ err: err.message }, "公众号：答案未能存入共享存储"));
      return text;
    }
    // With 客服消息, a reply ready after the 5 seconds is still worth waiting for: it is sent late.
    const waitMs = sendLater ? lateMaxMs : replyTimeoutMs;
    for (let i = 0; i * SHARED_POLL_MS < waitMs; i++) {
      const stored = await shared.get(`oa:reply:${key}`).catch(() => undefined);
      if (stored !== undefined) return parseStoredReply(stored);
      await new Promise((r) => setTimeout(r, SHARED_POLL_MS));
    }
    // Not ready: this attempt answers "success"; forgetting it lets WeChat's next retry look again.
    replies.delete(key);
    return null;
  };

  /**
   * Claims the delivery of a message's answer: "passive" (the reply to WeChat's request) or "late" (客服消息). Returns
   * what was claimed before, or undefined when this claim is the first. A store that does not answer lets it go ahead.
   */
  const claim = (key: string, how: "passive" | "late"): Promise<string | undefined> =>
    shared.putIfAbsent(`oa:deliver:${key}`, how, dedupeTtlMs).catch((err: Error) => {
      log.warn({ err: err.message }, "公众号：共享存储不可用，答案的发送方式未登记");
      return undefined;
    });

  /** An answer that missed the 5-second reply: sent whole through 客服消息 when ready, unless another request delivers it. */
  const deliverLate = async (key: string, openId: string, reply: Promise<string | null>): Promise<void> => {
    if ((await claim(key, "late")) !== undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const text = await Promise.race([reply, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), lateMaxMs)))]);
    clearTimeout(timer);
    if (text === "timeout") return void log.warn({ waitedMs: lateMaxMs }, "公众号：答案迟迟未完成，未通过客服消息发送");
    // null: nothing to say (a staff member holds the conversation, an event without a reply).
    if (!text?.trim()) return;
    await sendLater!(openId, text);
  };

  /** Sends through 客服消息 in the background; a failure the outbox keeps is retried there, anything else is logged. */
  const later = (job: () => Promise<unknown>): void =>
    void job().catch((err: Error) => log.error({ err: err.message }, "公众号：客服消息发送失败"));

  /** The reply text for one message, or null for none ("success"). */
  async function answer(msg: Record<string, string>): Promise<string | null> {
    const user = `oa:${msg.FromUserName}`;
    switch (msg.MsgType) {
      case "text": {
        const t = await engine.turn(user, msg.Content ?? "", "official_account");
        // A staff member holds the conversation (转人工): the bot says nothing; staff answer through 客服消息.
        if (t.status === "with_staff") return null;
        return renderText(t.reply, { hint: optionsHint });
      }
      case "voice": {
        if (!msg.Recognition?.trim()) return help;
        const t = await engine.turn(user, msg.Recognition, "official_account");
        if (t.status === "with_staff") return null;
        return renderText(t.reply, { hint: optionsHint });
      }
      case "image": {
        if (!options.fetchPictures || !msg.PicUrl) return unchecked;
        try {
          const bytes = await getPicture(msg.PicUrl, AbortSignal.timeout(Math.max(500, replyTimeoutMs - 500)));
          return photoReply(kb, checkPhoto(kb.materials.photo, bytes), "compressed");
        } catch (err) {
          log.warn({ err: (err as Error).message }, "公众号：下载图片失败");
          return unchecked;
        }
      }
      case "event": {
        const event = (msg.Event ?? "").toLowerCase();
        if (event === "subscribe" || event === "scan") return welcome;
        if (event === "click") return help;
        return null; // unsubscribe, LOCATION, VIEW, template/mass job reports: nothing to say
      }
      default:
        return help; // video, shortvideo, location, link, file …
    }
  }

  const router = express.Router();

  router.get("/", async (req, res) => {
    try {
      const { timestamp, nonce } = checkQuery(req);
      await useNonce(timestamp, nonce, "GET");
    } catch (err) {
      return refuse(res, err);
    }
    const echostr = req.query.echostr;
    res.type("text/plain").send(typeof echostr === "string" ? echostr : "");
  });

  router.post("/", (req, res, next) => {
    // The signature first: an unsigned request gets nothing, not even a body read.
    try {
      checkQuery(req);
    } catch (err) {
      return refuse(res, err);
    }
    const q = req.query as Record<string, unknown>;
    if (cipher) {
      // With the AES key set, a plaintext push is a downgrade: refused, whatever it says.
      if (q.encrypt_type !== "aes") return refuse(res, new Refused("已设置 OA_AES_KEY，拒绝未加密的推送"));
      if (typeof q.msg_signature !== "string" || !/^[0-9a-fA-F]{40}$/.test(q.msg_signature)) return refuse(res, new Refused("缺少 msg_signature"));
    }
    next();
  }, express.text({ type: () => true, limit: MAX_XML_BYTES, defaultCharset: "utf-8" }), async (req: Request, res: Response) => {
    const started = now();
    const q = req.query as Record<string, string | undefined>;
    // Checked before the body was read.
    const timestamp = q.timestamp!;
    const nonce = q.nonce!;
    const body = typeof req.body === "string" ? req.body : "";
    const encrypted = q.encrypt_type === "aes";
    if (encrypted && !cipher) {
      log.error({}, "公众号：收到安全模式（加密）消息，但没有设置 OA_AES_KEY/OA_APPID");
      return void res.status(400).type("text/plain").send("encryption not configured");
    }

    let msg: Record<string, string>;
    if (encrypted) {
      // Nothing of the body is trusted before msg_signature holds, and every failure until the message is read is
      // the same answer.
      try {
        const enc = parseWeChatXml(body).Encrypt;
        if (!enc || !safeEqual(signature(token, timestamp, nonce, enc), q.msg_signature!.toLowerCase())) throw new Refused("msg_signature 不正确");
        await useNonce(timestamp, nonce, sha1(body));
        // Compatible mode sends the plaintext beside the cipher text: only the cipher text is read.
        msg = parseWeChatXml(cipher!.decrypt(enc));
      } catch (err) {
        return refuse(res, err);
      }
    } else {
      try {
        msg = parseWeChatXml(body);
      } catch (err) {
        log.warn({ err: (err as Error).message }, "公众号：收到无法解析的 XML");
        return void res.status(400).type("text/plain").send("bad xml");
      }
      try {
        await useNonce(timestamp, nonce, sha1(body));
      } catch (err) {
        return refuse(res, err);
      }
    }

    if (!msg.FromUserName || !msg.ToUserName || !msg.MsgType) {
      return void res.status(400).type("text/plain").send("missing fields");
    }

    // One user's MsgId never reaches another user's reply.
    const key = msg.MsgId ? `id:${msg.FromUserName}:${msg.MsgId}` : `ev:${msg.FromUserName}:${msg.CreateTime ?? ""}:${msg.Event ?? msg.MsgType}`;
    if (msg.FromUserName.length > MAX_USER_CHARS || (msg.MsgId ?? "").length > MAX_MSGID_CHARS || key.length > MAX_KEY_CHARS) {
      return void res.status(400).type("text/plain").send("bad fields");
    }
    let pending = replies.get(key);
    const retry = Boolean(pending);
    if (!pending) {
      pending = replies.set(key, options.shared ? once(key, msg) : process(msg));
    }
    log.debug({ type: msg.MsgType, retry, encrypted }, "公众号消息");

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, replyTimeoutMs - (now() - started)));
    });
    const ready = await Promise.race([pending.reply, timeout]);
    clearTimeout(timer);
    const success = () => void res.type("text/plain").send("success");
    if (ready === "timeout") {
      if (!sendLater) {
        log.warn({ type: msg.MsgType }, "公众号：答案未在时限内完成，回复 success");
        return success();
      }
      log.info({ type: msg.MsgType }, "公众号：答案未在时限内完成，完成后通过客服消息发送");
      const reply = pending.reply;
      later(() => deliverLate(key, msg.FromUserName, reply));
      return success();
    }
    if (ready === null || !ready.trim()) return success();

    let text = ready;
    if (sendLater) {
      // WeChat closed this request before the answer was ready: no passive reply can reach it, so it goes late
      // (unless a retry of the message delivers it).
      if (res.destroyed) return later(() => deliverLate(key, msg.FromUserName, Promise.resolve(ready)));
      // Another request of this message (a retry here or on another instance) may already be sending it late.
      const before = await claim(key, "passive");
      if (before === "late") return success();
      if (Buffer.byteLength(text, "utf8") > MAX_REPLY_BYTES) {
        const [first, rest] = splitPassive(text, MAX_REPLY_BYTES, continuedNote);
        text = first;
        // The rest once (the first request of this message), after the first part is sent ("close" follows "finish",
        // and comes alone when the connection broke: the rest is sent then too, rather than lost).
        if (before === undefined && rest) {
          const openId = msg.FromUserName;
          res.once("close", () => later(() => sendLater(openId, rest)));
        }
      }
    }

    const createTime = Math.floor(now() / 1000);
    const xml = textReplyXml(msg.FromUserName, msg.ToUserName, text, createTime);
    if (!encrypted) return void res.type("application/xml").send(xml);
    const enc = cipher!.encrypt(xml);
    const replyTimestamp = String(createTime);
    const replyNonce = String(randomInt(100_000_000, 9_999_999_999));
    res.type("application/xml").send(encryptedReplyXml(enc, signature(token, replyTimestamp, replyNonce, enc), replyTimestamp, replyNonce));
  });

  return router;
}
