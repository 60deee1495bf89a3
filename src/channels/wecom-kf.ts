/**
 * 企业微信 微信客服 (WeChat customer service through WeCom): any WeChat user chats from a link or QR code, with no
 * personal account to be banned. WeCom calls back at /wecom (GET: the URL check; POST: "there are new messages",
 * encrypted with the 公众号's scheme, the CorpID as receiver id); the messages themselves are pulled with sync_msg
 * from a cursor kept in the store, and answers go out with send_msg.
 *
 * Nothing lost or repeated across restarts: before a page of messages is handled, the page's start cursor is
 * stored; each message handled is added to it; the next cursor is stored when the page is done. After a crash the
 * same page is fetched again and the messages already handled are skipped.
 */
import express, { type Request, type Response, type Router } from "express";
import { CryptoError, parseWeChatXml, safeEqual, signature, WeChatCipher, XmlError, MAX_XML_BYTES } from "./official-account.js";
import type { KfMessage, WeComKfApi } from "./wechat-api.js";
import type { DocStore } from "../handoff/docs.js";
import { silentLog, type Log } from "../server/logger.js";

export interface WeComKfOptions {
  /** The callback's Token and EncodingAESKey (微信客服 → API → 回调配置), and the CorpID. */
  token: string;
  aesKey: string;
  corpId: string;
  api: WeComKfApi;
  docs: DocStore;
  /** One message of a user: the text to send back, or undefined to send nothing (a person holds the conversation). */
  answer: (conversation: string, text: string) => Promise<string | undefined>;
  log?: Log;
  now?: () => number;
  /** Pushes older or newer than this are refused (replays). */
  maxSkewMs?: number;
}

interface Progress {
  /** The cursor the page being handled was fetched from. */
  cursor: string;
  /** Message ids of that page already handled. */
  done: string[];
}

/** The conversation id of a 微信客服 user in the session store. */
export const kfConversation = (openKfid: string, externalUserId: string) => `wecom:${openKfid}:${externalUserId}`;

export function parseKfConversation(id: string): { openKfid: string; externalUserId: string } | undefined {
  const m = /^wecom:([^:]+):(.+)$/.exec(id);
  return m ? { openKfid: m[1], externalUserId: m[2] } : undefined;
}

export interface WeComKf {
  router: Router;
  /** Pulls and answers every message not yet handled (also called at start-up). */
  sync(callbackToken?: string): Promise<void>;
  /** Sends a text to a conversation of this channel (staff replies, late answers). */
  deliver(conversation: string, text: string): Promise<void>;
}

export function createWeComKf(options: WeComKfOptions): WeComKf {
  const log = options.log ?? silentLog;
  const now = options.now ?? Date.now;
  const maxSkew = options.maxSkewMs ?? 5 * 60_000;
  const cipher = new WeChatCipher(options.aesKey, options.corpId);
  const KEY = "wecom:progress";

  const checked = (req: Request, encrypted: string): boolean => {
    const { msg_signature, timestamp, nonce } = req.query as Record<string, string | undefined>;
    if (!msg_signature || !timestamp || !nonce || !/^\d{1,12}$/.test(timestamp)) return false;
    if (Math.abs(now() - Number(timestamp) * 1000) > maxSkew) return false;
    return safeEqual(signature(options.token, timestamp, nonce, encrypted), msg_signature);
  };

  let syncing: Promise<void> | undefined;
  let again: string | undefined | null = null;

  const handle = async (m: KfMessage) => {
    if (m.origin !== 3 || !m.external_userid) return; // our own sends (5) and system events (4)
    const conversation = kfConversation(m.open_kfid, m.external_userid);
    const text = m.msgtype === "text" ? (m.text?.content ?? "") : "";
    const reply = await options.answer(conversation, text || `[${m.msgtype}]`);
    if (reply) await deliver(conversation, reply);
  };

  const syncOnce = async (callbackToken?: string) => {
    for (let pages = 0; pages < 1000; pages++) {
      const doc = await options.docs.get<Progress>(KEY);
      const progress = doc?.value ?? { cursor: "", done: [] };
      let version = doc?.version ?? 0;
      const page = await options.api.syncMsg({ cursor: progress.cursor || undefined, token: callbackToken });
      for (const m of page.messages) {
        if (progress.done.includes(m.msgid)) continue;
        try {
          await handle(m);
        } catch (err) {
          log.error({ err: (err as Error).message, msgid: m.msgid }, "wecom: a message could not be answered");
        }
        progress.done.push(m.msgid);
        version = (await options.docs.cas(KEY, version, progress)) ?? version;
      }
      const next: Progress = { cursor: page.nextCursor, done: [] };
      await options.docs.cas(KEY, version, next);
      if (!page.hasMore) return;
      callbackToken = undefined; // the Token serves the first call only
    }
  };

  const sync = async (callbackToken?: string): Promise<void> => {
    if (syncing) {
      again = callbackToken; // one more round after the current one
      return syncing;
    }
    syncing = (async () => {
      let token: string | undefined = callbackToken;
      for (;;) {
        try {
          await syncOnce(token);
        } catch (err) {
          log.error({ err: (err as Error).message }, "wecom: sync_msg failed");
        }
        if (again === null) break;
        token = again;
        again = null;
      }
    })().finally(() => {
      syncing = undefined;
    });
    return syncing;
  };

  const deliver = async (conversation: string, text: string) => {
    const c = parseKfConversation(conversation);
    if (!c) throw new Error(`not a 微信客服 conversation: ${conversation}`);
    await options.api.sendText(c.externalUserId, c.openKfid, text);
  };

  const router = express.Router();
  router.get("/", (req: Request, res: Response) => {
    const echostr = String(req.query.echostr ?? "");
    try {
      if (!echostr || !checked(req, echostr)) throw new CryptoError("signature");
      res.type("text/plain").send(cipher.decrypt(echostr));
    } catch {
      res.status(401).end();
    }
  });
  router.post("/", express.text({ type: () => true, limit: MAX_XML_BYTES }), (req: Request, res: Response) => {
    try {
      const outer = parseWeChatXml(String(req.body ?? ""));
      const encrypted = outer.Encrypt ?? "";
      if (!encrypted || !checked(req, encrypted)) throw new CryptoError("signature");
      const event = parseWeChatXml(cipher.decrypt(encrypted));
      res.type("text/plain").send("success");
      if (event.MsgType === "event" && event.Event === "kf_msg_or_event") void sync(event.Token);
    } catch (err) {
      // One answer for every signature, decryption or XML failure: no oracle.
      if (!(err instanceof CryptoError || err instanceof XmlError)) log.error({ err: (err as Error).message }, "wecom: callback failed");
      if (!res.headersSent) res.status(401).end();
    }
  });
  return { router, sync, deliver };
}
