/**
 * The hotline staff console as an express Router: mount it with `app.use("/console", consoleRouter({ engine, config }))`.
 * Without CONSOLE_TOKEN and CONSOLE_USERS_FILE it answers 503: it is never open without login.
 */
import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { Config } from "../config.js";
import type { SharedKeys } from "../store/shared-keys.js";
import { clientKey } from "../server/rate-limit.js";
import type { Engine } from "../engine/engine.js";
import type { Knowledge } from "../knowledge/load.js";
import { parseProfile } from "../eligibility/profile.js";
import { evaluate } from "../eligibility/rules.js";
import { ConsoleAuth, type Session } from "./auth.js";
import { consolePage, loginPage, offPage, pageCsp } from "./page.js";
import { unansweredQuery } from "./unanswered.js";
import { ConsoleSearch } from "./search.js";
import { answersByTopic, eligibilityOptions, feesView, occupationsView, phoneText, planView } from "./views.js";
import { KnowledgeError } from "../knowledge/load.js";
import type { KnowledgeRegistry } from "../knowledge/registry.js";
import { Engine as EngineClass } from "../engine/engine.js";
import { MemoryDocs, type DocStore } from "../handoff/docs.js";
import type { StatsRecorder } from "../stats/stats.js";
import { AnswerEdits } from "./edits.js";
import { ChangeHistory } from "./history.js";
import type { NoticePublisher } from "./notices.js";
import type { ChatLogView } from "./chatlog.js";
import { workbenchRoutes } from "./workbench.js";
import { handoffRoutes, type HandoffConsoleDeps } from "../handoff/console.js";

export type ConsoleConfig = Partial<Pick<Config, "CONSOLE_TOKEN" | "CONSOLE_USERS_FILE" | "CONSOLE_SECRET" | "CONSOLE_SESSION_HOURS">>;

export interface ConsoleLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ConsoleOptions {
  engine: Engine;
  /**
   * Defaults to the engine's knowledge base (the chat and the console answer from the same entries), which follows
   * a publish; a knowledge base given here other than the engine's stays fixed.
   */
  kb?: Knowledge;
  /** Publishing: POST /api/knowledge/reload reloads or switches the knowledge (absent: that route answers 404). */
  registry?: KnowledgeRegistry;
  /**
   * Who may publish knowledge. Every console login for now; with roles, e.g. `(s) => s.role === "admin"`.
   */
  mayPublish?: (session: Session) => boolean;
  config: ConsoleConfig;
  /** The store's shared keys (login attempts, logouts), so they hold across restarts and instances; default memory. */
  shared?: SharedKeys;
  logger?: ConsoleLogger;
  now?: () => number;
  /** Where answer edits and the history of changes are kept: the service's SqliteDocs / RedisDocs (durable, shared by
   * every instance). Default: memory, lost on restart. */
  docs?: DocStore;
  /** The answer edit layer, shared with whatever builds the answering engine (default: one over `docs`). */
  edits?: AnswerEdits;
  /**
   * Rebuilds the answering engine on `edits.apply(knowledge)`, on every instance; the console awaits it after each
   * change, so a change answers once the response arrives. Without it the console rebuilds an engine of its own (its
   * search and lists follow the edits; the chat channels do not).
   */
  republish?: () => Promise<void>;
  /** The engine answering now, when a republish replaces the engine object (a registry that swaps the knowledge of
   * the same engine needs none: the console follows `engine.kb`). */
  current?: () => Engine;
  /** The numbers of GET /api/stats (absent: 503). */
  stats?: StatsRecorder;
  /** Publishing a notice: the importer and the knowledge registry (absent: 503). */
  notices?: NoticePublisher;
  /** The chat log: the conversation of an unanswered question, 👍/👎 per answer (absent: not shown). */
  chatLog?: ChatLogView;
  /** 人工会话: the hand-off queue, presence and delivery (absent: those routes answer 404). */
  handoff?: Omit<HandoffConsoleDeps, "replies" | "now" | "logger">;
}

