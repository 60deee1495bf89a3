/**
 * Several instances behave as one (SESSION_STORE=redis): three processes of the real server (src/server/main.ts) on
 * one Redis, behind a round-robin HTTP proxy on 127.0.0.1. One user's conversation goes to each in turn, one instance
 * is SIGKILLed half-way through the eligibility dialog, and every reply is the one an uninterrupted conversation
 * with a single in-process engine gives. Then one user's two messages reach two instances at the same moment: both
 * are answered, one after the other, and the session holds what both did.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEngine, say } from "../helpers.js";
import { deleteKeys, REDIS_URL, redisReachable, uniquePrefix } from "./redis-env.js";

const up = await redisReachable();
const PREFIX = uniquePrefix("instances");
const dataDir = mkdtempSync(join(tmpdir(), "zhineng-instances-"));

// === Identity: how the test's user is known to /api/chat, in one place.
// Today a body `userId` is the conversation (`http:<userId>`). With API keys (API_KEYS, `Authorization: Bearer`),
// the same body names the conversation `api:<name>:<userId>`: the header is sent already, and harmless before then.
const API_KEY = { name: "instances", secret: `k-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}` };

function chatRequest(userId: string, text: string): { headers: Record<string, string>; body: string } {
  return {
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY.secret}` },
    body: JSON.stringify({ userId, text }),
  };
}

/** The Redis key of a user's session, whichever namespace the channel gives the id (`http:u`, `api:instances:u`). */
async function sessionKey(redis: Redis, userId: string): Promise<string> {
  const [, keys] = await redis.scan("0", "MATCH", `${PREFIX}session:*${userId}`, "COUNT", 10_000);
  const own = keys.filter((k) => k.endsWith(`:${userId}`));
  expect(own).toHaveLength(1);
  return own[0];
}

// === The instances

interface Instance {
  index: number;
  child: ChildProcess;
  port: number;
  url: string;
  stderr: () => string;
}

