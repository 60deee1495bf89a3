/**
 * WeChat Official Account (公众号) message push at GET/POST /wechat.
 *
 * - GET: the server check: signature = sha1(sorted token, timestamp, nonce), compared in constant time; echoes
 *   echostr. A bad signature is 401 with an empty body.
 * - POST: signature checked the same way; in safe mode (encrypt_type=aes) msg_signature = sha1(sorted token,
 *   timestamp, nonce, Encrypt) too, the message is decrypted (AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the
 *   key's first 16 bytes, PKCS#7 padding to 32-byte blocks, the appid at the end checked) and the reply encrypted the
 *   same way. XML is parsed with no DTD and no entity expansion, under a size limit.
 * - text → the engine's answer as a passive text reply; subscribe → the welcome; image → the photo check (the picture
 *   is fetched only when OA_FETCH_PICTURES is on); voice with recognition → as text; other types → a short help.
 * - WeChat retries a push it got no answer to within 5 s (3 tries): MsgId, or FromUserName+CreateTime for events,
 *   keys a cache of the reply, so a retry gets the same reply and the message is processed once. An answer not ready
 *   within 4.5 s is replied with "success" (WeChat then shows nothing and does not retry).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Knowledge } from "../knowledge/load.js";
import type { Engine } from "../engine/engine.js";
import { baseVars, render } from "../knowledge/facts.js";
import { checkPhoto, photoReply, PHOTO_MAX_KB } from "./photo-check.js";
import { silentLog, type Log } from "../server/logger.js";

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
  now?: () => number;
}

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
}

const MAX_REMEMBERED = 20_000;

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
  const welcome = render(r.welcome, { ...vars, topics: render(r.topics, vars) });
  const help = render(r.channel_help, vars);
  const truncatedNote = render(r.reply_truncated, vars);
  const unchecked = render(r.photo_unchecked, vars);
  const seen = new Map<string, Pending>();

  const remember = (key: string, reply: Promise<string | null>) => {
    const t = now();
    for (const [k, v] of seen) {
      if (t - v.at <= dedupeTtlMs && seen.size < MAX_REMEMBERED) break;
      seen.delete(k);
    }
    seen.set(key, { reply, at: t });
  };

  const checkSignature = (req: Request): boolean => {
    const q = req.query as Record<string, unknown>;
    const [sig, timestamp, nonce] = [q.signature, q.timestamp, q.nonce];
    if (typeof sig !== "string" || typeof timestamp !== "string" || typeof nonce !== "string") return false;
    return safeEqual(signature(token, timestamp, nonce), sig.toLowerCase());
  };

  /** The reply text for one message, or null for none ("success"). */
  async function answer(msg: Record<string, string>): Promise<string | null> {
    const user = `oa:${msg.FromUserName}`;
    switch (msg.MsgType) {
      case "text": {
        const t = await engine.turn(user, msg.Content ?? "", "official_account");
        return t.replies.join("\n");
      }
      case "voice": {
        if (!msg.Recognition?.trim()) return help;
        const t = await engine.turn(user, msg.Recognition, "official_account");
        return t.replies.join("\n");
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

  router.get("/", (req, res) => {
    if (!checkSignature(req)) return void res.status(401).end();
    const echostr = req.query.echostr;
    res.type("text/plain").send(typeof echostr === "string" ? echostr : "");
  });

  router.post("/", (req, res, next) => {
    // The signature first: an unsigned request gets nothing, not even a body read.
    if (!checkSignature(req)) return void res.status(401).end();
    next();
  }, express.text({ type: () => true, limit: MAX_XML_BYTES, defaultCharset: "utf-8" }), async (req: Request, res: Response) => {
    const started = now();
    const q = req.query as Record<string, string | undefined>;
    const body = typeof req.body === "string" ? req.body : "";
    let outer: Record<string, string>;
    try {
      outer = parseWeChatXml(body);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "公众号：收到无法解析的 XML");
      return void res.status(400).type("text/plain").send("bad xml");
    }

    const encrypted = q.encrypt_type === "aes";
    let msg = outer;
    if (encrypted) {
      if (!cipher) {
        log.error({}, "公众号：收到安全模式（加密）消息，但没有设置 OA_AES_KEY/OA_APPID");
        return void res.status(400).type("text/plain").send("encryption not configured");
      }
      const enc = outer.Encrypt;
      if (!enc || typeof q.msg_signature !== "string" || !safeEqual(signature(token, q.timestamp!, q.nonce!, enc), q.msg_signature.toLowerCase())) {
        return void res.status(401).end();
      }
      try {
        msg = parseWeChatXml(cipher.decrypt(enc));
      } catch (err) {
        log.warn({ err: (err as Error).message }, "公众号：解密失败");
        const status = err instanceof CryptoError && /AppID/.test(err.message) ? 401 : 400;
        return void res.status(status).type("text/plain").send(status === 401 ? "" : "bad message");
      }
    }

    if (!msg.FromUserName || !msg.ToUserName || !msg.MsgType) {
      return void res.status(400).type("text/plain").send("missing fields");
    }

    const key = msg.MsgId ? `id:${msg.MsgId}` : `ev:${msg.FromUserName}:${msg.CreateTime ?? ""}:${msg.Event ?? msg.MsgType}`;
    let pending = seen.get(key);
    if (pending && now() - pending.at > dedupeTtlMs) pending = undefined;
    const retry = Boolean(pending);
    if (!pending) {
      const reply = answer(msg).catch((err) => {
        log.error({ err: (err as Error).message }, "公众号：处理消息失败");
        return null;
      });
      remember(key, reply);
      pending = seen.get(key)!;
    }
    log.debug({ type: msg.MsgType, retry, encrypted }, "公众号消息");

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, replyTimeoutMs - (now() - started)));
    });
    const text = await Promise.race([pending.reply, timeout]);
    clearTimeout(timer);
    if (text === "timeout" || text === null || !text.trim()) {
      if (text === "timeout") log.warn({ type: msg.MsgType }, "公众号：答案未在时限内完成，回复 success");
      return void res.type("text/plain").send("success");
    }

    const createTime = Math.floor(now() / 1000);
    const xml = textReplyXml(msg.FromUserName, msg.ToUserName, fitBytes(text, MAX_REPLY_BYTES, truncatedNote), createTime);
    if (!encrypted) return void res.type("application/xml").send(xml);
    const enc = cipher!.encrypt(xml);
    const timestamp = String(createTime);
    const nonce = String(randomInt(100_000_000, 9_999_999_999));
    res.type("application/xml").send(encryptedReplyXml(enc, signature(token, timestamp, nonce, enc), timestamp, nonce));
  });

  return router;
}
