/**
 * Messages to candidates outside the request that brought theirs (staff replies, late answers), on every channel:
 * each channel registers how it sends; a message that cannot be sent now stays in a durable outbox and is tried
 * again with a growing delay, so nothing is lost across a restart; a message a channel refuses for good (WeChat's
 * 48-hour window) is given up and said so in the transcript for the staff member.
 */
import { randomUUID } from "node:crypto";
import type { DocStore } from "./docs.js";

/**
 * Sends a text to one conversation of a channel; throws on failure (`refusedForGood` on the error: do not retry).
 * `id` is the outbox item's, the same on every try of one message.
 */
export type Sender = (conversation: string, text: string, id: string) => Promise<void>;

export interface OutboxItem {
  id: string;
  conversation: string;
  text: string;
  at: number;
  attempts: number;
  nextAt: number;
  lastError?: string;
}

const OUTBOX = "outbox";

export interface DeliveryLog {
  warn(obj: object, msg: string): void;
}

export class Delivery {
  private readonly senders = new Map<string, Sender>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly docs: DocStore,
    private readonly options: {
      now?: () => number;
      /** Gives up after this many attempts (about an hour with the doubling delay). */
      maxAttempts?: number;
      baseDelayMs?: number;
      log?: DeliveryLog;
      /** Told when a message is given up (the transcript gets a note). */
      onGivenUp?: (item: OutboxItem, reason: string) => void;
    } = {},
  ) {}

  private get now() {
    return this.options.now ?? Date.now;
  }

  /** The channel a conversation id belongs to: its prefix ("oa:…" → "oa", "wecom:…" → "wecom"). */
  static channelOf(conversation: string): string {
    return conversation.split(":")[0];
  }

  register(prefix: string, sender: Sender): void {
    this.senders.set(prefix, sender);
  }

  has(conversation: string): boolean {
    return this.senders.has(Delivery.channelOf(conversation));
  }

  /** Sends now; on failure keeps the message in the outbox for another try. False when it could not be sent now. */
  async send(conversation: string, text: string): Promise<boolean> {
    const sender = this.senders.get(Delivery.channelOf(conversation));
    if (!sender) return false;
    const item: OutboxItem = { id: randomUUID(), conversation, text, at: this.now(), attempts: 0, nextAt: this.now() };
    return this.attempt(sender, item, true);
  }

  private async attempt(sender: Sender, item: OutboxItem, fresh: boolean): Promise<boolean> {
    try {
      await sender(item.conversation, item.text, item.id);
      if (!fresh) {
        await this.docs.del(`outbox:${item.id}`);
        await this.docs.removeFromSet(OUTBOX, item.id);
      }
      return true;
    } catch (err) {
      const e = err as Error & { refusedForGood?: boolean };
      const attempts = item.attempts + 1;
      const max = this.options.maxAttempts ?? 8;
      if (e.refusedForGood || attempts >= max) {
        if (!fresh) {
          await this.docs.del(`outbox:${item.id}`);
          await this.docs.removeFromSet(OUTBOX, item.id);
        }
        this.options.onGivenUp?.(item, e.message);
        return false;
      }
      const next: OutboxItem = { ...item, attempts, lastError: e.message, nextAt: this.now() + (this.options.baseDelayMs ?? 15_000) * 2 ** (attempts - 1) };
      const doc = await this.docs.get<OutboxItem>(`outbox:${item.id}`);
      await this.docs.cas(`outbox:${item.id}`, doc?.version ?? 0, next);
      await this.docs.addToSet(OUTBOX, item.id);
      this.options.log?.warn({ conversation: item.conversation, attempts, err: e.message }, "delivery failed; kept in the outbox");
      return false;
    }
  }

  /** Tries every message whose time has come (also what the timer does). */
  retryDue(): Promise<void> {
    this.running ??= (async () => {
      for (const id of await this.docs.members(OUTBOX)) {
        const doc = await this.docs.get<OutboxItem>(`outbox:${id}`);
        if (!doc) {
          await this.docs.removeFromSet(OUTBOX, id);
          continue;
        }
        if (doc.value.nextAt > this.now()) continue;
        const sender = this.senders.get(Delivery.channelOf(doc.value.conversation));
        if (sender) await this.attempt(sender, doc.value, false);
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async pending(): Promise<OutboxItem[]> {
    const items = await Promise.all((await this.docs.members(OUTBOX)).map(async (id) => (await this.docs.get<OutboxItem>(`outbox:${id}`))?.value));
    return items.filter((x): x is OutboxItem => Boolean(x));
  }

  start(everyMs = 5_000): void {
    this.timer = setInterval(() => void this.retryDue().catch(() => undefined), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
