/** A real express app with the console mounted at /console, listening on 127.0.0.1 on a free port. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import type { Engine } from "../../src/engine/engine.js";
import { consoleRouter, COOKIE, type ConsoleConfig, type ConsoleOptions } from "../../src/console/router.js";

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startConsole(
  engine: Engine,
  config: ConsoleConfig,
  now?: () => number,
  extra: Partial<ConsoleOptions> = {},
  mount?: (app: express.Express) => void,
): Promise<TestServer> {
  const app = express();
  app.use("/console", consoleRouter({ engine, config, now, ...extra }));
  mount?.(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The session cookie ("name=value") from a response's Set-Cookie headers, if any. */
export function sessionCookie(res: Response): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
  return line?.split(";")[0];
}
