/**
 * A stand-in for WeChat's and 企业微信's server APIs on 127.0.0.1 (api.weixin.qq.com, qyapi.weixin.qq.com): it issues
 * access tokens and checks every call the way WeChat does — a current token in the query, the JSON body's shape, a
 * text within 2048 bytes, the 48-hour window — and records what it accepted. It can fail on demand: expire every
 * token, answer "system busy" (-1) a number of times, or hang.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { KfMessage } from "../../src/channels/wechat-api.js";

export interface SentText {
  /** custom: 公众号 客服消息; kf: 微信客服 send_msg; kf_event: 微信客服 send_msg_on_event (the welcome). */
  api: "custom" | "kf" | "kf_event";
  touser: string;
  openKfid?: string;
  content: string;
}

export interface WeChatStandIn {
  url: string;
  sent: SentText[];
  malformed: string[];
  tokenFetches: number;
  /** Every token issued so far is now expired (42001). */
  expireTokens(): void;
  /** The next n calls answer {errcode: code} (default -1, system busy). */
  failNext(n: number, code?: number): void;
  /** While set, every call (token checked) whose path and body it accepts answers "system busy" (-1). */
  failWhen?: (path: string, body: any) => boolean;
  hang: boolean;
  /** When a user last wrote (ms); the 48-hour window is checked against it. Unset: the user never wrote. */
  lastInbound: Map<string, number>;
  /** Messages for sync_msg, in order; the cursor is an index into this list. */
  kfQueue: KfMessage[];
  /**
   * 微信客服 session states by `${open_kfid}/${external_userid}` (0 未处理, 1 智能助手, 2 待接入池, 3 人工, 4 已结束/未开始).
   * Unset: 0 when the user wrote in the last 48 hours, else 4. A user message read by sync_msg turns 4 into 0.
   */
  serviceStates: Map<string, number>;
  /** Every service_state call accepted: get (what was read) and trans (the state asked for). */
  stateCalls: { call: "get" | "trans"; openKfid: string; user: string; state: number }[];
  /** A servicer in WeCom's own client takes the session (state 3) and WeCom writes the session_status_change event. */
  servicerTakes(openKfid: string, user: string, servicer?: string): void;
  /** The servicer ends the session (state 4), with its event. */
  servicerEnds(openKfid: string, user: string): void;
  /** The user opens the chat from a link or QR code: the enter_session event, with a welcome_code unless `welcome` is false. */
  enterSession(openKfid: string, user: string, welcome?: boolean): string | undefined;
  waitFor(pred: (s: SentText[]) => boolean, ms?: number): Promise<SentText[]>;
  close(): Promise<void>;
}

