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
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** memory: lost on restart; sqlite: under DATA_DIR (default); redis: shared by several instances (REDIS_URL). */
  SESSION_STORE: z.enum(["memory", "sqlite", "redis"]).default("sqlite"),
  SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(60 * 24 * 30).default(60 * 24),
  REDIS_URL: optionalText.pipe(z.url({ error: "REDIS_URL 应为 redis://host:port 形式的地址" }).optional()),
  /** Requests per minute per user id and per IP on the HTTP API. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  WECHATY_PUPPET: optionalText,
  WECHATY_PUPPET_SERVICE_TOKEN: optionalText,
  OA_TOKEN: optionalText,
  OA_APPID: optionalText,
  OA_AES_KEY: optionalText.pipe(z.string().regex(/^[A-Za-z0-9]{43}$/, "OA_AES_KEY 应为 43 位字母数字（公众号后台的 EncodingAESKey）").optional()),
  OA_FETCH_PICTURES: bool.default(false),
  CONSOLE_TOKEN: optionalText,
  CONSOLE_USERS_FILE: optionalText,
  CONSOLE_SECRET: optionalText,
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
