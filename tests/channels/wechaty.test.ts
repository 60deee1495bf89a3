/**
 * The WeChat channel on a real Wechaty driven by wechaty-puppet-mock (never the default puppet): direct questions,
 * group @mentions, silence without a mention, own and old messages, pictures, a paced burst, reconnecting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WechatyBuilder, types } from "wechaty";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import { FileBox } from "file-box";
import { getKb, sharedEngine } from "../helpers.js";
import { baseVars, render } from "../../src/knowledge/facts.js";
import { splitMessage, WechatyChannel } from "../../src/channels/wechaty.js";
import { memoryLog } from "../../src/server/logger.js";
import { renderText } from "../../src/engine/render-text.js";
import { jpeg, KB, png } from "./images.js";

const kb = getKb();
const engine = sharedEngine();
const spec = kb.materials.photo;
const PACE = { intervalMs: 40, jitterMs: 0, perContact: 3, windowMs: 600 };

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Heard {
  text: string;
  at: number;
}

/** One mocked world: the bot's account, two friends, a group; what the bot sent to each conversation. */
function world() {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const bot = WechatyBuilder.build({ puppet });
  const user = mocker.createContact({ name: "认定咨询助手" });
  const mary = mocker.createContact({ name: "小玛" });
  const mike = mocker.createContact({ name: "小麦" });
  const tom = mocker.createContact({ name: "小汤" });
  const room = mocker.createRoom({ id: "room-1@chatroom", topic: "考证群", memberIdList: [user.id, mary.id, mike.id] });
  const heard = new Map<string, Heard[]>();
  const listen = (id: string, emitter: { on(e: "message", f: (m: { payload: { talkerId: string; text?: string } }) => void): unknown }) => {
    heard.set(id, []);
    emitter.on("message", (m) => {
      if (m.payload.talkerId === user.id) heard.get(id)!.push({ text: m.payload.text ?? "", at: Date.now() });
    });
  };
  listen(mary.id, mary);
  listen(mike.id, mike);
  listen(tom.id, tom);
  listen(room.id, room);
  return { mocker, puppet, bot, user, mary, mike, tom, room, heard };
}

describe("splitMessage", () => {
  it("keeps a short reply whole and splits a long one under the limit at line and sentence ends", () => {
    expect(splitMessage("短回答", 100)).toEqual(["短回答"]);
    const long = Array.from({ length: 30 }, (_, i) => `第${i + 1}条说明，内容比较长一些。`).join("\n");
    const parts = splitMessage(long, 100);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect([...p].length).toBeLessThanOrEqual(100);
    for (const p of parts) expect(p).toMatch(/。$/);
    expect(parts.join("\n")).toBe(long);
  });

  it("cuts a text without any break by length", () => {
    const parts = splitMessage("字".repeat(250), 100);
    expect(parts.map((p) => p.length)).toEqual([100, 100, 50]);
  });
});

