/**
 * The HTTP side of the service: the JSON API (a contract: keep it stable), the web chat at `/`, and a mount point
 * for other modules' routers (the 公众号 at /wechat, the staff console at /console).
 *
 *   POST /api/chat         {userId, text}  → {replies, intent, confidence}
 *   POST /api/eligibility  profile         → the eligibility result; invalid → 400 {error: zod's message}
 *   POST /api/photo        picture bytes   → the photo check {ok, format, width, height, sizeKB, problems, reply}
 *   GET  /healthz                          → {status: "ok", version, uptime}
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
import { parseProfile } from "../eligibility/profile.js";
import { evaluate } from "../eligibility/rules.js";
import { checkPhoto, photoReply, PHOTO_MAX_KB } from "../channels/photo-check.js";
import { renderIndexPage, WEB_ASSETS_DIR } from "../web/page.js";
import { silentLog, type Log } from "./logger.js";
import { clientKey, rateLimit } from "./rate-limit.js";

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
/** Longest question accepted on /api/chat, in characters. */
export const MAX_TEXT_CHARS = 2000;

export interface HttpAppOptions {
  kb: Knowledge;
  engine: Engine;
  config: Pick<Config, "RATE_LIMIT_PER_MINUTE"> &
    Partial<Pick<Config, "RATE_LIMIT_PER_IP_PER_MINUTE" | "TRUST_PROXY" | "WEB_EMBED_ORIGINS" | "PHOTO_MAX_KB">>;
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

const ChatRequest = z.object({
  userId: z
    .string({ error: "userId 应为字符串" })
    .trim()
    .min(1, "userId 不能为空")
    .max(200, "userId 过长（最多 200 字符）"),
  text: z.string({ error: "text 应为字符串" }).max(MAX_TEXT_CHARS, `text 过长（最多 ${MAX_TEXT_CHARS} 字符）`),
}, { error: '请求体应为 JSON 对象：{"userId": "…", "text": "…"}' });

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
  const { kb, engine, config } = options;
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
    res.json({ status: "ok", version: options.version ?? "0.0.0", uptime: Math.round((Date.now() - startedAt) / 1000) });
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
  });
  const userLimiter = rateLimit({
    windowMs,
    limit: perUser,
    // Runs after the body is validated: the user id is there.
    key: (req) => (req.body as { userId: string }).userId,
    onLimited: limited("rate_limited_user", "该用户的请求过于频繁，请稍后再试"),
  });

  // The API's routes sit on the app itself under /api (a nested router would walk a second stack per request).
  app.use("/api", ipLimiter, express.json({ limit: BODY_LIMIT, strict: true, type: ["application/json", "application/*+json"] }));
  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is(["application/json", "application/*+json"])) {
      return next(new HttpError(415, "unsupported_media_type", "请求体应为 JSON（Content-Type: application/json）"));
    }
    next();
  };

  app.post(
    "/api/chat",
    requireJson,
    (req, _res, next) => {
      const parsed = ChatRequest.safeParse(req.body);
      if (!parsed.success) return next(new HttpError(400, "invalid_request", z.prettifyError(parsed.error)));
      req.body = parsed.data;
      next();
    },
    userLimiter,
    async (req, res) => {
      const { userId, text } = req.body as z.infer<typeof ChatRequest>;
      // The HTTP channel's users live beside the WeChat ones in one session store: a prefix keeps them apart.
      const r = await engine.turn(`http:${userId}`, text, "http");
      res.json({ replies: r.replies, intent: r.intent, confidence: r.confidence });
    },
  );

  app.post("/api/eligibility", requireJson, (req, res) => {
    const p = parseProfile(kb, req.body);
    if (!p.ok) throw new HttpError(400, "invalid_profile", p.error);
    res.json(evaluate(kb, p.profile));
  });

  // The web chat's photo check: the file as it will be uploaded to the platform (no WeChat compression on the way).
  app.post("/api/photo", photoRoute(kb, clientKey, {
    ...DEFAULT_PHOTO_LIMITS,
    ...(config.PHOTO_MAX_KB ? { maxBytes: config.PHOTO_MAX_KB * 1024 } : {}),
    ...options.photoLimits,
  }));

  for (const path of ["/api/chat", "/api/eligibility", "/api/photo"]) {
    app.all(path, (_req, res) => sendError(res, 405, "method_not_allowed", "只接受 POST 请求", { Allow: "POST" }));
  }

  // === Web chat: the page (rendered once from the knowledge base) and its script and style sheet
  const indexHtml = renderIndexPage(kb);
  const indexEtag = `"${createHash("sha256").update(indexHtml).digest("base64url").slice(0, 27)}"`;
  const sendIndex = (_req: Request, res: Response) => {
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
function photoRoute(kb: Knowledge, keyOf: (ip: string | undefined) => string, limits: PhotoLimits): RequestHandler {
  const inFlight = new Map<string, number>();
  let total = 0;
  const spec = kb.materials.photo;
  const maxKB = Math.round(limits.maxBytes / 1024);
  return (req, res) => {
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
