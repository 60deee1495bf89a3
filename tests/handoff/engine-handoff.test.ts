/**
 * 转人工 in the engine (issue 15): the queue within staffed hours with staff online, the after-hours message with a
 * callback number, 转人工 offered after two fallbacks in a row, the bot silent while staff hold the conversation, and
 * the transcript of the wait. Without the hand-off option the engine answers 转人工 as before.
 */
import { describe, expect, it } from "vitest";
import { DAY, NIGHT, setup } from "./engine-setup.js";
import { makeEngine } from "../helpers.js";
import { readPhone } from "../../src/handoff/handler.js";

describe("转人工 within staffed hours with staff online", () => {
  it("joins the queue, tells the place, keeps answering while waiting and records both sides", async () => {
    const { engine, queue, ready, setTime } = setup();
    await ready();
    const first = await engine.turn("http:a", "转人工", "http");
    expect(first.status).toBe("handoff");
    expect(first.replies[0]).toContain("第 1 位");
    setTime(DAY + 10_000);
    const second = await engine.turn("http:b", "人工客服", "http");
    expect(second.replies[0]).toContain("第 2 位");
    const list = await queue.list();
    expect(list.map((h) => [h.conversation, h.status, h.channel])).toEqual([["http:a", "waiting", "http"], ["http:b", "waiting", "http"]]);

    // Waiting: the bot still answers, and both sides go to the transcript.
    const q = await engine.turn("http:a", "电子商务师四级多少钱", "http");
    expect(q.status).toBe("answered");
    expect(q.replies[0]).toMatch(/元/);
    const again = await engine.turn("http:a", "转人工", "http");
    expect(again.replies[0]).toContain("第 1 位");
    const t = (await queue.transcript("http:a")).map((r) => r.entry.from);
    expect(t).toEqual(["candidate", "bot", "candidate", "bot", "candidate", "bot"]);
  });

  it("is silent while staff hold the conversation; the candidate's words go to the transcript; the bot answers again after close", async () => {
    const { engine, queue, ready } = setup();
    await ready();
    await engine.turn("http:c", "找客服", "http");
    const h = (await queue.current("http:c"))!;
    expect(await queue.take(h.id, "staff:zhang")).toBe("ok");
    const r = await engine.turn("http:c", "我的准考证打印不出来", "http");
    expect(r.status).toBe("with_staff");
    expect(r.replies).toEqual([]);
    expect(r.reply.parts).toEqual([]);
    const last = (await queue.transcript("http:c")).at(-1)!.entry;
    expect(last).toMatchObject({ from: "candidate", text: "我的准考证打印不出来" });
    await queue.close(h.id);
    const back = await engine.turn("http:c", "电子商务师四级多少钱", "http");
    expect(back.status).toBe("answered");
    expect(back.replies[0]).toMatch(/元/);
  });
});

describe("转人工 when nobody answers", () => {
  it("after hours: says when staff are back, takes the question and a callback number (asked again when missing)", async () => {
    const { engine, queue } = setup(NIGHT);
    const r = await engine.turn("wx:d", "转人工", "wechaty");
    expect(r.replies[0]).toContain("明天 8:30");
    expect(r.replies[0]).toContain("问题");
    expect(await queue.list()).toEqual([]);
    const q = await engine.turn("wx:d", "我去年考的理论没过，今年补考怎么报名", "wechaty");
    expect(q.replies[0]).toContain("电话");
    const bad = await engine.turn("wx:d", "晚上打给我", "wechaty");
    expect(bad.replies[0]).toContain("没有看到电话号码");
    const ok = await engine.turn("wx:d", "我的电话 138 1234 5678", "wechaty");
    expect(ok.replies[0]).toContain("138****5678");
    const cbs = await queue.callbacks();
    expect(cbs).toHaveLength(1);
    expect(cbs[0]).toMatchObject({ conversation: "wx:d", channel: "wechaty", phone: "138****5678" });
    const full = await queue.openCallback(cbs[0].id, "staff:li");
    expect(full).toMatchObject({ phone: "13812345678", question: "我去年考的理论没过，今年补考怎么报名" });
    // The conversation goes on as usual.
    const next = await engine.turn("wx:d", "电子商务师四级多少钱", "wechaty");
    expect(next.replies[0]).toMatch(/元/);
  });

  it("within hours but nobody online: says so and takes a message; 取消 cancels", async () => {
    const { engine, queue } = setup(DAY, false);
    const r = await engine.turn("oa:e", "人工客服", "oa");
    expect(r.replies[0]).toContain("不在线");
    const c = await engine.turn("oa:e", "取消", "oa");
    expect(c.replies[0]).toContain("已取消");
    expect(await queue.callbacks()).toEqual([]);
  });

  it("an unfinished message is given up when the candidate comes back half an hour later", async () => {
    const { engine, queue, setTime } = setup(NIGHT);
    await engine.turn("oa:late", "转人工", "oa");
    setTime(NIGHT + 31 * 60_000);
    const r = await engine.turn("oa:late", "电子商务师四级多少钱", "oa");
    expect(r.replies[0]).toMatch(/元/);
    expect(await queue.callbacks()).toEqual([]);
  });

  it("a question with the number in it is left at once", async () => {
    const { engine, queue } = setup(NIGHT);
    await engine.turn("oa:f", "转人工", "oa");
    const r = await engine.turn("oa:f", "证书丢了怎么补办，电话13900001111", "oa");
    expect(r.replies[0]).toContain("139****1111");
    expect(await queue.callbacks()).toHaveLength(1);
  });
});

describe("two fallbacks in a row offer 转人工", () => {
  it("as an option; choosing it is 转人工", async () => {
    const { engine, queue, ready } = setup();
    await ready();
    const one = await engine.turn("http:g", "阿巴阿巴咕噜", "http");
    expect(one.status).toBe("fallback");
    expect(one.reply.options.map((o) => o.label)).not.toContain("转人工");
    const two = await engine.turn("http:g", "咕噜咕噜阿巴", "http");
    expect(two.status).toBe("fallback");
    const offer = two.reply.options.find((o) => o.label === "转人工");
    expect(offer).toBeDefined();
    expect(two.replies[0]).toContain("转人工");
    const chosen = await engine.turn("http:g", offer!.value, "http");
    expect(chosen.replies[0]).toContain("第 1 位");
    expect((await queue.current("http:g"))?.status).toBe("waiting");
  });
});

describe("without the hand-off option", () => {
  it("转人工 answers with the hotline as before", async () => {
    const engine = makeEngine();
    const r = await engine.turn("u", "转人工");
    expect(r.status).toBe("handoff");
    expect(r.replies[0]).toContain("400-007-5676");
    await engine.turn("u", "阿巴阿巴咕噜");
    const two = await engine.turn("u", "咕噜咕噜阿巴");
    expect(two.reply.options.map((o) => o.label)).not.toContain("转人工");
  });
});

describe("readPhone", () => {
  it("reads mobiles and landlines however they are spaced", () => {
    expect(readPhone("１３８-1234-5678")).toBe("13812345678");
    expect(readPhone("+86 13812345678")).toBe("13812345678");
    expect(readPhone("座机 010-68662352")).toBe("01068662352");
    expect(readPhone("去年考的")).toBeUndefined();
    expect(readPhone("2024年3月")).toBeUndefined();
  });
});
