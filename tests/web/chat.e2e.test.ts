/**
 * The web chat on a phone (issue 13), in headless Chromium at 390×844, offline: a negative verdict's list is not
 * tappable, a real option shows its label, a reload keeps what is on screen, 新对话 starts clean, a network error
 * offers 重试, 👍 is stored. With WEB_SCREENSHOTS=1 it also writes the screenshots in docs/ (docs/web-*.png).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { getKb, makeEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { MemoryChatLog } from "../../src/engine/chat-log.js";
import { listen, type Running } from "../server/listen.js";
import { ROOT } from "../../src/knowledge/load.js";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const SHOTS = process.env.WEB_SCREENSHOTS === "1" ? join(ROOT, "docs") : undefined;
const kb = getKb();

describe.skipIf(!haveChromium)("the web chat at 390×844 in headless Chromium", () => {
  const chatLog = new MemoryChatLog();
  let srv: Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const shot = async (name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `web-${name}.png`) });
  };
  const lastBot = () => page.locator(".msg.bot:not(.typing):not(.notice)").last();
  const send = async (text: string) => {
    const before = await page.locator(".msg.bot:not(.typing)").count();
    await page.fill("#input", text);
    await page.press("#input", "Enter");
    await expect.poll(() => page.locator(".msg.bot:not(.typing)").count()).toBeGreaterThan(before);
  };
  const tap = async (label: string) => {
    const before = await page.locator(".msg.bot:not(.typing)").count();
    await lastBot().locator(".choice", { hasText: label }).first().click();
    await expect.poll(() => page.locator(".msg.bot:not(.typing)").count()).toBeGreaterThan(before);
  };

  beforeAll(async () => {
    srv = await listen(createHttpApp({ kb, engine: makeEngine(), chatLog, config: { RATE_LIMIT_PER_MINUTE: 1000, CHAT_SECRET: "w".repeat(40) } }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
    page = await context.newPage();
    page.setDefaultTimeout(8_000);
    page.on("pageerror", (err) => console.error(`[web e2e] page error: ${err.message}`));
    // Offline by design: nothing may leave the test server.
    await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
    await page.goto(`${srv.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it("says which notice the answers come from, with touch targets of at least 44 px", async () => {
    const notice = await page.textContent("#notice");
    expect(notice).toContain(kb.notice.docNumber);
    expect(notice).toContain("以管理平台最新通知为准");
    for (const sel of ["#send", "#new-chat", ".topic", "#input", ".pick"]) {
      const box = await page.locator(sel).first().boundingBox();
      expect(box!.height, sel).toBeGreaterThanOrEqual(44);
    }
    await shot("start");
  });

  it("shows a real option's label as the person's bubble, and its options as buttons only", async () => {
    await send("资格自测");
    const options = lastBot().locator(".choice");
    expect(await options.allTextContents()).toEqual(kb.occupations.occupations.map((o) => o.name));
    // The question's text does not list them again.
    expect(await lastBot().locator(".bubble").innerText()).not.toMatch(/\n1\. /);
    const box = await options.first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await shot("options");
    await tap("电子商务师");
    expect(await page.locator(".msg.me .bubble").last().innerText()).toBe("电子商务师");
    expect(await lastBot().innerText()).toMatch(/等级/);
  });

  it("shows a negative verdict with its conditions as text, nothing to tap", async () => {
    await tap("三级");
    await send("0");
    await tap("没有");
    await tap("没有");
    const verdict = lastBot();
    await expect.poll(() => verdict.innerText()).toMatch(/暂不符合/);
    expect(await verdict.innerText()).toMatch(/\n1\. /);
    expect(await page.locator(".choice").count()).toBe(0);
    // The answer is shown from its first line.
    const top = await verdict.boundingBox();
    const log = await page.locator("#log").boundingBox();
    expect(top!.y).toBeGreaterThanOrEqual(log!.y - 1);
    expect(top!.y).toBeLessThan(log!.y + log!.height / 2);
    await shot("verdict");
  });

  it("makes the hotline a tel: link and stores 👍", async () => {
    await send("咨询电话多少");
    const tel = lastBot().locator('a[href^="tel:"]').first();
    expect(await tel.getAttribute("href")).toBe(`tel:${kb.contacts.hotline.text.replace(/-/g, "")}`);
    const up = lastBot().locator(".fb.up");
    await up.click();
    await expect.poll(() => up.getAttribute("aria-pressed")).toBe("true");
    const turnId = await lastBot().getAttribute("data-turn");
    const counts = await chatLog.feedbackCounts();
    expect(counts.reduce((n, c) => n + c.up, 0)).toBe(1);
    expect(turnId).toBeTruthy();
    await shot("answer");
  });

  it("keeps the visible history on reload, 👍 included", async () => {
    const before = await page.locator("#log .msg .bubble").allInnerTexts();
    await page.reload();
    await expect.poll(() => page.locator("#log .msg .bubble").count()).toBe(before.length);
    expect(await page.locator("#log .msg .bubble").allInnerTexts()).toEqual(before);
    expect(await lastBot().locator(".fb.up").getAttribute("aria-pressed")).toBe("true");
  });

  it("offers 重试 after a network error, leaves the options usable, and the retry gets the answer", async () => {
    await page.click("#new-chat");
    await expect.poll(() => page.locator("#log .msg").count()).toBe(1);
    await send("资格自测");
    let fail = true;
    await page.route("**/api/chat", (route) => (fail ? route.abort("internetdisconnected") : route.continue()));
    await lastBot().locator(".choice").first().click();
    const retry = page.locator(".msg.notice .retry");
    await retry.waitFor();
    expect(await page.locator(".choice").first().isDisabled()).toBe(false);
    // The notice's hotline can be called from it.
    expect(await page.locator('.msg.notice a[href^="tel:"]').getAttribute("href")).toBe(`tel:${kb.contacts.hotline.text.replace(/-/g, "")}`);
    await shot("error");
    fail = false;
    await retry.click();
    await expect.poll(() => lastBot().innerText()).toMatch(/等级/);
    expect(await page.locator(".msg.notice").count()).toBe(0);
    await page.unroute("**/api/chat");
  });

  it("starts clean with 新对话: the screen and the server's conversation", async () => {
    await page.click("#new-chat");
    await expect.poll(() => page.locator("#log .msg").count()).toBe(1);
    // The dialog is over on the server: "1" is no answer to a question now.
    await send("1");
    expect(await lastBot().locator(".choice").count()).toBeLessThanOrEqual(3);
    expect(await lastBot().innerText()).not.toMatch(/等级/);
    await page.reload();
    await expect.poll(() => page.locator("#log .msg").count()).toBe(3);
  });
});
