/**
 * The Messenger gateway: Botkit with botbuilder-adapter-facebook, in a process of its own, talking to the service over
 * `POST /api/chat` only. Botkit brings the adapter (webhook events to activities, activities to Send API messages);
 * the guards Botkit lacks are ours:
 * - the webhook's X-Hub-Signature-256 is checked (HMAC-SHA256 of the raw body, constant-time compare) before Botkit
 *   sees the request; a bad or missing one is 401 and reaches nothing;
 * - every handler is wrapped so that it cannot throw (a throwing Botkit handler leaves its turn pending forever);
 * - each webhook's response ends by a deadline, whatever the handlers do;
 * - Botkit's state lives in a bounded store (no Botkit dialogs: the conversation is the service's), and message ids
 *   already handled are remembered in a bounded set, so Messenger's redeliveries are answered once;
 * - the service down or slow gives the candidate a short apology with the hotline.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import express, { type Express, type Request, type Response } from "express";
import { Botkit, type BotkitMessage, type BotWorker } from "botkit";
import { FacebookAdapter } from "botbuilder-adapter-facebook";
import type { GatewayConfig } from "./config.js";
import { BoundedStorage } from "./bounded-storage.js";
import { MessengerApi } from "./messenger-api.js";
import { renderForMessenger } from "./render.js";
import { ServiceClient, type ServiceReply } from "./service-client.js";
import { GatewayTexts } from "./texts.js";

export interface GatewayLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const stderrLog: GatewayLog = {
  info: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: "info", msg, ...obj })}\n`),
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: "warn", msg, ...obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: "error", msg, ...obj })}\n`),
};

export interface Gateway {
  app: Express;
  /** Botkit's state entries held (bounded by GATEWAY_MAX_CONVERSATIONS). */
  stateSize(): number;
  close(): Promise<void>;
}

/** A bounded set of recent ids, oldest first out. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly max: number) {}
  /** True when the id was new (and is now remembered). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

/** True when `header` is "sha256=<hex>" of the body under the app secret; compared in constant time. */
export function validSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice(7), "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The adapter with our Graph client (configurable base, never throws) and without its own SHA-1 check. */
class GatewayAdapter extends FacebookAdapter {
  constructor(config: GatewayConfig, private readonly api: MessengerApi) {
    super({ verify_token: config.FB_VERIFY_TOKEN, app_secret: config.FB_APP_SECRET, access_token: config.FB_PAGE_TOKEN, api_version: config.FB_GRAPH_VERSION });
    // The request was checked with SHA-256 before it reached the adapter; its own check is SHA-1 with `!==` and
    // throws without ending the response.
    (this as unknown as { verifySignature: () => Promise<boolean> }).verifySignature = async () => true;
  }

  // The adapter's own client speaks https to graph.facebook.com only, through the unmaintained `request` package.
  override async getAPI(): Promise<never> {
    return this.api as never;
  }
}

export interface GatewayDeps {
  log?: GatewayLog;
  texts?: GatewayTexts;
}

