/**
 * 企业微信 微信客服 (WeChat customer service through WeCom): any WeChat user chats from a link or QR code, with no
 * personal account to be banned. WeCom calls back at /wecom (GET: the URL check; POST: "there are new messages",
 * encrypted with the 公众号's scheme, the CorpID as receiver id); the messages themselves are pulled with sync_msg
 * from a cursor kept in the store, and answers go out with send_msg.
 *
 * Nothing lost or repeated across restarts: before a page of messages is handled, the page's start cursor is
 * stored; each message handled is added to it; the next cursor is stored when the page is done. After a crash the
 * same page is fetched again and the messages already handled are skipped.
 *
 * Session states (分配客服会话): send_msg works only while a session is 0 (未处理) or 1 (由智能助手接待). The bot answers
 * those, moving a session from 0 to 1 once before its first answer (the API's "直接用API自动回复" = 智能助手); a user
 * writing in an ended session (4) opens a new one (0). While a servicer in 企业微信's own client holds a session (2 待接入池,
 * 3 由人工接待) the bot says nothing to that user and their messages do not reach the engine; when it ends
 * (session_status_change 3, state 4) the bot answers again. What is learnt — from the events, from service_state/get
 * when unknown, and from a send refused for the state (95018) — is kept per conversation in the store (48 hours, the
 * life of a session; pruned), so the state is not read on every message and survives a restart.
 *
 * Events: enter_session with a welcome_code gets the welcome by send_msg_on_event (within its 20 seconds);
 * msg_send_fail is logged; others are ignored. Pictures and other non-text messages get a short help, not the engine.
 */
import express, { type Request, type Response, type Router } from "express";
import { CryptoError, parseWeChatXml, safeEqual, signature, WeChatCipher, XmlError, MAX_XML_BYTES } from "./official-account.js";
import { ERR, KF_STATE, WeChatApiError, type KfMessage, type WeComKfApi } from "./wechat-api.js";
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
  /** Rendered replies: the welcome (enter_session), the channel's help (non-text messages), the photo note (pictures). */
  texts: KfTexts;
  log?: Log;
  now?: () => number;
  /** Pushes older or newer than this are refused (replays). */
  maxSkewMs?: number;
}

export interface KfTexts {
  welcome: string;
  help: string;
  photoUnchecked: string;
}

/** What is known of a session's state, and when it was learnt. */
interface KfSession {
  state: number;
  at: number;
  servicer?: string;
}

/** A session lasts 48 hours at most: older knowledge is read again. */
const STATE_TTL_MS = 48 * 3_600_000;
/** At most this many sessions are remembered (the oldest dropped first). */
const MAX_STATES = 20_000;
/** A welcome_code works within 20 seconds of the event. */
const WELCOME_WINDOW_MS = 20_000;
const PRUNE_EVERY_MS = 3_600_000;

/** msg_send_fail's fail_type. */
const FAIL_TYPES: Record<number, string> = {
  0: "未知原因", 1: "客服账号已删除", 2: "应用已关闭", 4: "会话已过期（超过48小时）", 5: "会话已关闭", 6: "超过5条限制",
  7: "未绑定视频号", 8: "主体未验证", 9: "未绑定视频号且主体未验证", 10: "用户拒收",
};

/** 微信客服 will not take a message for this session now; sending it again will not help (Delivery gives it up). */
export class KfRefused extends Error {
  readonly refusedForGood = true;
  constructor(
    message: string,
    readonly state?: number,
  ) {
    super(message);
  }
}

const held = (state: number | undefined) => state === KF_STATE.pool || state === KF_STATE.servicer;

/** The sessions' states in the store: one document per conversation and an index to prune them. */
class KfStates {
  private static readonly INDEX = "wecom:states";
  private lastPrune = 0;
  private pruning?: Promise<void>;

  constructor(
    private readonly docs: DocStore,
    private readonly now: () => number,
    private readonly log: Log,
  ) {}

  private key(conversation: string) {
    return `wecom:state:${conversation}`;
  }

  async get(conversation: string): Promise<KfSession | undefined> {
    const doc = await this.docs.get<KfSession>(this.key(conversation));
    return doc && this.now() - doc.value.at <= STATE_TTL_MS ? doc.value : undefined;
  }

