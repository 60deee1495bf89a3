/**
 * Clients of WeChat's server APIs that send outside a request: the 公众号's customer-service messages (客服消息) and
 * 企业微信's 微信客服 (sync_msg, send_msg, session states). Both take an access token that is fetched, cached,
 * refreshed before it expires and again when WeChat says it is invalid or expired (40001, 40014, 42001); sends are
 * retried with a growing delay when WeChat is busy or the network fails, never when WeChat refuses for good (outside
 * the 48-hour window, user blocked the account…). Base URLs are configuration (`WECHAT_API_BASE`, `WECOM_API_BASE`),
 * so tests run against a stand-in server on 127.0.0.1.
 */

/** WeChat's error codes this client acts on. */
export const ERR = {
  busy: -1,
  invalidToken: 40001,
  invalidTokenFormat: 40014,
  expiredToken: 42001,
  /** 公众号: "response out of time limit or subscription is canceled" (outside the 48-hour window). */
  outOfWindow: 45015,
  /** 微信客服: the customer has not written for 48 hours, or 5 messages were sent since. */
  kfOutOfWindow: 95001,
  /** 微信客服: "send msg session status invalid": send_msg only while the session is 0 (未处理) or 1 (智能助手). */
  kfSessionState: 95018,
  apiLimit: 45009,
  freqLimit: 45047,
} as const;

const TOKEN_ERRORS = new Set<number>([ERR.invalidToken, ERR.invalidTokenFormat, ERR.expiredToken]);
const RETRYABLE = new Set<number>([ERR.busy, ERR.apiLimit, ERR.freqLimit]);

export class WeChatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly path: string,
  ) {
    super(`${path}: ${errcode} ${errmsg}`);
  }

  /** Sending again later may succeed (busy, rate limited, network). */
  get retryable(): boolean {
    return RETRYABLE.has(this.errcode) || this.errcode === 0;
  }

  /** WeChat will not take this message for this user now (outside the window, unfollowed…). */
  get refusedForGood(): boolean {
    return !this.retryable && !TOKEN_ERRORS.has(this.errcode);
  }
}

export interface ApiLog {
  warn(obj: object, msg: string): void;
}

export interface ApiOptions {
  base: string;
  timeoutMs?: number;
  /** Attempts per send (first try included) when WeChat is busy or the network fails. */
  attempts?: number;
  /** First retry delay; doubles each time. */
  backoffMs?: number;
  now?: () => number;
  log?: ApiLog;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An access token cached until shortly before it expires; one fetch at a time however many wait for it. */
export class AccessToken {
  private token?: string;
  private expires = 0;
  private pending?: Promise<string>;

  constructor(
    private readonly fetchToken: () => Promise<{ token: string; expiresInS: number }>,
    private readonly now: () => number = Date.now,
    /** Refreshed this long before WeChat's expiry (tokens live 7200 s). */
    private readonly marginMs = 5 * 60_000,
  ) {}

  async get(): Promise<string> {
    if (this.token && this.now() < this.expires) return this.token;
    this.pending ??= this.fetchToken()
      .then(({ token, expiresInS }) => {
        this.token = token;
        this.expires = this.now() + Math.max(60_000, expiresInS * 1000 - this.marginMs);
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** WeChat said this token is invalid or expired: the next get() fetches a new one (unless another did already). */
  invalidate(token: string): void {
    if (this.token === token) {
      this.token = undefined;
      this.expires = 0;
    }
  }
}

/** The shared part of both APIs: JSON calls with the token in the query, token refresh and retries. */
abstract class WeChatApi {
  protected readonly base: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  protected readonly log: ApiLog;
  protected abstract readonly token: AccessToken;

  constructor(options: ApiOptions) {
    this.base = options.base.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.backoffMs = options.backoffMs ?? 500;
    this.log = options.log ?? { warn: () => {} };
  }

  /** A GET or POST without a token (the token endpoints themselves). */
  protected async raw(path: string, query: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // errcode 0 with a message: a network failure, retryable.
      throw new WeChatApiError(0, (err as Error).name === "TimeoutError" ? "timeout" : (err as Error).message, path);
    }
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!res.ok || !json) throw new WeChatApiError(res.ok ? ERR.busy : 0, `HTTP ${res.status}`, path);
    const errcode = typeof json.errcode === "number" ? json.errcode : 0;
    if (errcode !== 0) throw new WeChatApiError(errcode, String(json.errmsg ?? ""), path);
    return json;
  }

  /** A call with the access token: a token error refreshes it once; busy or network errors are retried with backoff. */
  protected async call(path: string, body?: unknown, query: Record<string, string> = {}): Promise<Record<string, unknown>> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.token.get();
      try {
        return await this.raw(path, { ...query, access_token: token }, body);
      } catch (err) {
        if (!(err instanceof WeChatApiError)) throw err;
        if (TOKEN_ERRORS.has(err.errcode) && !refreshed) {
          this.token.invalidate(token);
          refreshed = true;
          attempt--;
          continue;
        }
        if (!err.retryable || attempt >= this.attempts) throw err;
        this.log.warn({ path, errcode: err.errcode, attempt }, "wechat api: retrying");
        await sleep(this.backoffMs * 2 ** (attempt - 1));
      }
    }
  }
}

