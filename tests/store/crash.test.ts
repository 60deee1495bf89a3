/** A dialog survives SIGKILL: the service dies half-way through the eligibility self-check and carries on after a restart. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { makeEngine, say } from "../helpers.js";
import { SQLITE_FILE } from "../../src/store/sqlite.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/chat-service.ts");
/** 电子商务师 四级, 3 years, no certificate, a 技工学校 student graduating this year in 电子商务. */
const DIALOG = ["资格自测", "1", "四级", "3年", "2", "1", "1", "2", "电子商务"];
const KILL_AFTER = 4;

const dataDir = mkdtempSync(join(tmpdir(), "zhineng-crash-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the service and returns a function that sends one message and resolves with its reply line. */
async function startService() {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, SESSION_STORE: "sqlite", DATA_DIR: dataDir, NODE_ENV: "test" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<{ reply?: string; status?: string; ready?: boolean }> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the service ended (exit ${child.exitCode}): ${stderr.slice(-1000)}`);
    return JSON.parse(r.value);
  };
  expect(await next()).toMatchObject({ ready: true, store: "sqlite" });
  const send = async (text: string) => {
    child.stdin!.write(`${JSON.stringify({ user: "crash-user", text })}\n`);
    return next();
  };
  return { child, send };
}

describe("crash recovery (SQLite store)", () => {
  it("should finish the eligibility dialog where it was after SIGKILL and a restart", { timeout: 60_000 }, async () => {
    // What an uninterrupted conversation answers, turn by turn.
    const expected = await say(makeEngine(), "reference", ...DIALOG);
    expect(expected.at(-1)).toContain("可以报电子商务师四级");

    const first = await startService();
    for (const [i, text] of DIALOG.slice(0, KILL_AFTER).entries()) {
      expect((await first.send(text)).reply).toBe(expected[i]);
    }
    const exited = new Promise((resolve) => first.child.once("exit", (_code, signal) => resolve(signal)));
    first.child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    // Killed, not closed: the last turns are still in the write-ahead log, not checkpointed.
    expect(existsSync(join(dataDir, `${SQLITE_FILE}-wal`))).toBe(true);

    const second = await startService();
    for (const [i, text] of DIALOG.slice(KILL_AFTER).entries()) {
      const r = await second.send(text);
      expect(r.reply).toBe(expected[KILL_AFTER + i]);
    }
    second.child.stdin!.end();
    expect(await new Promise((resolve) => second.child.once("exit", resolve))).toBe(0);
  });
});

// === The real service: `npm start`'s server over HTTP

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts src/server/main.ts (what `npm start` runs) on a free port and waits until /healthz answers. */
async function startServer(dir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    // An integrator's API key: its userId names the conversation across the restart (a web chat's cookie would too,
    // with CHAT_SECRET set).
    env: { ...process.env, SESSION_STORE: "sqlite", DATA_DIR: dir, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", API_KEYS: "crash:crash-test-key-0123456789" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${stderr.slice(-1000)}`);
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 600) throw new Error(`the server did not answer /healthz in 30 s: ${stderr.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const send = async (text: string) => {
    const r = await fetch(`${base}/api/chat`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer crash-test-key-0123456789" }, body: JSON.stringify({ userId: "crash-http", text }) });
    expect(r.status).toBe(200);
    return ((await r.json()) as { replies: string[] }).replies.join("\n");
  };
  return { child, send };
}

describe("crash recovery (npm start's server)", () => {
  it("should finish the eligibility dialog over HTTP after the server was SIGKILLed", { timeout: 90_000 }, async () => {
    const dir = join(dataDir, "server");
    const expected = await say(makeEngine(), "reference-http", ...DIALOG);
    const first = await startServer(dir);
    for (const [i, text] of DIALOG.slice(0, KILL_AFTER).entries()) expect(await first.send(text)).toBe(expected[i]);
    const exited = new Promise((resolve) => first.child.once("exit", (_code, signal) => resolve(signal)));
    first.child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const second = await startServer(dir);
    for (const [i, text] of DIALOG.slice(KILL_AFTER).entries()) expect(await second.send(text)).toBe(expected[KILL_AFTER + i]);
    const stopped = new Promise((resolve) => second.child.once("exit", resolve));
    second.child.kill("SIGTERM");
    expect(await stopped).toBe(0);
  });
});