describe("WeChat via Wechaty (mock puppet)", () => {
  const w = world();
  const log = memoryLog();
  const channel = new WechatyChannel({ kb, engine, bot: w.bot, logger: log, pace: PACE, printQr: () => {} });
  const { mocker, user, mary, mike, tom, room, heard } = w;
  const replies = (id: string) => heard.get(id)!;

  beforeAll(async () => {
    await channel.start();
    mocker.login(user);
    await waitFor(() => channel.loggedIn);
  });
  afterAll(() => channel.stop(500));

  it("answers a direct question", async () => {
    mary.say("电子商务师三级多少钱").to(user);
    await waitFor(() => replies(mary.id).length >= 1);
    const fee = kb.fees.tables.find((t) => t.occupation === "电子商务师")!.rows.find((r) => r.level === 3)!;
    expect(replies(mary.id)[0].text).toContain(String(fee.total));
  });

  it("renders a question's options as numbered text with the hint, and takes the typed number (issue 13)", async () => {
    const before = replies(tom.id).length;
    tom.say("资格自测").to(user);
    await waitFor(() => replies(tom.id).length > before);
    const text = replies(tom.id).slice(before).map((h) => h.text).join("\n");
    // The same structured reply any channel gets, rendered as WeChat text.
    const same = await engine.turn("wx-render-reference", "资格自测", "wechat");
    expect(text).toBe(renderText(same.reply, { hint: render(kb.replies.options_hint, baseVars(kb)) }));
    kb.occupations.occupations.forEach((o, i) => expect(text).toContain(`\n${i + 1}. ${o.name}`));
    expect(text).toContain("回复数字即可");
    const next = replies(tom.id).length;
    tom.say("2").to(user);
    await waitFor(() => replies(tom.id).length > next);
    expect(replies(tom.id)[next].text).toContain(kb.occupations.occupations[1].name);
  });

  it("answers a group message that @mentions it, with the text after the mention, mentioning the asker", async () => {
    mike.say(`@${user.payload.name} 直播销售员四级几月考`, [user]).to(room);
    await waitFor(() => replies(room.id).length >= 1);
    const text = replies(room.id)[0].text;
    expect(text.startsWith(`@${mike.payload.name}`)).toBe(true);
    const row = kb.plan.rows.find((r) => r.track === "直播销售员" && r.level === 4)!;
    expect(text).toContain(`${row.months[0]}月`);
  });

  it("stays silent in a group without a mention, on its own messages and on messages older than the login", async () => {
    const roomBefore = replies(room.id).length;
    const maryBefore = replies(mary.id).length;
    mike.say("电子商务师三级多少钱").to(room);
    mary.say("谁知道照片要求？", [mike]).to(room);
    user.say("这是我自己在手机上发的").to(mary);
    const old = mocker.MessageMock.create({
      id: "old-message-1",
      talkerId: mary.id,
      listenerId: user.id,
      text: "登录之前发的问题",
      timestamp: Date.now() - 10 * 60_000,
      type: types.Message.Text,
    });
    w.puppet.emit("message", { messageId: old.id });
    await sleep(400);
    expect(replies(room.id).length).toBe(roomBefore);
    // The only new message to Mary is the one the account itself sent.
    expect(replies(mary.id).slice(maryBefore).map((h) => h.text)).toEqual(["这是我自己在手机上发的"]);
  });

  it("confirms a picture within the photo spec", async () => {
    const ok = jpeg({ width: spec.minWidthPx + 60, height: spec.minHeightPx + 90, bytes: (spec.minSizeKB + 10) * KB });
    const before = replies(mike.id).length;
    mike.say(FileBox.fromBase64(ok.toString("base64"), "证件照.jpg")).to(user);
    await waitFor(() => replies(mike.id).length > before);
    const text = replies(mike.id)[before].text;
    expect(text).toContain(String(spec.minWidthPx + 60));
    expect(text).not.toMatch(/不符合/);
  });

  it("names each failing rule of pictures outside the spec", async () => {
    const cases = [
      { file: FileBox.fromBase64(png({ width: 60, height: 80, bytes: 20 * KB }).toString("base64"), "photo.png"), rules: 4 },
      { file: FileBox.fromBase64(jpeg({ width: 300, height: 400, bytes: (spec.maxSizeKB + 20) * KB }).toString("base64"), "big.jpg"), rules: 1 },
      { file: FileBox.fromBase64(jpeg({ width: spec.minWidthPx, height: spec.minHeightPx, bytes: (spec.minSizeKB + 1) * KB }).toString("base64"), "edge.jpg"), rules: 2 },
    ];
    for (const c of cases) {
      const before = replies(mike.id).length;
      mike.say(c.file).to(user);
      await waitFor(() => replies(mike.id).length > before);
      const text = replies(mike.id)[before].text;
      expect(text).toMatch(/不符合/);
      expect(text.split("\n").filter((l) => /^\d\. /.test(l))).toHaveLength(c.rules);
      expect(text).toContain(render(kb.replies.photo_original_note, baseVars(kb)));
    }
  });

  it("answers a file that is not a picture with the short help, and checks a picture sent as a file", async () => {
    // The mock types a file by its media type, so attachments are put in as real puppets deliver them.
    const attach = (id: string, name: string, data: Buffer) => {
      mocker.cacheFileBoxPayload.set(id, FileBox.fromBase64(data.toString("base64"), name).toJSON());
      mocker.MessageMock.create({ id, talkerId: mike.id, listenerId: user.id, timestamp: Date.now(), type: types.Message.Attachment });
      w.puppet.emit("message", { messageId: id });
    };
    let before = replies(mike.id).length;
    attach("attachment-pdf", "简历.pdf", Buffer.from("%PDF-1.4"));
    await waitFor(() => replies(mike.id).length > before);
    expect(replies(mike.id)[before].text).toBe(render(kb.replies.channel_help, baseVars(kb)));

    before = replies(mike.id).length;
    attach("attachment-jpg", "原图.jpg", jpeg({ width: spec.minWidthPx + 1, height: spec.minHeightPx + 1, bytes: spec.maxSizeKB * KB }));
    await waitFor(() => replies(mike.id).length > before);
    expect(replies(mike.id)[before].text).not.toMatch(/不符合/);
    expect(replies(mike.id)[before].text).toContain(`${spec.maxSizeKB}KB`);
  });

  it("paces a burst: every question answered, in order, no faster than the pace and the per-contact limit", async () => {
    const questions = ["咨询电话", "报名网址", "准考证怎么打印", "成绩怎么查", "证书怎么查"];
    const start = replies(mary.id).length;
    const t0 = Date.now();
    for (const q of questions) mary.say(q).to(user);
    await waitFor(() => replies(mary.id).length >= start + questions.length, 5000);
    const got = replies(mary.id).slice(start);
    expect(got).toHaveLength(questions.length);
    expect(got[0].text).toContain(kb.contacts.hotline.text);
    // Global pace: consecutive sends at least intervalMs apart.
    const sends = channel.pacer.log.filter((s) => s.key === mary.id && s.at >= t0).map((s) => s.at);
    expect(sends).toHaveLength(questions.length);
    for (let i = 1; i < sends.length; i++) expect(sends[i] - sends[i - 1]).toBeGreaterThanOrEqual(PACE.intervalMs - 2);
    // Per contact: never more than perContact sends inside one window; the 4th waited for the window.
    for (let i = PACE.perContact; i < sends.length; i++) expect(sends[i] - sends[i - PACE.perContact]).toBeGreaterThanOrEqual(PACE.windowMs - 2);
    // Another contact is not held up behind Mary's queue.
    const mikeBefore = replies(mike.id).length;
    mike.say("咨询电话").to(user);
    await waitFor(() => replies(mike.id).length > mikeBefore);
  });
});

