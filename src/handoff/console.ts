/**
 * The console's 人工会话 API (issue 15's contract), mounted on the console router after its login check:
 *
 *   GET  /api/handoffs               → [{id, channel, user (masked), status, since, takenBy?, mine}]
 *   GET  /api/handoffs/stream        → server-sent events (handoffs, handoff, message, callback); keeps this staff
 *                                      member present (online) while open
 *   GET  /api/handoffs/:id           → the same plus transcript: [{at, from, text, earlier?}] (earlier: said to the bot
 *                                      before 转人工, first)
 *   POST /api/handoffs/:id/take      → 200, 409 when another staff member holds it (or it is over), 404
 *   POST /api/handoffs/:id/messages  {"text"} → 201 {seq, delivered}; 409 unless this staff member holds it
 *   POST /api/handoffs/:id/close     → 200 (the bot answers again; the candidate is told); 409 when another holds it
 *   GET  /api/callbacks              → after-hours messages, number and question masked (earlier: how many entries
 *                                      of what was said before 转人工 it carries)
 *   GET  /api/callbacks/:id          → one of them, masked, with context: [{at, from, text}] (said before 转人工)
 *   POST /api/callbacks/:id/open     → the message in full, for the staff member who opens it (recorded)
 *
 * Staff messages and the bot's notices of a take and an end are transcript entries; a web or API conversation picks
 * them up from /api/chat/updates and the chat's stream, another channel gets them through Delivery.
 */
import { randomUUID } from "node:crypto";
import type { Request, Response, Router } from "express";
import { z } from "zod";
import type { Session } from "../console/auth.js";
import type { Delivery } from "./delivery.js";
import type { Presence } from "./presence.js";
import type { CallbackMessage, Handoff, HandoffEvent, HandoffQueue } from "./queue.js";

