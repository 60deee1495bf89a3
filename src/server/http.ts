/**
 * The HTTP side of the service: the JSON API (a contract: keep it stable), the web chat at `/`, and a mount point
 * for other modules' routers (the 公众号 at /wechat, the staff console at /console).
 *
 *   POST /api/chat         {text[, userId]} → {replies, intent, confidence, parts, options, source, links, turnId, status}
 *   POST /api/chat/reset   (新对话)         → {ok}: the conversation's context and open dialog end
 *   GET  /api/chat/history                 → {turns}: this browser's transcript (the last 50 turns, masked)
 *   GET  /api/chat/updates?after=<seq>     → {messages: [{seq, from: "staff"|"bot", text, at}]}: sent outside a request
 *   GET  /api/chat/stream                  → the same messages pushed (server-sent events, id = seq)
 *   POST /api/feedback     {turnId, value} → {ok}: 👍/👎 ("up" | "down") on an answer of this conversation
 *   (who speaks: the web chat's signed cookie, or an API key with the body's userId: see identity.ts)
 *   POST /api/eligibility  profile         → the eligibility result; invalid → 400 {error: zod's message}
 *   POST /api/photo        picture bytes   → the photo check {ok, format, width, height, sizeKB, problems, reply}
 *   GET  /api/info                         → {notice: {year, title, shortName, docNumber}, contacts: {hotline, hours, website}}
 *   GET  /healthz                          → {status: "ok", version, uptime, notice: {year, docNumber}, notices, channels}
 *
 * Every error is JSON `{error, code}` with its status: 400 bad JSON or field, 404 unknown route, 405 wrong method,
 * 408 a picture not received within its deadline, 413 body over 64 KB (pictures: PHOTO_MAX_KB, 2 MB), 415 not JSON
 * (pictures: not JPEG or PNG, or compressed), 429 over a rate limit (per user id and per IP; pictures: uploads in
 * flight per client and in all), 500 anything else.
 */
import { createHash } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import helmet from "helmet";
import { z } from "zod";
import type { Knowledge } from "../knowledge/load.js";
import type { Engine } from "../engine/engine.js";
import type { Config } from "../config.js";
import { evaluateInput } from "../eligibility/profile.js";
import { checkPhoto, photoReply, PHOTO_MAX_KB } from "../channels/photo-check.js";
import { renderIndexPage, WEB_ASSETS_DIR } from "../web/page.js";
import { silentLog, type Log } from "./logger.js";
import { clientKey, rateLimit, type SharedWindowCounter } from "./rate-limit.js";
import { ChatIdentity } from "./identity.js";
import type { HandoffQueue } from "../handoff/queue.js";
import { chatUpdates, isUpdate, toUpdate, type ChatUpdate } from "../handoff/updates.js";
import { MemoryChatLog, type ChatLog, type FeedbackValue, type TranscriptTurn } from "../engine/chat-log.js";

export const BODY_LIMIT = "64kb";
/** Largest picture /api/photo reads by default (PHOTO_MAX_KB): the spec's 40–80 KB with room for a camera's original. */
export const PHOTO_LIMIT = `${PHOTO_MAX_KB}kb`;
/** Content types /api/photo takes: JPEG (the spec's format), PNG, and a file of unknown type (checked by its bytes). */
const PHOTO_TYPES = new Set(["image/jpeg", "image/jpg", "image/pjpeg", "image/png", "application/octet-stream"]);

export interface PhotoLimits {
  /** Largest picture read (bytes); a longer body is refused with 413 and not read further. */
  maxBytes: number;
  /** Uploads one client (IP, an IPv6 client by its /56) may have in flight; more get 429. */
  perClient: number;
  /** Uploads in flight in all; more get 429. */
  total: number;
  /** The whole body must arrive within this (ms), or 408 (a slow sender holds no slot for long). */
  bodyTimeoutMs: number;
}

