/**
 * The hotline staff console as an express Router: mount it with `app.use("/console", consoleRouter({ engine, config }))`.
 * Without CONSOLE_TOKEN and CONSOLE_USERS_FILE it answers 503: it is never open without login.
 */
import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { Config } from "../config.js";
import type { Engine } from "../engine/engine.js";
import type { Knowledge } from "../knowledge/load.js";
import { parseProfile } from "../eligibility/profile.js";
import { evaluate } from "../eligibility/rules.js";
import { ConsoleAuth, type Session } from "./auth.js";
import { consolePage, loginPage, offPage, pageCsp } from "./page.js";
import { unansweredQuery } from "./unanswered.js";
import { ConsoleSearch } from "./search.js";
import { answersByTopic, eligibilityOptions, feesView, occupationsView, phoneText, planView } from "./views.js";

export type ConsoleConfig = Partial<Pick<Config, "CONSOLE_TOKEN" | "CONSOLE_USERS_FILE" | "CONSOLE_SECRET" | "CONSOLE_SESSION_HOURS">>;

export interface ConsoleLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ConsoleOptions {
  engine: Engine;
  /** Defaults to the engine's knowledge base (the chat and the console answer from the same entries). */
  kb?: Knowledge;
  config: ConsoleConfig;
  logger?: ConsoleLogger;
  now?: () => number;
}

export const COOKIE = "console_session";
const DEFAULT_SESSION_HOURS = 12;
const OFF_MESSAGE = "热线坐席台未启用：请设置 CONSOLE_TOKEN（共享令牌）或 CONSOLE_USERS_FILE（用户文件）后重启服务。";
const UNAUTHORISED = "未登录或登录已过期，请重新登录。";
const LOGIN_FAILED = "用户名或密码不正确。";
const THROTTLED = "登录失败次数过多，请 10 分钟后再试。";

const LoginBody = z.object({
  name: z.string().max(200).optional().default(""),
  password: z.string().max(1024).optional().default(""),
});
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
  const kb = options.kb ?? engine.kb;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const router = express.Router();
  router.use(baseHeaders);

  const auth = new ConsoleAuth({
    token: config.CONSOLE_TOKEN,
    usersFile: config.CONSOLE_USERS_FILE,
    secret: config.CONSOLE_SECRET,
    sessionMs: (config.CONSOLE_SESSION_HOURS ?? DEFAULT_SESSION_HOURS) * 3_600_000,
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
  const search = new ConsoleSearch(kb, engine);
  const topics = answersByTopic(search.answers);
  const plan = planView(kb);
  const fees = feesView(kb);
  const occupations = occupationsView(kb);
  const eligibility = eligibilityOptions(kb);

  router.use(express.json({ limit: "64kb" }));
  router.use(express.urlencoded({ extended: false, limit: "16kb" }));
  router.use(sameOrigin);

  const session = (req: Request) => auth.verify(readCookie(req, COOKIE));
  const cookieBase = (req: Request) => `${COOKIE}=%V; Path=${req.baseUrl || "/"}; HttpOnly; SameSite=Strict${req.secure ? "; Secure" : ""}`;
  const setSession = (req: Request, res: Response, s: Session) =>
    res.append("Set-Cookie", cookieBase(req).replace("%V", auth.sign(s)) + `; Max-Age=${Math.max(0, Math.floor((s.exp - now()) / 1000))}`);
  const clearSession = (req: Request, res: Response) => res.append("Set-Cookie", cookieBase(req).replace("%V", "") + "; Max-Age=0");
  const base = (req: Request) => req.baseUrl;

  // === Login and logout

  const tryLogin = async (req: Request) => {
    const body = LoginBody.safeParse(req.body ?? {});
    if (!body.success) return { status: 400 as const };
    const client = req.ip ?? req.socket.remoteAddress ?? "?";
    if (auth.throttled(client)) return { status: 429 as const, name: body.data.name };
    const s = await auth.login(body.data.name, body.data.password, client);
    if (!s) {
      logger?.info({ name: body.data.name.slice(0, 64), client }, "console login failed");
      return { status: 401 as const, name: body.data.name };
    }
    logger?.info({ user: s.sub }, "console login");
    return { status: 200 as const, session: s };
  };

  router.post("/login", async (req, res) => {
    const r = await tryLogin(req);
    if (r.session) {
      setSession(req, res, r.session);
      res.redirect(303, `${base(req)}/`);
      return;
    }
    res.status(r.status);
    const error = r.status === 429 ? THROTTLED : r.status === 400 ? "请求格式不正确。" : LOGIN_FAILED;
    sendPage(res, (nonce) => loginPage({ nonce, base: base(req), error, methods: auth.methods, name: r.name }));
  });

  router.post("/api/login", async (req, res) => {
    const r = await tryLogin(req);
    if (r.session) {
      setSession(req, res, r.session);
      res.json({ ok: true, user: r.session.name, expiresAt: r.session.exp });
      return;
    }
    res.status(r.status).json({ error: r.status === 429 ? THROTTLED : r.status === 400 ? "请求格式不正确。" : LOGIN_FAILED });
  });

  const logout = (req: Request, res: Response) => {
    const s = session(req);
    if (s) {
      auth.revoke(s);
      logger?.info({ user: s.sub }, "console logout");
    }
    clearSession(req, res);
  };
  router.post("/logout", (req, res) => {
    logout(req, res);
    res.redirect(303, `${base(req)}/`);
  });
  router.post("/api/logout", (req, res) => {
    logout(req, res);
    res.json({ ok: true });
  });

  // === The page

  router.get("/", (req, res) => {
    const s = session(req);
    if (!s) {
      if (readCookie(req, COOKIE)) clearSession(req, res);
      sendPage(res, (nonce) => loginPage({ nonce, base: base(req), methods: auth.methods }));
      return;
    }
    sendPage(res, (nonce) => consolePage({ nonce, base: base(req), user: s.name }));
  });

  // === The JSON API: everything below needs a session

  router.use("/api", (req: Authed, res, next) => {
    const s = session(req);
    if (!s) {
      res.status(401).json({ error: UNAUTHORISED });
      return;
    }
    req.consoleSession = s;
    next();
  });

  router.get("/api/me", (req: Authed, res) => {
    res.json({ user: req.consoleSession!.name, expiresAt: req.consoleSession!.exp });
  });

  router.get("/api/search", (req, res) => {
    const p = SearchQuery.safeParse(req.query);
    if (!p.success) {
      res.status(400).json({ error: "参数 q 或 limit 不正确" });
      return;
    }
    const r = search.search(p.data.q, p.data.limit);
    res.setHeader("Server-Timing", `search;dur=${r.tookMs}`);
    res.json(r);
  });

  router.get("/api/answers", (_req, res) => {
    res.json({ topics });
  });
  router.get("/api/plan", (_req, res) => {
    res.json(plan);
  });
  router.get("/api/fees", (_req, res) => {
    res.json(fees);
  });
  router.get("/api/occupations", (_req, res) => {
    res.json(occupations);
  });
  router.get("/api/eligibility/options", (_req, res) => {
    res.json(eligibility);
  });

  router.post("/api/eligibility", (req, res) => {
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
    const page = await engine.unanswered.groups(unansweredQuery(req.query));
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
