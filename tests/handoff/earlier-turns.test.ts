/**
 * What was said before 转人工 reaches the staff member, on every channel (issue 15: "sees the whole transcript, the
 * bot's answers included"): the conversation's recent exchanges with the bot, kept in its session (masked, clipped,
 * the last few within a time bound), go first into the hand-off's transcript, marked as earlier, when the
 * conversation joins the queue; an after-hours message carries them too. 新对话 and session expiry forget them.
 */
import { describe, expect, it } from "vitest";
import { DAY, NIGHT, setup } from "./engine-setup.js";
import { HandoffQueue } from "../../src/handoff/queue.js";
import { EARLIER_MS, EARLIER_TURNS, rememberTurn, type HandoffSessionState } from "../../src/handoff/handler.js";

const rows = async (queue: HandoffQueue, conversation: string) => (await queue.transcript(conversation)).map((r) => r.entry);

describe.each([
  ["wx:wxid_candidate01", "wechat"],
  ["oa:oOPENID0123456789", "official_account"],
  ["wecom:wkKF01:wmEXTERNAL01", "wecom"],
])("on %s (%s), joining the queue", (user, channel) => {
  it("puts the earlier exchanges first, in order, with their times, the bot's answers included and numbers masked", async () => {
    const { engine, queue, ready, tick } = setup();
    await ready();
    const t1 = tick();
    const a1 = await engine.turn(user, "电子商务师四级多少钱", channel);
    expect(a1.replies[0]).toMatch(/元/);
    const t2 = tick();
    const a2 = await engine.turn(user, "我手机13812345678，报名需要准备哪些材料", channel);
    expect(a2.status).toBe("answered");
    const t3 = tick();
    const asked = await engine.turn(user, "转人工", channel);
    expect(asked.replies[0]).toContain("第 1 位");

    const t = await rows(queue, user);
    expect(t.map((e) => [e.from, Boolean(e.earlier)])).toEqual([
      ["candidate", true], ["bot", true], ["candidate", true], ["bot", true],
      ["candidate", false], ["bot", false],
    ]);
    expect(t[0]).toMatchObject({ at: t1, text: "电子商务师四级多少钱" });
    expect(t[1].text).toMatch(/元/);
    expect(a1.replies[0]).toContain(t[1].text.split("\n")[0]);
    expect(t[2]).toMatchObject({ at: t2, text: "我手机138****5678，报名需要准备哪些材料" });
    expect(a2.replies[0]).toContain(t[3].text.split("\n")[0]);
    expect(t[4]).toMatchObject({ at: t3, text: "转人工" });
    expect(JSON.stringify(t)).not.toContain("13812345678");
    // Times never go backwards.
    expect(t.map((e) => e.at)).toEqual([...t.map((e) => e.at)].sort((a, b) => a - b));
  });
});

