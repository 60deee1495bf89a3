/** The console mounted in the service's HTTP app (helmet, access log, 404/error handlers) as src/server/main.ts does. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter } from "../../src/console/router.js";
import { sessionCookie } from "./server.js";

const kb = getKb();
const engine = makeEngine();
const TOKEN = "mounted-console-token-01";
let server: Server;
let url: string;

beforeAll(async () => {
  const app = createHttpApp({
    kb,
    engine,
    config: { RATE_LIMIT_PER_MINUTE: 60 },
    mount: (app) => {
      app.use("/console", consoleRouter({ kb, engine, config: { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: "m".repeat(40) } }));
    },
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("console inside the service's HTTP app", () => {
  it("serves the page with its own nonce CSP (helmet's would block the inline script)", async () => {
    const res = await fetch(`${url}/console`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("logs in and searches; the chat API's rate limit does not apply to /console/api", async () => {
    const login = await fetch(`${url}/console/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: TOKEN }) });
    expect(login.status).toBe(200);
    const cookie = sessionCookie(login)!;
    const times: number[] = [];
    for (let i = 0; i < 70; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/console/api/search?q=${encodeURIComponent("照片要求")}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`console search through the service app: p50 ${times[35].toFixed(1)} ms, max ${times[69].toFixed(1)} ms`);
    expect((await fetch(`${url}/console/api/plan`)).status).toBe(401);
  });

  it("leaves the rest of the service alone", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/console/nothing`)).status).toBe(404);
  });
});
