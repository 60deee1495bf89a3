/**
 * Over HTTP (issue 15): a staff member who opens a hand-off sees what the candidate and the bot said before 转人工,
 * first, marked as earlier, numbers masked; the candidate's page is not sent those answers again; an after-hours
 * message shows them too; 新对话 forgets them.
 */
import { describe, expect, it } from "vitest";
import { postJson } from "../server/listen.js";
import { handoffServices, KEY, staffLogin } from "./http-service.js";

const { service: start } = handoffServices("handoff-earlier-");
/** A service on a folder of its own; "00:00-24:00" staffs every hour. */
const service = (hours = "00:00-24:00") => start(undefined, hours);

async function staff(url: string) {
  const { cookie, get } = await staffLogin(url);
  /** The 人工会话 tab open (staff online) until close(). */
  const online = async () => {
    const ac = new AbortController();
    const res = await fetch(`${url}/console/api/handoffs/stream`, { headers: { cookie }, signal: ac.signal });
    const reader = res.body!.getReader();
    let first = "";
    while (!first.includes("event: handoffs")) first += new TextDecoder().decode((await reader.read()).value);
    return { close: () => ac.abort() };
  };
  return { get, online };
}

/** A browser's web chat: the conversation is the signed cookie the first answer sets. */
function browser(url: string) {
  let cookie = "";
  const say = async (text: string) => {
    const r = await postJson(`${url}/api/chat`, { text }, cookie ? { cookie } : {});
    const set = r.headers.getSetCookie().at(-1);
    if (set) cookie = set.split(";")[0];
    expect(r.status).toBe(200);
    return r.json as { replies: string[]; status: string };
  };
  const updates = async () => (await (await fetch(`${url}/api/chat/updates?after=0`, { headers: { cookie } })).json()) as { messages: unknown[] };
  return { say, updates };
}

describe("a web chat conversation handed to staff", () => {
  it("GET /console/api/handoffs/:id starts with the exchanges before 转人工, the bot's answers included, numbers masked", async () => {
    const { api } = await service();
    const zhang = await staff(api.url);
    const tab = await zhang.online();
    const page = browser(api.url);
    const a1 = await page.say("电子商务师四级多少钱");
    expect(a1.replies[0]).toMatch(/元/);
    const a2 = await page.say("我的手机是13812345678，照片有什么要求");
    expect(a2.status).toBe("answered");
    const asked = await page.say("转人工");
    expect(asked.replies[0]).toContain("第 1 位");

    const h = (await zhang.get("/handoffs")).json.find((x: any) => x.status === "waiting");
    const detail = (await zhang.get(`/handoffs/${h.id}`)).json;
    const t = detail.transcript as { at: number; from: string; text: string; earlier?: boolean }[];
    expect(t.map((e) => [e.from, e.earlier ?? false])).toEqual([
      ["candidate", true], ["bot", true], ["candidate", true], ["bot", true], ["candidate", false], ["bot", false],
    ]);
    expect(t[0].text).toBe("电子商务师四级多少钱");
    expect(a1.replies[0]).toContain(t[1].text.split("\n")[0]);
    expect(t[2].text).toBe("我的手机是138****5678，照片有什么要求");
    expect(a2.replies[0]).toContain(t[3].text.split("\n")[0]);
    expect(t[4].text).toBe("转人工");
    for (const e of t) expect(typeof e.at).toBe("number");
    expect(JSON.stringify(detail)).not.toContain("13812345678");
    // The page already showed those answers: they are not sent to it again as updates.
    expect((await page.updates()).messages).toEqual([]);
    tab.close();
  });

  it("an API client's 新对话 forgets them", async () => {
    const { api } = await service();
    const zhang = await staff(api.url);
    const tab = await zhang.online();
    const chat = (text: string, userId = "fresh") => postJson(`${api.url}/api/chat`, { userId, text }, { authorization: `Bearer ${KEY}` });
    // Without 新对话 they are there.
    await chat("电子商务师四级多少钱", "kept");
    await chat("转人工", "kept");
    const kept = (await zhang.get("/handoffs")).json.find((x: any) => x.status === "waiting");
    expect((await zhang.get(`/handoffs/${kept.id}`)).json.transcript[0]).toMatchObject({ from: "candidate", text: "电子商务师四级多少钱", earlier: true });

    await chat("电子商务师四级多少钱");
    expect((await postJson(`${api.url}/api/chat/reset`, { userId: "fresh" }, { authorization: `Bearer ${KEY}` })).status).toBe(200);
    await chat("转人工");
    const h = (await zhang.get("/handoffs")).json.find((x: any) => x.status === "waiting" && x.id !== kept.id);
    const t = (await zhang.get(`/handoffs/${h.id}`)).json.transcript;
    expect(t.map((e: any) => e.text)[0]).toBe("转人工");
    expect(t.some((e: any) => e.earlier)).toBe(false);
    tab.close();
  });
});

describe("an after-hours message", () => {
  it("GET /console/api/callbacks/:id shows the exchanges before it, masked; the number stays masked until opened", async () => {
    const { api } = await service(); // nobody online: the message is taken
    const zhang = await staff(api.url);
    const page = browser(api.url);
    await page.say("电子商务师四级多少钱");
    await page.say("我电话13912345678，证书丢了怎么办");
    await page.say("转人工");
    await page.say("我想改报名的级别");
    await page.say("13812345678");
    const list = (await zhang.get("/callbacks")).json;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ phone: "138****5678", earlier: 4 });
    const one = await zhang.get(`/callbacks/${list[0].id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: list[0].id, phone: "138****5678", question: "我想改报名的级别" });
    expect(one.json.context.map((e: any) => e.from)).toEqual(["candidate", "bot", "candidate", "bot"]);
    expect(one.json.context[0].text).toBe("电子商务师四级多少钱");
    expect(one.json.context[1].text).toMatch(/元/);
    expect(one.json.context[2].text).toBe("我电话139****5678，证书丢了怎么办");
    expect(JSON.stringify(one.json)).not.toMatch(/13812345678|13912345678/);
    expect((await zhang.get("/callbacks/nope")).status).toBe(404);
  });
});