export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const log = deps.log ?? stderrLog;
  const texts = deps.texts ?? new GatewayTexts();
  const service = new ServiceClient(config.SERVICE_URL, config.GATEWAY_API_KEY, config.SERVICE_TIMEOUT_MS);
  const api = new MessengerApi(config.FB_GRAPH_BASE, config.FB_GRAPH_VERSION, config.FB_PAGE_TOKEN, config.FB_APP_SECRET, log);
  const adapter = new GatewayAdapter(config, api);
  const storage = new BoundedStorage(config.GATEWAY_MAX_CONVERSATIONS);
  const controller = new Botkit({ adapter, storage, disable_webserver: true });
  const seen = new RecentIds(config.GATEWAY_MAX_CONVERSATIONS);

  // The hotline in the apology follows the service's notice; refreshed now and then, kept when the service is down.
  const refreshContacts = () =>
    service.contacts().then((c) => { if (c) texts.contacts = c; }, () => undefined);
  void refreshContacts();
  const refresher = setInterval(refreshContacts, 10 * 60_000);
  refresher.unref();

  const send = async (bot: BotWorker, message: BotkitMessage, reply: ServiceReply) => {
    for (const out of renderForMessenger(reply, texts.say("gateway_links"))) await bot.reply(message, out);
  };
  const say = (text: string): ServiceReply => ({ replies: [text], options: [], links: [], source: null });

  /** A Botkit handler that cannot throw: whatever goes wrong is logged and the candidate gets the apology. */
  const guarded = (handler: (bot: BotWorker, message: BotkitMessage) => Promise<void>) => async (bot: BotWorker, message: BotkitMessage) => {
    try {
      await handler(bot, message);
    } catch (err) {
      log.error({ err: (err as Error).message }, "gateway handler failed");
      try {
        await send(bot, message, say(texts.say("gateway_unavailable")));
      } catch {
        // The apology itself could not be sent: the Send API's refusal is already logged.
      }
    }
  };

  controller.on(
    "message",
    guarded(async (bot, message) => {
      const m = message as BotkitMessage & { mid?: string; quick_reply?: { payload?: string }; attachments?: unknown[] };
      if (m.mid && !seen.add(m.mid)) return; // a redelivery of a message already answered
      const psid = String(m.user ?? "");
      if (!psid) return;
      const text = String(m.quick_reply?.payload ?? m.text ?? "").trim();
      if (!text) {
        await send(bot, message, say(texts.say("gateway_non_text")));
        return;
      }
      let reply: ServiceReply;
      try {
        reply = await service.chat(`fb:${psid}`, text);
      } catch (err) {
        log.warn({ err: (err as Error).message }, "service did not answer");
        reply = say(texts.say("gateway_unavailable"));
      }
      if (reply.replies.length === 0 && reply.status === "with_staff") return; // a person holds the conversation
      await send(bot, message, reply);
    }),
  );

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  // Webhook verification (Meta's GET with hub.mode=subscribe): the verify token compared in constant time.
  app.get(config.GATEWAY_PATH, (req: Request, res: Response) => {
    const token = Buffer.from(String(req.query["hub.verify_token"] ?? ""));
    const expected = Buffer.from(config.FB_VERIFY_TOKEN);
    const ok = req.query["hub.mode"] === "subscribe" && token.length === expected.length && timingSafeEqual(token, expected);
    if (!ok) {
      res.status(403).json({ error: "verify token mismatch" });
      return;
    }
    res.type("text/plain").send(String(req.query["hub.challenge"] ?? ""));
  });

  app.post(config.GATEWAY_PATH, express.raw({ type: () => true, limit: "1mb" }), (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!validSignature(config.FB_APP_SECRET, raw, req.get("x-hub-signature-256"))) {
      res.status(401).json({ error: "bad signature" });
      return;
    }
    let event: { object?: string; entry?: unknown[] };
    try {
      event = JSON.parse(raw.toString("utf8"));
    } catch {
      res.status(400).json({ error: "not JSON" });
      return;
    }
    if (event?.object !== "page" || !Array.isArray(event.entry)) {
      res.status(200).end(); // not for a page: acknowledged, nothing to do
      return;
    }
    // Botkit writes to the response it is given: it gets a stand-in, and this handler alone ends the real one, when
    // the turn is done or at the deadline, whichever comes first.
    const standIn = { status: () => standIn, end: () => standIn, send: () => standIn, json: () => standIn, setHeader: () => standIn };
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      if (!res.headersSent) res.status(200).end();
    };
    const deadline = setTimeout(() => {
      log.warn({ deadlineMs: config.GATEWAY_DEADLINE_MS }, "webhook answered at its deadline; its turn goes on");
      finish();
    }, config.GATEWAY_DEADLINE_MS);
    adapter
      .processActivity({ body: event, rawBody: raw.toString("utf8"), headers: req.headers, query: req.query }, standIn, controller.handleTurn.bind(controller))
      .catch((err: unknown) => log.error({ err: (err as Error)?.message ?? String(err) }, "webhook processing failed"))
      .finally(finish);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not found" });
  });

  return {
    app,
    stateSize: () => storage.size,
    close: async () => {
      clearInterval(refresher);
      await controller.shutdown().catch(() => undefined);
    },
  };
}