export const DEFAULT_PHOTO_LIMITS: PhotoLimits = { maxBytes: PHOTO_MAX_KB * 1024, perClient: 2, total: 16, bodyTimeoutMs: 10_000 };
/** Open push streams (GET /api/chat/stream) per conversation and in all. */
const CHAT_STREAMS_PER_CONVERSATION = 4;
const CHAT_STREAMS_TOTAL = 5_000;
/** Longest question accepted on /api/chat, in characters. */
export const MAX_TEXT_CHARS = 2000;

export interface HttpAppOptions {
  kb: Knowledge;
  engine: Engine;
  config: Pick<Config, "RATE_LIMIT_PER_MINUTE"> &
    Partial<Pick<Config, "RATE_LIMIT_PER_IP_PER_MINUTE" | "TRUST_PROXY" | "WEB_EMBED_ORIGINS" | "CHAT_SECRET" | "CHAT_IDLE_MINUTES" | "API_KEYS" | "PHOTO_MAX_KB">>;
  /** The web chat's transcripts and feedback (default: in memory). */
  chatLog?: ChatLog;
  /** /api/photo's limits (default DEFAULT_PHOTO_LIMITS, maxBytes from PHOTO_MAX_KB); tests shorten them. */
  photoLimits?: Partial<PhotoLimits>;
  logger?: Log;
  /** Reported by /healthz (package.json's version). */
  version?: string;
  /** When the service started (ms), for /healthz uptime. */
  startedAt?: number;
  /**
   * Other modules' routers. Called once, after the API and the web chat and before the 404 and error handlers,
   * so whatever it mounts is reachable and its errors come out as JSON like the API's. One line per router:
   *   mount: (app) => { app.use("/wechat", oaRouter); app.use("/console", consoleRouter); }
   */
  mount?: (app: Express) => void;
  /** Rate-limit window (ms); tests shorten it. */
  rateWindowMs?: number;
  /** Each channel's state for /healthz: `{name: {on, reason?, lastError?}}`. */
  channels?: () => Record<string, { on: boolean; reason?: string; lastError?: string }>;
  /** The hand-off queue: staff messages for GET /api/chat/updates (absent: no updates). */
  handoff?: { queue: HandoffQueue };
  /** Several instances (Redis): rate limits counted in the shared store, one counter per named limit. */
  sharedRates?: (name: string) => SharedWindowCounter;
}

/** An error with the HTTP status and code it should be answered with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const UserId = z
  .string({ error: "userId 应为字符串" })
  .trim()
  .min(1, "userId 不能为空")
  .max(200, "userId 过长（最多 200 字符）");

const ChatRequest = z.object({
  // Read only with an API key (without one the cookie decides, and a userId sent is ignored).
  userId: UserId.optional(),
  text: z.string({ error: "text 应为字符串" }).max(MAX_TEXT_CHARS, `text 过长（最多 ${MAX_TEXT_CHARS} 字符）`),
}, { error: '请求体应为 JSON 对象：{"text": "…"}（带 API 密钥时另需 "userId"）' });

const FeedbackRequest = z.object({
  turnId: z.string({ error: "turnId 应为字符串" }).min(1, "turnId 不能为空").max(100, "turnId 过长"),
  value: z.enum(["up", "down"], { error: 'value 应为 "up" 或 "down"' }),
  userId: UserId.optional(),
}, { error: '请求体应为 JSON 对象：{"turnId": "…", "value": "up" | "down"}' });

const ResetRequest = z.object({ userId: UserId.optional() }, { error: "请求体应为 JSON 对象" });

/** Turns of the transcript GET /api/chat/history gives. */
export const HISTORY_TURNS = 50;

/**
 * helmet's headers with our options are the same on every response: its middleware runs once here against a
 * recording response, and the app sets the recorded headers in one step. A helmet that did not finish synchronously
 * (a directive computed per request, which we do not use) is used as the middleware it is.
 */
export function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const headers = new Map<string, string>();
  let done = false;
  const recorder = {
    setHeader: (name: string, value: string | number) => void headers.set(name, String(value)),
    removeHeader: () => {},
    getHeader: () => undefined,
  };
  try {
    void middleware({ headers: {} } as Request, recorder as unknown as Response, (err?: unknown) => (done = err === undefined));
  } catch {
    done = false;
  }
  if (!done) return middleware;
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}

