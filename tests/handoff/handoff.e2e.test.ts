/**
 * The whole hand-off on the web chat in headless Chromium (issue 15): a candidate's page and a staff member's console
 * in two browser contexts. Staff open 人工会话 (online), the candidate asks the bot a question and then for a person
 * (staff see that exchange first, set apart), staff take the conversation
 * and reply, the reply appears on the candidate's page, the candidate's next message reaches the console with no bot
 * answer, staff end it, and a reload of the candidate's page shows the staff messages again.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { createApp } from "../../src/app.js";
import { MemoryStore } from "../../src/engine/session.js";
import { MemoryChatLog } from "../../src/engine/chat-log.js";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { createHandoff } from "../../src/handoff/setup.js";
import { createHttpApp } from "../../src/server/http.js";
import { consoleRouter } from "../../src/console/router.js";
import { listen, type Running } from "../server/listen.js";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const STAFF = "staff-token-0123456789";

describe.skipIf(!existsSync(CHROMIUM))("转人工 on the web chat, a candidate and a staff member in headless Chromium", () => {
  let srv: Running;
  let browser: Browser;
  let candidate: Page;
  let staff: Page;
  let newPage: () => Promise<Page>;
  let presence: ReturnType<typeof createHandoff>["presence"];

  beforeAll(async () => {
    const docs = new MemoryDocs();
    const handoff = createHandoff(docs, { HANDOFF_HOURS: "00:00-24:00", HANDOFF_DAYS: undefined, HANDOFF_RETENTION_DAYS: 90 });
    presence = handoff.presence;
    const { engine, kb } = createApp({ engine: { store: new MemoryStore(), handoff } });
    srv = await listen(createHttpApp({
      kb, engine, chatLog: new MemoryChatLog(), handoff,
      config: { RATE_LIMIT_PER_MINUTE: 1000, CHAT_SECRET: "w".repeat(40) },
      mount: (app) => app.use("/console", consoleRouter({ engine, config: { CONSOLE_TOKEN: STAFF, CONSOLE_SECRET: "c".repeat(40) }, docs, handoff })),
    }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    const open = async () => {
      const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
      page.setDefaultTimeout(8_000);
      page.on("pageerror", (err) => console.error(`[handoff e2e] page error: ${err.message}`));
      await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
      return page;
    };
    newPage = open;
    staff = await open();
    candidate = await open();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it("takes over, replies, hears the candidate, ends, and the page keeps the staff messages after a reload", async () => {
    await staff.goto(`${srv.url}/console/`);
    await staff.fill("input[type=password]", STAFF);
    await staff.press("input[type=password]", "Enter");
    await staff.click("#tab-handoff");
    await expect.poll(() => staff.textContent("#ho-online")).toContain("在线");

    await candidate.goto(`${srv.url}/`);
    // A question to the bot first: the staff member sees it, and the bot's answer, before the 转人工 line.
    await candidate.fill("#input", "电子商务师四级多少钱");
    await candidate.press("#input", "Enter");
    await expect.poll(() => candidate.locator(".msg.bot").last().textContent()).toMatch(/元/);
    await candidate.fill("#input", "转人工");
    await candidate.press("#input", "Enter");
    await expect.poll(() => candidate.locator(".msg.bot").last().textContent()).toContain("第 1 位");

    const row = staff.locator("#ho-list li.waiting");
    await row.getByRole("button", { name: "接入" }).click();
    await expect.poll(() => staff.textContent("#ho-title")).toContain("人工服务中");
    // The transcript shows what was said before the take.
    await expect.poll(() => staff.textContent("#ho-transcript")).toContain("转人工");
    // What was said to the bot comes first, set apart from the hand-off by separators.
    const lines = await staff.locator("#ho-transcript > li").evaluateAll((els) => els.map((e) => [e.className, e.textContent ?? ""]));
    expect(lines[0]).toEqual(["ho-sep", "以下是转人工之前考生与机器人的对话"]);
    expect(lines[1][0]).toBe("candidate earlier");
    expect(lines[1][1]).toContain("电子商务师四级多少钱");
    expect(lines[2][0]).toBe("bot earlier");
    expect(lines[2][1]).toMatch(/元/);
    expect(lines[3]).toEqual(["ho-sep", "以上是转人工之前的对话"]);
    expect(lines[4][0]).toBe("candidate");
    expect(lines[4][1]).toContain("转人工");

    // The canned-answer search beside the reply box inserts an answer.
    await staff.fill("#ho-q", "照片要求");
    await staff.locator("#ho-results button").first().click();
    await expect.poll(() => staff.inputValue("#ho-text")).not.toBe("");
    await staff.fill("#ho-text", "您好，我是工作人员，请问有什么可以帮您？");
    await staff.click("#ho-send");
    await expect.poll(() => candidate.locator(".msg.staff").last().textContent()).toContain("我是工作人员");

    // The bot's bubbles once the page has settled (the take's notice arrives on the push stream, not with a reply).
    const botBubbles = candidate.locator(".msg.bot:not(.staff):not(.handoff-note)");
    let bots = -1;
    for (let i = 0; i < 20; i++) {
      const n = await botBubbles.count();
      if (n === bots) break;
      bots = n;
      await candidate.waitForTimeout(250);
    }
    await candidate.fill("#input", "我的准考证打印不出来");
    await candidate.press("#input", "Enter");
    await expect.poll(() => staff.textContent("#ho-transcript")).toContain("我的准考证打印不出来");
    const texts = await candidate.locator(".msg.bot:not(.staff):not(.handoff-note)").allTextContents();
    expect(texts.length, JSON.stringify(texts.slice(-2))).toBe(bots);

    await staff.click("#ho-close");
    await expect.poll(() => candidate.locator(".msg.handoff-note").last().textContent()).toContain("人工服务已结束");

    await candidate.reload();
    await expect.poll(() => candidate.locator(".msg.staff").count()).toBe(1);
    await candidate.fill("#input", "电子商务师四级多少钱");
    await candidate.press("#input", "Enter");
    await expect.poll(() => candidate.locator(".msg.bot:not(.staff):not(.handoff-note)").last().textContent()).toMatch(/元/);
  }, 40_000);

  it("an after-hours message shows, on demand, what the candidate said to the bot before it", async () => {
    await staff.goto(`${srv.url}/console/`);
    await staff.click("#tab-handoff");
    await expect.poll(() => staff.textContent("#ho-online")).toContain("在线");
    await staff.click("#ho-pause");
    await expect.poll(async () => (await presence.online()).length).toBe(0);

    const other = await newPage();
    await other.goto(`${srv.url}/`);
    await other.fill("#input", "电子商务师四级多少钱");
    await other.press("#input", "Enter");
    await expect.poll(() => other.locator(".msg.bot").last().textContent()).toMatch(/元/);
    for (const [text, reply] of [["转人工", "不在线"], ["我想改报名的级别", "电话"], ["13812345678", "138****5678"]]) {
      await other.fill("#input", text);
      await other.press("#input", "Enter");
      await expect.poll(() => other.locator(".msg.bot").last().textContent()).toContain(reply);
    }

    await staff.reload();
    await staff.click("#tab-handoff");
    const item = staff.locator("#ho-callbacks > li", { hasText: "我想改报名的级别" });
    await item.getByRole("button", { name: "留言前的对话" }).click();
    const context = item.locator(".ho-context");
    await expect.poll(() => context.textContent()).toContain("电子商务师四级多少钱");
    expect(await context.textContent()).toMatch(/元/);
    expect(await item.textContent()).not.toContain("13812345678");
  }, 40_000);
});
