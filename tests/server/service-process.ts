/**
 * The service as `npm start` runs it, in a child process with its heap flags (--max-old-space-size=128
 * --max-semi-space-size=4), over the TypeScript sources (tsx's loader), listening on 127.0.0.1, port 0.
 * For the attack tests: its URL, its RSS (from /proc), whether it is still alive, and its log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** ATTACK_SERVICE_ROOT: another checkout to attack (a pristine copy of the code before a fix, to see a test fail). */
const ROOT = process.env.ATTACK_SERVICE_ROOT ?? resolve(import.meta.dirname, "..", "..");
const LOADER = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
const MAIN = join(ROOT, "src", "server", "main.ts");
/** package.json's "start" flags. */
export const PRODUCTION_FLAGS = ["--max-old-space-size=128", "--max-semi-space-size=4"];

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  dataDir: string;
  log(): string;
  alive(): boolean;
  /** Resident memory in MB (VmRSS of /proc/<pid>/status). */
  rssMb(): number;
  stop(): Promise<void>;
}

export async function startService(extra: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServiceProcess> {
  const cwd = mkdtempSync(join(tmpdir(), "zhineng-attack-"));
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) if (process.env[k]) env[k] = process.env[k];
  const dataDir = join(cwd, "data");
  Object.assign(env, { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info" }, extra);
  const child = spawn(process.execPath, [...PRODUCTION_FLAGS, "--import", LOADER, MAIN], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out = (out + d).slice(-200_000)));
  child.stderr!.on("data", (d) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const end = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    if (!alive()) throw new Error(`the service ended: ${out.slice(-2000)}`);
    if (Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`the service did not start in time: ${out.slice(-2000)}`);
    }
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    dataDir,
    log: () => out,
    alive,
    rssMb: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    stop: async () => {
      if (alive()) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** GET /healthz with a deadline: true when it answered 200 within `ms`. */
export async function healthy(url: string, ms = 500): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(ms) });
    await res.text();
    return res.status === 200;
  } catch {
    return false;
  }
}
