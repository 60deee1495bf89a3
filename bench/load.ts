/**
 * The load generator, run as its own process so that it does not share a thread with the server it measures:
 * `node --import tsx bench/load.ts '<json LoadPlan>'` prints one JSON line with a LoadResult per target.
 *
 * Every connection is one user at a time, walking the benchmark scripts (bench/scripts.ts) from a fresh session;
 * with `verify`, each reply is compared with what an uninterrupted in-process conversation answers, so a reply
 * from a lost or mixed-up session (the dialog back at its start, another user's state) counts as a mismatch.
 */
import autocannon, { type Request, type RequestContext } from "autocannon";
import { createApp } from "../src/app.js";
import { MemoryStore } from "../src/engine/session.js";
import { BENCH_API_KEY, SCRIPTS } from "./scripts.js";

export interface LoadTarget {
  label: string;
  /** http://127.0.0.1:port/path */
  url: string;
  seconds: number;
  connections: number;
  /** Compare every reply with the reference conversation (chat routes only). */
  verify: boolean;
  /** Speak as the web chat: no API key, the conversation named by the cookie the server sets (a script's first step
   * starts without one, so a new conversation). */
  web?: boolean;
}

export interface LoadPlan {
  targets: LoadTarget[];
  /** Makes user ids unique across runs against one store. */
  run: string;
}

export interface LoadResult {
  label: string;
  seconds: number;
  requests: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  examples: string[];
}

const plan = JSON.parse(process.argv[2] ?? "{}") as LoadPlan;
if (!plan.targets?.length) {
  process.stderr.write("usage: node --import tsx bench/load.ts '{\"run\":\"x\",\"targets\":[{\"label\",\"url\",\"seconds\",\"connections\",\"verify\"}]}'\n");
  process.exit(2);
}

// What each step should answer: the same scripts through an in-process engine, each from a fresh session.
const { engine } = createApp({ engine: { store: new MemoryStore() } });
const expected: string[][] = [];
for (const [i, script] of SCRIPTS.entries()) {
  const replies: string[] = [];
  for (const text of script) replies.push((await engine.turn(`reference-${i}`, text, "http")).replies.join("\n"));
  expected.push(replies);
}
const steps = SCRIPTS.flatMap((script, s) => script.map((text, k) => ({ s, k, text })));

let users = 0;
const results: LoadResult[] = [];
for (const target of plan.targets) {
  let mismatches = 0;
  const examples: string[] = [];
  const web = target.web === true;
  const requests: Request[] = steps.map(({ s, k, text }) => ({
    method: "POST",
    headers: { "content-type": "application/json", ...(web ? {} : { authorization: `Bearer ${BENCH_API_KEY}` }) },
    setupRequest: (req, context) => {
      // A script's first step starts a new user: its conversation begins from an empty session.
      if (k === 0) {
        context.user = `bench-${plan.run}-${target.label}-${++users}`;
        context.cookie = undefined;
      }
      if (web) return { ...req, headers: { ...req.headers, ...(context.cookie ? { cookie: String(context.cookie) } : {}) }, body: JSON.stringify({ text }) };
      return { ...req, body: JSON.stringify({ userId: context.user, text }) };
    },
    onResponse: (status, body, context: RequestContext, headers?: Record<string, string | string[]>) => {
      if (web && headers) {
        const set = Object.entries(headers).find(([name]) => name.toLowerCase() === "set-cookie")?.[1];
        if (set) context.cookie = String(Array.isArray(set) ? set[0] : set).split(";")[0];
      }
      if (!target.verify || status !== 200) return;
      let reply: string;
      try {
        reply = (JSON.parse(body) as { replies: string[] }).replies.join("\n");
      } catch {
        reply = `(not JSON) ${body.slice(0, 100)}`;
      }
      if (reply !== expected[s][k]) {
        mismatches++;
        if (examples.length < 3) examples.push(`${String(context.user)} step ${k} "${text}": got ${JSON.stringify(reply.slice(0, 120))}, expected ${JSON.stringify(expected[s][k].slice(0, 120))}`);
      }
    },
  }));
  const r = await autocannon({ url: target.url, connections: target.connections, duration: target.seconds, timeout: 10, requests, initialContext: {} });
  results.push({
    label: target.label,
    seconds: r.duration,
    requests: r["2xx"] + r.non2xx,
    rps: (r["2xx"] + r.non2xx) / r.duration,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    mismatches,
    examples,
  });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
