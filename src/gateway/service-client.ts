/** The gateway's only way to the service: `POST /api/chat` with its API key, and `GET /api/info` for the contacts. */
import type { Contacts } from "./texts.js";

export interface ServiceOption {
  label: string;
  value: string;
}

export interface ServiceLink {
  kind: "tel" | "url" | "email";
  text: string;
  href: string;
}

/** The service's structured reply, as `POST /api/chat` gives it. */
export interface ServiceReply {
  replies: string[];
  options: ServiceOption[];
  links: ServiceLink[];
  source: string | null;
  status?: string;
}

export class ServiceError extends Error {}

export class ServiceClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs: number,
  ) {}

  /** One message of one Messenger user; the service keeps the conversation under the gateway's key. */
  async chat(userId: string, text: string): Promise<ServiceReply> {
    const body = await this.request("/api/chat", { method: "POST", body: JSON.stringify({ userId, text }) });
    const r = body as Partial<ServiceReply>;
    if (!Array.isArray(r.replies) || !r.replies.every((x) => typeof x === "string")) throw new ServiceError("service reply without replies");
    return {
      replies: r.replies,
      options: Array.isArray(r.options) ? r.options.filter((o) => typeof o?.label === "string" && typeof o?.value === "string") : [],
      links: Array.isArray(r.links) ? r.links.filter((l) => typeof l?.href === "string" && typeof l?.text === "string") : [],
      source: typeof r.source === "string" ? r.source : null,
      status: typeof r.status === "string" ? r.status : undefined,
    };
  }

  /** The hotline and its hours from the notice the service answers from. */
  async contacts(): Promise<Contacts | undefined> {
    const body = (await this.request("/api/info", { method: "GET" })) as { contacts?: Partial<Contacts> };
    const c = body.contacts;
    return typeof c?.hotline === "string" && typeof c.hours === "string" ? { hotline: c.hotline, hours: c.hours } : undefined;
  }

  private async request(path: string, init: RequestInit): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        ...init,
        headers: { "content-type": "application/json", authorization: `Bearer ${this.apiKey}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ServiceError(`service unreachable: ${(err as Error).name === "TimeoutError" ? "timeout" : (err as Error).message}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ServiceError(`service answered ${res.status}`);
    }
    try {
      return await res.json();
    } catch {
      throw new ServiceError("service answered something that is not JSON");
    }
  }
}
