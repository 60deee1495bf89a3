// `node <npm start's node flags> bench/pair-server.mjs <data dir>`: the throughput pair of `npm run bench`, run from
// the JavaScript `npm start` runs (dist/, built by scripts/build.mjs), in a process of its own:
//   POST /api/chat  the service's HTTP app (createHttpApp) over the SQLite store in <data dir>, rate limits out of reach;
//                   the load's clients are an integrator with the API key BENCH_API_KEY (its userIds are conversations)
//   POST /bare      a bare express JSON route: express.json() and res.json() of a constant
//   POST /api/chat  (the "web" port) the same app for the web chat's clients as npm start wires it: the signed cookie
//                   names the conversation, each turn is appended to the chat log (SQLite, beside the sessions)
// Both chat apps share one engine that counts the console's numbers (stats observe, as npm start's does).
// Prints {"chat": port, "bare": port, "web": port} on one line when both listen on 127.0.0.1; stops on SIGTERM or when stdin ends.
import express from "express";
import { createApp } from "../dist/src/app.js";
import { createHttpApp } from "../dist/src/server/http.js";
import { SqliteDb } from "../dist/src/store/sqlite.js";
import { SqliteChatLog } from "../dist/src/store/chat-log-sqlite.js";
import { StatsRecorder, SqliteStats } from "../dist/src/stats/stats.js";
import { turnEvent } from "../dist/src/stats/record.js";

/** The key bench/load.ts sends (Authorization: Bearer …): BENCH_API_KEY of bench/scripts.ts. */
const BENCH_API_KEY = "bench-load-key-0123456789abcdef";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: node bench/pair-server.mjs <data dir>\n");
  process.exit(2);
}
const db = new SqliteDb({ dir, ttlMs: 24 * 3_600_000 });
const stats = new StatsRecorder(new SqliteStats(db.db), 5_000);
const chatLog = new SqliteChatLog(db.db, 24 * 3_600_000);
const { kb, engine } = createApp({
  engine: { store: db.sessions, unanswered: db.unanswered, observe: (r, _userId, text, channel) => stats.turn(turnEvent(r, channel, text)) },
});
const config = { RATE_LIMIT_PER_MINUTE: 1e9, RATE_LIMIT_PER_IP_PER_MINUTE: 1e9, API_KEYS: [{ name: "bench", secret: BENCH_API_KEY }] };
const chatApp = createHttpApp({ kb, engine, config });
const webApp = createHttpApp({ kb, engine, config, chatLog });
const bareApp = express();
bareApp.post("/bare", express.json(), (_req, res) => {
  res.json({ replies: ["好的"], intent: "none", confidence: 0 });
});

const listen = (app) =>
  new Promise((resolve, reject) => {
    const server = app.listen(0, "127.0.0.1", () => resolve(server));
    server.once("error", reject);
  });
const servers = [await listen(chatApp), await listen(bareApp), await listen(webApp)];
const [chat, bare, web] = servers.map((s) => s.address().port);
process.stdout.write(`${JSON.stringify({ chat, bare, web })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const s of servers) s.closeAllConnections();
  await stats.close();
  await chatLog.close();
  await db.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.stdin.on("end", stop).resume();
