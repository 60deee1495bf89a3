/**
 * Issue 11's attack on the console's 未能回答 tab, against the service as `npm start` runs it (its heap flags, SQLite):
 * 600 long questions with phone and ID numbers planted by anonymous users through /api/chat (from three loopback
 * addresses, within the default rate limits), then staff list the tab page by page. The process survives, /healthz
 * answers during the listings, a page holds at most `limit` groups with the total, and what is shown is clipped and
 * masked.
 */
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthy, startService, type ServiceProcess } from "../server/service-process.js";

const TOKEN = "console-attack-token-0123";

function poster(localAddress: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 3, localAddress });
  const post = (url: string, body: string): Promise<number> =>
    new Promise((resolve) => {
      const u = new URL(url);
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

describe("the 未能回答 tab under 600 planted long questions", () => {
  let svc: ServiceProcess;
  beforeAll(async () => {
    svc = await startService({ SESSION_STORE: "sqlite", CONSOLE_TOKEN: TOKEN });
  }, 30_000);
  afterAll(async () => svc?.stop());

  it("lists one page at a time, clipped and masked, and the service keeps answering", { timeout: 120_000 }, async () => {
    const clients = ["127.0.0.21", "127.0.0.22", "127.0.0.23"].map(poster);
    // Distinct long questions the bot cannot answer, each with a phone number and an ID number in it.
    const texts = Array.from({ length: 600 }, (_, i) =>
      `第${i}个 138 ${String(1000 + i)} 5678 / 1101011990 0307 ${String(1000 + i)} ` + "今天天气怎么样呢".repeat(230),
    );
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < texts.length) {
          const i = next++;
          statuses.push(await clients[i % 3].post(`${svc.url}/api/chat`, JSON.stringify({ userId: `planter-${Math.floor(i / 50)}`, text: texts[i] })));
        }
      }),
    );
    for (const c of clients) c.close();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const login = await fetch(`${svc.url}/console/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: TOKEN }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0].split(";")[0];
    const list = async (query: string) => {
      const res = await fetch(`${svc.url}/console/api/unanswered${query}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return (await res.json()) as { groups: { text: string; variants: string[]; count: number }[]; total: number; openGroups: number; page: number; limit: number };
    };

    const probes: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      // As the tab opens: no page asked for (the first page, 20 groups); /healthz probed meanwhile.
      const [first] = await Promise.all([list(i % 2 ? "?page=1&limit=20" : ""), healthy(svc.url, 500).then((ok) => probes.push(ok))]);
      expect(first.groups).toHaveLength(20);
      expect(first).toMatchObject({ page: 1, limit: 20 });
      expect(first.total).toBeGreaterThanOrEqual(600);
      expect(first.openGroups).toBe(first.total);
    }
    const last = await list(`?page=${Math.ceil(600 / 50)}&limit=50`);
    expect(last.groups.length).toBeGreaterThan(0);
    // A page is capped whatever is asked.
    expect((await list("?page=1&limit=100000")).groups.length).toBeLessThanOrEqual(100);
    const shown = JSON.stringify([...(await list("?page=1&limit=100")).groups, ...last.groups]);
    expect(shown).not.toMatch(/138 ?1\d{3} ?5678|1990 ?0307/);
    expect(shown).toMatch(/138\*{4}5678/);
    for (const g of last.groups) expect(g.text.length).toBeLessThanOrEqual(201);

    expect(svc.alive(), svc.log().slice(-1500)).toBe(true);
    expect(probes.filter(Boolean).length, probes.join()).toBeGreaterThanOrEqual(4);
    expect(svc.rssMb()).toBeLessThan(300);
  });
});
