/**
 * `npm run bench [-- --json] [--quick] [--turns N] [--http-seconds N] [--load-seconds N] [--connections N]`
 *
 * 1. Cold start: the node command of `npm start` (read from package.json, without npm's wrapper process) with
 *    SESSION_STORE=memory on a free port, timed until /healthz answers; the median of three.
 * 2. Turn latency: Engine.turn in this process over the SQLite store (the default), 10,000 turns of the
 *    benchmark scripts (questions, follow-ups, eligibility dialogs), each user from a fresh session.
 *    With a Redis at REDIS_URL (default 127.0.0.1:6379), the same turns over the Redis store, with the lock per
 *    conversation several instances use and without it (what the lock costs a turn).
 * 3. Throughput: POST /api/chat (createHttpApp, SQLite store) and a bare express JSON route, both served by one
 *    process running the compiled JavaScript `npm start` runs, with its node flags (bench/pair-server.mjs), on
 *    127.0.0.1; after a warm-up of each, loaded in eight alternating rounds (bare, chat, chat, bare, …: drift of a
 *    shared machine falls on both alike) by autocannon from a separate process. Then the same route as the web chat's
 *    clients reach it (the signed cookie, each turn appended to the chat log) in four rounds beside bare rounds of
 *    its own: webChatVsBare. The engine of both counts the console's numbers, as npm start's does.
 * 4. Load test: the service as started by `npm start` (SQLite store in a temporary DATA_DIR) under 60 s of
 *    autocannon with every reply checked against an uninterrupted conversation: errors and lost sessions must be 0.
 *    Its RSS afterwards is rssMb.
 * 5. The Messenger gateway (`npm run gateway`) in front of the service, the Send API stood in on 127.0.0.1, under a
 *    bounded load of signed webhooks (bench/gateway.ts): every webhook acknowledged, every message answered; the
 *    gateway's RSS after the load is gatewayRssMb, its heapUsed after a full gc (bench/gateway-probe.ts) before and
 *    after the load gatewayHeapStartAfterGcMb and gatewayHeapAfterGcMb (a leak would grow the second).
 *
 * Prints a table on stdout (progress on stderr); with --json, one JSON object on the last line. Exits 1 when the
 * load test saw an error or a lost session.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { createApp } from "../src/app.js";
import { MemoryStore, type SessionStore } from "../src/engine/session.js";
import type { Engine } from "../src/engine/engine.js";
import { SqliteDb } from "../src/store/sqlite.js";
import { BENCH_API_KEY, SCRIPTS } from "./scripts.js";
import type { LoadPlan, LoadResult, LoadTarget } from "./load.js";
import { benchGateway } from "./gateway.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values: opts } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    turns: { type: "string" },
    "http-seconds": { type: "string" },
    "load-seconds": { type: "string" },
    "gateway-seconds": { type: "string" },
    connections: { type: "string", default: "10" },
  },
});
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Math.max(1, Number(v) || fallback));
const TURNS = num(opts.turns, opts.quick ? 2_000 : 10_000);
const HTTP_SECONDS = num(opts["http-seconds"], opts.quick ? 4 : 20);
const LOAD_SECONDS = num(opts["load-seconds"], opts.quick ? 10 : 60);
const GATEWAY_SECONDS = num(opts["gateway-seconds"], opts.quick ? 10 : 60);
/** `npm start`'s node arguments ("node --max-old-space-size=128 … dist/src/server/main.js" → the rest). */
const START_ARGS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .slice(1);
const CONNECTIONS = num(opts.connections, 10);
const COLD_STARTS = opts.quick ? 1 : 3;
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// === Servers in child processes

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/healthz", agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

interface Service {
  child: ChildProcess;
  port: number;
  readyMs: number;
  stop(): Promise<void>;
}