/** Splits a text into pieces of at most `maxBytes` UTF-8 bytes, at line breaks where it can. */
export function splitBytes(text: string, maxBytes: number): string[] {
  const out: string[] = [];
  let current = "";
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  for (const line of text.split("\n")) {
    const candidate = current ? `${current}\n${line}` : line;
    if (bytes(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    if (current) out.push(current);
    current = "";
    let piece = "";
    for (const ch of line) {
      if (bytes(piece + ch) > maxBytes) {
        out.push(piece);
        piece = "";
      }
      piece += ch;
    }
    current = piece;
  }
  if (current) out.push(current);
  return out;
}

/** The 公众号's customer-service messages: text to a follower who wrote in the last 48 hours. */
export class OfficialAccountApi extends WeChatApi {
  protected readonly token: AccessToken;
  /** 客服消息's text limit. */
  static readonly MAX_BYTES = 2048;

  constructor(options: ApiOptions & { appId: string; appSecret: string }) {
    super(options);
    this.token = new AccessToken(async () => {
      const r = await this.raw("/cgi-bin/token", { grant_type: "client_credential", appid: options.appId, secret: options.appSecret });
      return { token: String(r.access_token), expiresInS: Number(r.expires_in ?? 7200) };
    }, options.now);
  }

  /** Sends a text, in several messages when it is long. Throws a WeChatApiError when WeChat refuses. */
  async sendText(openId: string, text: string): Promise<void> {
    for (const part of splitBytes(text, OfficialAccountApi.MAX_BYTES)) {
      await this.call("/cgi-bin/message/custom/send", { touser: openId, msgtype: "text", text: { content: part } });
    }
  }
}

/** One message of 微信客服's sync_msg. */
export interface KfMessage {
  msgid: string;
  open_kfid: string;
  external_userid?: string;
  send_time: number;
  /** 3: from the WeChat user; 4: a system event; 5: from a servicer (our own sends come back as 5). */
  origin: number;
  msgtype: string;
  text?: { content: string };
  event?: { event_type: string; open_kfid?: string; external_userid?: string; [k: string]: unknown };
  /** The servicer who wrote (origin 5, from WeCom's own client). */
  servicer_userid?: string;
}

/**
 * 微信客服's session states (会话分配与消息收发 → 分配客服会话). send_msg works in 0 and 1 only; the API moves 0 → 1, 2, 3;
 * 1 → 2, 3; 2 → 3; 3 → 3, 4; never from 4 (a user's message turns 4 into 0; a servicer writing in WeCom's client turns
 * it into 3).
 */
export const KF_STATE = { new: 0, assistant: 1, pool: 2, servicer: 3, ended: 4 } as const;

/** 企业微信's 微信客服: messages pulled with sync_msg from a cursor, answers sent with send_msg. */
export class WeComKfApi extends WeChatApi {
  protected readonly token: AccessToken;
  static readonly MAX_BYTES = 2048;

  constructor(options: ApiOptions & { corpId: string; secret: string }) {
    super(options);
    this.token = new AccessToken(async () => {
      const r = await this.raw("/cgi-bin/gettoken", { corpid: options.corpId, corpsecret: options.secret });
      return { token: String(r.access_token), expiresInS: Number(r.expires_in ?? 7200) };
    }, options.now);
  }

  /** One page of messages after `cursor` (the callback's Token makes the first page of a push free of rate limits). */
  async syncMsg(input: { cursor?: string; token?: string; openKfid?: string; limit?: number }): Promise<{ nextCursor: string; hasMore: boolean; messages: KfMessage[] }> {
    const r = await this.call("/cgi-bin/kf/sync_msg", {
      cursor: input.cursor || undefined,
      token: input.token || undefined,
      open_kfid: input.openKfid || undefined,
      limit: input.limit ?? 1000,
    });
    return {
      nextCursor: String(r.next_cursor ?? input.cursor ?? ""),
      hasMore: Number(r.has_more ?? 0) === 1,
      messages: Array.isArray(r.msg_list) ? (r.msg_list as KfMessage[]) : [],
    };
  }

  /** Sends a text to a WeChat user of this 客服账号, in several messages when it is long. */
  async sendText(externalUserId: string, openKfid: string, text: string): Promise<void> {
    for (const part of splitBytes(text, WeComKfApi.MAX_BYTES)) {
      await this.call("/cgi-bin/kf/send_msg", { touser: externalUserId, open_kfid: openKfid, msgtype: "text", text: { content: part } });
    }
  }

  /** The welcome (or another event's message) with the code of an event: one message, within the code's time limit. */
  async sendOnEvent(code: string, text: string): Promise<void> {
    const content = splitBytes(text, WeComKfApi.MAX_BYTES)[0] ?? "";
    await this.call("/cgi-bin/kf/send_msg_on_event", { code, msgtype: "text", text: { content } });
  }

  /** The session's state: 0 new, 1 智能助手, 2 waiting for a servicer, 3 with a servicer, 4 ended. */
  async serviceState(openKfid: string, externalUserId: string): Promise<{ state: number; servicer?: string }> {
    const r = await this.call("/cgi-bin/kf/service_state/get", { open_kfid: openKfid, external_userid: externalUserId });
    return { state: Number(r.service_state ?? 0), servicer: typeof r.servicer_userid === "string" ? r.servicer_userid : undefined };
  }

  /** Moves the session to a state (1: 智能助手 answers, 4: ended). */
  async transState(openKfid: string, externalUserId: string, state: number): Promise<void> {
    await this.call("/cgi-bin/kf/service_state/trans", { open_kfid: openKfid, external_userid: externalUserId, service_state: state });
  }
}