describe("the earlier exchanges", () => {
  it("include the questions the bot failed on when the candidate takes the offered 转人工", async () => {
    const { engine, queue, ready, tick } = setup();
    await ready();
    tick();
    await engine.turn("oa:fail", "阿巴阿巴咕噜", "official_account");
    tick();
    const two = await engine.turn("oa:fail", "咕噜咕噜阿巴", "official_account");
    const offer = two.reply.options.find((o) => o.label === "转人工")!;
    tick();
    await engine.turn("oa:fail", offer.value, "official_account");
    const t = await rows(queue, "oa:fail");
    expect(t.filter((e) => e.earlier).map((e) => e.from)).toEqual(["candidate", "bot", "candidate", "bot"]);
    expect(t[0].text).toBe("阿巴阿巴咕噜");
    expect(t[2].text).toBe("咕噜咕噜阿巴");
    // The bot's reply as the candidate saw it, the offer of 转人工 included.
    expect(t[3].text).toContain("转人工");
    expect(t[4]).toMatchObject({ from: "candidate", text: "转人工" });
    expect(t[4].earlier).toBeFalsy();
  });

  it("are kept in the session masked, not in the clear", async () => {
    const { engine, store, tick } = setup();
    tick();
    await engine.turn("wx:privacy", "我的身份证110101199003071234，电话 138 1234 5678，能报四级吗", "wechat");
    const saved = JSON.stringify(await store.get("wx:privacy"));
    expect(saved).toContain("110***********1234");
    expect(saved).not.toContain("110101199003071234");
    expect(saved).not.toContain("138 1234 5678");
  });

  it("hold only the last few exchanges, each text clipped", async () => {
    const { engine, queue, ready, tick } = setup();
    await ready();
    const questions = ["电子商务师四级多少钱", "那三级呢", "照片有什么要求", "在哪报名", "准考证哪天打印"];
    const said: string[] = [];
    for (let i = 0; i < EARLIER_TURNS + 5; i++) {
      tick();
      const q = `${questions[i % questions.length]}（第${i + 1}问）`;
      said.push(q);
      await engine.turn("wx:long", q, "wechat");
    }
    tick();
    const long = `我想问一下${"报名的事情".repeat(400)}`;
    await engine.turn("wx:long", long, "wechat");
    said.push(long);
    tick();
    await ready(); // the staff member's tab is still open
    await engine.turn("wx:long", "转人工", "wechat");
    const earlier = (await rows(queue, "wx:long")).filter((e) => e.earlier);
    const candidate = earlier.filter((e) => e.from === "candidate").map((e) => e.text);
    expect(candidate).toHaveLength(EARLIER_TURNS);
    expect(candidate.slice(0, -1)).toEqual(said.slice(-EARLIER_TURNS, -1));
    // The long message is kept clipped, marked with an ellipsis.
    const clipped = candidate.at(-1)!;
    expect(clipped.length).toBeLessThan(long.length);
    expect(clipped.length).toBeLessThanOrEqual(500);
    expect(clipped.endsWith("…")).toBe(true);
    expect(long.startsWith(clipped.slice(0, -1))).toBe(true);
    for (const e of earlier) expect(e.text.length).toBeLessThanOrEqual(1_000);
  });

  it("are clipped between characters, never inside one (an emoji), and a number at the cut is masked whole", () => {
    const s: HandoffSessionState = {};
    for (let n = 190; n < 200; n++) rememberTurn(s, 1, `${"好".repeat(n)}😀😀😀${"好".repeat(300)}`, "");
    for (const e of s.earlier!) {
      expect(e.said.endsWith("…")).toBe(true);
      expect(e.said).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
    rememberTurn(s, 2, `${"好".repeat(192)}13812345678${"好".repeat(100)}`, "");
    expect(s.earlier!.at(-1)!.said).toBe(`${"好".repeat(192)}138****…`);
  });

  it("leave out what was said long before (the time bound)", async () => {
    const { engine, queue, ready, tick } = setup();
    await ready();
    tick();
    await engine.turn("oa:stale", "电子商务师四级多少钱", "official_account");
    tick(EARLIER_MS + 60_000);
    await engine.turn("oa:stale", "照片有什么要求", "official_account");
    tick();
    await ready();
    await engine.turn("oa:stale", "转人工", "official_account");
    const earlier = (await rows(queue, "oa:stale")).filter((e) => e.earlier);
    expect(earlier.map((e) => e.text)[0]).toBe("照片有什么要求");
    expect(earlier).toHaveLength(2);
  });

  it("go to the transcript once: the turns of a wait are recorded live, and a later 转人工 brings only what came after", async () => {
    const { engine, queue, ready, tick } = setup();
    await ready();
    tick();
    await engine.turn("wx:twice", "电子商务师四级多少钱", "wechat");
    tick();
    await engine.turn("wx:twice", "转人工", "wechat");
    tick();
    await engine.turn("wx:twice", "照片有什么要求", "wechat"); // while waiting: recorded live
    const h = (await queue.current("wx:twice"))!;
    await queue.close(h.id);
    tick();
    await engine.turn("wx:twice", "在哪报名", "wechat");
    tick();
    await engine.turn("wx:twice", "人工客服", "wechat");
    const t = await rows(queue, "wx:twice");
    const candidate = t.filter((e) => e.from === "candidate").map((e) => [e.text, Boolean(e.earlier)]);
    expect(candidate).toEqual([
      ["电子商务师四级多少钱", true],
      ["转人工", false],
      ["照片有什么要求", false],
      ["在哪报名", true],
      ["人工客服", false],
    ]);
  });

  it("are forgotten by 新对话 and when the session expires", async () => {
    const { engine, queue, ready, tick } = setup();
    await ready();
    tick();
    await engine.turn("wx:reset", "电子商务师四级多少钱", "wechat");
    await engine.reset("wx:reset");
    tick();
    await engine.turn("wx:reset", "转人工", "wechat");
    expect((await rows(queue, "wx:reset")).filter((e) => e.earlier)).toEqual([]);

    tick();
    await engine.turn("wx:expire", "电子商务师四级多少钱", "wechat");
    tick(25 * 3_600_000); // past the session's time to live (24 h here)
    await ready();
    await engine.turn("wx:expire", "转人工", "wechat");
    expect((await rows(queue, "wx:expire")).filter((e) => e.earlier)).toEqual([]);

    // The same conversation without either: they are there.
    tick();
    await engine.turn("wx:kept", "电子商务师四级多少钱", "wechat");
    tick();
    await engine.turn("wx:kept", "转人工", "wechat");
    expect((await rows(queue, "wx:kept")).filter((e) => e.earlier).map((e) => e.from)).toEqual(["candidate", "bot"]);
  });
});

describe("an after-hours message", () => {
  it("carries the exchanges before 转人工 for the staff member who reads it, masked, without the message's own dialog", async () => {
    const { engine, queue, tick } = setup(NIGHT);
    tick();
    await engine.turn("wx:night", "我电话13912345678，电子商务师四级多少钱", "wechat");
    tick();
    await engine.turn("wx:night", "补考怎么收费", "wechat");
    tick();
    const r = await engine.turn("wx:night", "转人工", "wechat");
    expect(r.replies[0]).toContain("明天");
    tick();
    await engine.turn("wx:night", "我去年理论没过，今年补考怎么报名", "wechat");
    tick();
    await engine.turn("wx:night", "13812345678", "wechat");
    const [cb] = await queue.callbacks();
    const view = (await queue.callback(cb.id))!;
    expect(view.phone).toBe("138****5678");
    expect(view.context.map((e) => e.from)).toEqual(["candidate", "bot", "candidate", "bot"]);
    expect(view.context[0].text).toBe("我电话139****5678，电子商务师四级多少钱");
    expect(view.context[1].text).toMatch(/元/);
    expect(view.context[2].text).toBe("补考怎么收费");
    expect(JSON.stringify(view)).not.toContain("13812345678");
    expect(JSON.stringify(view)).not.toContain("13912345678");
  });

  it("left while nobody was online, is earlier talk in the transcript when the candidate later joins the queue", async () => {
    const { engine, queue, presence, tick } = setup(DAY, false);
    tick();
    await engine.turn("oa:later", "电子商务师四级多少钱", "official_account");
    tick();
    expect((await engine.turn("oa:later", "转人工", "official_account")).replies[0]).toContain("不在线");
    tick();
    await engine.turn("oa:later", "证书丢了怎么补办，电话13900001111", "official_account");
    expect(await queue.callbacks()).toHaveLength(1);
    tick();
    await presence.beat("staff:li", "tab2"); // a staff member comes online
    await engine.turn("oa:later", "人工客服", "official_account");
    const t = await rows(queue, "oa:later");
    expect(t.filter((e) => e.earlier && e.from === "candidate").map((e) => e.text)).toEqual([
      "电子商务师四级多少钱",
      "转人工",
      "证书丢了怎么补办，电话139****1111",
    ]);
    expect(t.filter((e) => e.earlier && e.from === "bot").at(-1)!.text).toContain("139****1111");
    expect(t.at(-2)).toMatchObject({ from: "candidate", text: "人工客服" });
  });
});
