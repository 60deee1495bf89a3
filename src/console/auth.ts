/**
 * Staff login for the console: a shared token (CONSOLE_TOKEN) and/or a users file (CONSOLE_USERS_FILE) with scrypt
 * password hashes; sessions are HMAC-signed cookies that carry their own expiry.
 */
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { MemorySharedKeys, type SharedKeys, type WindowCount } from "../store/shared-keys.js";

// === Password hashes: scrypt$N$r$p$salt$hash (salt and hash in base64url)

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password.normalize("NFC"), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

export const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
const HASH_RE = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT_DEFAULTS.keylen, { N: params.N, r: params.r, p: params.p, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

const maxmem = (p: { N: number; r: number; p: number }) => 128 * p.N * p.r * p.p + 32 * 1024 * 1024;

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = HASH_RE.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const expected = Buffer.from(m[5], "base64url");
  const key = await scrypt(password, Buffer.from(m[4], "base64url"), expected.length, { N, r, p, maxmem: maxmem({ N, r, p }) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// === The users file

const isPowerOfTwo = (n: number) => n > 1 && (n & (n - 1)) === 0;

export const UserEntry = z.strictObject({
  name: z.string().trim().min(1, "用户名不能为空").max(64, "用户名过长"),
  /** Shown in the console's header; the name if absent. */
  displayName: z.string().trim().min(1).max(64).optional(),
  /** admin: also edits answers and publishes notices; staff (the default): searches, browses, self-check, marks
   * unanswered questions handled. */
  role: z.enum(["admin", "staff"], { message: "role 只能是 admin 或 staff" }).optional(),
  hash: z
    .string()
    .regex(HASH_RE, "hash 应为 scrypt$N$r$p$盐$散列 形式（用 npx tsx src/console/hash-password.ts 生成）")
    .refine((h) => {
      const m = HASH_RE.exec(h);
      if (!m) return true; // reported by the regex above
      const [, n, r, p] = m;
      return isPowerOfTwo(Number(n)) && Number(n) <= 2 ** 20 && Number(r) >= 1 && Number(r) <= 32 && Number(p) >= 1 && Number(p) <= 16;
    }, "scrypt 参数不合理（N 须为不超过 2^20 的 2 的幂，r ≤ 32，p ≤ 16）"),
});

export const UsersFile = z.strictObject({ users: z.array(UserEntry) }).superRefine((f, ctx) => {
  const seen = new Set<string>();
  f.users.forEach((u, i) => {
    if (seen.has(u.name)) ctx.addIssue({ code: "custom", path: ["users", i, "name"], message: `用户名 "${u.name}" 重复` });
    seen.add(u.name);
  });
});

export type UserEntry = z.infer<typeof UserEntry>;

export class ConsoleAuthError extends Error {}

/** Reads and validates a users file (JSON or YAML); throws a ConsoleAuthError naming the file and every problem. */
export function readUsersFile(file: string): UserEntry[] {
  let raw: unknown;
  try {
    const text = readFileSync(file, "utf8");
    raw = extname(file).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConsoleAuthError(`无法读取控制台用户文件 ${file}：${(err as Error).message.split("\n")[0]}`);
  }
  const r = UsersFile.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".") || "(根)"}: ${i.message}`);
    throw new ConsoleAuthError(`控制台用户文件 ${file} 有误：\n${lines.join("\n")}`);
  }
  return r.data.users;
}

/** The users of the file, re-read when the file changes (checked at most every `intervalMs`), so staff can be added
 * without a restart. A file that becomes invalid keeps the last good list and reports once through `onError`. */
export class UsersSource {
  private users: UserEntry[];
  private mtimeMs: number;
  private checkedAt = 0;
  private lastError?: string;

  constructor(
    readonly file: string,
    private readonly onError: (message: string) => void = () => {},
    private readonly intervalMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {
    this.mtimeMs = statSync(file).mtimeMs;
    this.users = readUsersFile(file);
  }

  get(name: string): UserEntry | undefined {
    this.refresh();
    return this.users.find((u) => u.name === name);
  }

  get size(): number {
    return this.users.length;
  }

  private refresh(): void {
    const t = this.now();
    if (t - this.checkedAt < this.intervalMs) return;
    this.checkedAt = t;
    try {
      const mtime = statSync(this.file).mtimeMs;
      if (mtime === this.mtimeMs) return;
      this.users = readUsersFile(this.file);
      this.mtimeMs = mtime;
      this.lastError = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.onError(message);
      this.lastError = message;
    }
  }
}

// === Sessions

export type Role = "admin" | "staff";

export interface Session {
  /** "token" for the shared token, else "user:<name>". */
  sub: string;
  /** Who is shown in the header. */
  name: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  /** Random id, so logout can revoke this one session. */
  sid: string;
  /** A fingerprint of the credential: changing the token or a user's password ends their sessions. */
  cv: string;
  /** What the session may do: the shared token is admin; a user has the role of the users file as it is now (a change
   * of role holds from the next request), staff when none is given. */
  role: Role;
}

export interface AuthOptions {
  token?: string;
  usersFile?: string;
  /** The HMAC key; a random one per process if absent (sessions then end with the process). */
  secret?: string;
  sessionMs: number;
  /**
   * Where login attempts are counted and logouts remembered: the store's shared keys, so that they hold across a
   * restart (SQLite) and across instances (Redis). Default: memory, this process only.
   */
  shared?: SharedKeys;
  /** Password checks (scrypt, about 16 MB and 50 ms each) running at once in this process; beyond, "busy". */
  maxChecksInFlight?: number;
  now?: () => number;
  onError?: (message: string) => void;
}

/** What a login attempt came to. */
export type LoginResult =
  | { ok: true; session: Session }
  /** Wrong name, password or token. */
  | { ok: false; reason: "invalid" }
  /** Too many attempts from this client lately: refused without a check until `retryAfterMs` has passed. */
  | { ok: false; reason: "locked"; retryAfterMs: number }
  /** This client already has an attempt being checked. */
  | { ok: false; reason: "in-flight" }
  /** Too many password checks running in this process. */
  | { ok: false; reason: "busy" }
  /** The store that counts attempts did not answer: refused rather than unchecked. */
  | { ok: false; reason: "unavailable" };

const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64url");
const sha256 = (s: string) => createHash("sha256").update(s).digest();

/** Attempts per client in a window; the next one is refused until the window ends. */
export const MAX_ATTEMPTS = 10;
export const ATTEMPT_WINDOW_MS = 10 * 60_000;
/** Password checks at once per process: two cores' worth, leaving libuv's other threads to fs and dns. */
const DEFAULT_CHECKS_IN_FLIGHT = 2;
const attemptsKey = (client: string) => `console:attempts:${client.slice(0, 200)}`;
const revokedKey = (sid: string) => `console:revoked:${sid}`;

export class ConsoleAuth {
  readonly enabled: boolean;
  readonly secretIsEphemeral: boolean;
  private readonly key: Buffer;
  private readonly users?: UsersSource;
  private readonly shared: SharedKeys;
  private readonly now: () => number;
  /** Clients with an attempt being checked, and how many checks run. */
  private readonly inFlight = new Set<string>();
  private checking = 0;
  private readonly maxChecks: number;
  /** A hash to spend the same time on when the user does not exist. */
  private dummyHash?: Promise<string>;

  constructor(private readonly options: AuthOptions) {
    this.now = options.now ?? Date.now;
    this.users = options.usersFile ? new UsersSource(options.usersFile, options.onError, 2_000, this.now) : undefined;
    this.enabled = Boolean(options.token || this.users);
    this.secretIsEphemeral = !options.secret;
    this.key = options.secret ? Buffer.from(options.secret, "utf8") : randomBytes(32);
    this.shared = options.shared ?? new MemorySharedKeys({ now: this.now });
    this.maxChecks = Math.max(1, options.maxChecksInFlight ?? DEFAULT_CHECKS_IN_FLIGHT);
  }

  /** Which ways to log in are configured (for the login page). */
  get methods(): { token: boolean; users: boolean } {
    return { token: Boolean(this.options.token), users: Boolean(this.users) };
  }

  /** Whether this client has used up its attempts lately. */
  async throttled(client: string): Promise<boolean> {
    return (await this.shared.peekWindow(attemptsKey(client))).count >= MAX_ATTEMPTS;
  }

  /**
   * One login attempt from `client` (an address key, see clientKey): at most one at a time per client and a few per
   * process; the attempt is counted before the password is checked, so parallel attempts cannot outrun the limit, and a
   * successful login clears the count.
   */
  async attempt(name: string, password: string, client: string): Promise<LoginResult> {
    if (!this.enabled) return { ok: false, reason: "invalid" };
    // Both reserved before the first await: whatever arrives meanwhile sees them.
    if (this.inFlight.has(client)) return { ok: false, reason: "in-flight" };
    if (this.checking >= this.maxChecks) return { ok: false, reason: "busy" };
    this.inFlight.add(client);
    this.checking++;
    try {
      let counted: WindowCount;
      try {
        counted = await this.shared.incrWindow(attemptsKey(client), ATTEMPT_WINDOW_MS);
      } catch (err) {
        this.options.onError?.(`登录次数无法记录：${(err as Error).message}`);
        return { ok: false, reason: "unavailable" };
      }
      if (counted.count > MAX_ATTEMPTS) return { ok: false, reason: "locked", retryAfterMs: Math.max(1_000, counted.resetAt - this.now()) };
      const session = await this.check(name.trim(), password);
      if (!session) return { ok: false, reason: "invalid" };
      await this.shared.delete(attemptsKey(client)).catch(() => {});
      return { ok: true, session };
    } finally {
      this.inFlight.delete(client);
      this.checking--;
    }
  }

  /** Checks the credentials: a user of the file by name and password, or the shared token as the password. */
  async login(name: string, password: string, client: string): Promise<Session | undefined> {
    const r = await this.attempt(name, password, client);
    return r.ok ? r.session : undefined;
  }

  private async check(name: string, password: string): Promise<Session | undefined> {
    if (!password || password.length > 1024) return undefined;
    const user = name && this.users ? this.users.get(name) : undefined;
    if (user) {
      return (await verifyPassword(password, user.hash))
        ? this.issue(`user:${user.name}`, user.displayName ?? user.name, this.fingerprint(user.hash), user.role ?? "staff")
        : undefined;
    }
    if (name && this.users) {
      // Spend the time a real check takes, so a wrong name is not told apart from a wrong password.
      this.dummyHash ??= hashPassword(randomBytes(12).toString("hex"));
      await verifyPassword(password, await this.dummyHash);
    }
    const token = this.options.token;
    if (token && timingSafeEqual(sha256(password), sha256(token))) {
      return this.issue("token", name || "值班人员", this.fingerprint(token), "admin");
    }
    return undefined;
  }

  private fingerprint(credential: string): string {
    return createHmac("sha256", this.key).update(`cv:${credential}`).digest("base64url").slice(0, 16);
  }

  private issue(sub: string, name: string, cv: string, role: Role): Session {
    return { sub, name: name.slice(0, 64), exp: this.now() + this.options.sessionMs, sid: randomBytes(12).toString("base64url"), cv, role };
  }

  /** The cookie value: payload.signature. */
  sign(session: Session): string {
    const payload = b64(JSON.stringify(session));
    return `${payload}.${this.mac(payload)}`;
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }

  /** The session a cookie value carries, if its signature holds, it has not expired, and the credential it was issued
   * for is still the same (revocation is not checked: see verify). */
  decode(value: string | undefined): Session | undefined {
    if (!value || value.length > 2048) return undefined;
    const dot = value.indexOf(".");
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    const sig = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.mac(payload));
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return undefined;
    let s: Session;
    try {
      s = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Session;
    } catch {
      return undefined;
    }
    if (typeof s?.exp !== "number" || s.exp <= this.now() || typeof s.sid !== "string" || s.sid.length > 64) return undefined;
    // The role is never taken from the cookie: it is what the credential has now.
    if (s.sub === "token") {
      if (!this.options.token || s.cv !== this.fingerprint(this.options.token)) return undefined;
      return { ...s, role: "admin" };
    } else if (typeof s.sub === "string" && s.sub.startsWith("user:")) {
      const user = this.users?.get(s.sub.slice(5));
      if (!user || s.cv !== this.fingerprint(user.hash)) return undefined;
      return { ...s, role: user.role ?? "staff" };
    }
    return undefined;
  }

  /** The session of a cookie value, if it decodes and has not been revoked (logout) here or on another instance. A
   * store that does not answer counts as revoked: the request is refused, not let through. */
  async verify(value: string | undefined): Promise<Session | undefined> {
    const s = this.decode(value);
    if (!s) return undefined;
    try {
      return (await this.shared.hasFlag(revokedKey(s.sid))) ? undefined : s;
    } catch (err) {
      this.options.onError?.(`会话吊销记录无法读取：${(err as Error).message}`);
      return undefined;
    }
  }

  /** Ends a session before its expiry (logout), for every instance that shares the store. */
  async revoke(session: Session): Promise<void> {
    await this.shared.setFlag(revokedKey(session.sid), Math.max(1_000, session.exp - this.now() + 60_000));
  }
}
