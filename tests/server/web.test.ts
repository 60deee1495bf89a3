/** The web chat at `/`: served with its UI, no external assets, and (where Chromium is installed) usable in a browser offline. */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKb, sharedEngine } from "../helpers.js";
import { createHttpApp } from "../../src/server/http.js";
import { topicList } from "../../src/web/page.js";
import { listen, type Running } from "./listen.js";
import { jpeg, KB, png } from "../channels/images.js";

const kb = getKb();
let web: Running;

beforeAll(async () => {
  web = await listen(createHttpApp({ kb, engine: sharedEngine(), config: { RATE_LIMIT_PER_MINUTE: 1000 } }));
});
afterAll(() => web.close());

const assetRefs = (html: string) => [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);

describe("the page", () => {
  it("serves a Chinese, mobile-friendly chat page with topic buttons", async () => {
    const res = await fetch(`${web.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<html lang="zh-CN">/);
    expect(html).toMatch(/name="viewport"/);
    expect(html).toMatch(/<form id="form"/);
    expect(html).toMatch(/<textarea id="input"/);
    const topics = topicList(kb);
    expect(topics.length).toBeGreaterThanOrEqual(4);
    for (const t of topics) expect(html).toContain(`data-text="${t}"`);
    // The welcome comes from replies.yaml with the notice's name filled in.
    expect(html).toContain(kb.notice.shortName);
    expect(html).not.toMatch(/\{\{\w+\}\}/);
  });

  it("works offline: no http(s) URL in the page, its script or its style sheet, and every asset is served", async () => {
    const html = await (await fetch(`${web.url}/`)).text();
    const refs = assetRefs(html);
    expect(refs).toContain("/chat.js");
    expect(refs).toContain("/chat.css");
    const bodies = [html];
    for (const ref of refs.filter((r) => r.startsWith("/"))) {
      const res = await fetch(`${web.url}${ref}`);
      expect(res.status, ref).toBe(200);
      bodies.push(await res.text());
    }
    for (const ref of refs) expect(ref).not.toMatch(/^(https?:)?\/\//);
    for (const body of bodies) {
      expect(body).not.toMatch(/https?:\/\//);
      expect(body).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//);
    }
  });

  it("serves the script and style sheet with their types, and not the page's sources", async () => {
    expect((await fetch(`${web.url}/chat.js`)).headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${web.url}/chat.css`)).headers.get("content-type")).toMatch(/text\/css/);
    expect((await fetch(`${web.url}/page.ts`)).status).toBe(404);
    expect((await fetch(`${web.url}/index.html`)).status).toBe(200);
  });
});

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => existsSync(p));

describe.skipIf(!CHROMIUM)("in a browser (headless Chromium, network cut off)", () => {
  it("asks by a topic button and walks the eligibility dialog by tapping numbered options", { timeout: 20_000 }, async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
      const outside: string[] = [];
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.route("**/*", (route) => {
        const u = new URL(route.request().url());
        if (u.hostname === "127.0.0.1" || u.protocol === "data:") return route.continue();
        outside.push(u.href);
        return route.abort();
      });
      await page.goto(`${web.url}/`);
      await expect.poll(() => page.locator(".topic").count()).toBeGreaterThan(3);

      // A quick topic sends its text and shows the answer.
      await page.locator(".topic", { hasText: "收费标准" }).click();
      await page.locator(".msg.me .bubble", { hasText: "收费标准" }).waitFor();
      await expect.poll(() => page.locator(".msg.bot:not(.typing)").count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator(".msg.bot .bubble").last().innerText()).toMatch(/收费标准/);

      // The dialog: its options are buttons; tapping one sends its value and shows its label (issue 13).
      await page.locator(".topic", { hasText: "资格自测" }).click();
      const first = page.locator(".msg.bot").last().locator(".choice").first();
      await first.waitFor();
      expect(await page.locator(".msg.bot").last().locator(".choice").count()).toBe(kb.occupations.occupations.length);
      await first.click();
      await page.locator(".msg.me .bubble", { hasText: new RegExp(`^${kb.occupations.occupations[0].name}$`) }).first().waitFor();
      await expect.poll(() => page.locator(".msg.bot").last().innerText()).toMatch(/等级/);
      // The options of the answered question are gone; only the new question's are there.
      expect(await page.locator(".choices").count()).toBe(1);
      const levelChoice = page.locator(".msg.bot").last().locator(".choice").first();
      await levelChoice.click();
      await expect.poll(() => page.locator(".msg.bot").last().innerText()).toMatch(/几年/);

      // Typing works too (Enter sends).
      await page.locator("#input").fill("6");
      await page.locator("#input").press("Enter");
      await expect.poll(() => page.locator(".msg.bot:not(.typing)").last().innerText(), { timeout: 5000 }).toMatch(/可以报|不符合|证书/);

      // The photo check: a picked file goes up as it is; its list of problems is not turned into choices.
      const spec = kb.materials.photo;
      const good = jpeg({ width: spec.minWidthPx + 20, height: spec.minHeightPx + 20, bytes: (spec.minSizeKB + 2) * KB });
      await page.locator("#photo").setInputFiles({ name: "证件照.jpg", mimeType: "image/jpeg", buffer: good });
      await expect.poll(() => page.locator(".msg.bot:not(.typing)").last().innerText()).toContain(String(spec.minWidthPx + 20));
      await page.locator("#photo").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: png({ width: 40, height: 40, bytes: 10 * KB }) });
      await expect.poll(() => page.locator(".msg.bot:not(.typing)").last().innerText()).toMatch(/不符合/);
      expect(await page.locator(".msg.bot").last().locator(".choice").count()).toBe(0);

      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
