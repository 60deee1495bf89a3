/**
 * `npm start`: the service. Loads the configuration (a bad value stops here, naming the variable, exit code 1),
 * creates the stores, the engine and the HTTP server, starts every channel whose configuration is present and says
 * which are off and why. SIGINT/SIGTERM stop it gracefully; SIGHUP reloads the knowledge folders in use (a folder that
 * does not validate is refused, with its problems in the log, and the knowledge in use keeps answering).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { createStores, type Stores } from "../store/index.js";
import { createApp } from "../app.js";
import { KnowledgeError, ROOT } from "../knowledge/load.js";
import { parseDirList } from "../knowledge/registry.js";
import { createHttpApp } from "./http.js";
import { createHandoff } from "../handoff/setup.js";
import { HandoffChannels } from "../handoff/channels.js";
import { createLogger } from "../logging.js";
import { createOfficialAccountRouter } from "../channels/official-account.js";
import { consoleRouter } from "../console/router.js";
import { chatLogView } from "../console/chatlog.js";
import { AnswerEdits } from "../console/edits.js";
import { ImporterPublisher } from "../console/publisher.js";
import { StatsRecorder } from "../stats/stats.js";
import { turnEvent } from "../stats/record.js";
import type { WechatyChannel } from "../channels/wechaty.js";

const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : `配置错误：${(err as Error).message}`;
    process.stderr.write(`${message}\n服务未启动。请修改上面列出的环境变量（或 .env 文件）后重试。\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  // JSON lines on stderr, personal data (ID numbers, mobiles, e-mail) masked.
  const log = createLogger(config.LOG_LEVEL);
  const startedAt = Date.now();

  let stores: Stores;
  try {
    stores = await createStores(config, { onError: (err) => log.warn({ err: err.message }, "会话存储异常"), redisPrefix: config.REDIS_PREFIX });
  } catch (err) {
    log.fatal({ err: (err as Error).message, SESSION_STORE: config.SESSION_STORE }, "无法打开会话存储，服务未启动");
    process.exit(1);
  }

  // The console's numbers: counted in memory, flushed to the store every few seconds.
  const stats = new StatsRecorder(stores.stats, 5_000, (err) => log.warn({ err: err.message }, "统计数据写入失败"));

  // 转人工: the queue, transcripts, after-hours messages and staff presence, in the store's documents.
  const handoff = createHandoff(stores.docs, config);
  const purgeTimer = setInterval(() => void handoff.queue.purge().catch((err: Error) => log.warn({ err: err.message }, "留言清理失败")), 3_600_000);
  purgeTimer.unref();
  // Several instances: staff on one hear candidates on another.
  const handoffBridge = await stores.handoffBridge?.(handoff.queue, (err) => log.warn({ err: err.message }, "人工会话频道异常"));

  let built: ReturnType<typeof createApp>;
  try {
    built = createApp({
      source: { dir: config.KNOWLEDGE_DIR, dirs: parseDirList(config.KNOWLEDGE_DIRS) },
      engine: {
        store: stores.sessions,
        unanswered: stores.unanswered,
        logger: log,
        replyScript: config.REPLY_SCRIPT,
        observe: (r, _userId, text, channel) => stats.turn(turnEvent(r, channel, text)),
        handoff,
      },
      logger: log,
    });
  } catch (err) {
    if (!(err instanceof KnowledgeError)) throw err;
    log.fatal({ problems: err.problems, KNOWLEDGE_DIR: config.KNOWLEDGE_DIR, KNOWLEDGE_DIRS: config.KNOWLEDGE_DIRS }, `知识库未通过校验，服务未启动：\n${err.message}`);
    process.exit(1);
  }
  const { kb, engine, registry } = built;
  log.info({ notice: kb.notice.docNumber, year: kb.notice.year, years: engine.notices.all.map((k) => k.notice.year), version }, "知识库与引擎已加载");
  // Several instances (Redis): a publish on one switches every other one to the same folders.
  if (stores.knowledgeBus) {
    registry.bus = await stores.knowledgeBus(
      (dirs) => void registry.onRemote(dirs),
      (err) => log.warn({ err: err.message }, "知识库发布频道异常"),
    );
  }

  // The console's answer edits, a layer over answers.yaml applied to the current notice at every reload (every
  // instance reloads on a publish), and the notices published from the console (a restart starts on them).
  const edits = new AnswerEdits(stores.docs);
  registry.transform = async (k) => {
    await edits.refresh();
    return edits.apply(k);
  };
  const publisher = new ImporterPublisher(registry, stores.docs, config.DATA_DIR);
  try {
    await publisher.restore();
    if (Object.keys((await edits.refresh()).answers).length) await registry.reload();
  } catch (err) {
    log.error({ err: (err as Error).message }, "无法启用坐席台发布的通知或答案修改：仍按配置的知识库回答");
  }

  // === Channels whose configuration is present
  const oaOn = Boolean(config.OA_TOKEN);
  // 转人工 on every channel: staff replies go out through each channel's sender (a durable outbox); 微信客服 at /wecom.
  const channels = new HandoffChannels({ config, engine, docs: stores.docs, queue: handoff.queue, log });
  const app = createHttpApp({
    kb,
    engine,
    config,
    chatLog: stores.chatLog,
    logger: log,
    version,
    startedAt,
    sharedRates: stores.sharedRates,
    handoff,
    channels: () => channels.status(),
    mount: (app) => {
      channels.mount(app);
      if (oaOn) {
        app.use(
          "/wechat",
          createOfficialAccountRouter({
            kb,
            engine,
            logger: log,
            token: config.OA_TOKEN!,
            appId: config.OA_APPID,
            aesKey: config.OA_AES_KEY,
            fetchPictures: config.OA_FETCH_PICTURES,
            shared: stores.shared,
            // 客服消息 (OA_APPID + OA_APPSECRET): late answers and the rest of long ones, through the durable outbox.
            sendLater: channels.sendLater,
          }),
        );
      }
      app.use("/console", consoleRouter({
          engine,
          registry,
          config,
          logger: log,
          shared: stores.shared,
          chatLog: chatLogView(stores.chatLog),
          docs: stores.docs,
          edits,
          republish: async () => {
            await registry.reload();
          },
          stats,
          notices: publisher,
          handoff: { queue: handoff.queue, presence: handoff.presence, delivery: channels.delivery },
        }));
    },
  });

  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once("error", reject);
  }).catch((err: NodeJS.ErrnoException) => {
    log.fatal({ err: err.message, PORT: config.PORT, HOST: config.HOST }, err.code === "EADDRINUSE" ? "端口已被占用（PORT）" : "无法监听端口");
    process.exit(1);
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  const addr = server.address() as AddressInfo;
  const shown = `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log.info({ channel: "http", url: shown }, `HTTP API 与网页咨询已启动：${shown}/ （接口 ${shown}/api/chat，健康检查 ${shown}/healthz）`);

  if (oaOn) {
    log.info(
      { channel: "official_account", mode: config.OA_AES_KEY ? "safe" : "plain", fetchPictures: config.OA_FETCH_PICTURES },
      `渠道已启用：公众号（${config.OA_AES_KEY ? "安全模式" : "明文模式"}），服务器地址（URL）填 https://<您的域名>/wechat`,
    );
  } else {
    log.info({ channel: "official_account" }, "渠道未启用：公众号——未设置 OA_TOKEN");
  }

  let wechaty: WechatyChannel | undefined;
  if (config.WECHATY_PUPPET) {
    log.info({ channel: "wechaty", puppet: config.WECHATY_PUPPET }, "渠道已启用：微信个人号（Wechaty），启动中");
    try {
      const { startWechatyChannel } = await import("../channels/wechaty.js");
      wechaty = await startWechatyChannel({ kb, engine, logger: log, config });
      const started = wechaty;
      channels.wechatyStarted((conversation, text) => started.deliver(conversation, text));
    } catch (err) {
      channels.wechatyFailed((err as Error).message.slice(0, 200));
      log.error({ channel: "wechaty", err: (err as Error).message }, "微信个人号启动失败（其他渠道照常运行）");
    }
  } else {
    log.info({ channel: "wechaty" }, "渠道未启用：微信个人号（Wechaty）——未设置 WECHATY_PUPPET");
  }

  channels.start();
  for (const [name, st] of Object.entries(channels.status())) {
    if (name === "wecom" && st.on) log.info({ channel: "wecom" }, "渠道已启用：微信客服，回调 URL 填 https://<您的域名>/wecom");
    else if (name === "official_account_kf" && st.on) log.info({ channel: name }, "公众号客服消息已启用：人工回复与超时的答案经客服消息发送");
    else if (!st.on && (name === "wecom" || name === "official_account_kf")) log.info({ channel: name }, `渠道未启用：${name === "wecom" ? "微信客服" : "公众号客服消息"}——${st.reason}`);
  }

  // === Graceful shutdown
  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) {
      log.warn({ signal }, "再次收到信号，立即退出");
      process.exit(code || 1);
    }
    stopping = true;
    log.info({ signal }, "正在停止服务");
    const force = setTimeout(() => {
      log.error({}, "停止超时，强制退出");
      process.exit(1);
    }, 10_000);
    force.unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const lingering = setTimeout(() => server.closeAllConnections(), 5_000);
    lingering.unref();
    try {
      await wechaty?.stop();
    } catch (err) {
      log.warn({ err: (err as Error).message }, "停止微信渠道时出错");
    }
    await closed;
    try {
      await stats.close().catch(() => undefined);
      await channels.stop().catch(() => undefined);
      await handoffBridge?.close().catch(() => undefined);
      await stores.close();
    } catch (err) {
      log.warn({ err: (err as Error).message }, "关闭存储时出错");
    }
    log.info({}, "服务已停止");
    clearTimeout(force);
    process.exit(code);
  };
  // SIGHUP: reload the knowledge folders in use (knowledge/ looked at again when none is configured) and switch to them.
  process.on("SIGHUP", () => {
    log.info({ signal: "SIGHUP" }, "收到 SIGHUP，重新加载知识库");
    registry.reload().then(
      (r) => log.info({ current: r.current, changed: r.changed, instancesNotified: r.instancesNotified }, "知识库已重新加载"),
      (err) => {
        const problems = err instanceof KnowledgeError ? err.problems : [{ file: "", path: "", message: (err as Error).message }];
        log.error({ problems }, `知识库未通过校验，未切换（仍使用 ${engine.kb.notice.year} 年的通知）`);
      },
    );
  });
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("unhandledRejection", (reason) => {
    log.error({ err: (reason as Error)?.message ?? String(reason) }, "未处理的 Promise 拒绝");
  });
  process.on("uncaughtException", (err) => {
    log.fatal({ err: err.message, stack: err.stack }, "未捕获的异常，停止服务");
    void shutdown("uncaughtException", 1);
  });
}

main().catch((err) => {
  process.stderr.write(`启动失败：${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
