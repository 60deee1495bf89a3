/** The web chat page: index.html filled once from the knowledge base (title, welcome, topic buttons, UI texts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, type Knowledge } from "../knowledge/load.js";
import { baseVars, render } from "../knowledge/facts.js";

/** Script and style sheet, served as they are (from src/web/, also when running the built dist/). */
export const WEB_ASSETS_DIR = join(ROOT, "src", "web", "assets");
const TEMPLATE = join(ROOT, "src", "web", "index.html");

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The quick topics (replies.yaml `topics`, separated by 、), each sent as a question when tapped. */
export function topicList(kb: Knowledge): string[] {
  return render(kb.replies.topics, baseVars(kb))
    .split(/[、,，;；]/)
    .map((t) => t.trim())
    .filter(Boolean);
}

export function renderIndexPage(kb: Knowledge): string {
  const vars = baseVars(kb);
  const r = kb.replies;
  const values: Record<string, string> = {
    title: render(r.web_title, vars),
    welcome: render(r.welcome, { ...vars, topics: render(r.topics, vars) }),
    topicButtons: topicList(kb)
      .map((t) => `<button type="button" class="topic" data-text="${escapeHtml(t)}">${escapeHtml(t)}</button>`)
      .join(""),
    errorText: render(r.web_error, vars),
    busyText: render(r.web_busy, vars),
    // Which notice the answers come from, on screen from the start.
    notice: render(r.web_notice, vars),
    // The hotline in the page's own notices (a network error) is a tel: link too.
    hotline: kb.contacts.hotline.text,
  };
  return readFileSync(TEMPLATE, "utf8").replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`index.html 占位符 {{${name}}} 没有值`);
    return name === "topicButtons" ? values[name] : escapeHtml(values[name]);
  });
}
