/**
 * SIGHUP reloads the knowledge of a running service (src/server/main.ts as `npm start` runs it): the month changed in
 * the folder in use is answered after the signal; a folder that no longer validates is refused, logged with its
 * problems, and the service keeps answering from what it had.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cleanNotices, edit, makeNotice } from "../knowledge/notice-fixture.js";
import { postJson } from "./listen.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
// tsx's loader in the service's own process (tsx's command line runs a second process and passes it only SIGINT and
// SIGTERM; `npm start` runs node itself).
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
const MAIN = join(ROOT, "src", "server", "main.ts");
const cwd = mkdtempSync(join(tmpdir(), "zhineng-sighup-"));
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
  cleanNotices();
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("SIGHUP", () => {
  it("a knowledge folder that does not load stops the start (exit 1) with its problems", { timeout: 30_000 }, async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", HOST: "127.0.0.1", SESSION_STORE: "memory", KNOWLEDGE_DIR: join(cwd, "no-such-notice") };
    const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(out).toMatch(/知识库未通过校验，服务未启动/);
    expect(out).toMatch(/no-such-notice/);
  });

  it("reloads the folder in use; a broken one is refused and the answers stay", { timeout: 60_000 }, async () => {
    const dir = makeNotice(2024);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", HOST: "127.0.0.1", SESSION_STORE: "memory", KNOWLEDGE_DIR: dir, LOG_LEVEL: "info" };
    const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const url = await until(() => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1], 30_000, "the service to listen");
      const ask = async () => ((await postJson(`${url}/api/chat`, { userId: `s-${Math.random()}`, text: "电子商务师四级几月考" })).json.replies as string[]).join("\n");
      expect(await ask()).toMatch(/3月、5月、8月、10月、11月/);

      edit(dir, "plan.yaml", "months: [3, 5, 8, 10, 11] }", "months: [4, 6, 9] }");
      child.kill("SIGHUP");
      await until(async () => /4月、6月、9月/.test(await ask()), 20_000, "the new months after SIGHUP");
      expect(out).toMatch(/知识库已切换/);

      edit(dir, "plan.yaml", "months: [4, 6, 9] }", "months: [4, 16] }");
      const logged = out.length;
      child.kill("SIGHUP");
      await until(() => /知识库未通过校验/.test(out.slice(logged)), 20_000, "the refusal in the log");
      expect(out.slice(logged)).toMatch(/plan\.yaml/);
      expect(out.slice(logged)).toMatch(/rows\.0\.months\.1/);
      expect(await ask()).toMatch(/4月、6月、9月/);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { notice: { year: number } };
      expect(health.notice.year).toBe(2024);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
