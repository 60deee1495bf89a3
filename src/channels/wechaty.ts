/**
 * A personal WeChat (or WeCom) account through Wechaty. Enabled when WECHATY_PUPPET is set; the puppet's own settings
 * (WECHATY_PUPPET_SERVICE_TOKEN, …) are passed through; the memory card (the login) lives under DATA_DIR.
 *
 * - Answers text from contacts; in groups only when @mentioned, answering the text after the mention (and mentioning
 *   the asker); ignores its own messages and messages older than the login.
 * - A picture (or an image file) is checked against the notice's photo spec; other media get a short help.
 * - Long answers are split under WeChat's length limit; every send goes through the Pacer (per-conversation limit and
 *   a global pace, queued, not dropped); the queue is held while logged out.
 * - Reconnects after a logout or an error: restarts the bot with a growing back-off unless it is waiting for a scan.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { WechatyBuilder, types, qrcodeValueToImageUrl, type Wechaty, type Contact, type Message, type Room } from "wechaty";
import type { Knowledge } from "../knowledge/load.js";
import type { Engine } from "../engine/engine.js";
import { renderText } from "../engine/render-text.js";
import type { Config } from "../config.js";
import { baseVars, render } from "../knowledge/facts.js";
import { checkPhoto, photoReply, PHOTO_MAX_KB } from "./photo-check.js";
import { Pacer, type PaceOptions } from "./pacer.js";
import { silentLog, type Log } from "../server/logger.js";

/** Characters per message; WeChat cuts or refuses much longer texts, and shorter ones read better on a phone. */
export const WECHAT_MAX_CHARS = 1000;
const IMAGE_FILE = /\.(jpe?g|png|gif|bmp|webp|heic)$/i;

/** Splits a reply into messages of at most `max` characters, at paragraph, then sentence, then any boundary. */
export function splitMessage(text: string, max = WECHAT_MAX_CHARS): string[] {
  const chars = (s: string) => [...s].length;
  if (chars(text) <= max) return text.trim() ? [text] : [];
  const out: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim()) out.push(current.trim());
    current = "";
  };
  const pieces = text.split(/(?<=\n)|(?<=[。；！？])/);
  for (const piece of pieces) {
    if (chars(current) + chars(piece) <= max) {
      current += piece;
      continue;
    }
    flush();
    if (chars(piece) <= max) {
      current = piece;
      continue;
    }
    const cps = [...piece];
    for (let i = 0; i < cps.length; i += max) {
      current = cps.slice(i, i + max).join("");
      if (i + max < cps.length) flush();
    }
  }
  flush();
  return out;
}

