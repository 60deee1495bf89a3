/**
 * 转人工 over HTTP (issue 15), on SQLite: a client of /api/chat asks for a person, staff list, take, reply, read the
 * candidate's next message in the transcript (no bot answer) and close; two staff race to take one conversation; a
 * restart in the middle of a hand-off loses nothing; after-hours messages are masked until opened.
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postJson } from "../server/listen.js";
import { handoffServices, KEY, staffLogin } from "./http-service.js";

const { dir, service, stop } = handoffServices("handoff-http-");

/** A staff member logged in to the console (each login its own holder). */
async function staff(url: string) {
  const { cookie, get } = await staffLogin(url);
  const post = (path: string, body: unknown = {}) => postJson(`${url}/console/api${path}`, body, { cookie });
  /** Opens the 人工会话 stream (staff online) and reads its events; close() ends it. */
  const online = async () => {
    const ac = new AbortController();
    const res = await fetch(`${url}/console/api/handoffs/stream`, { headers: { cookie }, signal: ac.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const events: { event: string; data: any }[] = [];
    let buf = "";
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += new TextDecoder().decode(value);
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
      }
    })();
    // Connected once the first list arrives.
    for (let n = 0; n < 100 && !events.length; n++) await new Promise((r) => setTimeout(r, 20));
    return { events, close: async () => { ac.abort(); await pump; } };
  };
  return { get, post, online };
}