export interface HandoffConsoleDeps {
  queue: HandoffQueue;
  presence: Presence;
  /** Sends to channels other than http (Wechaty, 公众号, 微信客服); absent: only web and API conversations get them. */
  delivery?: Delivery;
  /** The reply templates in use (handoff_taken, handoff_closed). */
  replies: () => Record<string, string>;
  now?: () => number;
  /** How often an open stream refreshes presence and sends a keep-alive (ms). */
  beatMs?: number;
  logger?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

interface Authed extends Request {
  consoleSession?: Session;
}

const MessageBody = z.strictObject({ text: z.string().trim().min(1).max(2_000) });

/** Who holds a conversation: a named user, or one login of the shared token. */
export const staffKey = (s: Session): string => (s.sub === "token" ? `token:${s.sid}` : s.sub);
const staffName = (key: string): string => (key.startsWith("user:") ? key.slice(5) : key.startsWith("token:") ? "坐席" : key);

/** "http:3f9a…c2" → "http:3f****c2": the channel and a few characters of the conversation, enough to tell two apart. */
export function maskUser(conversation: string): string {
  const i = conversation.lastIndexOf(":");
  const head = conversation.slice(0, i + 1);
  const id = conversation.slice(i + 1);
  if (id.length <= 4) return `${head}${"*".repeat(id.length)}`;
  return `${head}${id.slice(0, 2)}${"*".repeat(Math.min(6, id.length - 4))}${id.slice(-2)}`;
}

export function handoffView(h: Handoff, me?: string) {
  return {
    id: h.id,
    channel: h.channel,
    user: maskUser(h.conversation),
    status: h.status,
    since: h.since,
    ...(h.takenBy ? { takenBy: staffName(h.takenBy), mine: h.takenBy === me } : { mine: false }),
  };
}

export function handoffRoutes(router: Router, d: HandoffConsoleDeps): void {
  const now = d.now ?? Date.now;
  const me = (req: Authed) => staffKey(req.consoleSession!);

  /** A staff message or a notice reaches the candidate: http conversations read the transcript; others are sent. */
  const deliver = async (conversation: string, text: string): Promise<boolean | "pending"> => {
    if (conversation.startsWith("http:")) return true;
    if (!d.delivery?.has(conversation)) return false;
    return (await d.delivery.send(conversation, text)) ? true : "pending";
  };
  const notice = async (h: Handoff, key: string, staff: string) => {
    const text = d.replies()[key];
    if (!text) return;
    await d.queue.record(h.conversation, { at: now(), from: "bot", text, by: staff });
    await deliver(h.conversation, text).catch((err: Error) => d.logger?.error({ err: err.message }, "handoff notice not delivered"));
  };

  router.get("/api/handoffs", async (req: Authed, res) => {
    const key = me(req);
    res.json((await d.queue.list()).map((h) => handoffView(h, key)));
  });

  router.get("/api/handoffs/stream", async (req: Authed, res: Response) => {
    const key = me(req);
    const connection = randomUUID();
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const listener = (e: HandoffEvent) => {
      void (async () => {
        if (e.type === "handoff") send("handoff", handoffView(e.handoff, key));
        else if (e.type === "callback") send("callback", { id: e.id });
        else {
          const h = await d.queue.current(e.conversation);
          if (h) send("message", { handoff: h.id, seq: e.seq, at: e.entry.at, from: e.entry.from, text: e.entry.text, ...(e.entry.earlier ? { earlier: true } : {}) });
        }
      })().catch(() => undefined);
    };
    const unsubscribe = d.queue.subscribe(listener);
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    req.on("close", () => {
      closed = true;
      clearInterval(timer);
      unsubscribe();
      void d.presence.leave(key, connection).catch(() => undefined);
    });
    const beat = () => d.presence.beat(key, connection).catch((err: Error) => d.logger?.error({ err: err.message }, "presence"));
    await beat();
    if (closed) return void d.presence.leave(key, connection).catch(() => undefined);
    send("handoffs", (await d.queue.list()).map((h) => handoffView(h, key)));
    timer = setInterval(() => {
      void beat();
      if (!res.writableEnded) res.write(": keep-alive\n\n");
    }, d.beatMs ?? 15_000);
    if (closed) clearInterval(timer);
  });

  const find = async (req: Request, res: Response): Promise<Handoff | undefined> => {
    const h = await d.queue.get(String(req.params.id));
    if (!h) res.status(404).json({ error: "没有这个人工会话" });
    return h;
  };

  router.get("/api/handoffs/:id", async (req: Authed, res) => {
    const h = await find(req, res);
    if (!h) return;
    const transcript = (await d.queue.transcript(h.conversation)).map((r) => ({
      seq: r.seq,
      at: r.entry.at,
      from: r.entry.from,
      text: r.entry.text,
      ...(r.entry.by ? { by: staffName(r.entry.by) } : {}),
      ...(r.entry.earlier ? { earlier: true } : {}),
    }));
    res.json({ ...handoffView(h, me(req)), transcript });
  });

  router.post("/api/handoffs/:id/take", async (req: Authed, res) => {
    const h = await find(req, res);
    if (!h) return;
    const key = me(req);
    const r = await d.queue.take(h.id, key);
    if (r === "missing") return void res.status(404).json({ error: "没有这个人工会话" });
    if (r === "taken") return void res.status(409).json({ error: "另一位工作人员已接入这个会话" });
    if (r === "closed") return void res.status(409).json({ error: "这个会话已结束" });
    const taken = (await d.queue.get(h.id))!;
    if (h.status === "waiting") {
      d.logger?.info({ user: req.consoleSession!.sub, handoff: h.id }, "handoff taken");
      await notice(taken, "handoff_taken", key);
    }
    res.json({ ok: true, handoff: handoffView(taken, key) });
  });

  router.post("/api/handoffs/:id/messages", async (req: Authed, res) => {
    const body = MessageBody.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: "请求体应为 {\"text\": \"回复内容\"}（1–2000 字）" });
    const h = await find(req, res);
    if (!h) return;
    const key = me(req);
    if (h.status !== "active" || h.takenBy !== key) {
      return void res.status(409).json({ error: h.status === "closed" ? "这个会话已结束" : h.status === "waiting" ? "请先接入这个会话" : "另一位工作人员已接入这个会话" });
    }
    const seq = await d.queue.record(h.conversation, { at: now(), from: "staff", text: body.data.text, by: key });
    const delivered = await deliver(h.conversation, body.data.text).catch((err: Error) => {
      d.logger?.error({ err: err.message }, "staff message not delivered");
      return "pending" as const;
    });
    res.status(201).json({ ok: true, seq, delivered });
  });

  router.post("/api/handoffs/:id/close", async (req: Authed, res) => {
    const h = await find(req, res);
    if (!h) return;
    const key = me(req);
    if (h.status === "active" && h.takenBy !== key) return void res.status(409).json({ error: "另一位工作人员已接入这个会话" });
    if (h.status === "closed" || !(await d.queue.close(h.id))) return void res.status(409).json({ error: "这个会话已结束" });
    d.logger?.info({ user: req.consoleSession!.sub, handoff: h.id }, "handoff closed");
    const closed = (await d.queue.get(h.id))!;
    await notice(closed, "handoff_closed", key);
    res.json({ ok: true, handoff: handoffView(closed, key) });
  });

  /** An after-hours message as the console shows it (the queue masked its number and question). */
  const callbackView = (c: CallbackMessage) => ({
    id: c.id, at: c.at, channel: c.channel, user: maskUser(c.conversation), question: c.question, phone: c.phone,
    ...(c.openedBy ? { openedBy: staffName(c.openedBy), openedAt: c.openedAt } : {}),
  });

  router.get("/api/callbacks", async (_req, res) => {
    res.json((await d.queue.callbacks()).map((c) => ({ ...callbackView(c), earlier: c.context?.length ?? 0 })));
  });

  router.get("/api/callbacks/:id", async (req, res) => {
    const c = await d.queue.callback(String(req.params.id));
    if (!c) return void res.status(404).json({ error: "没有这条留言（可能已过保留期被删除）" });
    const context = c.context.map((e) => ({ at: e.at, from: e.from, text: e.text, earlier: true }));
    res.json({ ...callbackView(c), context });
  });

  router.post("/api/callbacks/:id/open", async (req: Authed, res) => {
    const c = await d.queue.openCallback(String(req.params.id), me(req));
    if (!c) return void res.status(404).json({ error: "没有这条留言（可能已过保留期被删除）" });
    d.logger?.info({ user: req.consoleSession!.sub, callback: c.id }, "callback opened");
    res.json({ id: c.id, at: c.at, channel: c.channel, user: maskUser(c.conversation), question: c.question, phone: c.phone, openedBy: staffName(c.openedBy!), openedAt: c.openedAt });
  });
}
