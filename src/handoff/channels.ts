/**
 * The channels that can send outside a request, as the service wires them for 转人工: one Delivery (durable outbox)
 * with a sender per channel — the 公众号's 客服消息 (OA_APPID + OA_APPSECRET), 微信客服 (WECOM_*; its callback mounted
 * at /wecom, answering with engine.turn rendered as numbered text and nothing while staff hold the conversation), and
 * Wechaty once it is running — and each channel's state for /healthz: `{name: {on, reason?, lastError?}}`.
 */
import type { Express } from "express";
import type { Config } from "../config.js";
import type { Engine } from "../engine/engine.js";
import { baseVars, render } from "../knowledge/facts.js";
import { renderText } from "../engine/render-text.js";
import { OfficialAccountApi, splitBytes, WeComKfApi } from "../channels/wechat-api.js";
import { createWeComKf, type WeComKf } from "../channels/wecom-kf.js";
import { channelTexts } from "../channels/official-account.js";
import type { Log } from "../server/logger.js";
import type { DocStore } from "./docs.js";
import { Delivery, type Sender } from "./delivery.js";
import type { HandoffQueue } from "./queue.js";

export interface ChannelState {
  on: boolean;
  reason?: string;
  lastError?: string;
}

export type ChannelConfig = Pick<
  Config,
  "OA_TOKEN" | "OA_APPID" | "OA_APPSECRET" | "WECHAT_API_BASE" | "WECOM_CORP_ID" | "WECOM_KF_SECRET" | "WECOM_TOKEN" | "WECOM_AES_KEY" | "WECOM_API_BASE" | "WECHATY_PUPPET"
>;

const WECOM_VARS = ["WECOM_CORP_ID", "WECOM_KF_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY"] as const;

export class HandoffChannels {
  readonly delivery: Delivery;
  readonly states: Record<string, ChannelState> = {};
  wecom?: WeComKf;
  /**
   * With 客服消息 (OA_APPID + OA_APPSECRET): a text to a 公众号 follower through the outbox (the 公众号 router's late
   * answers and the rest of long ones); undefined without it.
   */
  sendLater?: (openId: string, text: string) => Promise<boolean>;

  constructor(
    private readonly o: {
      config: ChannelConfig;
      engine: Engine;
      docs: DocStore;
      queue: HandoffQueue;
      log: Log;
      now?: () => number;
      /** Tests shorten the API clients' retries. */
      api?: { attempts?: number; backoffMs?: number; timeoutMs?: number };
    },
  ) {
    const now = o.now ?? Date.now;
    this.delivery = new Delivery(o.docs, {
      now,
      log: o.log,
      onGivenUp: (item, reason) => {
        if (Delivery.channelOf(item.conversation) === "oa") void o.docs.del(partsKey(item.id)).catch(() => undefined);
        void o.queue.record(item.conversation, { at: now(), from: "bot", text: `（这条消息未能送达考生：${reason}）`, by: "delivery" }).catch(() => undefined);
      },
    });
    const c = o.config;
    this.states.http = { on: true };

    // 公众号: passive replies at /wechat (OA_TOKEN), and 客服消息 for anything outside the 5-second reply.
    this.states.official_account = c.OA_TOKEN ? { on: true } : { on: false, reason: "未设置 OA_TOKEN" };
    if (c.OA_APPID && c.OA_APPSECRET) {
      const api = new OfficialAccountApi({ base: c.WECHAT_API_BASE, appId: c.OA_APPID, appSecret: c.OA_APPSECRET, log: o.log, now, ...o.api });
      this.register("oa", "official_account_kf", (conversation, text, id) => sendInParts(o.docs, id, text, (part) => api.sendText(conversation.slice(3), part)));
      this.states.official_account_kf = { on: true };
      this.sendLater = (openId, text) => this.delivery.send(`oa:${openId}`, text);
    } else {
      this.states.official_account_kf = { on: false, reason: "未设置 OA_APPID 与 OA_APPSECRET（客服消息：人工回复无法送达公众号用户）" };
    }

    // 微信客服
    const missing = WECOM_VARS.filter((k) => !c[k]);
    if (!missing.length) {
      const api = new WeComKfApi({ base: c.WECOM_API_BASE, corpId: c.WECOM_CORP_ID!, secret: c.WECOM_KF_SECRET!, log: o.log, now, ...o.api });
      const hint = () => render(o.engine.kb.replies.options_hint, baseVars(o.engine.kb));
      // Rendered now: a template error stops the service before a candidate sees it (as the 公众号 does).
      const texts = channelTexts(o.engine.kb);
      this.wecom = createWeComKf({
        token: c.WECOM_TOKEN!,
        aesKey: c.WECOM_AES_KEY!,
        corpId: c.WECOM_CORP_ID!,
        api,
        docs: o.docs,
        log: o.log,
        now,
        texts,
        answer: async (conversation, text) => {
          const r = await o.engine.turn(conversation, text, "wecom");
          // A staff member holds the conversation: nothing from the bot.
          return r.status === "with_staff" ? undefined : renderText(r.reply, { hint: hint() });
        },
      });
      this.register("wecom", "wecom", this.wecom.deliver);
      this.states.wecom = { on: true };
    } else {
      this.states.wecom = { on: false, reason: missing.length === WECOM_VARS.length ? "未设置 WECOM_CORP_ID 等" : `缺少 ${missing.join("、")}` };
    }

    this.states.wechaty = c.WECHATY_PUPPET ? { on: false, reason: "启动中" } : { on: false, reason: "未设置 WECHATY_PUPPET" };
  }

