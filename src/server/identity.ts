/**
 * Who a chat request speaks for.
 *
 * - The web chat: a random conversation id in a signed cookie the server issues (HMAC-SHA256 with CHAT_SECRET, or a
 *   random key per process), HttpOnly, SameSite=Lax, Secure over HTTPS, with an idle expiry (CHAT_IDLE_MINUTES: the
 *   cookie carries the time it was last used and is renewed by every request). A client without a valid cookie gets
 *   a new id, and so a new conversation. A `userId` in the body of a request without an API key is ignored: the cookie
 *   decides, so no one reaches another person's conversation by naming it.
 * - API integrators: `Authorization: Bearer <secret>` with a key of API_KEYS; their body `userId` is their user's
 *   conversation, namespaced by the key's name: `api:<name>:<userId>`. Secrets are compared in constant time.
 */
import * as crypto from "node:crypto";
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";

export const CHAT_COOKIE = "zhineng_chat";

export interface ApiKey {
  name: string;
  secret: string;
}

export interface IdentityOptions {
  /** The HMAC key; random per process when absent. */
  secret?: string;
  idleMs: number;
  keys?: ApiKey[];
  /** Origins allowed to embed the chat: in a cross-site iframe a Lax cookie is not sent, so over HTTPS the cookie is
   * then SameSite=None; Secure; Partitioned (kept per embedding site). */
  embedded?: boolean;
  now?: () => number;
}

export type Caller =
  | { kind: "web"; id: string; conv: string }
  | { kind: "api"; name: string; conv?: undefined };

/** SHA-256 of a string: crypto.hash's one-shot form where Node has it (20.12+: no Hash object per request). */
const sha256: (s: string) => Buffer =
  typeof crypto.hash === "function"
    ? (s) => crypto.hash("sha256", s, "buffer") as unknown as Buffer
    : (s) => createHash("sha256").update(s, "utf8").digest();
const ID_RE = /^[A-Za-z0-9_-]{22}$/;

export class ChatIdentity {
  readonly secretIsEphemeral: boolean;
  private readonly key: Buffer;
  private readonly keys: { name: string; digest: Buffer }[];
  private readonly now: () => number;

  constructor(private readonly o: IdentityOptions) {
    this.secretIsEphemeral = !o.secret;
    this.key = o.secret ? Buffer.from(o.secret, "utf8") : randomBytes(32);
    this.keys = (o.keys ?? []).map((k) => ({ name: k.name, digest: sha256(k.secret) }));
    this.now = o.now ?? Date.now;
  }

  /**
   * The API key's name for a request with `Authorization: Bearer <secret>`; undefined without the header; null when
   * the header is there but names no key (the caller answers 401).
   */
  apiKey(req: Request): string | undefined | null {
    const h = req.headers.authorization;
    if (h === undefined) return undefined;
    const m = /^Bearer[ ]+(\S{1,512})\s*$/i.exec(h);
    if (!m) return null;
    const digest = sha256(m[1]);
    let found: string | null = null;
    // Every key compared, each in constant time: how long it takes does not tell which key is near.
    for (const k of this.keys) if (timingSafeEqual(digest, k.digest) && found === null) found = k.name;
    return found;
  }

  /** The web chat's conversation id from a valid, not idle-expired cookie. */
  read(req: Request): string | undefined {
    const raw = cookieValue(req.headers.cookie, CHAT_COOKIE);
    if (!raw) return undefined;
    const [id, seen, sig] = raw.split(".");
    if (!id || !seen || !sig || !ID_RE.test(id) || !/^[0-9a-z]{1,12}$/.test(seen)) return undefined;
    const expected = this.sign(`${id}.${seen}`);
    const given = Buffer.from(sig, "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const at = parseInt(seen, 36) * 1000;
    if (!(at <= this.now() + 60_000 && this.now() - at < this.o.idleMs)) return undefined;
    return id;
  }

  /** Sets the cookie for `id` (renewing its idle expiry), or for a new id; returns the id. */
  issue(req: Request, res: Response, id = randomBytes(16).toString("base64url")): string {
    const seen = Math.floor(this.now() / 1000).toString(36);
    const value = `${id}.${seen}.${this.sign(`${id}.${seen}`).toString("utf8")}`;
    const secure = req.secure;
    const site = this.o.embedded && secure ? "SameSite=None; Secure; Partitioned" : `SameSite=Lax${secure ? "; Secure" : ""}`;
    res.append("Set-Cookie", `${CHAT_COOKIE}=${value}; Path=/; Max-Age=${Math.floor(this.o.idleMs / 1000)}; HttpOnly; ${site}`);
    return id;
  }

  /** The web caller of this request: the cookie's conversation (renewed), or a new one. */
  web(req: Request, res: Response): Caller & { kind: "web" } {
    const id = this.issue(req, res, this.read(req));
    return { kind: "web", id, conv: `web:${id}` };
  }

  private sign(s: string): Buffer {
    return Buffer.from(createHmac("sha256", this.key).update(s).digest("base64url"), "utf8");
  }
}

/** One cookie's value from a Cookie header (the first of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
