/**
 * The Messenger gateway under a bounded load (`npm run bench` step 5): the service (npm start's compiled code) and
 * the gateway (`npm run gateway`'s program) in processes of their own, the Send API stood in on 127.0.0.1. Virtual
 * users send signed webhooks with the benchmark's scripts; every webhook must be acknowledged with 200 and every
 * message must reach Messenger (the stand-in) with a well-formed send. Reports requests, errors and the gateway's RSS.
 */
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { graphStandIn } from "../tests/gateway/graph-standin.js";
import { SCRIPTS } from "./scripts.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "bench-app-secret-0123456789";
const TOKEN = "EAAbenchpagetoken0123456789";
const VERSION = "v21.0";

export interface GatewayBench {
  seconds: number;
  requests: number;
  errors: number;
  missing: number;
  malformed: number;
  rssStartMb: number;
  rssMb: number;
  /** heapUsed and RSS after a full gc (bench/gateway-probe.ts), after start and after the load. */
  heapStartAfterGcMb: number;
  heapAfterGcMb: number;
  rssAfterGcMb: number;
  /** The probe's figures as reported (heap, external, array buffers before and after the gc). */
  probe: { atStart: { before: ProbeFigures; after: ProbeFigures }; afterLoad: { before: ProbeFigures; after: ProbeFigures } };
}

interface ProbeFigures {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

/**
 * The node arguments of `npm run gateway` ("node <flags> --import tsx src/gateway/main.ts"), its program replaced by
 * bench/gateway-probe.ts, which runs it; GATEWAY_NODE_FLAGS adds flags for a trial.
 */
function gatewayArgs(): string[] {
  const script = (JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { scripts: { gateway: string } }).scripts.gateway.split(/\s+/);
  const args = script[0] === "node" ? script.slice(1, -1) : ["--import", "tsx"];
  return [...args, ...(process.env.GATEWAY_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean), "--expose-gc", "bench/gateway-probe.ts"];
}
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `serviceUrl`: a running service whose API_KEYS holds `apiKey`. */
export async function benchGateway(serviceUrl: string, apiKey: string, port: number, seconds: number, users = 10): Promise<GatewayBench> {
  const graph = await graphStandIn({ version: VERSION, token: TOKEN, secret: SECRET });
  const child = spawn(process.execPath, gatewayArgs(), {
    cwd: ROOT,
    env: {
      ...process.env,
      FB_APP_SECRET: SECRET,
      FB_PAGE_TOKEN: TOKEN,
      FB_VERIFY_TOKEN: "bench-verify-token",
      FB_GRAPH_VERSION: VERSION,
      FB_GRAPH_BASE: graph.url,
      SERVICE_URL: serviceUrl,
      GATEWAY_API_KEY: apiKey,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: "127.0.0.1",
    },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  /** The gateway's memory before and after a full gc (bench/gateway-probe.ts). */
  const memory = () =>
    new Promise<{ before: ProbeFigures; after: ProbeFigures }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the gateway did not report its memory")), 10_000);
      child.once("message", (m) => {
        clearTimeout(timer);
        resolve(m as { before: ProbeFigures; after: ProbeFigures });
      });
      child.send("memory");
    });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}/messenger`;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=bench-verify-token&hub.challenge=1`).then((r) => r.ok, () => false);
      if (ok) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gateway did not start:\n${stderr}`);
      await sleep(20);
    }
    const rssStartMb = rssOf(child.pid!);
    const atStart = await memory();
    let requests = 0;
    let errors = 0;
    let mid = 0;
    const perUser = new Map<string, number>();
    const until = Date.now() + seconds * 1000;
    const user = async (u: number) => {
      for (let round = 0; Date.now() < until; round++) {
        const psid = `bench-${u}-${round}`;
        for (const text of SCRIPTS[(u + round) % SCRIPTS.length]) {
          if (Date.now() >= until) return;
          const body = JSON.stringify({
            object: "page",
            entry: [{ id: "P", time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: "P" }, timestamp: Date.now(), message: { mid: `b-${++mid}`, text } }] }],
          });
          const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
          requests++;
          perUser.set(psid, (perUser.get(psid) ?? 0) + 1);
          const status = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": signature }, body }).then(
            async (r) => (await r.text(), r.status),
            () => 0,
          );
          if (status !== 200) errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: users }, (_, u) => user(u)));
    // Every message answered: each webhook's turn sends at least one text to its user (a bounded wait for the last).
    const short = () => {
      const got = new Map<string, number>();
      for (const m of graph.sent) if (m.text) got.set(m.recipient, (got.get(m.recipient) ?? 0) + 1);
      let n = 0;
      for (const [psid, sent] of perUser) n += Math.max(0, sent - (got.get(psid) ?? 0));
      return n;
    };
    const waitUntil = Date.now() + 10_000;
    while (short() > 0 && Date.now() < waitUntil) await sleep(50);
    const missing = short();
    const rssMb = rssOf(child.pid!);
    const afterLoad = await memory();
    return {
      seconds,
      requests,
      errors,
      missing,
      malformed: graph.malformed.length,
      rssStartMb,
      rssMb,
      heapStartAfterGcMb: atStart.after.heapUsedMb,
      heapAfterGcMb: afterLoad.after.heapUsedMb,
      rssAfterGcMb: afterLoad.after.rssMb,
      probe: { atStart, afterLoad },
    };
  } finally {
    child.kill("SIGTERM");
    await graph.close();
  }
}