/** "1" → 1, "true" → true, "loopback, 10.0.0.0/8" → as is: the forms express's "trust proxy" takes. */
export function trustProxyValue(v: string | undefined): boolean | number | string {
  if (!v) return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === "true" || v === "false") return v === "true";
  return v;
}

const sendError = (res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).json({ error: message, code });
};

export function createHttpApp(options: HttpAppOptions): Express {
  const { engine, config } = options;
  // The knowledge answered from follows a publish (engine.kb), unless a knowledge base other than the engine's was given.
  const fixedKb = options.kb !== engine.kb ? options.kb : undefined;
  const knowledge = () => fixedKb ?? engine.kb;
  const log = options.logger ?? silentLog;
  const startedAt = options.startedAt ?? Date.now();
  const windowMs = options.rateWindowMs ?? 60_000;
  const perUser = config.RATE_LIMIT_PER_MINUTE;
  const perIp = config.RATE_LIMIT_PER_IP_PER_MINUTE ?? perUser * 5;
  const embed = config.WEB_EMBED_ORIGINS ?? [];

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", trustProxyValue(config.TRUST_PROXY));
  app.set("json spaces", 0);
  // No ETag on API answers (POST replies are not cached); the web page sets its own (see sendIndex).
  app.set("etag", false);

  app.use(
    fixedHeaders(helmet({
      contentSecurityPolicy: {
        directives: {
          // Served over plain HTTP inside a LAN too: do not make browsers rewrite the page's requests to https.
          upgradeInsecureRequests: null,
          frameAncestors: ["'self'", ...embed],
        },
      },
      // X-Frame-Options cannot list origins: with embedding origins set, CSP frame-ancestors alone decides.
      frameguard: embed.length ? false : { action: "sameorigin" },
    })),
  );

  // Access log at debug level: method, path, status, time; never the question text. (Server errors are logged by
  // the error handlers with their cause, at every level.)
  if (log.isLevelEnabled?.("debug") ?? true) {
    app.use((req, res, next) => {
      const t0 = process.hrtime.bigint();
      res.on("finish", () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const entry = { method: req.method, path: req.originalUrl.split("?")[0], status: res.statusCode, ms: Math.round(ms * 10) / 10, ip: req.ip };
        if (res.statusCode >= 500) log.error(entry, "http");
        else log.debug(entry, "http");
      });
      next();
    });
  }

  app.get("/healthz", (_req, res) => {
    const n = engine.kb.notice;
    res.json({
      status: "ok",
      version: options.version ?? "0.0.0",
      uptime: Math.round((Date.now() - startedAt) / 1000),
      // The notice in use, and every notice held (a question naming another year is answered from it).
      notice: { year: n.year, docNumber: n.docNumber },
      notices: engine.notices.all.map((k) => ({ year: k.notice.year, docNumber: k.notice.docNumber })),
      ...(options.channels ? { channels: options.channels() } : {}),
    });
  });

  // The notice the answers come from and how to reach a person: for the web chat's banner and the gateway's apology.
  app.get("/api/info", (_req, res) => {
    const { notice, contacts } = engine.kb;
    res.json({
      notice: { year: notice.year, title: notice.title, shortName: notice.shortName, docNumber: notice.docNumber },
      contacts: { hotline: contacts.hotline.text, hours: contacts.hours.text, website: contacts.website.text },
    });
  });

  // === API
  const limited = (code: string, message: string) => (_req: Request, res: Response, retryAfter: number) =>
    sendError(res, 429, code, message, { "Retry-After": String(retryAfter) });
  const ipLimiter = rateLimit({
    windowMs,
    limit: perIp,
    headers: true,
    key: (req) => clientKey(req.ip),
    onLimited: limited("rate_limited_ip", "请求过于频繁（按 IP 计），请稍后再试"),
    shared: options.sharedRates?.("ip"),
  });
  const userLimiter = rateLimit({
    windowMs,
    limit: perUser,
    // Runs after the caller is known: its conversation.
    key: (req) => (req.res!.locals as ChatLocals).conv,
    onLimited: limited("rate_limited_user", "该用户的请求过于频繁，请稍后再试"),
    shared: options.sharedRates?.("user"),
  });

  // The API's routes sit on the app itself under /api (a nested router would walk a second stack per request).
  app.use("/api", ipLimiter, express.json({ limit: BODY_LIMIT, strict: true, type: ["application/json", "application/*+json"] }));
  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is(["application/json", "application/*+json"])) {
      return next(new HttpError(415, "unsupported_media_type", "请求体应为 JSON（Content-Type: application/json）"));
    }
    next();
  };

  // === Who speaks: the web chat's cookie, or an API key and its userId (identity.ts)
  const identity = new ChatIdentity({
    secret: config.CHAT_SECRET,
    idleMs: (config.CHAT_IDLE_MINUTES ?? 120) * 60_000,
    keys: config.API_KEYS,
    embedded: embed.length > 0,
  });
  const chatLog = options.chatLog ?? new MemoryChatLog();
  interface ChatLocals {
    conv: string;
    /** The web chat's conversation (recorded for its history); false for an API key's. */
    web: boolean;
  }
  /**
   * Sets res.locals.conv from the API key and the userId (body, or the query of a GET; required with a key), or
   * from the cookie (issued or renewed here).
   */
  const identify = (req: Request, res: Response, next: NextFunction) => {
    const key = identity.apiKey(req);
    if (key === null) return next(new HttpError(401, "invalid_api_key", "API 密钥无效（Authorization: Bearer <密钥>）"));
    const locals = res.locals as ChatLocals;
    if (key !== undefined) {
      const userId = (req.body as { userId?: string } | undefined)?.userId ?? (typeof req.query.userId === "string" ? req.query.userId.trim() : undefined);
      if (!userId) return next(new HttpError(400, "invalid_request", "✖ userId 不能为空（带 API 密钥的请求需要 userId）\n  → at userId"));
      if (userId.length > 200) return next(new HttpError(400, "invalid_request", "✖ userId 过长（最多 200 字符）\n  → at userId"));
      locals.conv = `api:${key}:${userId}`;
      locals.web = false;
    } else {
      locals.conv = identity.web(req, res).conv;
      locals.web = true;
    }
    next();
  };
  const validate = (schema: z.ZodType) => (req: Request, _res: Response, next: NextFunction) => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) return next(new HttpError(400, "invalid_request", z.prettifyError(parsed.error)));
    req.body = parsed.data;
    next();
  };

  app.post("/api/chat", requireJson, validate(ChatRequest), identify, userLimiter, async (req, res) => {
    const { text } = req.body as z.infer<typeof ChatRequest>;
    const { conv, web } = res.locals as ChatLocals;
    // The HTTP channel's users live beside the WeChat ones in one session store: a prefix keeps them apart.
    const r = await engine.turn(`http:${conv}`, text, "http");
    if (web) {
      const turn: TranscriptTurn = { turnId: r.turnId, at: Date.now(), text: r.chosen ?? text, reply: r.reply, intent: r.intent, status: r.status };
      await chatLog.append(conv, turn).catch((err: Error) => log.error({ err: err.message }, "transcript not stored"));
    }
    res.json({
      replies: r.replies,
      intent: r.intent,
      confidence: r.confidence,
      parts: r.reply.parts,
      options: r.reply.options,
      source: r.reply.source ?? null,
      links: r.reply.links,
      turnId: r.turnId,
      status: r.status,
      ...(r.chosen ? { chosen: r.chosen } : {}),
    });
  });

  // Staff messages (and the bot's notices of a hand-off) sent outside a request: the client asks for those after a seq.
  app.get("/api/chat/updates", identify, async (req, res) => {
    const { conv } = res.locals as ChatLocals;
    const after = Number(req.query.after ?? 0);
    if (!Number.isInteger(after) || after < 0) throw new HttpError(400, "invalid_request", "✖ after 应为不小于 0 的整数\n  → at after");
    res.setHeader("Cache-Control", "no-store");
    res.json({ messages: options.handoff ? await chatUpdates(options.handoff.queue, `http:${conv}`, after) : [] });
  });

  // The same updates pushed to the open page (server-sent events); each event's id is its seq, so a reconnect
  // (Last-Event-ID, or ?after=) gets what it missed first. A few streams per conversation, a bounded number in all.
  const streams = new Map<string, number>();
  let streamsOpen = 0;
  app.get("/api/chat/stream", identify, async (req, res) => {
    const { conv } = res.locals as ChatLocals;
    const queue = options.handoff?.queue;
    if (!queue) throw new HttpError(404, "not_found", "人工服务未启用");
    if ((streams.get(conv) ?? 0) >= CHAT_STREAMS_PER_CONVERSATION || streamsOpen >= CHAT_STREAMS_TOTAL) {
      throw new HttpError(429, "too_many_streams", "打开的对话窗口过多，请关闭其他窗口后再试");
    }
    const after = Number(req.get("last-event-id") ?? req.query.after ?? 0);
    const conversation = `http:${conv}`;
    streams.set(conv, (streams.get(conv) ?? 0) + 1);
    streamsOpen++;
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    let last = Number.isInteger(after) && after > 0 ? after : 0;
    const send = (m: ChatUpdate) => {
      if (m.seq <= last || res.writableEnded) return;
      last = m.seq;
      res.write(`id: ${m.seq}\nevent: message\ndata: ${JSON.stringify(m)}\n\n`);
    };
    const pending: ChatUpdate[] = [];
    let caughtUp = false;
    const unsubscribe = queue.subscribe((e) => {
      if (e.type !== "message" || e.conversation !== conversation || !isUpdate(e.entry)) return;
      const m = toUpdate(e.seq, e.entry);
      if (caughtUp) send(m);
      else pending.push(m);
    });
    const timer = setInterval(() => res.write(": keep-alive\n\n"), 25_000);
    req.on("close", () => {
      clearInterval(timer);
      unsubscribe();
      streamsOpen--;
      const n = (streams.get(conv) ?? 1) - 1;
      if (n > 0) streams.set(conv, n);
      else streams.delete(conv);
    });
    res.write("retry: 3000\n\n");
    if (last > 0) for (const m of await chatUpdates(queue, conversation, last)) send(m);
    caughtUp = true;
    for (const m of pending) send(m);
  });

  // 新对话: the server forgets the context and the open dialog; the web chat also gets a new conversation id.
  app.post("/api/chat/reset", validate(ResetRequest.optional()), identify, async (req, res) => {
    const { conv, web } = res.locals as ChatLocals;
    await engine.reset(`http:${conv}`);
    // 新对话 leaves a hand-off: nobody is waiting on that conversation any more.
    const queue = options.handoff?.queue;
    const open = queue ? await queue.current(`http:${conv}`) : undefined;
    if (queue && open) {
      await queue.record(open.conversation, { at: Date.now(), from: "candidate", text: "（考生开始了新对话，离开了这个会话）" });
      await queue.close(open.id);
    }
    if (web) {
      await chatLog.clear(conv);
      // The cookie just renewed by identify() is replaced by a new conversation's.
      res.removeHeader("Set-Cookie");
      identity.issue(req, res);
    }
    res.json({ ok: true });
  });

  // The transcript of this browser's conversation, so the page shows it again after a reload. Options are given
  // only on the last turn, and only while the bot still waits for that choice.
  app.get("/api/chat/history", identify, async (_req, res) => {
    const { conv, web } = res.locals as ChatLocals;
    const turns = web ? await chatLog.history(conv, HISTORY_TURNS) : [];
    res.setHeader("Cache-Control", "no-store");
    res.json({
      turns: turns.map((t, i) => ({
        turnId: t.turnId,
        at: t.at,
        text: t.text,
        parts: t.reply.parts,
        options: i === turns.length - 1 ? t.reply.options : [],
        source: t.reply.source ?? null,
        links: t.reply.links,
        intent: t.intent,
        status: t.status,
        feedback: t.feedback ?? null,
      })),
    });
  });

  app.post("/api/feedback", requireJson, validate(FeedbackRequest), identify, async (req, res) => {
    const { turnId, value } = req.body as z.infer<typeof FeedbackRequest>;
    const { conv } = res.locals as ChatLocals;
    if (!(await chatLog.feedback(conv, turnId, value as FeedbackValue))) {
      throw new HttpError(404, "unknown_turn", "没有这条回答（对话已结束或不属于本对话）");
    }
    res.json({ ok: true });
  });

  app.post("/api/eligibility", requireJson, (req, res) => {
    const r = evaluateInput(knowledge(), req.body);
    if ("error" in r) throw new HttpError(400, "invalid_profile", r.error);
    res.json(r);
  });

  // The web chat's photo check: the file as it will be uploaded to the platform (no WeChat compression on the way).
  app.post("/api/photo", photoRoute(knowledge, clientKey, {
    ...DEFAULT_PHOTO_LIMITS,
    ...(config.PHOTO_MAX_KB ? { maxBytes: config.PHOTO_MAX_KB * 1024 } : {}),
    ...options.photoLimits,
  }));

  for (const path of ["/api/chat", "/api/chat/reset", "/api/feedback", "/api/eligibility", "/api/photo"]) {
    app.all(path, (_req, res) => sendError(res, 405, "method_not_allowed", "只接受 POST 请求", { Allow: "POST" }));
  }
  app.all("/api/chat/history", (_req, res) => sendError(res, 405, "method_not_allowed", "只接受 GET 请求", { Allow: "GET" }));

  // === Web chat: the page (rendered once from the knowledge base) and its script and style sheet
  let page = { kb: knowledge(), html: "", etag: "" };
  const indexPage = () => {
    if (!page.html || page.kb !== knowledge()) {
      // With the hand-off, the page listens for staff messages (data-handoff).
      const rendered = renderIndexPage(knowledge());
      const html = options.handoff ? rendered.replace('<main id="app" ', '<main id="app" data-handoff="1" ') : rendered;
      page = { kb: knowledge(), html, etag: `"${createHash("sha256").update(html).digest("base64url").slice(0, 27)}"` };
    }
    return page;
  };
  indexPage();
  const sendIndex = (_req: Request, res: Response) => {
    const { html: indexHtml, etag: indexEtag } = indexPage();
    res.setHeader("Cache-Control", "no-cache");
    // With the ETag, a browser revalidating the page gets 304 (res.send checks the request's If-None-Match).
    res.setHeader("ETag", indexEtag);
    res.type("html").send(indexHtml);
  };
  app.get(["/", "/index.html"], sendIndex);
  app.use(express.static(WEB_ASSETS_DIR, { index: false, dotfiles: "ignore", maxAge: "10m" }));

  // ── Other modules' routers: mounted here, before the 404 handler (see HttpAppOptions.mount).
  options.mount?.(app);

  // === Errors
  app.use((req, res) => sendError(res, 404, "not_found", `没有这个地址：${req.method} ${req.path}`));

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    if (res.headersSent) return;
    const e = err as { status?: number; statusCode?: number; type?: string; code?: string; message?: string; expose?: boolean };
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    const status = e.status ?? e.statusCode ?? 500;
    if (e.type === "entity.parse.failed") return sendError(res, 400, "invalid_json", "请求体不是合法的 JSON");
    if (e.type === "entity.too.large") {
      const limit = (e as { limit?: number }).limit;
      return sendError(res, 413, "body_too_large", `请求体过大（上限 ${limit ? `${Math.round(limit / 1024)}KB` : BODY_LIMIT}）`);
    }
    if (e.type === "charset.unsupported" || e.type === "encoding.unsupported") return sendError(res, 415, "unsupported_encoding", "不支持的字符集或压缩方式");
    if (status >= 400 && status < 500 && e.expose !== false) return sendError(res, status, e.code ?? "bad_request", e.message ?? "请求有误");
    log.error({ err: e.message, stack: (err as Error)?.stack, path: req.path }, "request failed");
    sendError(res, 500, "internal_error", "服务器内部错误");
  };
  app.use(onError);
  return app;
}

