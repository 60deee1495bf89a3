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
  api: "custom" | "kf";
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
  hang: boolean;
  /** When a user last wrote (ms); the 48-hour window is checked against it. Unset: the user never wrote. */
  lastInbound: Map<string, number>;
  /** Messages for sync_msg, in order; the cursor is an index into this list. */
  kfQueue: KfMessage[];
  serviceStates: Map<string, number>;
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
        state.sent.push({ api: "kf", touser: body.touser, openKfid: body.open_kfid, content: body.text.content });
        return { errcode: 0, errmsg: "ok", msgid: `kfmsg_${state.sent.length}` };
      }
      case "/cgi-bin/kf/sync_msg": {
        const start = body?.cursor ? Number(String(body.cursor).replace(/^c/, "")) : 0;
        if (!Number.isInteger(start) || start < 0) return { errcode: 95000, errmsg: "invalid cursor" };
        const limit = Math.min(1000, Number(body?.limit ?? 1000));
        const page = kfQueue.slice(start, start + limit);
        for (const m of page) if (m.origin === 3 && m.external_userid) lastInbound.set(m.external_userid, now());
        return { errcode: 0, errmsg: "ok", next_cursor: `c${start + page.length}`, has_more: start + page.length < kfQueue.length ? 1 : 0, msg_list: page };
      }
      case "/cgi-bin/kf/service_state/get":
        return { errcode: 0, errmsg: "ok", service_state: serviceStates.get(`${body?.open_kfid}/${body?.external_userid}`) ?? 0 };
      case "/cgi-bin/kf/service_state/trans":
        serviceStates.set(`${body?.open_kfid}/${body?.external_userid}`, Number(body?.service_state));
        return { errcode: 0, errmsg: "ok" };
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
  return {
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
}