export async function weChatStandIn(options: { appId?: string; appSecret?: string; corpId?: string; kfSecret?: string; now?: () => number } = {}): Promise<WeChatStandIn> {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, boolean>(); // token → valid
  const state = { sent: [] as SentText[], malformed: [] as string[], tokenFetches: 0, fail: 0, failCode: -1, hang: false, seq: 0 };
  const lastInbound = new Map<string, number>();
  const kfQueue: KfMessage[] = [];
  const serviceStates = new Map<string, number>();
  const stateCalls: WeChatStandIn["stateCalls"] = [];
  /** send_msg since the user last wrote (5 allowed). */
  const sentSinceInbound = new Map<string, number>();
  /** welcome_code → {user, open_kfid, issued at, used}. */
  const welcomeCodes = new Map<string, { user: string; openKfid: string; at: number; used: boolean }>();
  let eventSeq = 0;
  const kfState = (openKfid: string, user: string): number => {
    const s = serviceStates.get(`${openKfid}/${user}`);
    if (s !== undefined) return s;
    const last = lastInbound.get(user);
    return last !== undefined && now() - last <= 48 * 3_600_000 ? 0 : 4;
  };
  /** Which states the API may move a session to, from each state (分配客服会话's table). */
  const TRANS: Record<number, number[]> = { 0: [1, 2, 3], 1: [2, 3], 2: [3], 3: [3, 4], 4: [] };
  const kfEvent = (event: Record<string, unknown>): KfMessage => ({
    msgid: `ev-${++eventSeq}-${Math.random().toString(36).slice(2, 8)}`, open_kfid: String(event.open_kfid), send_time: Math.floor(now() / 1000), origin: 4, msgtype: "event",
    event: event as KfMessage["event"],
  });
  const issue = () => {
    state.tokenFetches++;
    const t = `TOKEN_${++state.seq}_${Math.random().toString(36).slice(2)}`;
    tokens.set(t, true);
    return { access_token: t, expires_in: 7200 };
  };
  const checkToken = (q: URLSearchParams): object | undefined => {
    const t = q.get("access_token");
    if (!t || !tokens.has(t)) return { errcode: 40001, errmsg: "invalid credential, access_token is invalid or not latest" };
    if (!tokens.get(t)) return { errcode: 42001, errmsg: "access_token expired" };
    return undefined;
  };
  const textOk = (body: any): string | undefined => {
    if (body?.msgtype !== "text") return "msgtype must be text";
    const content = body?.text?.content;
    if (typeof content !== "string" || !content) return "text.content missing";
    if (Buffer.byteLength(content, "utf8") > 2048) return "text.content over 2048 bytes";
    return undefined;
  };

  const handle = (path: string, q: URLSearchParams, body: any): object => {
    if (path === "/cgi-bin/token") {
      if (q.get("grant_type") !== "client_credential" || q.get("appid") !== (options.appId ?? "wxAPPID") || q.get("secret") !== (options.appSecret ?? "APPSECRET")) {
        return { errcode: 40125, errmsg: "invalid appsecret" };
      }
      return issue();
    }
    if (path === "/cgi-bin/gettoken") {
      if (q.get("corpid") !== (options.corpId ?? "wwCORPID") || q.get("corpsecret") !== (options.kfSecret ?? "KFSECRET")) return { errcode: 40001, errmsg: "invalid corpsecret" };
      return issue();
    }
    const bad = checkToken(q);
    if (bad) return bad;
    if (state.fail > 0) {
      state.fail--;
      return { errcode: state.failCode, errmsg: "system busy" };
    }
    if (standIn.failWhen?.(path, body)) return { errcode: -1, errmsg: "system busy" };
    switch (path) {
      case "/cgi-bin/message/custom/send": {
        const problem = typeof body?.touser !== "string" || !body.touser ? "touser missing" : textOk(body);
        if (problem) {
          state.malformed.push(problem);
          return { errcode: 44002, errmsg: problem };
        }
        const last = lastInbound.get(body.touser);
        if (last === undefined || now() - last > 48 * 3_600_000) return { errcode: 45015, errmsg: "response out of time limit or subscription is canceled" };
        state.sent.push({ api: "custom", touser: body.touser, content: body.text.content });
        return { errcode: 0, errmsg: "ok" };
      }
      case "/cgi-bin/kf/send_msg": {
        const problem = typeof body?.touser !== "string" || !body.touser ? "touser missing" : typeof body?.open_kfid !== "string" ? "open_kfid missing" : textOk(body);
        if (problem) {
          state.malformed.push(problem);
          return { errcode: 44002, errmsg: problem };
        }
        const last = lastInbound.get(body.touser);
        if (last === undefined || now() - last > 48 * 3_600_000) return { errcode: 95001, errmsg: "send msg count limit or time limit" };
        // send_msg only while the session is 0 (未处理) or 1 (由智能助手接待).
        if (![0, 1].includes(kfState(body.open_kfid, body.touser))) return { errcode: 95018, errmsg: "send msg session status invalid" };
        const count = sentSinceInbound.get(body.touser) ?? 0;
        if (count >= 5) return { errcode: 95001, errmsg: "send msg count limit or time limit" };
        sentSinceInbound.set(body.touser, count + 1);
        state.sent.push({ api: "kf", touser: body.touser, openKfid: body.open_kfid, content: body.text.content });
        return { errcode: 0, errmsg: "ok", msgid: `kfmsg_${state.sent.length}` };
      }
      case "/cgi-bin/kf/sync_msg": {
        const start = body?.cursor ? Number(String(body.cursor).replace(/^c/, "")) : 0;
        if (!Number.isInteger(start) || start < 0) return { errcode: 95000, errmsg: "invalid cursor" };
        const limit = Math.min(1000, Number(body?.limit ?? 1000));
        const page = kfQueue.slice(start, start + limit);
        for (const m of page) {
          if (m.origin !== 3 || !m.external_userid) continue;
          lastInbound.set(m.external_userid, now());
          sentSinceInbound.delete(m.external_userid);
          // A user's message opens a new session when none is going on (4 → 0).
          if (kfState(m.open_kfid, m.external_userid) === 4) serviceStates.set(`${m.open_kfid}/${m.external_userid}`, 0);
        }
        return { errcode: 0, errmsg: "ok", next_cursor: `c${start + page.length}`, has_more: start + page.length < kfQueue.length ? 1 : 0, msg_list: page };
      }
      case "/cgi-bin/kf/service_state/get": {
        if (typeof body?.open_kfid !== "string" || !body.open_kfid || typeof body?.external_userid !== "string" || !body.external_userid) {
          state.malformed.push("service_state/get: open_kfid and external_userid required");
          return { errcode: 40003, errmsg: "invalid external_userid" };
        }
        const s = kfState(body.open_kfid, body.external_userid);
        stateCalls.push({ call: "get", openKfid: body.open_kfid, user: body.external_userid, state: s });
        return { errcode: 0, errmsg: "ok", service_state: s, ...(s === 3 ? { servicer_userid: "servicer-in-wecom" } : {}) };
      }
      case "/cgi-bin/kf/service_state/trans": {
        const to = body?.service_state;
        if (typeof body?.open_kfid !== "string" || !body.open_kfid || typeof body?.external_userid !== "string" || !body.external_userid || !Number.isInteger(to)) {
          state.malformed.push("service_state/trans: open_kfid, external_userid and an integer service_state required");
          return { errcode: 40003, errmsg: "invalid parameter" };
        }
        if (to === 3 && typeof body.servicer_userid !== "string") {
          state.malformed.push("service_state/trans: servicer_userid required for 3");
          return { errcode: 95014, errmsg: "servicer_userid required" };
        }
        const from = kfState(body.open_kfid, body.external_userid);
        if (!TRANS[from]?.includes(to)) return { errcode: 95016, errmsg: `state transition ${from} -> ${to} not allowed` };
        stateCalls.push({ call: "trans", openKfid: body.open_kfid, user: body.external_userid, state: to });
        serviceStates.set(`${body.open_kfid}/${body.external_userid}`, to);
        return { errcode: 0, errmsg: "ok" };
      }
      case "/cgi-bin/kf/send_msg_on_event": {
        const problem = typeof body?.code !== "string" || !body.code ? "code missing" : textOk(body);
        if (problem) {
          state.malformed.push(`send_msg_on_event: ${problem}`);
          return { errcode: 44002, errmsg: problem };
        }
        const code = welcomeCodes.get(body.code);
        // The welcome code: once, within 20 seconds of the event.
        if (!code || code.used || now() - code.at > 20_000) return { errcode: 95017, errmsg: "invalid or expired code" };
        code.used = true;
        state.sent.push({ api: "kf_event", touser: code.user, openKfid: code.openKfid, content: body.text.content });
        return { errcode: 0, errmsg: "ok", msgid: `kfev_${state.sent.length}` };
      }
      default:
        return { errcode: 404, errmsg: `unknown api ${path}` };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (state.hang) return;
      const url = new URL(req.url ?? "/", "http://x");
      let body: unknown;
      if (req.method === "POST") {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ errcode: 47001, errmsg: "data format error" }));
          return;
        }
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(handle(url.pathname, url.searchParams, body)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  const standIn: WeChatStandIn = {
    url: `http://127.0.0.1:${port}`,
    get sent() {
      return state.sent;
    },
    get malformed() {
      return state.malformed;
    },
    get tokenFetches() {
      return state.tokenFetches;
    },
    expireTokens: () => {
      for (const t of tokens.keys()) tokens.set(t, false);
    },
    failNext: (n, code = -1) => {
      state.fail = n;
      state.failCode = code;
    },
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    lastInbound,
    kfQueue,
    serviceStates,
    stateCalls,
    servicerTakes: (openKfid, user, servicer = "servicer-in-wecom") => {
      serviceStates.set(`${openKfid}/${user}`, 3);
      kfQueue.push(kfEvent({ event_type: "session_status_change", open_kfid: openKfid, external_userid: user, change_type: 1, new_servicer_userid: servicer }));
    },
    servicerEnds: (openKfid, user) => {
      serviceStates.set(`${openKfid}/${user}`, 4);
      kfQueue.push(kfEvent({ event_type: "session_status_change", open_kfid: openKfid, external_userid: user, change_type: 3, old_servicer_userid: "servicer-in-wecom", msg_code: "END_CODE" }));
    },
    enterSession: (openKfid, user, welcome = true) => {
      const code = welcome ? `WELCOME_${++eventSeq}_${Math.random().toString(36).slice(2, 8)}` : undefined;
      if (code) welcomeCodes.set(code, { user, openKfid, at: now(), used: false });
      kfQueue.push(kfEvent({ event_type: "enter_session", open_kfid: openKfid, external_userid: user, scene: "qr", ...(code ? { welcome_code: code } : {}) }));
      return code;
    },
    async waitFor(pred, ms = 5000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (pred(state.sent)) return state.sent;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`stand-in WeChat API: condition not met within ${ms} ms; sent: ${JSON.stringify(state.sent).slice(0, 400)}`);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return standIn;
}
