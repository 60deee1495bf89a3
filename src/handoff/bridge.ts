/**
 * Several instances on one Redis: the hand-off queue's live events (a conversation queued, taken or ended, a line
 * of a transcript, an after-hours message) published to the others, so a staff member's stream on one instance and a
 * candidate's page on another both hear them. Events heard from another instance are emitted locally and not sent on.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { HandoffEvent, HandoffQueue } from "./queue.js";

export interface HandoffBridge {
  close(): Promise<void>;
}

export async function bridgeHandoffEvents(queue: HandoffQueue, redis: Redis, channel: string, onError?: (err: Error) => void): Promise<HandoffBridge> {
  const me = randomUUID();
  const sub = redis.duplicate();
  sub.on("error", (err: Error) => onError?.(err));
  let relaying = false;
  sub.on("message", (ch: string, message: string) => {
    if (ch !== channel) return;
    let parsed: { from?: unknown; event?: HandoffEvent };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return onError?.(new Error(`人工会话频道 ${channel} 上的消息不是 JSON`));
    }
    if (parsed.from === me || !parsed.event || typeof parsed.event !== "object") return;
    relaying = true;
    try {
      queue.emit(parsed.event);
    } finally {
      relaying = false;
    }
  });
  await sub.subscribe(channel);
  const unsubscribe = queue.subscribe((event) => {
    if (relaying) return;
    void redis.publish(channel, JSON.stringify({ from: me, event })).catch((err: Error) => onError?.(err));
  });
  let closed = false;
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
