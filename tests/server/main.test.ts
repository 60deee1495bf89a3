/**
 * src/server/main.ts as a process, as `npm start` runs it: a bad variable stops it (exit 1, the variable named); with
 * no configuration it serves the API and the web chat, says which channels are off and why, and stops on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const MAIN = join(ROOT, "src", "server", "main.ts");
// An empty working directory: no .env is read, and DATA_DIR (./data) is made there.
const cwd = mkdtempSync(join(tmpdir(), "zhineng-main-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Only what a fresh machine has: no variable of the service set. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) if (process.env[k]) env[k] = process.env[k];
  return { ...env, ...extra };
}

function start(extra: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [TSX, MAIN], { cwd, env: cleanEnv(extra), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, out: () => out, exited };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("npm start (src/server/main.ts)", () => {
  it("stops with exit code 1 and names a bad variable", { timeout: 15_000 }, async () => {
    const p = start({ PORT: "abc", RATE_LIMIT_PER_MINUTE: "0" });
    const code = await p.exited;
    expect(code).toBe(1);
    expect(p.out()).toMatch(/PORT/);
    expect(p.out()).toMatch(/RATE_LIMIT_PER_MINUTE/);
    expect(p.out()).not.toMatch(/已启动/);
  });

  it("serves /healthz, /api/chat and / with no configuration, says which channels are off, stops on SIGTERM", { timeout: 20_000 }, async () => {
    const p = start({ PORT: "0", HOST: "127.0.0.1", SESSION_STORE: "memory" });
    try {
      await until(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(p.out()) && /WECHATY_PUPPET/.test(p.out()), 15_000);
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(p.out())![1];
      expect(p.out()).toMatch(/渠道未启用：公众号——未设置 OA_TOKEN/);
      expect(p.out()).toMatch(/渠道未启用：微信个人号（Wechaty）——未设置 WECHATY_PUPPET/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", version: expect.any(String) });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<form id="form"/);
      const chat = await fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ userId: "t", text: "咨询电话" }) });
      expect(((await chat.json()) as { intent: string }).intent).toBe("hotline");
      expect((await fetch(`${url}/wechat`)).status).toBe(404); // the 公众号 is off
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
      expect(p.out()).toMatch(/服务已停止/);
    } finally {
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
    }
  });
});
