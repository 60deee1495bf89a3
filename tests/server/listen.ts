/** Runs an express app on 127.0.0.1 on a free port for a test. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Express } from "express";

export interface Running {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listen(app: Express | ((req: never, res: never) => void)): Promise<Running> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = (app as Express).listen(0, "127.0.0.1", (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs a JSON body (or a raw string) and returns status, headers and the parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