/**
 * POST /api/photo: the body streamed and counted, kept only up to the limit, never decompressed; the picture measured
 * from its header (photo-check's bounded scan). Refused before reading: a compressed body (Content-Encoding other
 * than identity, 415), a type other than JPEG or PNG (415), a declared length over the limit (413), a client with
 * `perClient` uploads in flight or a service with `total` (429). While reading: past the limit 413, and the body not
 * complete within `bodyTimeoutMs` 408; either way the rest is not kept and the connection is closed.
 */
function photoRoute(knowledge: () => Knowledge, keyOf: (ip: string | undefined) => string, limits: PhotoLimits): RequestHandler {
  const inFlight = new Map<string, number>();
  let total = 0;
  const maxKB = Math.round(limits.maxBytes / 1024);
  return (req, res) => {
    // The knowledge in use now (a publish switches it): the spec and the reply's words.
    const kb = knowledge();
    const spec = kb.materials.photo;
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      // The unread rest of the body is not waited for: the connection closes once the answer is out.
      sendError(res, status, code, message, { Connection: "close", ...headers });
      res.once("finish", () => {
        if (!req.complete) setImmediate(() => req.socket?.destroy());
      });
    };
    const encoding = String(req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
    if (encoding !== "identity" && encoding !== "") {
      return refuse(415, "unsupported_encoding", "不接受压缩的上传（Content-Encoding），请直接上传照片文件");
    }
    const type = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (!PHOTO_TYPES.has(type)) {
      return refuse(415, "unsupported_media_type", `请上传 JPEG 或 PNG 图片（报名照片要求 ${spec.format} 格式，Content-Type: image/jpeg）`);
    }
    const declared = Number(req.headers["content-length"]);
    if (declared > limits.maxBytes) return refuse(413, "body_too_large", `图片过大（上限 ${maxKB}KB；照片要求 ${spec.minSizeKB}–${spec.maxSizeKB}KB）`);
    const key = keyOf(req.ip);
    const mine = inFlight.get(key) ?? 0;
    if (mine >= limits.perClient || total >= limits.total) {
      return refuse(429, "too_many_uploads", "正在检查的照片过多，请等上一张检查完再试", { "Retry-After": "5" });
    }
    inFlight.set(key, mine + 1);
    total++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      total--;
      const n = (inFlight.get(key) ?? 1) - 1;
      if (n > 0) inFlight.set(key, n);
      else inFlight.delete(key);
    };
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (status?: number, code?: string, message?: string) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      chunks.length = 0;
      release();
      if (status) {
        // Whatever else arrives is dropped, not kept (the socket closes once the answer is out).
        req.removeListener("data", onData);
        req.resume();
        refuse(status, code!, message!);
      }
    };
    const deadline = setTimeout(() => finish(408, "body_timeout", "上传超时，请重新上传照片"), limits.bodyTimeoutMs);
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) return finish(413, "body_too_large", `图片过大（上限 ${maxKB}KB；照片要求 ${spec.minSizeKB}–${spec.maxSizeKB}KB）`);
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("error", () => finish());
    res.once("close", () => finish());
    req.once("end", () => {
      if (done) return;
      const body = Buffer.concat(chunks, received);
      finish();
      if (!body.length) return sendError(res, 400, "empty_body", "没有收到图片");
      const check = checkPhoto(spec, body);
      res.json({
        ok: check.ok,
        format: check.format ?? null,
        width: check.width ?? null,
        height: check.height ?? null,
        sizeKB: Math.round(check.sizeKB * 10) / 10,
        problems: check.problems,
        reply: photoReply(kb, check),
      });
    });
  };
}