export const COOKIE = "console_session";
const DEFAULT_SESSION_HOURS = 12;
const OFF_MESSAGE = "热线坐席台未启用：请设置 CONSOLE_TOKEN（共享令牌）或 CONSOLE_USERS_FILE（用户文件）后重启服务。";
const UNAUTHORISED = "未登录或登录已过期，请重新登录。";
const LOGIN_FAILED = "用户名或密码不正确。";
const THROTTLED = "登录失败次数过多，请 10 分钟后再试。";
const IN_FLIGHT = "上一次登录尚未完成，请稍候再试。";
const BUSY = "登录请求过多，请稍后再试。";
const LOGIN_ERRORS = { 400: "请求格式不正确。", 401: LOGIN_FAILED, 429: THROTTLED, 503: BUSY } as const;

const LoginBody = z.object({
  name: z.string().max(200).optional().default(""),
  password: z.string().max(1024).optional().default(""),
});
const ReloadBody = z.strictObject({ dir: z.string().trim().min(1).max(4096).optional() });
/** Changes a staff (non-admin) session may make; every other change needs an admin. */
const STAFF_MAY = new Set(["POST /api/unanswered/handled", "POST /api/eligibility", "POST /api/logout", "POST /api/login"]);
const ADMIN_ONLY = "需要管理员权限：这个操作只有管理员（admin）可以做。";
const HandledBody = z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(10_000) });
const SearchQuery = z.object({
  q: z.string().max(500).optional().default(""),
  limit: z.coerce.number().int().min(1).max(30).optional().default(8),
});

interface Authed extends Request {
  consoleSession?: Session;
}