describe("reconnecting", () => {
  it("restarts after a logout, holds the queue while logged out, and sends it and answers again once logged in", async () => {
    const w = world();
    const log = memoryLog();
    const pace = { ...PACE, intervalMs: 300 };
    const channel = new WechatyChannel({ kb, engine, bot: w.bot, logger: log, pace, reconnectMinMs: 60, printQr: () => {} });
    const heard = w.heard.get(w.mary.id)!;
    try {
      await channel.start();
      w.mocker.login(w.user);
      await waitFor(() => channel.loggedIn);
      // Two questions: the first answer goes out at once, the second waits for the pace.
      w.mary.say("咨询电话").to(w.user);
      w.mary.say("报名网址").to(w.user);
      await waitFor(() => heard.length >= 1 && channel.pacer.pending >= 1);
      await w.puppet.logout("test");
      await waitFor(() => channel.restarts >= 1);
      expect(log.lines.some((l) => l.level === "warn" && /登出/.test(l.msg ?? ""))).toBe(true);
      await sleep(400);
      expect(heard).toHaveLength(1); // held, not sent while logged out …
      expect(channel.pacer.pending).toBe(1); // … and not dropped
      w.mocker.login(w.user);
      await waitFor(() => heard.length >= 2);
      expect(heard[0].text).toContain(kb.contacts.hotline.text);
      expect(heard[1].text).toContain(kb.contacts.website.text);
      w.mary.say("照片要求").to(w.user);
      await waitFor(() => heard.length >= 3);
      expect(heard[2].text).toContain(String(spec.minHeightPx));
    } finally {
      await channel.stop(200);
    }
  });

  it("retries a failed start with a growing back-off, but not a puppet package that is not installed", async () => {
    const stub = (message: string) => {
      const bot = { starts: 0, stops: 0, on: () => bot, start: async () => { bot.starts++; throw new Error(message); }, stop: async () => void bot.stops++ };
      return bot;
    };
    const flaky = stub("connect ECONNREFUSED 127.0.0.1:8788");
    const a = new WechatyChannel({ kb, engine, bot: flaky as never, logger: memoryLog(), reconnectMinMs: 20, reconnectMaxMs: 40 });
    await a.start();
    await waitFor(() => flaky.starts >= 3, 1000);
    await a.stop(10);
    expect(flaky.stops).toBe(0); // a bot that never started is not stopped

    const missing = stub("Cannot find package 'wechaty-puppet-nothing' imported from …");
    const log = memoryLog();
    const b = new WechatyChannel({ kb, engine, bot: missing as never, logger: log, reconnectMinMs: 20 });
    await b.start();
    await sleep(120);
    expect(missing.starts).toBe(1);
    expect(log.lines.some((l) => l.level === "error" && /puppet/.test(l.msg ?? ""))).toBe(true);
    await b.stop(10);
  });

  it("prints the login QR code (terminal and link) when the puppet asks for a scan", async () => {
    const w = world();
    const shown: string[][] = [];
    const channel = new WechatyChannel({ kb, engine, bot: w.bot, pace: PACE, printQr: (qr, url) => void shown.push([qr, url]) });
    try {
      await channel.start();
      w.mocker.scan("https://login.weixin.qq.com/l/test-qr", types.ScanStatus.Waiting);
      await waitFor(() => shown.length === 1);
      expect(shown[0][0]).toBe("https://login.weixin.qq.com/l/test-qr");
      expect(shown[0][1]).toContain(encodeURIComponent("https://login.weixin.qq.com/l/test-qr"));
    } finally {
      await channel.stop(100);
    }
  });
});
