/** Configuration from the environment (and an optional .env), validated by zod at start-up. */
import { existsSync } from "node:fs";
import { z } from "zod";

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
  /** How long a console login lasts. */
  CONSOLE_SESSION_HOURS: z.coerce.number().min(0.25).max(24 * 30).default(12),
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