const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts src/server/main.ts (what `npm start` runs) on Redis and waits until /healthz answers. */
async function startInstance(index: number): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    env: {
      ...process.env,
      SESSION_STORE: "redis",
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      DATA_DIR: join(dataDir, String(index)),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      API_KEYS: `${API_KEY.name}:${API_KEY.secret}`,
      // One address sends every request of the test.
      RATE_LIMIT_PER_MINUTE: "1000",
      RATE_LIMIT_PER_IP_PER_MINUTE: "10000",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  // A few seconds on an idle machine; the bound is for a machine shared with other test runs.
  const deadline = Date.now() + 80_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance ${index} exited: ${stderr.slice(-1000)}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`instance ${index} did not answer /healthz in 80 s: ${stderr.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { index, child, port, url, stderr: () => stderr };
}

// === A round-robin proxy, as a load balancer in front of the instances

interface Proxy {
  url: string;
  /** Which instance answered each request, in order. */
  servedBy: number[];
  close(): Promise<void>;
}

/**
 * Each request goes to the next instance in turn. An instance that refuses the connection (it is dead) is skipped
 * for the next one, as a load balancer retries a connection error (nginx's proxy_next_upstream error): the request
 * never reached it. One connection per request, so a dead instance is found on connect, never mid-request.
 */
async function startProxy(instances: Instance[]): Promise<Proxy> {
  let next = 0;
  const servedBy: number[] = [];
  const forward = (target: Instance, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const { host: _host, connection: _connection, ...rest } = headers;
      const out = request({ host: "127.0.0.1", port: target.port, method, path, headers: rest, agent: false, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      out.on("timeout", () => out.destroy(new Error("backend timed out")));
      out.on("error", reject);
      out.end(body);
    });
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      for (let tries = 0; tries < instances.length; tries++) {
        const target = instances[next++ % instances.length];
        try {
          const r = await forward(target, req.method!, req.url!, req.headers, body);
          servedBy.push(target.index);
          const { connection: _c, "keep-alive": _k, "transfer-encoding": _t, ...headers } = r.headers;
          res.writeHead(r.status, { ...headers, "x-instance": String(target.index) }).end(r.body);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ECONNREFUSED") {
            res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: (err as Error).message }));
            return;
          }
        }
      }
      res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: "no instance answers" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    servedBy,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POSTs on a connection of its own (no keep-alive socket the server may be closing as the request goes out). */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends one message to `base` (the proxy or an instance) and returns the reply text and who answered. */
async function chat(base: string, userId: string, text: string): Promise<{ reply: string; instance: number | undefined }> {
  const { headers, body } = chatRequest(userId, text);
  const r = await post(`${base}/api/chat`, headers, body);
  expect(r.status, r.body).toBe(200);
  const json = JSON.parse(r.body) as { replies: string[] };
  const instance = r.headers["x-instance"];
  return { reply: json.replies.join("\n"), instance: instance === undefined ? undefined : Number(instance) };
}

// === The conversation

/** The eligibility dialog (电子商务师四级, 3 years, no certificate, a 技工学校 student graduating this year in 电子商务:
 * 可以报), then follow-ups that need its context: the fee of that level, another level, its months, documents. */
const CONVERSATION = ["资格自测", "1", "四级", "3年", "2", "1", "1", "2", "电子商务", "那多少钱", "三级呢", "几月考", "我是台湾的", "要带什么证件"];
const VERDICT = 8;
/** The instance that answered this turn (half-way through the dialog) is killed after it. */
const KILL_AFTER = 4;

let instances: Instance[] = [];
let proxy: Proxy | undefined;
let redis: Redis | undefined;

beforeAll(async () => {
  if (!up) return;
  instances = await Promise.all([0, 1, 2].map(startInstance));
  proxy = await startProxy(instances);
  redis = new Redis(REDIS_URL);
}, 90_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => {
        c.once("exit", resolve);
        c.kill("SIGKILL");
      }),
    ),
  );
  rmSync(dataDir, { recursive: true, force: true });
  if (!up) return;
  redis?.disconnect();
  await deleteKeys(PREFIX);
});

describe.runIf(up)("three instances on one Redis behind a round-robin proxy", () => {
  it("should carry one conversation across the instances and past one of them being killed, reply for reply", { timeout: 20_000 }, async () => {
    const user = `dialog-${Math.random().toString(36).slice(2)}`;
    const expected = await say(makeEngine(), "reference", ...CONVERSATION);
    expect(expected[VERDICT]).toContain("可以报电子商务师四级");
    expect(expected.at(-1)).toContain("中国台湾考生");

    const got: string[] = [];
    let killed: Instance | undefined;
    for (const [i, text] of CONVERSATION.entries()) {
      const { reply, instance } = await chat(proxy!.url, user, text);
      got.push(reply);
      expect(reply, `turn ${i + 1} "${text}" (instance ${instance})`).toBe(expected[i]);
      if (i === KILL_AFTER) {
        killed = instances[instance!];
        const exited = new Promise((resolve) => killed!.child.once("exit", (_code, signal) => resolve(signal)));
        killed.child.kill("SIGKILL");
        expect(await exited).toBe("SIGKILL");
      }
    }
    expect(got).toEqual(expected);

    // Every instance answered in turn before the kill; the two left took turns after it, each turn answered once.
    const served = proxy!.servedBy;
    expect(served).toHaveLength(CONVERSATION.length);
    expect(served.slice(0, KILL_AFTER + 1)).toEqual(Array.from({ length: KILL_AFTER + 1 }, (_, i) => i % 3));
    const after = served.slice(KILL_AFTER + 1);
    expect(after).not.toContain(killed!.index);
    expect(new Set(after).size).toBe(2);
    for (let i = 1; i < after.length; i++) expect(after[i]).not.toBe(after[i - 1]);

    // No lock is left behind, and the conversation is one session.
    expect(await redis!.keys(`${PREFIX}lock:*`)).toEqual([]);
    expect(JSON.parse((await redis!.get(await sessionKey(redis!, user)))!)).toMatchObject({ occupation: "电子商务师", residency: ["taiwan"] });
  });

  it("should answer one user's two messages sent to two instances at the same moment one after the other, losing neither", { timeout: 20_000 }, async () => {
    const alive = instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
    expect(alive.length).toBeGreaterThanOrEqual(2);
    const [x, y] = ["直播销售员四级几月考", "那多少钱"];
    // The two orders, as one engine answers them: the second message depends on the first.
    const refXY = makeEngine();
    const refYX = makeEngine();
    const xy = await say(refXY, "ref", x, y);
    const yx = await say(refYX, "ref", y, x);
    // The service keeps the exchanges before 转人工 (`earlier`, the hand-off's); the reference engine runs without it.
    const strip = (s: object | undefined) => {
      const { updatedAt: _u, earlier: _e, ...rest } = (s ?? {}) as { updatedAt?: number; earlier?: unknown };
      return rest;
    };
    const sessionXY = strip(await refXY.store.get("ref"));
    const sessionYX = strip(await refYX.store.get("ref"));
    expect(xy[1]).not.toBe(yx[0]);

    for (let round = 0; round < 8; round++) {
      const user = `pair-${round}-${Math.random().toString(36).slice(2)}`;
      const [a, b] = round % 2 ? [alive[0], alive[1]] : [alive[1], alive[0]];
      const [rx, ry] = await Promise.all([chat(a.url, user, x), chat(b.url, user, y)]);
      const raw = JSON.parse((await redis!.get(await sessionKey(redis!, user)))!) as { earlier?: { said: string }[] };
      const stored = strip(raw);
      const order = rx.reply === xy[0] && ry.reply === xy[1] ? "xy" : rx.reply === yx[1] && ry.reply === yx[0] ? "yx" : "neither";
      expect(order, `round ${round}: ${JSON.stringify([rx.reply, ry.reply])}`).not.toBe("neither");
      expect(stored).toEqual(order === "xy" ? sessionXY : sessionYX);
      expect((raw.earlier ?? []).map((e) => e.said)).toEqual(order === "xy" ? [x, y] : [y, x]);
    }
    expect(await redis!.keys(`${PREFIX}lock:*`)).toEqual([]);
  });
});
