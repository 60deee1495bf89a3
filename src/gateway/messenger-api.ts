/**
 * Messenger's Send API (and any Graph call Botkit makes through `bot.api`), with a configurable base URL so that
 * tests run against a stand-in server on 127.0.0.1. Every call carries the page token and its appsecret_proof, has
 * a deadline, and never throws: a refused send is logged and reported as `{error}`, so it cannot break a webhook.
 */
import { createHmac } from "node:crypto";

export interface GraphLog {
  warn(obj: object, msg: string): void;
}

export interface GraphResult {
  message_id?: string;
  error?: { message: string; code?: number; status: number };
  [key: string]: unknown;
}

export class MessengerApi {
  private readonly proof: string;

  constructor(
    private readonly base: string,
    private readonly version: string,
    private readonly token: string,
    appSecret: string,
    private readonly log: GraphLog,
    private readonly timeoutMs = 5000,
  ) {
    this.proof = createHmac("sha256", appSecret).update(token).digest("hex");
  }

  /** Botkit's FacebookAPI signature: `callAPI('/me/messages', 'POST', message)`. */
  async callAPI(path: string, method = "POST", payload: Record<string, unknown> = {}): Promise<GraphResult> {
    const url = new URL(`${this.base.replace(/\/+$/, "")}/${this.version}${path}`);
    url.searchParams.set("access_token", this.token);
    url.searchParams.set("appsecret_proof", this.proof);
    const get = method.toUpperCase() === "GET";
    if (get) for (const [k, v] of Object.entries(payload)) url.searchParams.set(k, String(v));
    let status = 0;
    try {
      const res = await fetch(url, {
        method: method.toUpperCase(),
        headers: get ? undefined : { "content-type": "application/json" },
        body: get ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      const body = (await res.json().catch(() => ({}))) as GraphResult & { error?: { message?: string; code?: number } };
      if (!res.ok || body.error) {
        const error = { message: body.error?.message ?? `HTTP ${res.status}`, code: body.error?.code, status };
        this.log.warn({ path, status, code: error.code, err: error.message }, "messenger send refused");
        return { error };
      }
      return body;
    } catch (err) {
      const message = (err as Error).name === "TimeoutError" ? "timeout" : (err as Error).message;
      this.log.warn({ path, status, err: message }, "messenger send failed");
      return { error: { message, status } };
    }
  }
}
