/**
 * The service's HTTP parts with the hand-off, as the HTTP hand-off tests start them: SQLite stores in a data folder, the
 * queue staffed at `hours`, an API key for `/api/chat` clients and the console mounted with a staff password. Each file
 * gets its own folder and closes what it started in afterAll.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { createApp } from "../../src/app.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter, COOKIE as CONSOLE_COOKIE } from "../../src/console/router.js";
import { createStores, type Stores } from "../../src/store/index.js";
import { createHandoff, type HandoffParts } from "../../src/handoff/setup.js";
import { listen, postJson, type Running } from "../server/listen.js";

export const KEY = "integrator-secret-0123456789";
export const STAFF = "staff-token-0123456789";

export interface RunningService {
  api: Running;
  stores: Stores;
  handoff: HandoffParts;
}

/** A folder for this test file's data, and `service`/`stop` whose services are all closed after the file. */
export function handoffServices(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const running: RunningService[] = [];
  afterAll(async () => {
    for (const r of running) {
      await r.api.close();
      await r.stores.close?.();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** One service process's parts on the SQLite file in `dataDir` (default: a new folder); "00:00-24:00" staffs every hour. */
  async function service(dataDir = mkdtempSync(join(dir, "d-")), hours = "00:00-24:00"): Promise<RunningService> {
    const stores = await createStores({ SESSION_STORE: "sqlite", SESSION_TTL_MINUTES: 60, DATA_DIR: dataDir, REDIS_URL: undefined });
    const handoff = createHandoff(stores.docs, { HANDOFF_HOURS: hours, HANDOFF_DAYS: undefined, HANDOFF_RETENTION_DAYS: 90 });
    const { engine, kb } = createApp({ engine: { store: stores.sessions, handoff } });
    const api = await listen(
      createHttpApp({
        kb,
        engine,
        chatLog: stores.chatLog,
        handoff,
        config: { RATE_LIMIT_PER_MINUTE: 1000, CHAT_SECRET: "s".repeat(40), API_KEYS: [{ name: "crm", secret: KEY }] },
        mount: (app) => app.use("/console", consoleRouter({ engine, config: { CONSOLE_TOKEN: STAFF, CONSOLE_SECRET: "c".repeat(40) }, docs: stores.docs, handoff })),
      }),
    );
    const r = { api, stores, handoff };
    running.push(r);
    return r;
  }

  /** Stops one service (a restart in the middle of a hand-off). */
  async function stop(r: RunningService): Promise<void> {
    await r.api.close();
    await r.stores.close?.();
    running.splice(running.indexOf(r), 1);
  }

  return { dir, service, stop };
}

/** A staff member logged in to the console at `url` (each login its own holder): the cookie and a GET of its API. */
export async function staffLogin(url: string) {
  const login = await postJson(`${url}/console/api/login`, { password: STAFF });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${CONSOLE_COOKIE}=`))!.split(";")[0];
  const get = async (path: string) => {
    const res = await fetch(`${url}/console/api${path}`, { headers: { cookie } });
    return { status: res.status, json: (await res.json()) as any };
  };
  return { cookie, get };
}