export function consoleRouter(options: ConsoleOptions): Router {
  const { engine, config } = options;
  const fixedKb = options.kb && options.kb !== engine.kb ? options.kb : undefined;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const router = express.Router();
  router.use(baseHeaders);

  const auth = new ConsoleAuth({
    token: config.CONSOLE_TOKEN,
    usersFile: config.CONSOLE_USERS_FILE,
    secret: config.CONSOLE_SECRET,
    sessionMs: (config.CONSOLE_SESSION_HOURS ?? DEFAULT_SESSION_HOURS) * 3_600_000,
    shared: options.shared,
    now,
    onError: (message) => logger?.error({ err: message }, "console users file"),
  });
  if (!auth.enabled) {
    logger?.info({ channel: "console" }, "坐席台未启用——未设置 CONSOLE_TOKEN 或 CONSOLE_USERS_FILE（/console 返回 503）");
    router.use((req, res) => {
      res.status(503);
      if (isApi(req)) res.json({ error: OFF_MESSAGE });
      else sendPage(res, (nonce) => offPage(nonce, OFF_MESSAGE));
    });
    return router;
  }
  if (auth.secretIsEphemeral) {
    (logger?.warn ?? logger?.info)?.call(logger, {}, "CONSOLE_SECRET 未设置：坐席台会话密钥为本进程随机生成，重启后需重新登录，多实例之间不共享");
  }

  const m = auth.methods;
  logger?.info({ channel: "console", token: m.token, users: m.users }, `坐席台已启用：/console（登录方式：${[m.token && "共享令牌", m.users && "用户文件"].filter(Boolean).join("、")}）`);
  // The answer edit layer and the engine answering from it. Without an injected republish, the console rebuilds an
  // engine of its own on the edited knowledge (same store and unanswered log), for its search and lists.
  const docs = options.docs ?? new MemoryDocs();
  const edits = options.edits ?? new AnswerEdits(docs, { now });
  const history = new ChangeHistory(docs);
  let local: Engine | undefined;
  const current = (): Engine => local ?? options.current?.() ?? engine;
  const republish =
    options.republish ??
    (async () => {
      await edits.refresh();
      local = new EngineClass(edits.apply(fixedKb ?? engine.kb), { store: engine.store, unanswered: engine.unanswered, now });
    });
  if (!options.republish) {
    (logger?.warn ?? logger?.info)?.call(logger, {}, "坐席台未接入 republish：答案修改只在坐席台的搜索和列表里生效");
    void edits
      .refresh()
      .then((layer) => (Object.keys(layer.answers).length ? republish() : undefined))
      .catch((err: Error) => logger?.error({ err: err.message }, "console edits"));
  }
  // The console's own views of the knowledge, built again when the engine answering has changed.
  const build = (e: Engine) => {
    const search = new ConsoleSearch(e.kb, e);
    return {
      engine: e,
      kb: e.kb,
      search,
      topics: answersByTopic(search.answers),
      plan: planView(e.kb),
      fees: feesView(e.kb),
      occupations: occupationsView(e.kb),
      eligibility: eligibilityOptions(e.kb),
    };
  };
  let built = build(options.kb && options.kb !== engine.kb ? new EngineClass(options.kb, { store: engine.store, unanswered: engine.unanswered, now }) : engine);
  const views = () => {
    const e = current();
    if (built.engine !== e || built.kb !== e.kb) built = build(e);
    return built;
  };
  const mayPublish = options.mayPublish ?? ((s: Session) => s.role === "admin");

  // A notice (up to 1 MB) is read by its own route's parser.
  const json = express.json({ limit: "64kb" });
  router.use((req, res, next) => (req.path === "/api/notices" ? next() : json(req, res, next)));
  router.use(express.urlencoded({ extended: false, limit: "16kb" }));
  router.use(sameOrigin);

  const session = (req: Request): Promise<Session | undefined> => auth.verify(readCookie(req, COOKIE));
  const cookieBase = (req: Request) => `${COOKIE}=%V; Path=${req.baseUrl || "/"}; HttpOnly; SameSite=Strict${req.secure ? "; Secure" : ""}`;
  const setSession = (req: Request, res: Response, s: Session) =>
    res.append("Set-Cookie", cookieBase(req).replace("%V", auth.sign(s)) + `; Max-Age=${Math.max(0, Math.floor((s.exp - now()) / 1000))}`);
  const clearSession = (req: Request, res: Response) => res.append("Set-Cookie", cookieBase(req).replace("%V", "") + "; Max-Age=0");
  const base = (req: Request) => req.baseUrl;

  // === Login and logout

  type Tried = { status: 200; session: Session } | { status: 400 | 401 | 429 | 503; name?: string; error: string; retryAfter?: number };
  const tryLogin = async (req: Request): Promise<Tried> => {
    const body = LoginBody.safeParse(req.body ?? {});
    if (!body.success) return { status: 400, error: LOGIN_ERRORS[400] };
    const name = body.data.name;
    // Keyed as the API's rate limit keys a client: an IPv6 address by its /56.
    const client = clientKey(req.ip ?? req.socket.remoteAddress);
    const r = await auth.attempt(name, body.data.password, client);
    if (r.ok) {
      logger?.info({ user: r.session.sub }, "console login");
      return { status: 200, session: r.session };
    }
    switch (r.reason) {
      case "invalid":
        logger?.info({ name: name.slice(0, 64), client }, "console login failed");
        return { status: 401, name, error: LOGIN_FAILED };
      case "locked":
        logger?.info({ client }, "console login refused: too many attempts");
        return { status: 429, name, error: THROTTLED, retryAfter: Math.ceil(r.retryAfterMs / 1000) };
      case "in-flight":
        return { status: 429, name, error: IN_FLIGHT, retryAfter: 1 };
      case "busy":
      case "unavailable":
        return { status: 503, name, error: BUSY, retryAfter: 1 };
    }
  };

  router.post("/login", async (req, res) => {
    const r = await tryLogin(req);
    if (r.status === 200) {
      setSession(req, res, r.session);
      res.redirect(303, `${base(req)}/`);
      return;
    }
    res.status(r.status);
    if (r.retryAfter) res.setHeader("Retry-After", String(r.retryAfter));
    sendPage(res, (nonce) => loginPage({ nonce, base: base(req), error: r.error, methods: auth.methods, name: r.name }));
  });

  router.post("/api/login", async (req, res) => {
    const r = await tryLogin(req);
    if (r.status === 200) {
      setSession(req, res, r.session);
      res.json({ ok: true, user: r.session.name, expiresAt: r.session.exp });
      return;
    }
    if (r.retryAfter) res.setHeader("Retry-After", String(r.retryAfter));
    res.status(r.status).json({ error: r.error });
  });

  const logout = async (req: Request, res: Response) => {
    const s = await session(req);
    if (s) {
      // Remembered in the store until the cookie would have expired: refused after a restart and on every instance.
      await auth.revoke(s);
      logger?.info({ user: s.sub }, "console logout");
    }
    clearSession(req, res);
  };
  router.post("/logout", async (req, res) => {
    await logout(req, res);
    res.redirect(303, `${base(req)}/`);
  });
  router.post("/api/logout", async (req, res) => {
    await logout(req, res);
    res.json({ ok: true });
  });

  // === The page

  router.get("/", async (req, res) => {
    const s = await session(req);
    if (!s) {
      if (readCookie(req, COOKIE)) clearSession(req, res);
      sendPage(res, (nonce) => loginPage({ nonce, base: base(req), methods: auth.methods }));
      return;
    }
    sendPage(res, (nonce) => consolePage({ nonce, base: base(req), user: s.name, role: s.role, handoff: Boolean(options.handoff) }));
  });

  // === The JSON API: everything below needs a session

  router.use("/api", async (req: Authed, res, next) => {
    const s = await session(req);
    if (!s) {
      res.status(401).json({ error: UNAUTHORISED });
      return;
    }
    req.consoleSession = s;
    next();
  });

  // Roles: staff search, browse, use the self-check and mark unanswered questions handled; every other change is an
  // admin's.
  router.use("/api", (req: Authed, res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || req.consoleSession!.role === "admin") return next();
    if (STAFF_MAY.has(`${req.method} /api${req.path.replace(/\/$/, "")}`)) return next();
    // 人工会话 is staff work: taking, replying, ending, opening an after-hours message.
    if (options.handoff && /^\/(handoffs|callbacks)\//.test(req.path)) return next();
    res.status(403).json({ error: ADMIN_ONLY });
  });

  router.get("/api/me", (req: Authed, res) => {
    res.json({
      user: req.consoleSession!.name,
      role: req.consoleSession!.role,
      expiresAt: req.consoleSession!.exp,
      features: { stats: Boolean(options.stats), notices: Boolean(options.notices), chatLog: Boolean(options.chatLog) },
    });
  });

  router.get("/api/search", (req, res) => {
    const p = SearchQuery.safeParse(req.query);
    if (!p.success) {
      res.status(400).json({ error: "参数 q 或 limit 不正确" });
      return;
    }
    const r = views().search.search(p.data.q, p.data.limit);
    res.setHeader("Server-Timing", `search;dur=${r.tookMs}`);
    res.json(r);
  });

  router.get("/api/answers", (_req, res) => {
    res.json({ topics: views().topics });
  });
  router.get("/api/plan", (_req, res) => {
    res.json(views().plan);
  });
  router.get("/api/fees", (_req, res) => {
    res.json(views().fees);
  });
  router.get("/api/occupations", (_req, res) => {
    res.json(views().occupations);
  });
  router.get("/api/eligibility/options", (_req, res) => {
    res.json(views().eligibility);
  });

  router.post("/api/eligibility", (req, res) => {
    const { kb, engine } = views();
    const p = parseProfile(kb, req.body);
    if (!p.ok) {
      res.status(400).json({ error: p.error });
      return;
    }
    const result = evaluate(kb, p.profile);
    const { profile } = p;
    const verdict = engine.composer.eligibilityVerdict({
      ...profile,
      age: profile.age ?? null,
      certificate: profile.certificate ?? null,
      education: profile.education ?? null,
    });
    res.json({
      result,
      text: verdict?.text ?? null,
      plain: verdict ? phoneText(kb, engine.composer.vars, verdict.text, verdict.clause) : null,
    });
  });

  // One page of groups (grouped as the log was written), newest first: ?page=1&limit=20&all=1; with the total.
  router.get("/api/unanswered", async (req, res) => {
    const page = await views().engine.unanswered.groups(unansweredQuery(req.query));
    const search = views().search;
    res.json({ ...page, groups: page.groups.map((g) => ({ ...g, intentLabel: g.intent ? search.intentLabel(g.intent) : null })) });
  });

  router.post("/api/unanswered/handled", async (req: Authed, res) => {
    const p = HandledBody.safeParse(req.body);
    if (!p.success) {
      res.status(400).json({ error: "请求体应为 {\"ids\": [编号, …]}" });
      return;
    }
    await engine.unanswered.markHandled(p.data.ids);
    logger?.info({ user: req.consoleSession!.sub, count: p.data.ids.length }, "console unanswered handled");
    res.json({ ok: true, marked: p.data.ids.length });
  });

  // === Publishing knowledge: the folders in use reloaded, or another folder; refused with the loader's problems
  // (each with its file and path) when it does not validate, and the knowledge in use keeps answering.
  const registry = options.registry;
  if (registry) {
    router.get("/api/knowledge", (_req, res) => {
      res.json(registry.status());
    });
    router.post("/api/knowledge/reload", async (req: Authed, res) => {
      const s = req.consoleSession!;
      if (!mayPublish(s)) {
        res.status(403).json({ error: "没有发布知识库的权限" });
        return;
      }
      const body = ReloadBody.safeParse(req.body ?? {});
      if (!body.success) {
        res.status(400).json({ error: '请求体应为 {} 或 {"dir": "<通知目录>"}' });
        return;
      }
      try {
        const result = await registry.reload(body.data.dir ? { dir: body.data.dir } : {});
        logger?.info({ user: s.sub, dir: body.data.dir, current: result.current }, "console knowledge published");
        res.json({ ok: true, ...result });
      } catch (err) {
        if (!(err instanceof KnowledgeError)) throw err;
        logger?.info({ user: s.sub, dir: body.data.dir, problems: err.problems.length }, "console knowledge refused");
        res.status(422).json({ error: `知识库未通过校验，未切换（仍使用 ${engine.kb.notice.year} 年的通知）`, problems: err.problems, current: registry.status().current });
      }
    });
  }
  workbenchRoutes(router, {
    engine: () => views().engine,
    intentLabel: (intent) => views().search.intentLabel(intent),
    unanswered: engine.unanswered,
    edits,
    history,
    republish,
    stats: options.stats,
    notices: options.notices,
    chatLog: options.chatLog,
    now,
    logger,
  });

  if (options.handoff) handoffRoutes(router, { ...options.handoff, replies: () => views().kb.replies, now, logger });

  router.use("/api", (_req, res) => {
    res.status(404).json({ error: "没有这个接口" });
  });

  router.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger?.error({ err: err.message, path: req.path }, "console error");
    const message = status === 500 ? "服务器内部错误" : err.type === "entity.parse.failed" ? "请求体不是合法的 JSON" : "请求不正确";
    res.status(status);
    if (isApi(req)) res.json({ error: message });
    else res.type("text/plain; charset=utf-8").send(message);
  });

  return router;
}