  async set(conversation: string, state: number, servicer?: string): Promise<KfSession> {
    const value: KfSession = { state, at: this.now(), ...(servicer ? { servicer } : {}) };
    for (let i = 0; i < 3; i++) {
      const doc = await this.docs.get<KfSession>(this.key(conversation));
      if ((await this.docs.cas(this.key(conversation), doc?.version ?? 0, value)) !== undefined) break;
    }
    await this.docs.addToSet(KfStates.INDEX, conversation);
    if (this.now() - this.lastPrune > PRUNE_EVERY_MS) void this.prune();
    return value;
  }

  async forget(conversation: string): Promise<void> {
    await this.docs.del(this.key(conversation));
    await this.docs.removeFromSet(KfStates.INDEX, conversation);
  }

  /** Drops what is older than a session can live, then the oldest beyond MAX_STATES. */
  prune(): Promise<void> {
    this.lastPrune = this.now();
    this.pruning ??= (async () => {
      const kept: { conversation: string; at: number }[] = [];
      for (const conversation of await this.docs.members(KfStates.INDEX)) {
        const doc = await this.docs.get<KfSession>(this.key(conversation));
        if (doc && this.now() - doc.value.at <= STATE_TTL_MS) kept.push({ conversation, at: doc.value.at });
        else await this.forget(conversation);
      }
      kept.sort((a, b) => a.at - b.at);
      for (const { conversation } of kept.slice(0, Math.max(0, kept.length - MAX_STATES))) await this.forget(conversation);
    })()
      .catch((err: Error) => this.log.warn({ err: err.message }, "wecom: pruning session states failed"))
      .finally(() => {
        this.pruning = undefined;
      });
    return this.pruning;
  }
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
  const states = new KfStates(options.docs, now, log);
  const api = options.api;

  /** Reads the session's state from WeCom and keeps it. */
  const read = async (conversation: string): Promise<KfSession> => {
    const c = parseKfConversation(conversation)!;
    const { state, servicer } = await api.serviceState(c.openKfid, c.externalUserId);
    return states.set(conversation, state, servicer);
  };

  const refusal = (state: number) =>
    new KfRefused(
      held(state)
        ? `微信客服：该会话正由企业微信的接待人员接待（会话状态 ${state}），请在企业微信中回复`
        : `微信客服：会话已结束，考生再发消息后才能回复（会话状态 ${state}）`,
      state,
    );

  /** Moves a new session (0) to 智能助手 (1) before the bot's first answer; once, then kept. */
  const claim = async (conversation: string) => {
    const c = parseKfConversation(conversation)!;
    try {
      await api.transState(c.openKfid, c.externalUserId, KF_STATE.assistant);
      await states.set(conversation, KF_STATE.assistant);
    } catch (err) {
      // send_msg works in 0 as well: send anyway; a refusal of the send says what the state is.
      log.warn({ err: (err as Error).message, conversation }, "wecom: the session could not be moved to 智能助手");
    }
  };

  /**
   * Sends a text to a session this service may answer: 0 is claimed first (→ 1); a send refused for the session's
   * state (95018) reads the state again and keeps it, tries once more when it is 0/1 after all, otherwise throws
   * KfRefused. 95001 (48 hours / 5 messages) is a KfRefused too.
   */
  const sendTo = async (conversation: string, text: string, known: number | undefined) => {
    const c = parseKfConversation(conversation);
    if (!c) throw new Error(`not a 微信客服 conversation: ${conversation}`);
    if (known === KF_STATE.new) await claim(conversation);
    for (let attempt = 1; ; attempt++) {
      try {
        await api.sendText(c.externalUserId, c.openKfid, text);
        return;
      } catch (err) {
        if (err instanceof WeChatApiError && err.errcode === ERR.kfOutOfWindow) {
          throw new KfRefused(`微信客服：考生 48 小时内未发消息，或其后已发满 5 条，须等考生再发消息（${err.errcode} ${err.errmsg}）`);
        }
        if (!(err instanceof WeChatApiError && err.errcode === ERR.kfSessionState)) throw err;
        const session = await read(conversation);
        log.info({ conversation, state: session.state }, "wecom: a send was refused for the session's state; state read again");
        if (attempt > 1 || (session.state !== KF_STATE.new && session.state !== KF_STATE.assistant)) throw refusal(session.state);
        if (session.state === KF_STATE.new) await claim(conversation);
      }
    }
  };

