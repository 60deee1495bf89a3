/** Configuration from the environment (and an optional .env), validated by zod at start-up. */
import { existsSync } from "node:fs";
import { z } from "zod";
import { parseDays, parseHours } from "./handoff/hours.js";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));
const optionalText = z
  .string()
  .trim()
  .transform((v) => v || undefined)
  .optional();

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  /** Where durable state (SQLite, the WeChat memory card) lives. */
  DATA_DIR: z.string().trim().min(1).default("./data"),
  /** A notice folder to use instead of the latest in knowledge/. */
  KNOWLEDGE_DIR: optionalText,
  /** Several notice folders, separated by the path delimiter (":" on Linux); the newest answers by default. */
  KNOWLEDGE_DIRS: optionalText,
  /**
   * The script of replies: "notice" (default) answers in the notice's own script, Simplified, so that document names
   * and the platform's labels read exactly as the candidate will find them; "asked" answers a question written in
   * Traditional script in Traditional.
   */
  REPLY_SCRIPT: z.enum(["notice", "asked"]).default("notice"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** memory: lost on restart; sqlite: under DATA_DIR (default); redis: shared by several instances (REDIS_URL). */
  SESSION_STORE: z.enum(["memory", "sqlite", "redis"]).default("sqlite"),
  SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(60 * 24 * 30).default(60 * 24),
  REDIS_URL: optionalText.pipe(z.url({ error: "REDIS_URL 应为 redis://host:port 形式的地址" }).optional()),
  /** Start of every Redis key: instances with the same prefix share conversations; deployments (or tests) apart use their own. */
  REDIS_PREFIX: optionalText
    .pipe(z.string().regex(/^[\w:.{}-]{1,64}$/, "REDIS_PREFIX 应为 1–64 个字母、数字或 _ : . - { }").optional())
    .transform((v) => v ?? "zhineng:"),
  /** Requests per minute per user id and per IP on the HTTP API. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Requests per minute per IP on the HTTP API (default: 5 × RATE_LIMIT_PER_MINUTE, for users behind one NAT). */
  RATE_LIMIT_PER_IP_PER_MINUTE: optionalText.pipe(z.coerce.number<string>().int().min(1).max(1_000_000).optional()),
  /** Express "trust proxy" behind a reverse proxy: a hop count ("1"), "loopback", or addresses/subnets; unset: none. */
  TRUST_PROXY: optionalText,
  /** Origins allowed to embed the web chat in an iframe, separated by spaces or commas (default: same origin only). */
  WEB_EMBED_ORIGINS: optionalText.pipe(
    z
      .string()
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, "WEB_EMBED_ORIGINS 应为以空格或逗号分隔的来源，例如 https://www.example.com")))
      .optional(),
  ),
  WECHATY_PUPPET: optionalText,
  WECHATY_PUPPET_SERVICE_TOKEN: optionalText,
  /** Least time between two messages the WeChat account sends (a random extra of up to half of it is added). */
  WECHATY_SEND_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  /** Messages the WeChat account sends to one contact or group per minute at most; more wait in the queue. */
  WECHATY_PER_CONTACT_PER_MINUTE: z.coerce.number().int().min(1).max(60).default(8),
  OA_TOKEN: optionalText,
  OA_APPID: optionalText,
  OA_AES_KEY: optionalText.pipe(z.string().regex(/^[A-Za-z0-9]{43}$/, "OA_AES_KEY 应为 43 位字母数字（公众号后台的 EncodingAESKey）").optional()),
  OA_FETCH_PICTURES: bool.default(false),
  /** The 公众号's AppSecret: with OA_APPID, staff replies (转人工) and late answers go out as 客服消息. */
  OA_APPSECRET: optionalText,
  /** WeChat's API (a stand-in server in tests). */
  WECHAT_API_BASE: z.string().trim().url().default("https://api.weixin.qq.com"),
  /** 企业微信 微信客服 at /wecom: all four turn it on. */
  WECOM_CORP_ID: optionalText,
  WECOM_KF_SECRET: optionalText,
  WECOM_TOKEN: optionalText,
  WECOM_AES_KEY: optionalText.pipe(z.string().regex(/^[A-Za-z0-9]{43}$/, "WECOM_AES_KEY 应为 43 位字母数字（微信客服回调的 EncodingAESKey）").optional()),
  WECOM_API_BASE: z.string().trim().url().default("https://qyapi.weixin.qq.com"),
  /** Staff console (/console): a shared token to log in with; unset and without CONSOLE_USERS_FILE, the console is off. */
  CONSOLE_TOKEN: optionalText.pipe(z.string().min(12, "CONSOLE_TOKEN 至少 12 个字符").optional()),
  /** A JSON or YAML file of console users with scrypt hashes (npx tsx src/console/hash-password.ts <用户名>). */
  CONSOLE_USERS_FILE: optionalText,
  /** Key that signs console session cookies; unset: random per process (sessions end on restart, not shared). */
  CONSOLE_SECRET: optionalText.pipe(z.string().min(32, "CONSOLE_SECRET 至少 32 个字符（例如 openssl rand -hex 32）").optional()),
  /** Largest picture /api/photo and the WeChat channels read, in KB (the spec is 40–80 KB; 413 beyond it). */
  PHOTO_MAX_KB: z.coerce.number().int().min(100).max(20 * 1024).default(2048),
  /** Questions in the unanswered log are deleted after this many days (they may hold what a caller typed). */
  UNANSWERED_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** 转人工: staffed hours in Beijing time ("08:30-17:30", "00:00-24:00" for always); default the notice's 业务受理时间. */
  HANDOFF_HOURS: optionalText.refine((v) => v === undefined || parseHours(v) !== undefined, "HANDOFF_HOURS 应为同一天内的时段，如 08:30-17:30 或 00:00-24:00"),
  /** 转人工: staffed weekdays (1 = Monday … 7 = Sunday: "1-5", "1,3,5"); default every day. */
  HANDOFF_DAYS: optionalText.refine((v) => v === undefined || parseDays(v) !== undefined, "HANDOFF_DAYS 应为 1-7 的星期几，如 1-5 或 1,3,5"),
  /** After-hours messages (a question and a callback number) are deleted after this many days. */
  HANDOFF_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** How long a console login lasts. */
  CONSOLE_SESSION_HOURS: z.coerce.number().min(0.25).max(24 * 30).default(12),
  /** Key that signs the web chat's conversation cookie; unset: random per process (a restart starts new conversations). */
  CHAT_SECRET: optionalText.pipe(z.string().min(32, "CHAT_SECRET 至少 32 个字符（例如 openssl rand -hex 32）").optional()),
  /** A web chat conversation left this long is over: its cookie expires and the next visit starts a new one. */
  CHAT_IDLE_MINUTES: z.coerce.number().int().min(1).max(60 * 24 * 30).default(120),
  /**
   * API keys of integrators who send their own userId: "name:secret" pairs separated by commas or spaces; the client
   * sends "Authorization: Bearer <secret>" and its conversations are "api:<name>:<userId>".
   */
  API_KEYS: optionalText.pipe(
    z
      .string()
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^[A-Za-z0-9_-]{1,40}:\S+$/, "API_KEYS 每项应为 名称:密钥（名称为字母、数字、_ 或 -），以逗号或空格分隔")
              .transform((pair) => ({ name: pair.slice(0, pair.indexOf(":")), secret: pair.slice(pair.indexOf(":") + 1) }))
              .refine((k) => k.secret.length >= 16, "API_KEYS 的密钥至少 16 个字符"),
          )
          .superRefine((keys, ctx) => {
            const names = new Set<string>();
            const secrets = new Set<string>();
            for (const k of keys) {
              if (names.has(k.name)) ctx.addIssue({ code: "custom", message: `API_KEYS 名称 "${k.name}" 重复` });
              if (secrets.has(k.secret)) ctx.addIssue({ code: "custom", message: "API_KEYS 中有两个相同的密钥" });
              names.add(k.name);
              secrets.add(k.secret);
            }
          }),
      )
      .optional(),
  ),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Reads the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = ".env"): Config {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`配置错误（环境变量）：\n${lines.join("\n")}`);
  }
  if (r.data.SESSION_STORE === "redis" && !r.data.REDIS_URL) throw new ConfigError("配置错误（环境变量）：\n  REDIS_URL: SESSION_STORE=redis 时必须设置");
  if ((r.data.OA_AES_KEY || r.data.OA_APPID) && !r.data.OA_TOKEN) throw new ConfigError("配置错误（环境变量）：\n  OA_TOKEN: 设置了 OA_APPID/OA_AES_KEY 时必须设置");
  if (r.data.OA_AES_KEY && !r.data.OA_APPID) throw new ConfigError("配置错误（环境变量）：\n  OA_APPID: 安全模式（OA_AES_KEY）需要 OA_APPID");
  return r.data;
}