const isApi = (req: Request) => req.path === "/api" || req.path.startsWith("/api/");

/** Console responses are private and never cached or framed. */
function baseHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("X-Frame-Options", "DENY");
  next();
}

/** A page with its own CSP (replacing any the app set before): only this response's inline style and script run. */
function sendPage(res: Response, html: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString("base64");
  res.setHeader("Content-Security-Policy", pageCsp(nonce));
  res.type("html").send(html(nonce));
}

/** Refuses requests that change something when the browser says they come from another site (SameSite=Strict
 * already keeps the cookie away; this also covers the login form). Browsers send Sec-Fetch-Site; without it, the
 * Origin header decides. */
function sameOrigin(req: Request, res: Response, next: NextFunction): void {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
  const site = req.get("sec-fetch-site");
  const origin = req.get("origin");
  let foreign = false;
  if (site) foreign = site !== "same-origin" && site !== "none";
  else if (origin && origin !== "null") {
    try {
      foreign = new URL(origin).host !== req.get("host");
    } catch {
      foreign = true;
    }
  }
  if (foreign) {
    res.status(403);
    if (isApi(req)) res.json({ error: "拒绝跨站请求" });
    else res.type("text/plain; charset=utf-8").send("拒绝跨站请求");
    return;
  }
  next();
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }
  }
  return undefined;
}
