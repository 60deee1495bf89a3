/**
 * `npm run gateway`: the Messenger gateway in a process of its own. Off (exit 0, saying which variables turn it on)
 * unless its settings are present; a bad setting stops it naming the variable (exit 1).
 */
import { createServer } from "node:http";
import { GatewayConfigError, loadGatewayConfig } from "./config.js";
import { createGateway } from "./app.js";

let settings;
try {
  settings = loadGatewayConfig();
} catch (err) {
  if (!(err instanceof GatewayConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
if (!settings.on) {
  process.stderr.write(`Messenger 网关未启用：需设置 ${settings.missing.join("、")}（见 README 的 Messenger 一节）。\n`);
  process.exit(0);
}
const { config } = settings;
const gateway = createGateway(config);
const server = createServer(gateway.app);
server.headersTimeout = 10_000;
server.requestTimeout = 15_000;
server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : config.GATEWAY_PORT;
  process.stderr.write(`${JSON.stringify({ level: "info", msg: "messenger gateway listening", port, path: config.GATEWAY_PATH, service: config.SERVICE_URL })}\n`);
});
const stop = () => {
  server.close();
  void gateway.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