  /** A user's message: answered unless a servicer in WeCom's client holds the session. */
  const onUserMessage = async (m: KfMessage & { external_userid: string }) => {
    const conversation = kfConversation(m.open_kfid, m.external_userid);
    let session = await states.get(conversation);
    if (!session) {
      try {
        session = await read(conversation);
      } catch (err) {
        // Unknown: answer; a send refused for the state tells it.
        log.warn({ err: (err as Error).message, conversation }, "wecom: the session's state could not be read");
      }
    }
    if (held(session?.state)) {
      log.debug({ conversation, state: session!.state }, "wecom: a servicer in 企业微信 holds this session; the bot is silent");
      return;
    }
    // The user wrote: an ended session (4) is a new one (0) now.
    const state = session?.state === KF_STATE.ended ? KF_STATE.new : session?.state;
    let reply: string | undefined;
    if (m.msgtype === "text") reply = await options.answer(conversation, m.text?.content ?? "");
    else reply = m.msgtype === "image" ? options.texts.photoUnchecked : options.texts.help;
    if (!reply) return;
    try {
      await sendTo(conversation, reply, state);
    } catch (err) {
      if (!(err instanceof KfRefused)) throw err;
      log.info({ conversation, reason: err.message }, "wecom: the bot's answer was not sent");
    }
  };

  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

  /** A system event (origin 4). */
  const onEvent = async (m: KfMessage) => {
    const e = m.event;
    const type = str(e?.event_type);
    const user = str(e?.external_userid) ?? str(m.external_userid);
    const kfid = str(e?.open_kfid) ?? str(m.open_kfid);
    const conversation = user && kfid ? kfConversation(kfid, user) : undefined;
    switch (type) {
      case "enter_session": {
        const code = str(e?.welcome_code);
        if (!code) return; // WeCom's own welcome is configured, or this user was welcomed or written to lately
        if (now() - Number(m.send_time) * 1000 > WELCOME_WINDOW_MS) {
          log.info({ conversation }, "wecom: a welcome_code too old to use (the event was read late)");
          return;
        }
        try {
          await api.sendOnEvent(code, options.texts.welcome);
        } catch (err) {
          log.warn({ err: (err as Error).message, conversation }, "wecom: the welcome could not be sent");
        }
        return;
      }
      case "session_status_change": {
        if (!conversation) return;
        const change = Number(e?.change_type);
        const servicer = str(e?.new_servicer_userid);
        // 1 从接待池接入, 4 重新接入已结束/已转接会话: a servicer holds it; 2 转接: another servicer (or the pool); 3 结束.
        if (change === 1 || change === 4 || (change === 2 && servicer)) await states.set(conversation, KF_STATE.servicer, servicer);
        else if (change === 2) await states.set(conversation, KF_STATE.pool);
        else if (change === 3) await states.set(conversation, KF_STATE.ended);
        else await states.forget(conversation);
        log.info({ conversation, change }, "wecom: session state changed in 企业微信");
        return;
      }
      case "msg_send_fail": {
        const failType = Number(e?.fail_type);
        log.warn({ conversation, failMsgid: str(e?.fail_msgid), failType, reason: FAIL_TYPES[failType] ?? "未知" }, "wecom: WeCom reports a message not delivered");
        return;
      }
      default:
        log.debug({ type }, "wecom: event ignored");
    }
  };

  const handle = async (m: KfMessage) => {
    if (m.origin === 3 && m.external_userid) return onUserMessage(m as KfMessage & { external_userid: string });
    if (m.origin === 4 || m.msgtype === "event") return onEvent(m);
    // A servicer wrote from WeCom's client (our own sends are not read back): what we knew may be old.
    if (m.origin === 5 && str(m.servicer_userid) && m.external_userid) await states.forget(kfConversation(m.open_kfid, m.external_userid));
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

  /** Staff replies and late answers (the Delivery sender): a held or ended session is a refusal for good. */
  const deliver = async (conversation: string, text: string) => {
    if (!parseKfConversation(conversation)) throw new Error(`not a 微信客服 conversation: ${conversation}`);
    let session = await states.get(conversation);
    // Unknown, or held by a servicer as far as we know (that may be old): read it.
    if (!session || held(session.state)) session = await read(conversation);
    if (held(session.state)) throw refusal(session.state);
    await sendTo(conversation, text, session.state);
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
  void states.prune();
  return { router, sync, deliver };
}
