// `node <npm start's node flags> bench/pair-server.mjs <data dir>`: the throughput pair of `npm run bench`, run from
// the JavaScript `npm start` runs (dist/, built by scripts/build.mjs), in a process of its own:
//   POST /api/chat  the service's HTTP app (createHttpApp) over the SQLite store in <data dir>, rate limits out of reach;
//                   the load's clients are an integrator with the API key BENCH_API_KEY (its userIds are conversations)
//   POST /bare      a bare express JSON route: express.json() and res.json() of a constant
// Prints {"chat": port, "bare": port} on one line when both listen on 127.0.0.1; stops on SIGTERM or when stdin ends.
import express from "express";
import { createApp } from "../dist/src/app.js";
import { createHttpApp } from "../dist/src/server/http.js";
import { SqliteDb } from "../dist/src/store/sqlite.js";

/** The key bench/load.ts sends (Authorization: Bearer …): BENCH_API_KEY of bench/scripts.ts. */
const BENCH_API_KEY = "bench-load-key-0123456789abcdef";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: node bench/pair-server.mjs <data dir>\n");
  process.exit(2);
}
const db = new SqliteDb({ dir, ttlMs: 24 * 3_600_000 });
const { kb, engine } = createApp({ engine: { store: db.sessions, unanswered: db.unanswered } });
const chatApp = createHttpApp({
  kb,
  engine,
  config: { RATE_LIMIT_PER_MINUTE: 1e9, RATE_LIMIT_PER_IP_PER_MINUTE: 1e9, API_KEYS: [{ name: "bench", secret: BENCH_API_KEY }] },
});
const bareApp = express();
bareApp.post("/bare", express.json(), (_req, res) => {
  res.json({ replies: ["好的"], intent: "none", confidence: 0 });
});

const listen = (app) =>
  new Promise((resolve, reject) => {
    const server = app.listen(0, "127.0.0.1", () => resolve(server));
    server.once("error", reject);
  });
const servers = [await listen(chatApp), await listen(bareApp)];
process.stdout.write(`${JSON.stringify({ chat: servers[0].address().port, bare: servers[1].address().port })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const s of servers) s.closeAllConnections();
  await db.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.stdin.on("end", stop).resume();
