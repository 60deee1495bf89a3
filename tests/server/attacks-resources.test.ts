/**
 * Issue 11's resource attacks, run against the service as `npm start` runs it (its heap flags, a child process, real
 * sockets on 127.0.0.1), within the default rate limits: the process survives, /healthz answers during the attack,
 * resident memory stays under 300 MB.
 */
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthy, startService, type ServiceProcess } from "./service-process.js";
import { makeEngine } from "../helpers.js";
import { MAX_NORMALISED, MAX_TEXT, normalise } from "../../src/nlu/normalize.js";

const RSS_LIMIT_MB = 300;

/**
 * One loopback address of the attacker's (127.0.0.0/8 all reach 127.0.0.1): a client with several addresses, or
 * several clients, each within the default per-IP limit (300 a minute).
 */
function client(localAddress: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4, localAddress });
  const post = (url: string, path: string, body: string): Promise<number> =>
    new Promise((resolve) => {
      const u = new URL(url);
      const req = request(
        { host: u.hostname, port: u.port, path, method: "POST", agent, headers: { "content-type": "application/json" }, timeout: 60_000 },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", () => resolve(0));
      req.on("timeout", () => req.destroy());
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/**
 * Sends `texts` to /api/chat from `addresses` (each address its share, `parallel` at a time in all), each user at
 * most 55 messages (default limit: 60 a minute per user, 300 per IP); returns the statuses.
 */
async function flood(url: string, texts: string[], addresses: string[], parallel: number): Promise<number[]> {
  const clients = addresses.map(client);
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      const body = JSON.stringify({ userId: `attacker-${Math.floor(i / 55)}`, text: texts[i] });
      statuses.push(await clients[i % clients.length].post(url, "/api/chat", body));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  for (const c of clients) c.close();
  return statuses;
}

/** Probes /healthz every `everyMs` until stopped; returns whether each probe answered within 500 ms. */
function probe(url: string, everyMs = 250) {
  const results: boolean[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      results.push(await healthy(url, 500));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return results;
    },
  };
}

describe("crash by memory: distinct long messages", () => {
  let svc: ServiceProcess;
  beforeAll(async () => {
    svc = await startService({ SESSION_STORE: "sqlite" });
  }, 30_000);
  afterAll(async () => svc?.stop());

  it("survives 1,000 distinct messages that NFKC expands or that are many short words, and keeps answering", { timeout: 240_000 }, async () => {
    // U+FDFA is one character that NFKC turns into 18; 1,990 of them are 35,820 characters after normalisation.
    const expanding = Array.from({ length: 900 }, (_, i) => `${"\uFDFA".repeat(1990)}${i}`);
    // Many short words: 660 distinct Chinese words of two characters, space-separated.
    const words = Array.from({ length: 100 }, (_, i) => Array.from({ length: 660 }, (_, j) => "考" + String.fromCharCode(0x4e00 + ((i * 7 + j * 13) % 2000))).join(" ") + ` ${i}`);
    const texts = expanding.flatMap((t, i) => (i < words.length ? [t, words[i]] : [t]));
    expect(texts.length).toBe(1000);
    // Warm: the first requests of a fresh process compile its code.
    expect(await healthy(svc.url, 5_000)).toBe(true);

    const p = probe(svc.url);
    // Four addresses, 250 messages each: within the default per-IP limit of 300 a minute.
    const statuses = await flood(svc.url, texts, ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"], 6);
    const probes = await p.stop();

    expect(svc.alive(), svc.log().slice(-1500)).toBe(true);
    // Every message got an answer (200), none a server error or a dropped connection.
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(probes.length).toBeGreaterThan(0);
    // Answered within 500 ms, allowing a rare miss on a loaded shared machine (a stalled loop misses them in a row).
    expect(probes.filter(Boolean).length, `healthz probes: ${probes.map(Number).join("")}`).toBeGreaterThanOrEqual(Math.ceil(probes.length * 0.95));
    expect(await healthy(svc.url)).toBe(true);
    expect(svc.rssMb()).toBeLessThan(RSS_LIMIT_MB);
    // The service still answers a real question after the attack.
    const res = await fetch(`${svc.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "after-attack", text: "直播销售员四级几月考" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { replies: string[] }).replies.join("")).toMatch(/月/);
  });
});

describe("caps on the text and the cache of understood messages", () => {
  it("cuts the normalised text, and keeps a long legitimate question whole", () => {
    expect(normalise("\uFDFA".repeat(MAX_TEXT)).text.length).toBeLessThanOrEqual(MAX_NORMALISED);
    expect(normalise("😀".repeat(MAX_TEXT * 3)).raw.length).toBe(MAX_TEXT * 2);
    const long = "我是技工学校电子商务专业的应届毕业生，在网店做了三年直播带货，".repeat(40).slice(0, 1500) + "能报四级吗";
    expect(normalise(long).text).toBe(long.normalize("NFKC"));
  });

  it("keeps no long message, and its short ones within the count and byte bounds", () => {
    const u = makeEngine().understander;
    for (let i = 0; i < 50; i++) u.understand(`${"\uFDFA".repeat(1990)}${i}`);
    expect(u.cacheStats().entries).toBe(0);
    for (let i = 0; i < 6_000; i++) u.understand(`直播销售员${i}级几月考`);
    const { entries, bytes } = u.cacheStats();
    expect(entries).toBeGreaterThan(2_000);
    expect(entries).toBeLessThanOrEqual(5_000);
    expect(bytes).toBeLessThanOrEqual(16 * 2 ** 20);
    // Still a cache: the same question again is the same understanding.
    expect(u.understand("直播销售员5999级几月考")).toBe(u.understand("直播销售员5999级几月考"));
  });
});
