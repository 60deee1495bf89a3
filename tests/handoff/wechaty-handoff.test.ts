/**
 * 转人工 on Wechaty's mock puppet (issue 15): the candidate joins the queue from WeChat, the bot is silent while a
 * staff member holds the conversation, staff replies reach the contact through the pacer (Delivery's sender), and
 * the bot answers again after the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WechatyBuilder } from "wechaty";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import { getKb, makeEngine } from "../helpers.js";
import { WechatyChannel } from "../../src/channels/wechaty.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { Delivery } from "../../src/handoff/delivery.js";
import { createHandoff } from "../../src/handoff/setup.js";
import { memoryLog } from "../../src/server/logger.js";

const kb = getKb();

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("转人工 on WeChat via Wechaty (mock puppet)", () => {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const bot = WechatyBuilder.build({ puppet });
  const user = mocker.createContact({ name: "认定咨询助手" });
  const mary = mocker.createContact({ name: "小玛" });
  const heard: string[] = [];
  mary.on("message", (m: { payload: { talkerId: string; text?: string } }) => {
    if (m.payload.talkerId === user.id) heard.push(m.payload.text ?? "");
  });
  const docs = new MemoryDocs();
  const handoff = createHandoff(docs, { HANDOFF_HOURS: "00:00-24:00", HANDOFF_DAYS: undefined, HANDOFF_RETENTION_DAYS: 90 });
  const engine = makeEngine({ handoff });
  const channel = new WechatyChannel({ kb, engine, bot, logger: memoryLog(), pace: { intervalMs: 20, jitterMs: 0, perContact: 10, windowMs: 600 }, printQr: () => {} });
  const delivery = new Delivery(docs, { baseDelayMs: 10 });
  delivery.register("wx", (conversation, text) => channel.deliver(conversation, text));

  beforeAll(async () => {
    await handoff.presence.beat("user:zhang", "tab");
    await channel.start();
    mocker.login(user);
    await waitFor(() => channel.loggedIn);
  });
  afterAll(() => channel.stop(500));

  it("queues, goes silent while held, delivers staff replies through the pacer, answers again after the end", async () => {
    mary.say("照片有什么要求").to(user);
    await waitFor(() => heard.length > 0);
    mary.say("转人工").to(user);
    await waitFor(() => heard.some((t) => t.includes("第 1 位")));
    const h = (await handoff.queue.current(`wx:${mary.id}`))!;
    expect(h).toMatchObject({ channel: "wechat", status: "waiting" });
    // What was said before 转人工 comes first in the transcript, marked as earlier.
    const first = (await handoff.queue.transcript(h.conversation)).map((r) => r.entry);
    expect(first.map((e) => [e.from, e.earlier ?? false])).toEqual([["candidate", true], ["bot", true], ["candidate", false], ["bot", false]]);
    expect(first[0].text).toBe("照片有什么要求");
    expect(heard[0]).toContain(first[1].text.split("\n")[0]);
    expect(await handoff.queue.take(h.id, "user:zhang")).toBe("ok");

    expect(await delivery.send(h.conversation, "您好，我是工作人员小张")).toBe(true);
    await waitFor(() => heard.includes("您好，我是工作人员小张"));
    const before = heard.length;
    mary.say("我想问补考").to(user);
    await waitFor(async () => (await handoff.queue.transcript(h.conversation)).some((r) => r.entry.text === "我想问补考"));
    await new Promise((r) => setTimeout(r, 100));
    expect(heard.length).toBe(before);

    await handoff.queue.close(h.id);
    mary.say("电子商务师四级多少钱").to(user);
    await waitFor(() => heard.slice(before).some((t) => /元/.test(t)));
  });

  it("a contact the account does not know: the send fails and stays in the outbox", async () => {
    expect(await delivery.send("wx:nobody-here", "在吗")).toBe(false);
    expect((await delivery.pending()).map((p) => p.conversation)).toEqual(["wx:nobody-here"]);
  });
});
