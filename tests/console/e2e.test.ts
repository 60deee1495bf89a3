/**
 * The console in headless Chromium (Debian's chromium driven by playwright-core): log in, type 照片要求, see the photo
 * spec, copy it with the keyboard, and find a question the bot could not answer in the unanswered list.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { makeEngine } from "../helpers.js";
import { startConsole, type TestServer } from "./server.js";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`[console e2e] 跳过浏览器测试：没有找到 ${CHROMIUM}（apt-get install -y chromium；CI 的 .ci/run 会安装）`);
}

const engine = makeEngine();
const TOKEN = "e2e-console-token-0123";
const UNANSWERED = "今天天气怎么样";

describe.skipIf(!haveChromium)("console in headless Chromium", () => {
  let srv: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    srv = await startConsole(engine, { CONSOLE_TOKEN: TOKEN, CONSOLE_SECRET: "e".repeat(40) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    context = await browser.newContext({ locale: "zh-CN" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: srv.url });
    page = await context.newPage();
    page.setDefaultTimeout(8_000);
    page.on("pageerror", (err) => console.error(`[console e2e] page error: ${err.message}`));
    // No request may leave the test server: the page is offline by design.
    await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it("refuses a wrong token, then logs in with the right one", async () => {
    await page.goto(`${srv.url}/console`);
    await page.fill("#password", "not-the-token-000");
    await page.press("#password", "Enter");
    await expect.poll(() => page.textContent('[role="alert"]')).toContain("不正确");
    await page.fill("#password", TOKEN);
    await page.press("#password", "Enter");
    await page.waitForSelector("#q");
    expect(await page.title()).toBe("热线坐席台");
  });

  it("types 照片要求, sees the photo spec first with its clause, and copies it with Enter", async () => {
    const photo = engine.kb.answers.find((a) => a.id === "photo")!;
    await page.focus("#q");
    await page.keyboard.type("照片要求", { delay: 20 });
    const first = page.locator("#results li").first();
    await expect.poll(() => first.textContent()).toContain(engine.kb.materials.photo.summary);
    await expect.poll(() => page.evaluate<string>("document.body.dataset.searchQuery")).toBe("照片要求");
    expect(await first.locator(".clause").textContent()).toContain(photo.clause);
    expect(await first.getAttribute("aria-selected")).toBe("true");
    // From the input event to the rendered list, measured by the page itself.
    const times = [Number(await page.evaluate<string>("document.body.dataset.searchMs"))];
    for (const q of ["直播销售员四级", "怎么报名", "电子商务师二级多少钱", "准考证", "照片要求"]) {
      await page.fill("#q", q);
      await expect.poll(() => page.evaluate<string>("document.body.dataset.searchQuery")).toBe(q);
      times.push(Number(await page.evaluate<string>("document.body.dataset.searchMs")));
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
    console.log(`console e2e: results rendered ${times.join(", ")} ms after the input (median ${median} ms)`);
    expect(median).toBeLessThan(100);

    // Keyboard only: arrows move the selection, Enter copies the selected answer.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    expect(await first.getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getAttribute("#copy-status", "data-copied")).toContain(engine.kb.materials.photo.summary);
    const copied = (await page.getAttribute("#copy-status", "data-copied"))!;
    expect(copied).toContain(photo.clause);
    expect(copied).not.toMatch(/[*#`<>]/);
    const clipboard = await page.evaluate<string>("navigator.clipboard.readText()");
    expect(clipboard).toBe(copied);
    expect(await page.textContent("#copy-status")).toContain("已复制");
  });

  it("the copy button copies too", async () => {
    await page.fill("#q", "");
    await page.keyboard.type("怎么报名");
    const first = page.locator("#results li").first();
    await expect.poll(() => first.getAttribute("data-id")).toBe("canned:registration");
    await first.locator("button.copy").click();
    await expect.poll(() => page.evaluate<string>("navigator.clipboard.readText()")).toContain(engine.kb.contacts.website.text);
  });

  it("shows a question the bot could not answer in the unanswered list, and marks it handled", async () => {
    const r = await engine.turn("e2e-user", UNANSWERED, "wechat");
    expect(r.status).toBe("fallback");
    await page.click("#tab-unanswered");
    const group = page.locator("#unanswered .group", { hasText: UNANSWERED });
    await expect.poll(() => group.count()).toBe(1);
    expect(await group.textContent()).toContain("共 1 次");
    expect(await group.textContent()).toContain("wechat");
    await group.locator("button.primary").click();
    await expect.poll(() => page.locator("#unanswered .group", { hasText: UNANSWERED }).count()).toBe(0);
  });

  it("browses the plan and fee tables and checks eligibility on the same page", async () => {
    await page.keyboard.press("Alt+2");
    await page.waitForSelector("#b-plan");
    expect(await page.locator("#browse table").count()).toBe(2);
    expect(await page.locator("#browse table").first().locator("tbody tr").count()).toBe(engine.kb.plan.rows.length);

    await page.click("#tab-elig");
    await page.waitForSelector("#f-occupation option", { state: "attached" });
    const occupation = engine.kb.fees.tables[0].occupation;
    await page.selectOption("#f-occupation", occupation);
    const level = engine.kb.plan.rows.find((r) => r.occupation === occupation)!.level;
    await page.selectOption("#f-level", String(level));
    await page.fill("#f-years", "20");
    await page.click('#elig-form button[type="submit"]');
    await expect.poll(() => page.textContent("#elig-result")).toContain("符合申报条件");
  });

  it("logs out back to the login page", async () => {
    await page.click("#logout");
    await page.waitForSelector("#password");
    const res = await page.request.get(`${srv.url}/console/api/me`);
    expect(res.status()).toBe(401);
  });
});
