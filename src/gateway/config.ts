/**
 * The Messenger gateway's configuration, from the environment (and an optional .env), validated by zod.
 * The gateway is off unless its settings are present: with none of them set, `loadGatewayConfig` says so and which
 * variables turn it on; with some set and others missing or wrong, it throws naming each variable.
 */
import { existsSync } from "node:fs";
import { z } from "zod";

const text = (min: number, message: string) => z.string().trim().min(min, message);

export const GatewaySchema = z.object({
  /** The App Secret of the Meta app (webhook signatures, appsecret_proof). */
  FB_APP_SECRET: text(16, "FB_APP_SECRET 应为 Meta 应用的 App Secret（至少 16 个字符）"),
  /** The Page access token the gateway sends with. */
  FB_PAGE_TOKEN: text(20, "FB_PAGE_TOKEN 应为主页的访问口令（Page access token）"),
  /** The Verify Token typed into the webhook's settings. */
  FB_VERIFY_TOKEN: text(8, "FB_VERIFY_TOKEN 至少 8 个字符"),
  /** The Graph API version, e.g. v21.0 (botbuilder-adapter-facebook's default v3.2 has expired). */
  FB_GRAPH_VERSION: z.string().trim().regex(/^v\d{1,2}\.\d$/, "FB_GRAPH_VERSION 应为 Graph API 版本，例如 v21.0"),
  /** The Graph API's base URL (a stand-in server in tests). */
  FB_GRAPH_BASE: z.url({ error: "FB_GRAPH_BASE 应为 https://graph.facebook.com 这样的地址" }).default("https://graph.facebook.com"),
  /** The service's base URL, e.g. http://127.0.0.1:3000. */
  SERVICE_URL: z.url({ error: "SERVICE_URL 应为咨询服务的地址，例如 http://127.0.0.1:3000" }),
  /** The secret of the gateway's key in the service's API_KEYS. */
  GATEWAY_API_KEY: text(16, "GATEWAY_API_KEY 应为服务 API_KEYS 中为网关设置的密钥（至少 16 个字符）"),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(3100),
  GATEWAY_HOST: z.string().trim().min(1).default("0.0.0.0"),
  /** The webhook's path. */
  GATEWAY_PATH: z.string().trim().regex(/^\/[\w\-/]*$/, "GATEWAY_PATH 应以 / 开头").default("/messenger"),
  /** A webhook's response always ends within this, whatever its handlers do. */
  GATEWAY_DEADLINE_MS: z.coerce.number().int().min(50).max(15_000).default(3000),
  /** The service must answer within this, or the candidate gets the apology with the hotline. */
  SERVICE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1500),
  /** Conversations (Botkit's state, the replay guard) kept at most; the least recently used go first. */
  GATEWAY_MAX_CONVERSATIONS: z.coerce.number().int().min(10).max(1_000_000).default(20_000),
});

export type GatewayConfig = z.infer<typeof GatewaySchema>;

/** The variables without which the gateway stays off. */
export const REQUIRED = ["FB_APP_SECRET", "FB_PAGE_TOKEN", "FB_VERIFY_TOKEN", "FB_GRAPH_VERSION", "SERVICE_URL", "GATEWAY_API_KEY"] as const;

export class GatewayConfigError extends Error {}

export type GatewaySettings = { on: true; config: GatewayConfig } | { on: false; missing: string[] };

/** Reads the gateway's settings; off when none of the required variables is set, an error naming each bad one. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env, envFile = ".env"): GatewaySettings {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const missing = REQUIRED.filter((k) => !env[k]?.trim());
  if (missing.length === REQUIRED.length) return { on: false, missing: [...missing] };
  const r = GatewaySchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new GatewayConfigError(`Messenger 网关配置错误（环境变量）：\n${lines.join("\n")}`);
  }
  return { on: true, config: r.data };
}
