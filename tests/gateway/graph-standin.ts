/**
 * A stand-in for Messenger's Send API on 127.0.0.1: it checks each request the way the Graph API does (version in
 * the path, page token, appsecret_proof, the message's shape and limits) and records what it accepted. It can
 * refuse (`refuseNext`) or hang (`hang`) on demand.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Sent {
  recipient: string;
  text?: string;
  quickReplies?: { title: string; payload: string }[];
  buttons?: { type: string; title: string; url?: string; payload?: string }[];
}

export interface GraphStandIn {
  url: string;
  sent: Sent[];
  /** Requests refused as malformed, with the reason (a test expects none). */
  malformed: string[];
  /** Answer the next n sends with a Graph error. */
  refuseNext(n: number): void;
  hang: boolean;
  waitFor(pred: (s: Sent[]) => boolean, ms?: number): Promise<Sent[]>;
  close(): Promise<void>;
}

const fail = (message: string, code = 100) => ({ error: { message, type: "OAuthException", code } });
const chars = (s: unknown) => Array.from(String(s ?? "")).length;

export async function graphStandIn(opts: { version: string; token: string; secret: string }): Promise<GraphStandIn> {
  const proof = createHmac("sha256", opts.secret).update(opts.token).digest("hex");
  const state = { sent: [] as Sent[], malformed: [] as string[], refuse: 0, hang: false };
  const check = (path: string, q: URLSearchParams, body: any): string | undefined => {
    if (path !== `/${opts.version}/me/messages`) return `unknown path ${path}`;
    if (q.get("access_token") !== opts.token) return "bad access token";
    if (q.get("appsecret_proof") !== proof) return "bad appsecret_proof";
    if (typeof body?.recipient?.id !== "string" || !body.recipient.id) return "no recipient";
    if (!["RESPONSE", "UPDATE", "MESSAGE_TAG"].includes(body.messaging_type)) return "bad messaging_type";
    const m = body.message;
    if (!m || (m.text === undefined) === (m.attachment === undefined)) return "message needs text or attachment, not both";
    if (m.text !== undefined && (typeof m.text !== "string" || chars(m.text) === 0 || chars(m.text) > 2000)) return "text empty or over 2000";
    if (m.quick_replies !== undefined) {
      if (!Array.isArray(m.quick_replies) || m.quick_replies.length < 1 || m.quick_replies.length > 13) return "1-13 quick replies";
      for (const q of m.quick_replies) {
        if (q.content_type !== "text" || chars(q.title) < 1 || chars(q.title) > 20 || chars(q.payload) < 1 || chars(q.payload) > 1000) return "bad quick reply";
      }
    }
    if (m.attachment !== undefined) {
      const p = m.attachment?.payload;
      if (m.attachment.type !== "template" || p?.template_type !== "button") return "unsupported attachment";
      if (chars(p.text) < 1 || chars(p.text) > 640) return "button text 1-640";
      if (!Array.isArray(p.buttons) || p.buttons.length < 1 || p.buttons.length > 3) return "1-3 buttons";
      for (const b of p.buttons) {
        if (chars(b.title) < 1 || chars(b.title) > 20) return "button title 1-20";
        if (b.type === "web_url" && !/^https?:\/\/\S+$/.test(b.url)) return "bad url";
        if (b.type === "phone_number" && !/^\+\d{6,15}$/.test(b.payload)) return "bad phone number";
        if (!["web_url", "phone_number"].includes(b.type)) return "bad button type";
      }
    }
    return undefined;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (state.hang) return; // never answers
      const url = new URL(req.url ?? "/", "http://x");
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = undefined;
      }
      const problem = req.method !== "POST" ? "POST only" : check(url.pathname, url.searchParams, body);
      res.setHeader("content-type", "application/json");
      if (problem) {
        state.malformed.push(problem);
        res.statusCode = 400;
        res.end(JSON.stringify(fail(problem)));
        return;
      }
      if (state.refuse > 0) {
        state.refuse--;
        res.statusCode = 400;
        res.end(JSON.stringify(fail("(#10) This message is sent outside of allowed window.", 10)));
        return;
      }
      const m = body.message;
      state.sent.push({
        recipient: body.recipient.id,
        text: m.text,
        quickReplies: m.quick_replies?.map((q: any) => ({ title: q.title, payload: q.payload })),
        buttons: m.attachment?.payload?.buttons,
      });
      res.end(JSON.stringify({ recipient_id: body.recipient.id, message_id: `m_${state.sent.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get sent() {
      return state.sent;
    },
    get malformed() {
      return state.malformed;
    },
    refuseNext: (n) => void (state.refuse = n),
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    async waitFor(pred, ms = 5000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (pred(state.sent)) return state.sent;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`stand-in Graph API: condition not met within ${ms} ms; sent: ${JSON.stringify(state.sent).slice(0, 500)}`);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