/** Builds the bot for the configured puppet, its memory card under DATA_DIR. */
export function buildWechaty(config: Pick<Config, "WECHATY_PUPPET" | "WECHATY_PUPPET_SERVICE_TOKEN" | "DATA_DIR">): Wechaty {
  if (!config.WECHATY_PUPPET) throw new Error("WECHATY_PUPPET 未设置");
  const dir = resolve(config.DATA_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  privateMemoryCard(dir);
  return WechatyBuilder.build({
    name: resolve(dir, "wechaty"),
    puppet: config.WECHATY_PUPPET as Parameters<typeof WechatyBuilder.build>[0] extends { puppet?: infer P } ? Extract<P, string> : never,
    puppetOptions: config.WECHATY_PUPPET_SERVICE_TOKEN ? { token: config.WECHATY_PUPPET_SERVICE_TOKEN } : undefined,
  });
}

/**
 * The memory card (the WeChat login) readable by the service's user only: created 0600 before Wechaty writes it
 * (an existing file keeps its mode when rewritten), an older one tightened. Called again at each login.
 */
export function privateMemoryCard(dir: string): void {
  const file = resolve(dir, "wechaty.memory-card.json");
  try {
    if (!existsSync(file)) writeFileSync(file, "{}", { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  } catch {
    // Created meanwhile, or a directory we do not own: its owner decides.
  }
}

/** Prints the login QR code in the terminal, and as a link to a picture of it. */
export async function printQrToTerminal(qrcode: string, url: string): Promise<void> {
  let art = "";
  try {
    const QR = await import("qrcode");
    art = await QR.toString(qrcode, { type: "terminal", small: true });
  } catch {
    // qrcode comes with file-box; without it the link still works.
  }
  process.stdout.write(`\n微信登录：请用要作为咨询号的微信扫描下面的二维码\n${art}\n二维码图片：${url}\n\n`);
}

export interface WechatyChannelOptions {
  kb: Knowledge;
  engine: Engine;
  bot: Wechaty;
  logger?: Log;
  pace?: Partial<PaceOptions>;
  maxChars?: number;
  /** A message up to this much older than the login still counts (clock differences, seconds-only timestamps). */
  loginGraceMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  printQr?: (qrcode: string, url: string) => void | Promise<void>;
  now?: () => number;
  /** Where the memory card lives (DATA_DIR), kept 0600 at each login. */
  dataDir?: string;
}

export class WechatyChannel {
  readonly pacer: Pacer;
  readonly bot: Wechaty;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly maxChars: number;
  private readonly graceMs: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private backoff: number;
  private loginAt = Number.POSITIVE_INFINITY;
  private selfId: string | undefined;
  private lastScanAt = 0;
  private stopped = false;
  /** bot.start() succeeded (and bot.stop() was not called since): a bot that never started must not be stopped. */
  private running = false;
  private starting = false;
  private isLoggedIn = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly help: string;
  /** Restarts done after a logout or an error (tests, metrics). */
  restarts = 0;

  constructor(private readonly o: WechatyChannelOptions) {
    this.bot = o.bot;
    this.log = o.logger ?? silentLog;
    this.now = o.now ?? Date.now;
    this.maxChars = o.maxChars ?? WECHAT_MAX_CHARS;
    this.graceMs = o.loginGraceMs ?? 5000;
    this.minBackoff = o.reconnectMinMs ?? 5000;
    this.maxBackoff = o.reconnectMaxMs ?? 5 * 60_000;
    this.backoff = this.minBackoff;
    this.pacer = new Pacer(o.pace, this.now);
    this.pacer.pause(); // until logged in
    this.help = render(o.kb.replies.channel_help, baseVars(o.kb));
  }

  /**
   * Logged in, as told by the login and logout events. (bot.isLoggedIn asks the puppet, and without one it emits an
   * "error" event: asked from the error handler, that recurses.)
   */
  get loggedIn(): boolean {
    return this.isLoggedIn;
  }

  async start(): Promise<void> {
    const bot = this.bot;
    bot.on("scan", (qrcode, status) => {
      this.lastScanAt = this.now();
      if (status === types.ScanStatus.Waiting || status === types.ScanStatus.Timeout) {
        const url = qrcodeValueToImageUrl(qrcode);
        this.log.info({ channel: "wechaty", url }, "微信：等待扫码登录");
        void Promise.resolve((this.o.printQr ?? printQrToTerminal)(qrcode, url)).catch(() => {});
      } else {
        this.log.info({ channel: "wechaty", status: types.ScanStatus[status] }, "微信：扫码状态");
      }
    });
    bot.on("login", (user) => {
      if (this.o.dataDir) privateMemoryCard(resolve(this.o.dataDir));
      this.loginAt = this.now();
      this.isLoggedIn = true;
      this.selfId = user.id;
      this.backoff = this.minBackoff;
      this.log.info({ channel: "wechaty", user: user.name() }, "微信：已登录");
      this.pacer.resume();
    });
    bot.on("logout", (user, reason) => {
      this.isLoggedIn = false;
      this.pacer.pause();
      this.log.warn({ channel: "wechaty", user: user?.name?.(), reason }, "微信：已登出，稍后重连");
      this.scheduleReconnect("logout");
    });
    bot.on("error", (err) => {
      this.log.error({ channel: "wechaty", err: (err as Error)?.message }, "微信：出错");
      if (!this.isLoggedIn) this.scheduleReconnect("error");
    });
    bot.on("message", (msg) => {
      this.onMessage(msg).catch((err) => this.log.error({ channel: "wechaty", err: (err as Error).message }, "微信：处理消息失败"));
    });
    await this.startBot("start");
  }

  /** Starts the bot; a missing puppet package is final, any other failure is retried later. */
  private async startBot(reason: string): Promise<void> {
    this.starting = true;
    try {
      await this.bot.start();
      this.running = true;
    } catch (err) {
      const message = (err as Error).message;
      if (/Cannot find (package|module)/.test(message)) {
        this.log.error({ channel: "wechaty", err: message }, "微信：找不到 WECHATY_PUPPET 指定的 puppet 包，请安装它（npm i <包名>）或改正 WECHATY_PUPPET；微信渠道不再重试");
        this.stopped = true;
        return;
      }
      this.log.error({ channel: "wechaty", err: message, reason }, "微信：启动失败，稍后重试");
      this.scheduleReconnect("start failed");
    } finally {
      this.starting = false;
    }
  }

  /** Stops: waits up to `drainMs` for queued messages, then stops the bot. */
  async stop(drainMs = 3000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    if (this.isLoggedIn) await this.pacer.drain(drainMs);
    this.pacer.stop();
    if (!this.running) return;
    this.running = false;
    try {
      await this.bot.stop();
    } catch (err) {
      this.log.warn({ channel: "wechaty", err: (err as Error).message }, "微信：停止时出错");
    }
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect(reason, delay);
    }, delay);
  }

  private async reconnect(reason: string, delay: number): Promise<void> {
    if (this.stopped || this.isLoggedIn) return;
    // Still starting (an error event during start): look again later rather than start twice.
    if (this.starting) return this.scheduleReconnect(reason);
    // A QR code shown since then: the puppet is alive and waiting for a scan, nothing to restart.
    if (this.now() - this.lastScanAt < delay) return;
    this.restarts++;
    this.log.warn({ channel: "wechaty", reason, restarts: this.restarts }, "微信：重新启动");
    if (this.running) {
      this.running = false;
      try {
        await this.bot.stop();
      } catch {
        // already stopped
      }
    }
    if (this.stopped) return;
    await this.startBot(reason);
    // Check again later: still not logged in and no QR code means another restart.
    if (this.running) this.scheduleReconnect(reason);
  }

  /** Decides whether and how to answer one incoming message. */
  async onMessage(msg: Message): Promise<void> {
    if (this.stopped) return;
    const talker = msg.talker();
    if (!talker || msg.self() || talker.id === this.selfId) return;
    if (msg.date().getTime() < this.loginAt - this.graceMs) return;
    if (talker.type() === types.Contact.Official) return;
    const room = msg.room();
    const type = msg.type();
    if (room) {
      if (type !== types.Message.Text || !(await msg.mentionSelf())) return;
      const text = await msg.mentionText();
      return this.answerText(room, talker, text, true);
    }
    switch (type) {
      case types.Message.Text:
        return this.answerText(talker, talker, msg.text(), false);
      case types.Message.Image:
        return this.answerPhoto(msg, talker);
      case types.Message.Attachment: {
        const box = await msg.toFileBox();
        return IMAGE_FILE.test(box.name) ? this.answerPhoto(msg, talker) : this.say(talker, [this.help]);
      }
      case types.Message.Audio:
      case types.Message.Video:
      case types.Message.Url:
      case types.Message.Location:
      case types.Message.MiniProgram:
        return this.say(talker, [this.help]);
      default:
        return; // emoticons, recalls, transfers, system notices …
    }
  }

  private async answerText(conversation: Contact | Room, talker: Contact, text: string, inRoom: boolean): Promise<void> {
    const r = await this.o.engine.turn(`wx:${talker.id}`, text, "wechat");
    // A staff member holds the conversation (转人工): the bot says nothing; staff replies come through deliver().
    if (r.status === "with_staff") return;
    // The structured reply as WeChat text: options numbered, with "回复数字即可" (a typed number chooses).
    const reply = renderText(r.reply, { hint: render(this.o.kb.replies.options_hint, baseVars(this.o.kb)) });
    await this.say(conversation, splitMessage(reply, this.maxChars), inRoom ? talker : undefined);
  }

  private async answerPhoto(msg: Message, talker: Contact): Promise<void> {
    let reply: string;
    try {
      const box = await msg.toFileBox();
      const bytes = await box.toBuffer();
      // The same bounded check as /api/photo: the header scan reads the beginning; the size is the whole file's.
      reply = photoReply(this.o.kb, checkPhoto(this.o.kb.materials.photo, bytes.subarray(0, PHOTO_MAX_KB * 1024), bytes.length), "original");
    } catch (err) {
      this.log.warn({ channel: "wechaty", err: (err as Error).message }, "微信：读取图片失败");
      reply = render(this.o.kb.replies.photo_unchecked, baseVars(this.o.kb));
    }
    await this.say(talker, splitMessage(reply, this.maxChars));
  }

  /**
   * A message outside a request (a staff reply of 转人工) to the contact of conversation `wx:<contact id>`, through
   * the pacer; throws when the contact is unknown or a send fails (the delivery outbox tries again later).
   */
  async deliver(conversation: string, text: string): Promise<void> {
    const id = conversation.startsWith("wx:") ? conversation.slice(3) : "";
    if (!this.isLoggedIn) throw new Error("微信未登录");
    const contact = id ? await this.bot.Contact.find({ id }) : undefined;
    if (!contact) throw new Error(`微信联系人不存在：${id}`);
    const sends = splitMessage(text, this.maxChars).map((part) => this.pacer.enqueue(contact.id, () => contact.say(part).then(() => undefined)));
    for (const r of await Promise.allSettled(sends)) if (r.status === "rejected") throw r.reason as Error;
  }

  /** Queues the messages to a conversation, in order; in a group the first one mentions the asker. */
  private async say(conversation: Contact | Room, texts: string[], mention?: Contact): Promise<void> {
    const sends = texts.map((text, i) =>
      this.pacer.enqueue(conversation.id, async () => {
        if (mention && i === 0) await (conversation as Room).say(text, mention);
        else await conversation.say(text);
      }),
    );
    const results = await Promise.allSettled(sends);
    for (const r of results) {
      if (r.status === "rejected") this.log.error({ channel: "wechaty", to: conversation.id, err: (r.reason as Error).message }, "微信：发送失败");
    }
  }
}

/** Builds and starts the channel for the configuration (main.ts). */
export async function startWechatyChannel(
  options: Omit<WechatyChannelOptions, "bot" | "pace"> & {
    config: Pick<Config, "WECHATY_PUPPET" | "WECHATY_PUPPET_SERVICE_TOKEN" | "DATA_DIR" | "WECHATY_SEND_INTERVAL_MS" | "WECHATY_PER_CONTACT_PER_MINUTE">;
  },
): Promise<WechatyChannel> {
  const { config, ...rest } = options;
  const channel = new WechatyChannel({
    ...rest,
    dataDir: config.DATA_DIR,
    bot: buildWechaty(config),
    pace: {
      intervalMs: config.WECHATY_SEND_INTERVAL_MS,
      jitterMs: Math.round(config.WECHATY_SEND_INTERVAL_MS / 2),
      perContact: config.WECHATY_PER_CONTACT_PER_MINUTE,
      windowMs: 60_000,
    },
  });
  await channel.start();
  return channel;
}