  /** A sender whose failures are kept as the channel's lastError. */
  register(prefix: string, name: string, send: Sender): void {
    this.delivery.register(prefix, async (conversation, text, id) => {
      try {
        await send(conversation, text, id);
      } catch (err) {
        (this.states[name] ??= { on: true }).lastError = (err as Error).message.slice(0, 200);
        throw err;
      }
    });
  }

  /** Wechaty once it runs: `say` through its pacer. */
  wechatyStarted(deliver: Sender): void {
    this.register("wx", "wechaty", deliver);
    this.states.wechaty = { on: true };
  }

  wechatyFailed(reason: string): void {
    this.states.wechaty = { on: false, reason };
  }

  /** /wecom on the app, when 微信客服 is on. */
  mount(app: Express): void {
    if (this.wecom) app.use("/wecom", this.wecom.router);
  }

  /** Retries of the outbox, and 微信客服's messages missed while the service was down. */
  start(): void {
    this.delivery.start();
    if (this.wecom) void this.wecom.sync().catch((err: Error) => {
      this.states.wecom.lastError = err.message.slice(0, 200);
      this.o.log.warn({ channel: "wecom", err: err.message }, "微信客服：拉取消息失败");
    });
  }

  status(): Record<string, ChannelState> {
    return structuredClone(this.states);
  }

  stop(): Promise<void> {
    return this.delivery.stop();
  }
}

/** Where a long 客服消息 text (an outbox item) records how many of its parts WeChat has taken. */
const partsKey = (id: string) => `oa:parts:${id}`;

/**
 * A text over 客服消息's 2048 bytes as several messages, in order, each part once: the parts sent are recorded in the
 * durable store, so that when a part fails (and the outbox tries the text again) the retry starts at that part.
 */
export async function sendInParts(docs: DocStore, id: string, text: string, send: (part: string) => Promise<void>): Promise<void> {
  const parts = splitBytes(text, OfficialAccountApi.MAX_BYTES);
  if (parts.length < 2) return send(text);
  const key = partsKey(id);
  const doc = await docs.get<number>(key);
  let version = doc?.version ?? 0;
  for (let i = doc?.value ?? 0; i < parts.length; i++) {
    await send(parts[i]);
    version = (await docs.cas(key, version, i + 1)) ?? version;
  }
  await docs.del(key);
}