const chat = (url: string, userId: string, text: string) => postJson(`${url}/api/chat`, { userId, text }, { authorization: `Bearer ${KEY}` });
const updates = async (url: string, userId: string, after = 0) =>
  (await (await fetch(`${url}/api/chat/updates?after=${after}&userId=${userId}`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { messages: { seq: number; from: string; text: string; at: number }[] };
const until = async (f: () => Promise<boolean> | boolean) => {
  for (let n = 0; n < 150; n++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("condition not reached");
};

describe("over HTTP, for a client of /api/chat", () => {
  it("转人工 → listed → take → a staff message reaches the candidate → the candidate's next message is in the transcript with no bot answer → close gives it back", async () => {
    const { api } = await service();
    const zhang = await staff(api.url);
    const tab = await zhang.online();

    const asked = await chat(api.url, "u1", "转人工");
    expect(asked.json.status).toBe("handoff");
    expect(asked.json.replies[0]).toContain("第 1 位");

    const list = await zhang.get("/handoffs");
    const h = list.json.find((x: any) => x.channel === "http" && x.status === "waiting");
    expect(h).toMatchObject({ channel: "http", status: "waiting" });
    expect(h.user).not.toContain("u1");
    expect(typeof h.since).toBe("number");
    await until(() => tab.events.some((e) => e.event === "handoff" && e.data.id === h.id));

    expect((await zhang.post(`/handoffs/${h.id}/take`)).status).toBe(200);
    const sent = await zhang.post(`/handoffs/${h.id}/messages`, { text: "您好，我是工作人员小张，请问有什么可以帮您？" });
    expect(sent.status).toBe(201);

    const got = await updates(api.url, "u1");
    expect(got.messages.map((m) => [m.from, m.text])).toEqual([
      ["bot", "工作人员已接入，接下来由人工为您解答。"],
      ["staff", "您好，我是工作人员小张，请问有什么可以帮您？"],
    ]);
    const after = got.messages.at(-1)!.seq;
    expect((await updates(api.url, "u1", after)).messages).toEqual([]);
    // Another key's user, or a browser, does not see them.
    expect((await updates(api.url, "u2")).messages).toEqual([]);

    const next = await chat(api.url, "u1", "我的准考证打印不出来");
    expect(next.status).toBe(200);
    expect(next.json).toMatchObject({ replies: [], status: "with_staff" });
    const detail = await zhang.get(`/handoffs/${h.id}`);
    expect(detail.json).toMatchObject({ id: h.id, status: "active", channel: "http" });
    expect(detail.json.transcript.map((t: any) => t.from)).toEqual(["candidate", "bot", "bot", "staff", "candidate"]);
    expect(detail.json.transcript.at(-1)).toMatchObject({ from: "candidate", text: "我的准考证打印不出来" });
    await until(() => tab.events.some((e) => e.event === "message" && e.data.text === "我的准考证打印不出来"));

    expect((await zhang.post(`/handoffs/${h.id}/close`)).status).toBe(200);
    expect((await updates(api.url, "u1", after)).messages.map((m) => m.text)).toEqual(["人工服务已结束，接下来由智能助手继续为您解答。感谢您的耐心。"]);
    const back = await chat(api.url, "u1", "电子商务师四级多少钱");
    expect(back.json.status).toBe("answered");
    expect(back.json.replies[0]).toMatch(/元/);
    expect((await zhang.get(`/handoffs/${h.id}`)).json.status).toBe("closed");
    await tab.close();
  });

  it("two staff racing to take one conversation: one 200, one 409; only the holder may write", async () => {
    const { api } = await service();
    const a = await staff(api.url);
    const b = await staff(api.url);
    const tab = await a.online();
    await chat(api.url, "race", "人工客服");
    const h = (await a.get("/handoffs")).json.find((x: any) => x.status === "waiting");
    const [ra, rb] = await Promise.all([a.post(`/handoffs/${h.id}/take`), b.post(`/handoffs/${h.id}/take`)]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const loser = ra.status === 409 ? a : b;
    expect((await loser.post(`/handoffs/${h.id}/messages`, { text: "我来" })).status).toBe(409);
    expect((await loser.post(`/handoffs/${h.id}/close`)).status).toBe(409);
    expect((await loser.post(`/handoffs/${h.id}/messages`, { text: "" })).status).toBe(400);
    expect((await a.post(`/handoffs/nope/take`)).status).toBe(404);
    await tab.close();
  });

  it("a restart in the middle of a hand-off loses nothing (SQLite)", async () => {
    const data = mkdtempSync(join(dir, "restart-"));
    const first = await service(data);
    const s1 = await staff(first.api.url);
    const tab = await s1.online();
    await chat(first.api.url, "r1", "转人工");
    const h = (await s1.get("/handoffs")).json[0];
    await s1.post(`/handoffs/${h.id}/take`);
    await s1.post(`/handoffs/${h.id}/messages`, { text: "请把您的身份证号后四位告诉我" });
    await tab.close();
    await stop(first);

    const second = await service(data);
    const s2 = await staff(second.api.url);
    const again = (await s2.get(`/handoffs/${h.id}`)).json;
    expect(again).toMatchObject({ id: h.id, status: "active" });
    expect(again.transcript.map((t: any) => t.text)).toContain("请把您的身份证号后四位告诉我");
    expect((await updates(second.api.url, "r1")).messages.map((m) => m.from)).toEqual(["bot", "staff"]);
    const said = await chat(second.api.url, "r1", "后四位是1234");
    expect(said.json.status).toBe("with_staff");
    // Another login of the shared token is another staff member: the conversation is still held.
    expect((await s2.post(`/handoffs/${h.id}/take`)).status).toBe(409);
    await stop(second);
  });

  it("nobody online: the message is left; callbacks are masked until one is opened", async () => {
    const { api } = await service();
    const zhang = await staff(api.url);
    const r = await chat(api.url, "cb", "转人工");
    expect(r.json.replies[0]).toContain("不在线");
    await chat(api.url, "cb", "我想改报名的级别");
    const left = await chat(api.url, "cb", "13812345678");
    expect(left.json.replies[0]).toContain("138****5678");
    const list = (await zhang.get("/callbacks")).json;
    const mine = list.find((c: any) => c.phone === "138****5678");
    expect(mine).toMatchObject({ channel: "http", question: "我想改报名的级别" });
    expect(JSON.stringify(list)).not.toContain("13812345678");
    const opened = await zhang.post(`/callbacks/${mine.id}/open`);
    expect(opened.json).toMatchObject({ phone: "13812345678", question: "我想改报名的级别" });
    expect((await zhang.post(`/callbacks/nope/open`)).status).toBe(404);
  });

  it("GET /api/chat/stream pushes staff messages to the same identity, and a reconnect after a seq gets what it missed", async () => {
    const { api } = await service();
    const zhang = await staff(api.url);
    const tab = await zhang.online();
    await chat(api.url, "p1", "转人工");
    const h = (await zhang.get("/handoffs")).json.find((x: any) => x.status === "waiting");
    const open = async (userId: string, after = 0) => {
      const ac = new AbortController();
      const res = await fetch(`${api.url}/api/chat/stream?userId=${userId}&after=${after}`, { headers: { authorization: `Bearer ${KEY}` }, signal: ac.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const got: any[] = [];
      let buf = "";
      const pump = (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buf += new TextDecoder().decode(value);
          for (const m of buf.matchAll(/^data: (.+)$/gm)) if (!got.some((g) => g.seq === JSON.parse(m[1]).seq)) got.push(JSON.parse(m[1]));
        }
      })();
      return { got, close: async () => { ac.abort(); await pump; } };
    };
    const mine = await open("p1");
    const other = await open("p2");
    await zhang.post(`/handoffs/${h.id}/take`);
    await zhang.post(`/handoffs/${h.id}/messages`, { text: "您好，请讲" });
    await until(() => mine.got.length === 2);
    expect(mine.got.map((m) => [m.from, m.text])).toEqual([["bot", "工作人员已接入，接下来由人工为您解答。"], ["staff", "您好，请讲"]]);
    await mine.close();
    await zhang.post(`/handoffs/${h.id}/messages`, { text: "还在吗" });
    const again = await open("p1", mine.got[1].seq);
    await until(() => again.got.length === 1);
    expect(again.got[0]).toMatchObject({ from: "staff", text: "还在吗" });
    await again.close();
    expect(other.got).toEqual([]);
    await other.close();
    await tab.close();
  });

  it("新对话 (reset) while waiting takes the conversation out of the queue", async () => {
    const { api } = await service();
    const zhang = await staff(api.url);
    const tab = await zhang.online();
    await chat(api.url, "leaver", "转人工");
    const h = (await zhang.get("/handoffs")).json.find((x: any) => x.status === "waiting");
    const reset = await postJson(`${api.url}/api/chat/reset`, { userId: "leaver" }, { authorization: `Bearer ${KEY}` });
    expect(reset.status).toBe(200);
    const after = (await zhang.get(`/handoffs/${h.id}`)).json;
    expect(after.status).toBe("closed");
    expect(after.transcript.at(-1).text).toContain("新对话");
    await tab.close();
  });
});