/** Starts the service and times it until /healthz answers; `npm` runs `npm start` in its own process group. */
async function startService(env: Record<string, string>, how: "node" | "npm" = "node"): Promise<Service> {
  const port = await freePort();
  const t0 = performance.now();
  const child =
    how === "node"
      ? spawn(process.execPath, START_ARGS, {
          cwd: ROOT,
          env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
          stdio: ["ignore", "ignore", "pipe"],
        })
      : spawn("npm", ["start", "--silent"], {
          cwd: ROOT,
          env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
          stdio: ["ignore", "ignore", "pipe"],
          detached: true,
        });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`the service exited before it was ready:\n${stderr}`);
    if (await healthy(port)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the service did not answer /healthz within 30 s:\n${stderr}`);
    }
    await sleep(5);
  }
  const readyMs = performance.now() - t0;
  const stop = async () => {
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // npm and tsx each wrap the server in another process: signal the whole group that was started for it.
    const signal = (s: NodeJS.Signals) => (how === "npm" ? process.kill(-child.pid!, s) : child.kill(s));
    signal("SIGTERM");
    const timer = setTimeout(() => {
      try {
        signal("SIGKILL");
      } catch {
        // already gone
      }
    }, 12_000);
    await gone;
    clearTimeout(timer);
  };
  return { child, port, readyMs, stop };
}

/** Resident set size of a process (Linux), in MiB. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** bench/pair-server.mjs with npm start's node flags; its ports once both listen. */
async function startPair(dataDir: string): Promise<{ chat: number; bare: number; web: number; stop(): Promise<void> }> {
  const flags = START_ARGS.filter((a) => a.startsWith("-"));
  const child = spawn(process.execPath, [...flags, "bench/pair-server.mjs", dataDir], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const first = await Promise.race([
    new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve)),
    exited.then((code) => Promise.reject(new Error(`bench/pair-server.mjs exited (${code}) before it listened`))),
  ]);
  const ports = JSON.parse(first) as { chat: number; bare: number; web: number };
  return {
    ...ports,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs bench/load.ts in its own process and returns a result per target. */
async function runLoad(targets: LoadTarget[]): Promise<LoadResult[]> {
  const plan: LoadPlan = { run: RUN, targets };
  const child = spawn(process.execPath, ["--import", "tsx", "bench/load.ts", JSON.stringify(plan)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const last = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("[")) throw new Error(`bench/load.ts failed (exit ${code}): ${out.slice(-500)}`);
  return JSON.parse(last) as LoadResult[];
}

// === In-process turn latency

async function measureTurns(engine: Engine, n: number, label: string): Promise<{ p50: number; p99: number; mean: number; max: number; errors: number }> {
  let user = 0;
  let errors = 0;
  const pass = async (samples?: number[]) => {
    for (const script of SCRIPTS) {
      const id = `lat-${RUN}-${label}-${++user}`;
      for (const text of script) {
        const t0 = performance.now();
        const r = await engine.turn(id, text, "bench");
        const ms = performance.now() - t0;
        if (r.status === "error") errors++;
        if (samples && samples.length < n) samples.push(ms);
      }
    }
  };
  for (let i = 0; i < 5; i++) await pass(); // warm-up: JIT, caches, the database's pages
  const samples: number[] = [];
  while (samples.length < n) await pass(samples);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    max: sorted.at(-1)!,
    errors,
  };
}

/**
 * Turn latency over Redis (REDIS_URL, default 127.0.0.1:6379; skipped when none answers): the store as several
 * instances use it (a lock per conversation, a fenced write) and the same store with the lock hidden, so the
 * difference is what the lock costs a turn. Keys under a prefix of this run, deleted after.
 */
async function measureRedisTurns() {
  const prefix = `bench:${RUN}:`;
  let stores: import("../src/store/redis.js").RedisStores;
  try {
    const { connectRedis } = await import("../src/store/redis.js");
    stores = await connectRedis({ url: REDIS_URL, ttlMs: 3_600_000, prefix });
  } catch (err) {
    progress(`turn latency over Redis skipped: ${(err as Error).message}`);
    return undefined;
  }
  const turns = Math.min(TURNS, 5_000);
  progress(`turn latency: ${turns} turns over the Redis store with its lock, then without`);
  try {
    const s = stores.sessions;
    const withoutLock: SessionStore = { get: (id) => s.get(id), set: (id, session) => s.set(id, session), delete: (id) => s.delete(id) };
    const locked = await measureTurns(createApp({ engine: { store: s, unanswered: stores.unanswered } }).engine, turns, "redis");
    const bare = await measureTurns(createApp({ engine: { store: withoutLock, unanswered: stores.unanswered } }).engine, turns, "redis-nolock");
    return { turns, locked, bare };
  } finally {
    for (let cursor = "0", i = 0; i < 10_000; i++) {
      const [next, keys] = await stores.redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
      if (keys.length) await stores.redis.del(...keys);
      cursor = next;
      if (cursor === "0") break;
    }
    await stores.close();
  }
}

// === The run

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "zhineng-bench-"));
  try {
    // 1. Cold start, first, while nothing else of the benchmark runs: of the JavaScript `npm start` builds (prestart).
    progress("building dist/ (npm start's prestart)");
    const built = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
    if (built.status !== 0) throw new Error("scripts/build.mjs failed");
    progress(`cold start ×${COLD_STARTS} (node ${START_ARGS.join(" ")}, SESSION_STORE=memory)`);
    const starts: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      const s = await startService({ SESSION_STORE: "memory", DATA_DIR: join(dir, "cold") });
      starts.push(s.readyMs);
      await s.stop();
    }
    const startMs = percentile([...starts].sort((a, b) => a - b), 50);
    progress("cold start via npm start (for comparison)");
    const npmStart = await startService({ SESSION_STORE: "memory", DATA_DIR: join(dir, "cold") }, "npm");
    await npmStart.stop();

    // 2. Turn latency in this process.
    progress(`turn latency: ${TURNS} turns over the SQLite store, then over the memory store`);
    const db = new SqliteDb({ dir: join(dir, "inproc"), ttlMs: 24 * 3_600_000 });
    const { engine } = createApp({ engine: { store: db.sessions, unanswered: db.unanswered } });
    const sqliteTurns = await measureTurns(engine, TURNS, "sqlite");
    const memoryTurns = await measureTurns(createApp({ engine: { store: new MemoryStore() } }).engine, TURNS, "memory");

    await db.close();
    const redisTurns = await measureRedisTurns();

    // 3. /api/chat beside a bare express route, both served by one process of the compiled code.
    progress(`throughput: POST /api/chat and a bare express route, ${HTTP_SECONDS} s in all, ${CONNECTIONS} connections`);
    const pair = await startPair(join(dir, "pair"));
    const roundSeconds = Math.max(1, HTTP_SECONDS / 8);
    const target = (label: string, path: string, seconds: number, verify: boolean): LoadTarget => ({
      label,
      url: `http://127.0.0.1:${label.endsWith("web") ? pair.web : label.endsWith("chat") ? pair.chat : pair.bare}${path}`,
      seconds,
      connections: CONNECTIONS,
      verify,
      ...(label.endsWith("web") ? { web: true } : {}),
    });
    const bareRound = (seconds: number, label = "bare") => target(label, "/bare", seconds, false);
    const chatRound = (seconds: number, label = "chat") => target(label, "/api/chat", seconds, true);
    const webRound = (seconds: number, label = "web") => target(label, "/api/chat", seconds, true);
    const rounds = await runLoad([
      bareRound(Math.min(2, roundSeconds), "warm-bare"),
      chatRound(Math.min(2, roundSeconds), "warm-chat"),
      webRound(Math.min(2, roundSeconds), "warm-web"),
      ...[1, 2].flatMap(() => [bareRound(roundSeconds), chatRound(roundSeconds), chatRound(roundSeconds), bareRound(roundSeconds)]),
      // The web chat's clients (cookie, chat log) against bare rounds of their own, after the pair above.
      ...[bareRound(roundSeconds, "bare-w"), webRound(roundSeconds), webRound(roundSeconds), bareRound(roundSeconds, "bare-w")],
    ]);
    await pair.stop();
    const sum = (label: string) => {
      const rs = rounds.filter((r) => r.label === label);
      const requests = rs.reduce((a, r) => a + r.requests, 0);
      const seconds = rs.reduce((a, r) => a + r.seconds, 0);
      return {
        rps: requests / seconds,
        rounds: rs.map((r) => round(r.rps)).join(", "),
        p99: Math.max(...rs.map((r) => r.latencyP99Ms)),
        bad: rs.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx + r.mismatches, 0),
      };
    };
    const chatT = sum("chat");
    const bareT = sum("bare");
    const webT = sum("web");
    const bareWebT = sum("bare-w");

    // 4. The service under a 60 s load, every reply checked.
    progress(`load test: ${LOAD_SECONDS} s against npm start's server (SQLite store), ${CONNECTIONS} connections, every reply checked`);
    const service = await startService({
      SESSION_STORE: "sqlite",
      DATA_DIR: join(dir, "load"),
      RATE_LIMIT_PER_MINUTE: "100000",
      RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
      API_KEYS: `bench:${BENCH_API_KEY}`,
    });
    const rssBefore = rssOf(service.child.pid!);
    const [load] = await runLoad([{ label: "load", url: `http://127.0.0.1:${service.port}/api/chat`, seconds: LOAD_SECONDS, connections: CONNECTIONS, verify: true }]);
    const rssMb = rssOf(service.child.pid!);
    const stillUp = await healthy(service.port);
    await service.stop();
    for (const e of load.examples) progress(`mismatch: ${e}`);

    // 5. The Messenger gateway in its own process, in front of the service.
    progress(`gateway: ${GATEWAY_SECONDS} s of signed webhooks through the Messenger gateway (Send API stood in)`);
    const gatewayKey = `bench-gateway-${RUN}-0123456789`;
    const forGateway = await startService({
      SESSION_STORE: "memory",
      DATA_DIR: join(dir, "gateway"),
      API_KEYS: `gateway:${gatewayKey}`,
      RATE_LIMIT_PER_MINUTE: "100000",
      RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
    });
    const gw = await benchGateway(`http://127.0.0.1:${forGateway.port}`, gatewayKey, await freePort(), GATEWAY_SECONDS, CONNECTIONS);
    await forGateway.stop();
    const gatewayErrors = gw.errors + gw.missing + gw.malformed;

    const loadErrors = load.errors + load.timeouts + load.non2xx + (stillUp ? 0 : 1);
    const result = {
      turnP50Ms: round(sqliteTurns.p50, 3),
      turnP99Ms: round(sqliteTurns.p99, 3),
      chatRps: round(chatT.rps),
      bareRps: round(bareT.rps),
      chatVsBare: round(chatT.rps / bareT.rps, 3),
      webChatRps: round(webT.rps),
      webChatVsBare: round(webT.rps / bareWebT.rps, 3),
      startMs: round(startMs),
      rssMb: round(rssMb, 1),
      loadSeconds: round(load.seconds),
      loadRequests: load.requests,
      loadErrors,
      lostSessions: load.mismatches,
      gatewayRequests: gw.requests,
      gatewayErrors,
      gatewayRssMb: round(gw.rssMb, 1),
      gatewayRssStartMb: round(gw.rssStartMb, 1),
      gatewayHeapAfterGcMb: gw.heapAfterGcMb,
      gatewayHeapStartAfterGcMb: gw.heapStartAfterGcMb,
      ...(redisTurns && {
        redisTurnP50Ms: round(redisTurns.locked.p50, 3),
        redisTurnP99Ms: round(redisTurns.locked.p99, 3),
        redisNoLockTurnP50Ms: round(redisTurns.bare.p50, 3),
        redisNoLockTurnP99Ms: round(redisTurns.bare.p99, 3),
      }),
    };

    const rows: [string, string, string][] = [
      ["turn p50 / p99, SQLite store", `${result.turnP50Ms} / ${result.turnP99Ms} ms`, "p99 < 2 ms"],
      ["turn mean / max, SQLite store", `${round(sqliteTurns.mean, 3)} / ${round(sqliteTurns.max, 1)} ms`, ""],
      ["turn p50 / p99, memory store", `${round(memoryTurns.p50, 3)} / ${round(memoryTurns.p99, 3)} ms`, ""],
      ["turns measured (errors)", `${TURNS} × 2 (${sqliteTurns.errors + memoryTurns.errors})`, "0 errors"],
      ...(redisTurns
        ? ([
            ["turn p50 / p99, Redis store (lock per turn)", `${round(redisTurns.locked.p50, 3)} / ${round(redisTurns.locked.p99, 3)} ms`, ""],
            ["turn p50 / p99, Redis store without the lock", `${round(redisTurns.bare.p50, 3)} / ${round(redisTurns.bare.p99, 3)} ms`, ""],
            ["Redis turns measured (errors)", `${redisTurns.turns} × 2 (${redisTurns.locked.errors + redisTurns.bare.errors})`, "0 errors"],
          ] as [string, string, string][])
        : ([["turn over the Redis store", `skipped: no Redis at ${REDIS_URL}`, ""]] as [string, string, string][])),
      ["POST /api/chat", `${result.chatRps} req/s (p99 ${chatT.p99} ms)`, ""],
      ["  its rounds", chatT.rounds, ""],
      ["bare express route", `${result.bareRps} req/s (p99 ${bareT.p99} ms)`, ""],
      ["  its rounds", bareT.rounds, ""],
      ["chatVsBare", String(result.chatVsBare), "≥ 0.5"],
      ["POST /api/chat as the web chat (cookie, chat log)", `${result.webChatRps} req/s (p99 ${webT.p99} ms)`, ""],
      ["  its rounds / its bare rounds", `${webT.rounds} / ${bareWebT.rounds}`, ""],
      ["webChatVsBare", String(result.webChatVsBare), ""],
      ["bad answers in the throughput runs", String(chatT.bad + bareT.bad + webT.bad + bareWebT.bad), "0"],
      ["cold start to /healthz (median)", `${result.startMs} ms (${starts.map((s) => round(s)).join(", ")})`, "< 1500 ms"],
      ["cold start via npm start", `${round(npmStart.readyMs)} ms`, ""],
      ["RSS after the load test", `${result.rssMb} MB (after start ${round(rssBefore, 1)} MB)`, "< 150 MB"],
      ["load test", `${result.loadSeconds} s, ${result.loadRequests} requests, ${round(load.rps)} req/s, p99 ${load.latencyP99Ms} ms`, ""],
      ["load test errors (errors, timeouts, non-2xx)", `${loadErrors} (${load.errors}, ${load.timeouts}, ${load.non2xx})`, "0"],
      ["load test lost sessions (replies off script)", String(result.lostSessions), "0"],
      ["gateway load (webhooks, errors)", `${gw.seconds} s, ${gw.requests} webhooks, ${gatewayErrors} errors (${gw.errors} not 200, ${gw.missing} unanswered, ${gw.malformed} malformed sends)`, "0 errors"],
      ["gateway RSS after start / after the load", `${round(gw.rssStartMb, 1)} / ${result.gatewayRssMb} MB`, ""],
      ["gateway heapUsed after a full gc: start / after the load", `${gw.heapStartAfterGcMb} / ${gw.heapAfterGcMb} MB (RSS after it ${gw.rssAfterGcMb} MB)`, "flat: no leak"],
      ["bench process RSS", `${round(process.memoryUsage().rss / 2 ** 20, 1)} MB`, ""],
    ];
    const w0 = Math.max(...rows.map((r) => width(r[0])));
    const w1 = Math.max(...rows.map((r) => width(r[1])));
    const line = (a: string, b: string, c: string) => `${pad(a, w0)}  ${pad(b, w1)}  ${c}`.trimEnd();
    const out = [
      `benchmark: Node ${process.version}, ${SCRIPTS.length} scripts, ${CONNECTIONS} connections, ${new Date().toISOString()}`,
      line("measure", "value", "target"),
      line("-".repeat(w0), "-".repeat(w1), "------"),
      ...rows.map((r) => line(...r)),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (loadErrors || result.lostSessions || sqliteTurns.errors || memoryTurns.errors || gatewayErrors) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}
const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - width(s)));

main().then(
  // Keep-alive sockets of the in-process servers would hold the event loop a while: the run is over.
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    process.stderr.write(`[bench] failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
