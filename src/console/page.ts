/**
 * The console's HTML: the login page, the console itself and the "console off" page. Everything is inline (styles and
 * script carry a per-response nonce) so the page works without any outside resource. Only labels are written here;
 * every answer, table and list comes from the JSON API, that is from the knowledge base.
 */
import { HANDOFF_PANEL, HANDOFF_SCRIPT, HANDOFF_STYLE, HANDOFF_TAB } from "../handoff/console-page.js";

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The Content-Security-Policy of a console page: nothing but this response's inline code and the same origin. */
export const pageCsp = (nonce: string) =>
  [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");

const STYLE = `
:root { --fg:#1d2733; --muted:#5b6878; --line:#d8dee6; --bg:#f5f7fa; --card:#fff; --accent:#0b63c5; --accent-bg:#e8f1fc;
  --ok:#17803d; --ok-bg:#e7f6ec; --warn:#a4470a; --warn-bg:#fdf0e6; --sel:#fff8d6; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font-size: 15px; }
body { margin: 0; font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", system-ui, sans-serif;
  color: var(--fg); background: var(--bg); line-height: 1.6; }
header.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: #12324f; color: #fff; }
header.top h1 { font-size: 1.1rem; margin: 0; font-weight: 600; flex: 1; }
header.top .who { opacity: .85; font-size: .9rem; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.5); }
nav.tabs { display: flex; gap: .25rem; padding: .5rem 1.2rem 0; background: var(--card); border-bottom: 1px solid var(--line); }
nav.tabs button { border: 1px solid transparent; border-bottom: none; border-radius: 6px 6px 0 0; background: none; padding: .45rem 1rem;
  font-size: 1rem; color: var(--muted); cursor: pointer; }
nav.tabs button[aria-selected="true"] { color: var(--accent); border-color: var(--line); background: var(--bg); margin-bottom: -1px; font-weight: 600; }
.badge { display: inline-block; min-width: 1.4em; padding: 0 .4em; border-radius: 1em; background: #c62828; color: #fff; font-size: .75rem;
  text-align: center; line-height: 1.5; margin-left: .3em; }
main { padding: 1rem 1.2rem 3rem; max-width: 1100px; }
section[hidden] { display: none; }
button { font: inherit; padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible, summary:focus-visible { outline: 3px solid #f0b400; outline-offset: 1px; }
input, select { font: inherit; padding: .35rem .5rem; border: 1px solid #b9c3cf; border-radius: 6px; background: #fff; }
#q { width: 100%; font-size: 1.25rem; padding: .6rem .8rem; }
.hint, .meta { color: var(--muted); font-size: .85rem; }
.meta { margin: .4rem 0; min-height: 1.4em; }
ol.results { list-style: none; padding: 0; margin: .5rem 0; }
.result { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; margin-bottom: .6rem; cursor: pointer; }
.result[aria-selected="true"] { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent-bg); background: var(--sel); }
.result .head { display: flex; align-items: baseline; gap: .6rem; flex-wrap: wrap; }
.result h3 { font-size: 1rem; margin: 0; flex: 1; }
.tag { font-size: .8rem; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 .4em; background: #fff; }
.clause { font-size: .8rem; color: var(--accent); background: var(--accent-bg); border-radius: 4px; padding: 0 .4em; }
.text { white-space: pre-wrap; margin: .35rem 0 0; }
#copy-status { position: fixed; right: 1rem; bottom: 1rem; background: #12324f; color: #fff; padding: .4rem .9rem; border-radius: 6px; }
#copy-status:empty { display: none; }
h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
h3.sub { font-size: 1.02rem; margin: 1rem 0 .4rem; }
table { border-collapse: collapse; background: var(--card); margin: .4rem 0 1rem; min-width: 60%; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .7rem 1rem; margin-bottom: .7rem; }
.card .q { font-weight: 600; }
.toc a { margin-right: 1rem; }
details { margin: .3rem 0; }
summary { cursor: pointer; }
.off { color: var(--warn); background: var(--warn-bg); border-radius: 4px; padding: 0 .4em; font-size: .8rem; margin-left: .4em; }
form.elig { display: grid; grid-template-columns: 11em 1fr; gap: .45rem .8rem; align-items: center; background: var(--card);
  border: 1px solid var(--line); border-radius: 8px; padding: 1rem; max-width: 720px; }
form.elig fieldset { grid-column: 1 / -1; display: grid; grid-template-columns: 10em 1fr; gap: .45rem .8rem; border: 1px solid var(--line); border-radius: 6px; }
form.elig .full { grid-column: 1 / -1; }
.verdict { margin-top: 1rem; max-width: 720px; }
.yes { color: var(--ok); background: var(--ok-bg); }
.no { color: var(--warn); background: var(--warn-bg); }
.pill { border-radius: 4px; padding: .1rem .5rem; font-weight: 600; }
[role="alert"] { color: #b00020; white-space: pre-wrap; }
.group .count { font-weight: 600; }
.group.done { opacity: .6; }
.toolbar { display: flex; gap: 1rem; align-items: center; margin-bottom: .8rem; }
.login { max-width: 360px; margin: 12vh auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.5rem 1.8rem; }
.login h1 { font-size: 1.2rem; margin: 0 0 1rem; }
.login label { display: block; margin: .7rem 0 .2rem; }
.login input { width: 100%; }
.login button { margin-top: 1.2rem; width: 100%; padding: .5rem; }
`;

const shell = (nonce: string, title: string, body: string, script = "") => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}${WORKBENCH_STYLE}${HANDOFF_STYLE}</style>
</head>
${body}
${script ? `<script nonce="${nonce}">${script}</script>` : ""}
</html>`;

export function loginPage(o: { nonce: string; base: string; error?: string; methods: { token: boolean; users: boolean }; name?: string }): string {
  const nameHint = o.methods.users && o.methods.token ? "（用共享令牌登录时可不填）" : "";
  const passwordLabel = o.methods.users ? (o.methods.token ? "密码或共享令牌" : "密码") : "共享令牌";
  return shell(
    o.nonce,
    "登录 · 热线坐席台",
    `<body>
<main class="login">
  <h1>热线坐席台 · 登录</h1>
  ${o.error ? `<p role="alert">${escapeHtml(o.error)}</p>` : ""}
  <form method="post" action="${escapeHtml(o.base)}/login">
    ${
      o.methods.users
        ? `<label for="name">用户名${nameHint}</label>
    <input id="name" name="name" autocomplete="username" value="${escapeHtml(o.name ?? "")}" ${o.name ? "" : "autofocus"}>`
        : `<label for="name">姓名（可选，显示在页面上）</label>
    <input id="name" name="name" autocomplete="username" value="${escapeHtml(o.name ?? "")}">`
    }
    <label for="password">${passwordLabel}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required ${o.methods.users && !o.name ? "" : "autofocus"}>
    <button class="primary" type="submit">登录</button>
  </form>
</main>
</body>`,
  );
}

export function offPage(nonce: string, message: string): string {
  return shell(nonce, "热线坐席台未启用", `<body><main class="login"><h1>热线坐席台未启用</h1><p>${escapeHtml(message)}</p></main></body>`);
}

export function consolePage(o: { nonce: string; base: string; user: string; role?: "admin" | "staff"; handoff?: boolean }): string {
  const role = o.role ?? "staff";
  return shell(
    o.nonce,
    "热线坐席台",
    `<body data-base="${escapeHtml(o.base)}" data-role="${role}">
<header class="top">
  <h1>职业技能等级认定 · 热线坐席台</h1>
  <span class="who">${escapeHtml(o.user)}（${role === "admin" ? "管理员" : "坐席"}）</span>
  <form method="post" action="${escapeHtml(o.base)}/logout"><button type="submit" id="logout">退出登录</button></form>
</header>
<nav class="tabs" role="tablist" aria-label="功能">
  <button role="tab" id="tab-search" aria-controls="panel-search" aria-selected="true" data-key="1">搜索答案</button>
  <button role="tab" id="tab-browse" aria-controls="panel-browse" aria-selected="false" data-key="2" tabindex="-1">浏览资料</button>
  <button role="tab" id="tab-elig" aria-controls="panel-elig" aria-selected="false" data-key="3" tabindex="-1">资格自测</button>
  <button role="tab" id="tab-unanswered" aria-controls="panel-unanswered" aria-selected="false" data-key="4" tabindex="-1">未能回答<span class="badge" id="unanswered-count" hidden></span></button>
  ${o.handoff ? HANDOFF_TAB : ""}
  ${role === "admin" ? `<button role="tab" id="tab-edit" aria-controls="panel-edit" aria-selected="false" tabindex="-1">答案管理</button>` : ""}
  <button role="tab" id="tab-stats" aria-controls="panel-stats" aria-selected="false" tabindex="-1">数据统计</button>
  ${role === "admin" ? `<button role="tab" id="tab-notice" aria-controls="panel-notice" aria-selected="false" tabindex="-1">发布通知</button>
  <button role="tab" id="tab-history" aria-controls="panel-history" aria-selected="false" tabindex="-1">修改记录</button>` : ""}
</nav>
<main>
  <section id="panel-search" role="tabpanel" aria-labelledby="tab-search">
    <label class="hint" for="q">输入来电者的问题：边输入边出结果；↑↓ 选择答案，回车复制；Esc 清空；Alt+1…4 切换页签，“/” 回到搜索框。</label>
    <input id="q" type="search" role="combobox" aria-controls="results" aria-expanded="false" aria-autocomplete="list"
      autocomplete="off" spellcheck="false" placeholder="来电者的问题…" autofocus>
    <div class="meta" id="search-meta" aria-live="polite"></div>
    <div id="elig-hint" hidden><button type="button" id="elig-open">用“资格自测”表单判断能否报考</button></div>
    <ol class="results" id="results" role="listbox" aria-label="答案（最相关的在前）"></ol>
  </section>
  <section id="panel-browse" role="tabpanel" aria-labelledby="tab-browse" hidden>
    <p class="toc"><a href="#b-answers">常见问题</a><a href="#b-plan">认定计划</a><a href="#b-fees">收费标准</a><a href="#b-occupations">申报条件、相关职业与专业</a></p>
    <div id="browse"><p class="hint">加载中…</p></div>
  </section>
  <section id="panel-elig" role="tabpanel" aria-labelledby="tab-elig" hidden>
    <form class="elig" id="elig-form" novalidate>
      <label for="f-occupation">职业</label><select id="f-occupation" name="occupation" required></select>
      <label for="f-track">工种</label><select id="f-track" name="track"></select>
      <label for="f-level">申报等级</label><select id="f-level" name="level" required></select>
      <label for="f-years">累计从事本职业或相关职业工作（年）</label><input id="f-years" name="yearsInField" type="number" min="0" max="80" step="0.5" value="0" required>
      <label for="f-age">年龄（可不填）</label><input id="f-age" name="age" type="number" min="0" max="120" step="1">
      <fieldset>
        <legend><label><input type="checkbox" id="f-has-cert"> 持有本职业或相关职业的证书</label></legend>
        <label for="f-cert-level">证书等级</label><select id="f-cert-level" disabled></select>
        <label for="f-cert-related">与申报职业相关</label><select id="f-cert-related" disabled><option value="true">是（本职业或相关职业）</option><option value="false">否</option></select>
        <label for="f-cert-held">持证年限（年）</label><input id="f-cert-held" type="number" min="0" max="80" step="0.5" value="0" disabled>
        <label for="f-cert-since">取证后累计工作年限（年）</label><input id="f-cert-since" type="number" min="0" max="80" step="0.5" value="0" disabled>
      </fieldset>
      <fieldset>
        <legend><label><input type="checkbox" id="f-has-edu"> 按学历（毕业证书或在读）申报</label></legend>
        <label for="f-school">学校类型</label><select id="f-school" disabled></select>
        <label for="f-program">班型（可不选）</label><select id="f-program" disabled></select>
        <label for="f-status">毕业状态</label><select id="f-status" disabled></select>
        <label for="f-major">专业</label><input id="f-major" maxlength="50" disabled>
      </fieldset>
      <div class="full"><button class="primary" type="submit">判断</button></div>
    </form>
    <div id="elig-error" role="alert"></div>
    <div id="elig-result" class="verdict" aria-live="polite"></div>
  </section>
  <section id="panel-unanswered" role="tabpanel" aria-labelledby="tab-unanswered" hidden>
    <div class="toolbar">
      <button type="button" id="u-refresh">刷新</button>
      <label><input type="checkbox" id="u-all"> 显示已处理</label>
      <span class="hint">按相近问题归组，最近出现的在前。处理后（例如补充了答案）请标记。</span>
    </div>
    <div id="unanswered" aria-live="polite"></div>
    <h3 class="sub">网页咨询的评价（👍 有帮助 / 👎 没帮助，按回答的问题类型）</h3>
    <div id="feedback"></div>
  </section>
${o.handoff ? HANDOFF_PANEL : ""}
${role === "admin" ? ADMIN_PANELS : ""}
  <section id="panel-stats" role="tabpanel" aria-labelledby="tab-stats" hidden>
    <form class="toolbar" id="stats-form">
      <label>从 <input type="date" id="s-from" required></label>
      <label>到 <input type="date" id="s-to" required></label>
      <button class="primary" type="submit">查询</button>
      <a id="s-csv" href="#" download>下载 CSV（按天）</a>
      <span class="hint">日期按北京时间计。</span>
    </form>
    <div id="stats-error" role="alert"></div>
    <div id="stats" aria-live="polite"></div>
  </section>
</main>
<div id="copy-status" role="status" aria-live="polite" data-copied=""></div>
</body>`,
    SCRIPT + WORKBENCH_SCRIPT + (o.handoff ? HANDOFF_SCRIPT : ""),
  );
}

/** The page's code: plain DOM, text inserted with textContent only. */
const SCRIPT = String.raw`
"use strict";
const base = document.body.dataset.base;
const $ = (id) => document.getElementById(id);
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
async function api(path, options) {
  const res = await fetch(base + "/api" + path, { credentials: "same-origin", headers: { "content-type": "application/json" }, ...options });
  if (res.status === 401) { location.href = base + "/"; throw new Error("未登录"); }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || ("请求失败：" + res.status));
  return body;
}

// === Copy: the clipboard when allowed, else a hidden text area; the copied text is also kept on #copy-status.
const status = $("copy-status");
let statusTimer;
function legacyCopy(text) {
  const ta = h("textarea", { "aria-hidden": "true", readonly: true });
  ta.value = text;
  ta.className = "offscreen";
  ta.style.position = "fixed"; ta.style.left = "-9999px";
  document.body.append(ta);
  const active = document.activeElement;
  ta.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch { ok = false; }
  ta.remove();
  if (active && active.focus) active.focus();
  return ok;
}
async function copy(text, label) {
  let ok = false;
  try { await navigator.clipboard.writeText(text); ok = true; } catch { ok = legacyCopy(text); }
  status.dataset.copied = text;
  status.dataset.ok = String(ok);
  window.lastCopied = text;
  status.textContent = ok ? "已复制" + (label ? "：" + label : "") : "无法写入剪贴板，请选中文字后按 Ctrl+C";
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { status.textContent = ""; }, 2500);
}

// === Tabs
const tabs = [...document.querySelectorAll('[role="tab"]')];
const loaded = {};
function showTab(tab, focus) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  const id = tab.id;
  if (id === "tab-browse" && !loaded.browse) { loaded.browse = true; loadBrowse(); }
  if (id === "tab-elig" && !loaded.elig) { loaded.elig = true; loadEligibility(); }
  if (id === "tab-unanswered") { loadUnanswered(); loadFeedback(); }
  if (id === "tab-search") $("q").focus();
  if (window.onTab) window.onTab(id);
}
for (const t of tabs) {
  t.addEventListener("click", () => showTab(t));
  t.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(t);
    if (e.key === "ArrowRight") { e.preventDefault(); showTab(tabs[(i + 1) % tabs.length], true); }
    if (e.key === "ArrowLeft") { e.preventDefault(); showTab(tabs[(i + tabs.length - 1) % tabs.length], true); }
  });
}
document.addEventListener("keydown", (e) => {
  if (e.altKey && /^[1-9]$/.test(e.key) && tabs[Number(e.key) - 1]) { e.preventDefault(); showTab(tabs[Number(e.key) - 1], true); return; }
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement?.tagName || "");
  if (e.key === "/" && !typing) { e.preventDefault(); showTab(tabs[0]); }
});

// === Search as you type
const q = $("q");
const list = $("results");
let results = [];
let selected = 0;
let seq = 0;
let controller;
function select(i, scroll) {
  if (!results.length) return;
  selected = (i + results.length) % results.length;
  [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === selected)));
  q.setAttribute("aria-activedescendant", "res-" + selected);
  if (scroll) list.children[selected].scrollIntoView({ block: "nearest" });
}
function renderResults(data, started) {
  results = data.results;
  selected = 0;
  list.replaceChildren(...results.map((r, i) =>
    h("li", { class: "result", role: "option", id: "res-" + i, "aria-selected": String(i === 0), "data-id": r.id,
        onclick: () => { select(i); } },
      h("div", { class: "head" },
        h("h3", {}, r.title),
        h("span", { class: "tag" }, r.kind === "canned" ? r.topic : "按条件生成"),
        h("span", { class: "clause" }, "依据 " + r.clause),
        h("button", { type: "button", class: "copy", "aria-label": "复制：" + r.title,
          onclick: (e) => { e.stopPropagation(); select(i); copy(r.plain, r.title); } }, "复制")),
      h("p", { class: "text" }, r.plain))));
  q.setAttribute("aria-expanded", String(results.length > 0));
  if (results.length) q.setAttribute("aria-activedescendant", "res-0"); else q.removeAttribute("aria-activedescendant");
  const ms = Math.round(performance.now() - started);
  document.body.dataset.searchMs = String(ms);
  document.body.dataset.searchQuery = data.q;
  $("search-meta").textContent = q.value.trim()
    ? (results.length ? results.length + " 条答案" : "没有找到合适的答案，可换个说法，或在“浏览资料”中查找") + " · " + ms + " 毫秒"
    : "";
  const e = data.eligibility;
  $("elig-hint").hidden = !e;
  pendingPrefill = e || null;
}
let pendingPrefill = null;
async function runSearch() {
  const text = q.value;
  const mine = ++seq;
  const started = performance.now();
  if (controller) controller.abort();
  if (!text.trim()) { renderResults({ q: "", results: [] }, started); return; }
  controller = new AbortController();
  try {
    const data = await api("/search?q=" + encodeURIComponent(text), { signal: controller.signal });
    if (mine === seq) renderResults(data, started);
  } catch (err) {
    if (err.name !== "AbortError" && mine === seq) $("search-meta").textContent = err.message;
  }
}
// While an input method is composing (pinyin letters), wait for the characters it produces.
q.addEventListener("input", (e) => { if (!e.isComposing) runSearch(); });
q.addEventListener("compositionend", runSearch);
q.addEventListener("keydown", (e) => {
  if (e.isComposing) return;
  if (e.key === "ArrowDown") { e.preventDefault(); select(selected + 1, true); }
  else if (e.key === "ArrowUp") { e.preventDefault(); select(selected - 1, true); }
  else if (e.key === "Enter") {
    e.preventDefault();
    const r = results[selected];
    if (r) copy(r.plain, r.title);
  } else if (e.key === "Escape") { q.value = ""; runSearch(); }
});
$("elig-open").addEventListener("click", async () => {
  const p = pendingPrefill;
  showTab($("tab-elig"));
  await eligReady;
  if (p) {
    if (p.occupation) { $("f-occupation").value = p.occupation; fillTracks(); }
    if (p.track) $("f-track").value = p.track;
    if (p.level) $("f-level").value = String(p.level);
  }
  $("f-years").focus();
});

// === Browse
function table(headers, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows));
}
function copyButton(text, label) {
  return h("button", { type: "button", class: "copy", "aria-label": "复制：" + label, onclick: () => copy(text, label) }, "复制");
}
async function loadBrowse() {
  const box = $("browse");
  try {
    const [answers, plan, fees, occ] = await Promise.all([api("/answers"), api("/plan"), api("/fees"), api("/occupations")]);
    const out = [];
    out.push(h("h2", { id: "b-answers" }, "常见问题（按主题）"));
    for (const t of answers.topics) {
      out.push(h("h3", { class: "sub" }, t.topic + "（" + t.answers.length + "）"));
      for (const a of t.answers) {
        out.push(h("div", { class: "card", "data-answer": a.id },
          h("div", { class: "head" }, h("span", { class: "q" }, a.questions[0]), " ", h("span", { class: "clause" }, "依据 " + a.clause), " ", copyButton(a.plain, a.questions[0]),
            window.answerActions ? window.answerActions(a) : null),
          h("p", { class: "hint" }, "其他问法：" + a.questions.slice(1).join(" / ")),
          h("p", { class: "text" }, a.plain)));
      }
    }
    out.push(h("h2", { id: "b-plan" }, "认定计划（依据 " + plan.clause + "）"));
    out.push(h("p", { class: "hint" }, "实施机构：" + plan.organiser));
    out.push(table(["序号", "职业", "工种", "等级", "认定月份"], plan.rows.map((r) =>
      h("tr", {}, h("td", { class: "num" }, r.no), h("td", {}, r.occupation), h("td", {}, r.track || "—"), h("td", {}, r.levelLabel),
        h("td", {}, r.monthsText, r.monthsFromRow ? h("span", { class: "hint" }, "（原表与第 " + r.monthsFromRow + " 行合并）") : "")))));
    out.push(h("h2", { id: "b-fees" }, "收费标准（元，依据 " + fees.clause + "）"));
    const s = fees.subjects;
    const feeRows = [];
    for (const t of fees.tables) {
      t.rows.forEach((r, i) => feeRows.push(h("tr", {},
        i === 0 ? h("th", { scope: "rowgroup", rowspan: t.rows.length }, t.occupation) : null,
        h("td", {}, r.levelLabel), h("td", { class: "num" }, r.theory), h("td", { class: "num" }, r.skill),
        h("td", { class: "num" }, r.review === null ? "—" : r.review), h("td", { class: "num" }, r.total))));
    }
    out.push(table(["职业", "等级", s.theory, s.skill, s.review, "合计"], feeRows));
    out.push(h("h2", { id: "b-occupations" }, "申报条件、相关职业与相关专业（依据 " + occ.clause + "）"));
    for (const o of occ.occupations) {
      const card = h("div", { class: "card", "data-occupation": o.occupation }, h("h3", { class: "sub" }, o.occupation));
      if (o.tracks.length) card.append(h("p", {}, "工种：" + o.tracks.map((t) => t.track + "（" + t.levels.join("、") + "）").join("；")));
      for (const l of o.levels) {
        card.append(h("details", {}, h("summary", {}, l.levelLabel, l.offered ? "" : h("span", { class: "off" }, "本年度计划未开设")),
          h("ol", {}, l.conditions.map((c) => h("li", {}, c.text, h("div", { class: "hint" }, "材料：" + c.materials.join("；")))))));
      }
      card.append(h("p", {}, h("strong", {}, "相关职业："), o.relatedOccupations.join("、")));
      card.append(h("div", {}, h("strong", {}, "相关专业："),
        h("ul", {}, o.majorLists.map((m) => h("li", {}, h("em", {}, m.label), "（" + m.schools.join("、") + "）：" + m.majors.join("、") + (m.note ? "（" + m.note + "）" : ""))))));
      out.push(card);
    }
    box.replaceChildren(...out);
  } catch (err) {
    loaded.browse = false;
    box.replaceChildren(h("p", { role: "alert" }, "加载失败：" + err.message));
  }
}

// === Eligibility
let options;
let eligResolve;
const eligReady = new Promise((r) => { eligResolve = r; });
function fillSelect(sel, items, blank) {
  sel.replaceChildren(...(blank !== undefined ? [h("option", { value: "" }, blank)] : []), ...items.map(([v, label]) => h("option", { value: v }, label)));
}
function fillTracks() {
  const o = options.occupations.find((x) => x.name === $("f-occupation").value);
  const tracks = o ? o.tracks : [];
  fillSelect($("f-track"), tracks.map((t) => [t, t]), tracks.length > 1 ? "请选择工种" : tracks.length ? undefined : "（无工种）");
  $("f-track").disabled = tracks.length === 0;
  const offered = new Set(o ? o.levels : []);
  fillSelect($("f-level"), options.levels.map((l) => [String(l.level), l.label + (offered.has(l.level) ? "" : "（未开设）")]));
}
async function loadEligibility() {
  try {
    options = await api("/eligibility/options");
    fillSelect($("f-occupation"), options.occupations.map((o) => [o.name, o.name]));
    fillSelect($("f-cert-level"), options.levels.map((l) => [String(l.level), l.label]));
    fillSelect($("f-school"), options.schools.map((s) => [s, s]));
    fillSelect($("f-program"), options.programs.map((s) => [s, s]), "（无）");
    fillSelect($("f-status"), options.statuses.map((s) => [s, s]));
    fillTracks();
    eligResolve();
  } catch (err) {
    loaded.elig = false;
    $("elig-error").textContent = "加载失败：" + err.message;
  }
}
$("f-occupation").addEventListener("change", fillTracks);
const toggle = (box, ids) => $(box).addEventListener("change", () => { for (const id of ids) $(id).disabled = !$(box).checked; });
toggle("f-has-cert", ["f-cert-level", "f-cert-related", "f-cert-held", "f-cert-since"]);
toggle("f-has-edu", ["f-school", "f-program", "f-status", "f-major"]);
const num = (id) => { const v = $(id).value.trim(); return v === "" ? undefined : Number(v); };
$("elig-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("elig-error").textContent = "";
  const profile = { occupation: $("f-occupation").value, level: Number($("f-level").value), yearsInField: num("f-years") ?? 0 };
  if ($("f-track").value) profile.track = $("f-track").value;
  if (num("f-age") !== undefined) profile.age = num("f-age");
  if ($("f-has-cert").checked) profile.certificate = { level: Number($("f-cert-level").value), related: $("f-cert-related").value === "true",
    yearsHeld: num("f-cert-held") ?? 0, yearsInFieldSince: num("f-cert-since") ?? 0 };
  if ($("f-has-edu").checked) {
    profile.education = { school: $("f-school").value, status: $("f-status").value, major: $("f-major").value.trim() };
    if ($("f-program").value) profile.education.program = $("f-program").value;
  }
  const box = $("elig-result");
  try {
    const { result: r, text, plain } = await api("/eligibility", { method: "POST", body: JSON.stringify(profile) });
    const parts = [h("p", {}, h("span", { class: "pill " + (r.eligible ? "yes" : "no") }, r.eligible ? "符合申报条件" : "暂不符合"), " ",
      r.occupation + (r.track ? "（" + r.track + "）" : "") + " " + r.levelName, " ", h("span", { class: "clause" }, "依据 " + r.clause))];
    if (text) parts.push(h("div", { class: "card" }, h("p", { class: "text" }, text), copyButton(plain, "资格判断")));
    if (r.reason) parts.push(h("p", {}, r.reason));
    if (r.conditions.length) parts.push(h("h3", { class: "sub" }, "满足的条件"), h("ol", {}, r.conditions.map((c) => h("li", {}, c.text))));
    if (r.materials.length) parts.push(h("h3", { class: "sub" }, "要带的材料"), h("ol", {}, r.materials.map((m) => h("li", {}, m))));
    if (r.gaps.length) parts.push(h("h3", { class: "sub" }, "还差什么（任一条件满足即可）"),
      h("ol", {}, r.gaps.map((g) => h("li", {}, g.condition, h("div", { class: "hint" }, g.missing.join("；"))))));
    if (r.fee) parts.push(h("p", {}, "费用：" + r.fee.total + " 元；认定月份：" + (r.months.map((m) => m + "月").join("、") || "—")));
    if (r.suggestion) parts.push(h("p", {}, "目前可申报：" + r.suggestion.levelName + "（" + r.suggestion.months.map((m) => m + "月").join("、") + "，" + (r.suggestion.fee ?? "—") + " 元）"));
    box.replaceChildren(...parts);
  } catch (err) {
    box.replaceChildren();
    $("elig-error").textContent = err.message;
  }
});

// === Unanswered
const KIND = { fallback: "未能回答", low_confidence: "把握不大", handoff: "转人工" };
const when = (t) => new Date(t).toLocaleString("zh-CN", { hour12: false });
// One page of groups at a time (the log may hold thousands): ?page=&limit=, with the total for the pager.
let uPage = 1;
const U_LIMIT = 20;
async function loadUnanswered(page) {
  const box = $("unanswered");
  if (typeof page === "number") uPage = page;
  try {
    let data = await api("/unanswered?page=" + uPage + "&limit=" + U_LIMIT + ($("u-all").checked ? "&all=1" : ""));
    const pages = Math.max(1, Math.ceil(data.total / U_LIMIT));
    // A page emptied by marking its last group: show the last page there is.
    if (!data.groups.length && uPage > pages) { uPage = pages; data = await api("/unanswered?page=" + uPage + "&limit=" + U_LIMIT + ($("u-all").checked ? "&all=1" : "")); }
    const badge = $("unanswered-count");
    badge.hidden = !data.openGroups;
    badge.textContent = String(data.openGroups);
    if (!data.groups.length) { box.replaceChildren(h("p", { class: "hint" }, "暂无未处理的问题。")); return; }
    const pager = pages > 1 ? h("div", { class: "toolbar pager" },
      h("button", { type: "button", disabled: uPage <= 1 ? "" : null, onclick: () => loadUnanswered(uPage - 1) }, "上一页"), " ",
      h("span", { class: "hint" }, "第 " + uPage + " / " + pages + " 页（共 " + data.total + " 组）"), " ",
      h("button", { type: "button", disabled: uPage >= pages ? "" : null, onclick: () => loadUnanswered(uPage + 1) }, "下一页")) : null;
    box.replaceChildren(...data.groups.map((g) => h("div", { class: "card group" + (g.handled ? " done" : ""), "data-group": g.id },
      h("div", { class: "head" }, h("span", { class: "q" }, g.text), " ",
        h("span", { class: "count" }, "共 " + g.count + " 次" + (g.handled ? "（已处理）" : g.open < g.count ? "（未处理 " + g.open + "）" : ""))),
      g.variants.length ? h("p", { class: "hint" }, "其他说法：" + g.variants.join(" / ")) : null,
      h("p", { class: "hint" }, "最近：" + when(g.lastSeen) + " · 首次：" + when(g.firstSeen) + " · " +
        Object.entries(g.kinds).map(([k, n]) => (KIND[k] || k) + " " + n).join("、") + " · 渠道：" + g.channels.join("、") +
        (g.intent ? " · 机器人理解为：" + (g.intentLabel || g.intent) : "")),
      h("div", {},
        h("button", { type: "button", onclick: () => { showTab(tabs[0]); q.value = g.text; runSearch(); } }, "搜索答案"), " ",
        g.handled ? null : h("button", { type: "button", class: "primary", onclick: (e) => markHandled(g, e.target) }, "标记已处理"),
        window.groupActions ? window.groupActions(g) : null),
      window.groupExtras ? window.groupExtras(g) : null)), ...(pager ? [pager] : []));
  } catch (err) {
    box.replaceChildren(h("p", { role: "alert" }, "加载失败：" + err.message));
  }
}
async function markHandled(g, button) {
  button.disabled = true;
  try { await api("/unanswered/handled", { method: "POST", body: JSON.stringify({ ids: g.ids }) }); await loadUnanswered(); }
  catch (err) { button.disabled = false; alert(err.message); }
}
$("u-refresh").addEventListener("click", () => loadUnanswered());
$("u-all").addEventListener("change", () => loadUnanswered(1));
api("/unanswered?limit=1").then((d) => { const b = $("unanswered-count"); b.hidden = !d.openGroups; b.textContent = String(d.openGroups); }).catch(() => {});
if (q.value) runSearch();
`;

// === The workbench (issue 14): answers edited, unanswered questions turned into answers, numbers, notices, history.

const WORKBENCH_STYLE = `
.editor { background: var(--card); border: 1px solid var(--accent); border-radius: 8px; padding: 1rem; margin: .6rem 0 1rem; max-width: 860px; }
.editor label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
.editor input, .editor textarea { width: 100%; font: inherit; padding: .35rem .5rem; border: 1px solid #b9c3cf; border-radius: 6px; }
.editor textarea { min-height: 6em; }
.row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-top: .6rem; }
.picker { margin-top: .5rem; padding: .5rem; border: 1px dashed var(--line); border-radius: 6px; background: #fbfcfe; }
.picker ol { list-style: none; padding: 0; margin: .4rem 0 0; }
.picker li { display: flex; gap: .5rem; align-items: baseline; padding: .2rem 0; }
.figures { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .9rem; min-width: 8.5rem; }
.figure b { display: block; font-size: 1.5rem; font-variant-numeric: tabular-nums; }
svg.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; max-width: 100%; height: auto; }
.legend span { margin-right: 1rem; font-size: .85rem; }
.sw { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: -.05em; }
.sw.a { background: #2f7ed8; } .sw.f { background: #e4572e; } .sw.h { background: #f0b400; } .sw.r { background: #6a1b9a; }
.hbar { display: inline-block; height: .8em; background: #2f7ed8; vertical-align: middle; margin-right: .4em; }
.review li { margin: .3rem 0; }
.diff .added { color: var(--ok); } .diff .removed { color: #b00020; } .diff .changed { color: var(--warn); }
#e-q { width: 100%; max-width: 860px; }
#n-text { display: block; width: 100%; max-width: 860px; font: inherit; padding: .4rem .5rem; border: 1px solid #b9c3cf; border-radius: 6px; margin-top: .5rem; }
pre.yaml { white-space: pre-wrap; background: #f0f3f7; padding: .5rem; border-radius: 6px; font-size: .85rem; }
`;

const ADMIN_PANELS = `
  <section id="panel-edit" role="tabpanel" aria-labelledby="tab-edit" hidden>
    <div class="toolbar">
      <button type="button" class="primary" id="e-new">新建答案</button>
      <a id="e-export" href="#" download>导出为 YAML（交给开发并入 answers.yaml）</a>
    </div>
    <form class="editor" id="editor" hidden novalidate>
      <h2 id="ed-title">新建答案</h2>
      <label for="ed-topic">主题（可选已有主题，也可新写一个）</label>
      <input id="ed-topic" list="ed-topics" maxlength="30" required>
      <datalist id="ed-topics"></datalist>
      <label for="ed-questions">来电者会怎么问（每行一种问法；机器人按这些问法学会识别）</label>
      <textarea id="ed-questions" rows="5" required></textarea>
      <label for="ed-answer">答案（可用 {hotline}、{website} 等占位符，发出时换成通知里的内容）</label>
      <textarea id="ed-answer" rows="5" maxlength="2000" required></textarea>
      <label for="ed-clause">依据的通知条款（如 三（一）；不出自通知的留空，答案会注明“本机构补充说明”）</label>
      <input id="ed-clause" maxlength="40" placeholder="留空 = 本机构补充说明">
      <div id="ed-error" role="alert"></div>
      <div class="row"><button class="primary" type="submit" id="ed-save">保存并生效</button><button type="button" id="ed-cancel">取消</button></div>
    </form>
    <h2>找一个答案来修改</h2>
    <input id="e-q" type="search" placeholder="输入问题，找到要修改的答案…" autocomplete="off">
    <ol class="results" id="e-results"></ol>
    <h2>坐席台改过的答案</h2>
    <div id="e-edits"></div>
  </section>
  <section id="panel-notice" role="tabpanel" aria-labelledby="tab-notice" hidden>
    <div id="n-status" class="card"></div>
    <h2>第一步：读入新通知</h2>
    <p class="hint">选择新一年的认定通知文件（文字版 .txt），或把通知全文粘贴到下面。读入后先核对，不会马上生效。</p>
    <div class="row"><input type="file" id="n-file" accept=".txt,.md,text/plain"></div>
    <textarea id="n-text" rows="8" placeholder="或在这里粘贴通知全文…"></textarea>
    <div class="row"><button class="primary" type="button" id="n-stage">读入并核对</button></div>
    <div id="n-error" role="alert"></div>
    <div id="n-staged"></div>
  </section>
  <section id="panel-history" role="tabpanel" aria-labelledby="tab-history" hidden>
    <div class="toolbar"><button type="button" id="h-refresh">刷新</button><span class="hint">每一次修改、停用、发布都记在这里；可以撤销。</span></div>
    <div id="h-error" role="alert"></div>
    <div id="history"></div>
  </section>`;

const WORKBENCH_SCRIPT = String.raw`
const admin = document.body.dataset.role === "admin";
const toast = (text) => { status.textContent = text; clearTimeout(statusTimer); statusTimer = setTimeout(() => { status.textContent = ""; }, 4000); };
const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
window.onTab = (id) => {
  if (id === "tab-stats" && !loaded.stats) { loaded.stats = true; loadStats(); }
  if (id === "tab-edit") loadEdits();
  if (id === "tab-notice") loadNoticeStatus();
  if (id === "tab-history") loadHistory();
};

// === The conversation of an unanswered question, and 👍/👎 of the bot's answer (from the chat log, when the service has one)
let features = {};
let feedback = {};
const me = api("/me").then((m) => { features = m.features || {}; }).catch(() => {});
async function loadFeedback() {
  await me;
  if (!features.chatLog) return;
  try { feedback = (await api("/feedback")).byIntent || {}; } catch { feedback = {}; }
}
window.groupExtras = (g) => {
  if (!features.chatLog) return null;
  const box = h("div", { class: "picker conversation", hidden: true });
  const fb = g.intent && feedback[g.intent];
  return h("div", {}, fb ? h("span", { class: "hint" }, "这类回答的评价：好评 " + fb.up + " · 差评 " + fb.down + " ") : null,
    g.ids.length ? h("button", { type: "button", class: "convo", onclick: async () => {
      if (!box.hidden) { box.hidden = true; return; }
      try {
        const c = await api("/unanswered/conversation?id=" + g.ids[0]);
        box.replaceChildren(...c.turns.map((t) => h("p", {}, h("strong", {}, t.from === "user" ? "来问：" : "机器人："), t.text,
          t.feedback ? h("span", { class: "hint" }, t.feedback === "up" ? "（好评）" : "（差评）") : "")));
        box.hidden = false;
      } catch (err) { box.replaceChildren(h("p", { role: "alert" }, err.message)); box.hidden = false; }
    } }, "查看对话") : null, box);
};
const reloadUnanswered = loadUnanswered;
loadUnanswered = async () => { await loadFeedback(); return reloadUnanswered(); };

// === Answers (admin)
let editing = null; // { id } when editing an answer, null for a new one
let afterSave = null;
async function openEditor(id, prefill) {
  showTab($("tab-edit"));
  $("ed-error").textContent = "";
  const topics = await api("/topics");
  $("ed-topics").replaceChildren(...topics.topics.map((t) => h("option", { value: t.topic })));
  let a = { topic: "", questions: [], answer: "", clause: null };
  if (id) a = await api("/answers/" + encodeURIComponent(id));
  if (prefill) a = { ...a, ...prefill };
  editing = id ? { id } : null;
  $("ed-title").textContent = id ? "修改答案：" + (a.questions[0] || id) : "新建答案";
  $("ed-topic").value = a.topic;
  $("ed-questions").value = a.questions.join("\n");
  $("ed-answer").value = a.answer;
  $("ed-clause").value = a.clause || "";
  $("editor").hidden = false;
  $(id ? "ed-answer" : "ed-topic").focus();
}
function closeEditor() { $("editor").hidden = true; editing = null; afterSave = null; }
if (admin) {
  window.answerActions = (a) => h("button", { type: "button", class: "edit", onclick: () => openEditor(a.id) }, "修改");
  $("e-new").addEventListener("click", () => { afterSave = null; openEditor(null); });
  $("ed-cancel").addEventListener("click", closeEditor);
  $("e-export").href = base + "/api/answers/export";
  $("editor").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("ed-error").textContent = "";
    const body = { topic: $("ed-topic").value.trim(), questions: $("ed-questions").value.split(/\n+/).map((x) => x.trim()).filter(Boolean),
      answer: $("ed-answer").value.trim() };
    const clause = $("ed-clause").value.trim();
    if (clause) body.clause = clause;
    $("ed-save").disabled = true;
    try {
      const r = editing
        ? await api("/answers/" + encodeURIComponent(editing.id), { method: "PUT", body: JSON.stringify(body) })
        : await api("/answers", { method: "POST", body: JSON.stringify(body) });
      const then = afterSave;
      closeEditor();
      if (then) await then(r.id);
      toast(r.warning || "已保存，机器人已经用上这个答案");
      loaded.browse = false;
      loadEdits();
    } catch (err) {
      $("ed-error").textContent = err.message;
    } finally {
      $("ed-save").disabled = false;
    }
  });
  let eSeq = 0;
  $("e-q").addEventListener("input", async () => {
    const mine = ++eSeq;
    const text = $("e-q").value.trim();
    if (!text) { $("e-results").replaceChildren(); return; }
    const data = await api("/search?q=" + encodeURIComponent(text));
    if (mine !== eSeq) return;
    $("e-results").replaceChildren(...data.results.filter((r) => r.kind === "canned").map((r) =>
      h("li", { class: "result" }, h("div", { class: "head" }, h("h3", {}, r.title), h("span", { class: "tag" }, r.topic),
        h("button", { type: "button", onclick: () => openEditor(r.intent) }, "修改")), h("p", { class: "text" }, r.plain))));
  });
}
async function loadEdits() {
  if (!admin) return;
  try {
    const { edits } = await api("/answers/edits");
    const KINDS = { added: "新增", override: "改写通知答案", retired: "已停用" };
    $("e-edits").replaceChildren(edits.length ? table(["主题", "问法", "答案", "状态", "最后修改", ""], edits.map((e) => h("tr", { "data-edit": e.id },
      h("td", {}, e.topic), h("td", {}, e.questions.slice(0, 3).join(" / ") + (e.questions.length > 3 ? " …（共 " + e.questions.length + " 个）" : "")),
      h("td", {}, e.answer), h("td", {}, KINDS[e.kind] + (e.local ? "（本机构补充说明）" : "")), h("td", {}, when(e.at)),
      h("td", {}, e.retired ? null : h("button", { type: "button", onclick: () => openEditor(e.id) }, "修改"), " ",
        e.retired ? null : h("button", { type: "button", onclick: () => retire(e.id) }, "停用"))))) : h("p", { class: "hint" }, "还没有在坐席台改过答案。"));
  } catch (err) { $("e-edits").replaceChildren(h("p", { role: "alert" }, err.message)); }
}
async function retire(id) {
  if (!confirm("停用后机器人不再用这个答案回答。确定停用？")) return;
  try { await api("/answers/" + encodeURIComponent(id), { method: "DELETE" }); toast("已停用"); loadEdits(); }
  catch (err) { alert(err.message); }
}

// === Unanswered → answered (admin)
if (admin) {
  window.groupActions = (g) => {
    const box = h("div", { class: "picker", hidden: true });
    const input = h("input", { type: "search", placeholder: "搜索要加入的答案…", "aria-label": "搜索要加入的答案" });
    const list = h("ol", {});
    box.append(input, list);
    let mySeq = 0;
    const find = async () => {
      const mine = ++mySeq;
      const data = await api("/search?q=" + encodeURIComponent(input.value.trim() || g.text));
      if (mine !== mySeq) return;
      const canned = data.results.filter((r) => r.kind === "canned");
      list.replaceChildren(...(canned.length ? canned.map((r) => h("li", {}, h("button", { type: "button", class: "primary pick", onclick: () => assign(g, r.intent) }, "加入"),
        h("span", {}, r.title + "（" + r.topic + "）"))) : [h("li", { class: "hint" }, "没有找到，换个说法，或点“新建答案”。")]));
    };
    input.addEventListener("input", find);
    return h("span", {}, " ",
      h("button", { type: "button", class: "assign", onclick: () => { box.hidden = !box.hidden; if (!box.hidden) { input.value = g.text; find(); input.focus(); } } }, "加入已有答案"), " ",
      h("button", { type: "button", class: "create", onclick: () => {
        afterSave = (id) => assign(g, id);
        openEditor(null, { questions: [g.text, ...g.variants] });
      } }, "新建答案"), box);
  };
}
async function assign(g, answerId) {
  try {
    const r = await api("/unanswered/assign", { method: "POST", body: JSON.stringify({ text: g.text, answerId }) });
    toast(r.warning || (r.added.length ? "已把 " + r.added.length + " 个问法加入答案，机器人已经能回答" : "这些问法已在答案里，已标记处理"));
    loadUnanswered();
  } catch (err) { alert(err.message); }
}

// === Numbers
const day = (t) => new Date(t + 8 * 3600000).toISOString().slice(0, 10);
$("s-to").value = day(Date.now());
$("s-from").value = day(Date.now() - 29 * 86400000);
$("stats-form").addEventListener("submit", (e) => { e.preventDefault(); loadStats(); });
function figure(label, value) { return h("div", { class: "figure" }, label, h("b", {}, value)); }
function dayChart(byDay) {
  const W = 760, H = 240, L = 40, R = 40, T = 14, B = 34;
  const n = byDay.length || 1;
  const max = Math.max(1, ...byDay.map((d) => d.turns));
  const bw = (W - L - R) / n;
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = s("svg", { class: "chart", id: "chart-days", viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": "每天的对话轮数与未能回答比例" });
  for (let i = 0; i <= 4; i++) {
    const v = Math.round(max * i / 4);
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e3e8ee" }), s("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#5b6878" }, v));
  }
  byDay.forEach((d, i) => {
    const x = L + i * bw + bw * 0.12, w = Math.max(1, bw * 0.76);
    let top = H - B;
    for (const [v, c, k] of [[d.answered, "#2f7ed8", "已回答"], [d.fallbacks, "#e4572e", "未能回答"], [d.handoffs, "#f0b400", "转人工"]]) {
      if (!v) continue;
      const hgt = (H - T - B) * v / max;
      top -= hgt;
      svg.append(s("rect", { x, y: top, width: w, height: hgt, fill: c, class: "bar" }, s("title", {}, d.day + " " + k + " " + v)));
    }
    if (n <= 16 || i % Math.ceil(n / 12) === 0) svg.append(s("text", { x: x + w / 2, y: H - B + 14, "text-anchor": "middle", "font-size": 10, fill: "#5b6878" }, d.day.slice(5)));
  });
  const pts = byDay.map((d, i) => (L + i * bw + bw / 2).toFixed(1) + "," + (T + (H - T - B) * (1 - d.fallbackRate)).toFixed(1)).join(" ");
  svg.append(s("polyline", { points: pts, fill: "none", stroke: "#6a1b9a", "stroke-width": 2, class: "rate" }));
  for (const p of [0, 0.5, 1]) svg.append(s("text", { x: W - R + 4, y: T + (H - T - B) * (1 - p) + 4, "font-size": 10, fill: "#6a1b9a" }, Math.round(p * 100) + "%"));
  return svg;
}
function hbars(rows, max) {
  return table(["", "次数"], rows.map(([label, n]) => h("tr", {}, h("td", {}, label), h("td", { class: "num" }, h("span", { class: "hbar", "data-w": n }), n))));
}
async function loadStats() {
  const box = $("stats");
  $("stats-error").textContent = "";
  const qs = "?from=" + $("s-from").value + "&to=" + $("s-to").value;
  $("s-csv").href = base + "/api/stats.csv" + qs;
  try {
    const r = await api("/stats" + qs);
    const pct = (x) => (Math.round(x * 1000) / 10) + "%";
    const out = [h("div", { class: "figures" }, figure("对话轮数", r.turns), figure("已回答", r.answered), figure("未能回答", r.fallbacks),
      figure("未能回答比例", pct(r.fallbackRate)), figure("把握不大", r.lowConfidence), figure("转人工", r.handoffs),
      figure("好评 / 差评", r.feedback.up + " / " + r.feedback.down))];
    out.push(h("h2", {}, "每天"), h("p", { class: "legend" }, h("span", {}, h("i", { class: "sw a" }), "已回答"), h("span", {}, h("i", { class: "sw f" }), "未能回答"),
      h("span", {}, h("i", { class: "sw h" }), "转人工"), h("span", {}, h("i", { class: "sw r" }), "未能回答比例（右轴）")), dayChart(r.byDay));
    const top = (obj) => Object.entries(obj).sort((a, b) => b[1] - a[1]);
    out.push(h("h2", {}, "问得最多的问题"), r.topQuestions.length ? hbars(r.topQuestions.map((x) => [x.text, x.count])) : h("p", { class: "hint" }, "这段时间没有问题。"));
    const intents = top(r.byIntent).filter(([k]) => !["none", "empty", "error", "fallback"].includes(k)).slice(0, 15);
    out.push(h("h2", {}, "问得最多的话题"), intents.length ? hbars(intents.map(([k, n]) => [r.intentLabels[k] || k, n])) : h("p", { class: "hint" }, "—"));
    out.push(h("h2", {}, "渠道"), hbars(top(r.byChannel).map(([k, n]) => [CHANNELS[k] || k, n])));
    if (r.feedbackByAnswer) {
      const fb = Object.entries(r.feedbackByAnswer).sort((a, b) => (b[1].up + b[1].down) - (a[1].up + a[1].down));
      out.push(h("h2", {}, "每个答案的评价"), fb.length ? table(["答案", "好评", "差评"], fb.map(([k, v]) => h("tr", {}, h("td", {}, r.intentLabels[k] || k),
        h("td", { class: "num" }, v.up), h("td", { class: "num" }, v.down)))) : h("p", { class: "hint" }, "这段时间没有评价。"));
    }
    const sc = r.selfChecks;
    out.push(h("h2", {}, "资格自测（共 " + sc.total + " 次，可以报 " + sc.eligible + " 次）"));
    const scRows = [];
    for (const [occ, levels] of Object.entries(sc.byOccupation)) for (const [lv, c] of Object.entries(levels))
      scRows.push(h("tr", {}, h("td", {}, occ), h("td", {}, LEVELS[lv] || lv + "级"), h("td", { class: "num" }, c.total), h("td", { class: "num" }, c.eligible), h("td", { class: "num" }, c.total - c.eligible)));
    out.push(scRows.length ? table(["职业", "等级", "自测次数", "可以报", "暂不符合"], scRows) : h("p", { class: "hint" }, "这段时间没有自测。"));
    box.replaceChildren(...out);
    for (const bar of box.querySelectorAll(".hbar")) bar.style.width = Math.max(2, 200 * Number(bar.dataset.w) / Math.max(1, ...[...bar.closest("table").querySelectorAll(".hbar")].map((b) => Number(b.dataset.w)))) + "px";
    document.body.dataset.statsLoaded = String(r.turns);
  } catch (err) {
    loaded.stats = false;
    box.replaceChildren();
    $("stats-error").textContent = err.message;
  }
}
const CHANNELS = { web: "网页", wechat: "微信", official_account: "公众号", wecom: "企业微信", cli: "命令行", api: "接口" };
const LEVELS = { 1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工" };

// === Publishing a notice (admin)
let staged = null;
async function loadNoticeStatus() {
  if (!admin) return;
  const box = $("n-status");
  try {
    const st = await api("/notices");
    box.replaceChildren(h("p", {}, "正在使用：", h("strong", {}, st.current ? st.current.title : "—")),
      st.previous ? h("p", {}, "上一版：" + st.previous.title + " ", h("button", { type: "button", id: "n-rollback", onclick: rollback }, "恢复上一版")) : h("p", { class: "hint" }, "没有可恢复的上一版。"));
  } catch (err) { box.replaceChildren(h("p", { role: "alert" }, err.message)); }
}
async function rollback() {
  if (!confirm("恢复为上一版通知？机器人会立刻改用上一版回答。")) return;
  try { const r = await api("/notices/rollback", { method: "POST" }); toast("已恢复：" + r.title); loadNoticeStatus(); }
  catch (err) { alert(err.message); }
}
const AREA_KIND = { added: "新增", removed: "删除", changed: "改变" };
function showStaged(st) {
  staged = st;
  const out = [h("h2", {}, "第二步：核对“" + st.title + "”")];
  out.push(h("h3", { class: "sub" }, "需要人工核对的地方（" + st.review.length + " 处）"));
  out.push(st.review.length ? h("ol", { class: "review" }, st.review.map((r) => h("li", {}, r.reason,
    h("div", { class: "hint" }, (r.line ? "通知第 " + r.line + " 行" : "") + (r.source ? "：“" + r.source + "”" : "") + "（" + r.file + " " + r.field + "）"))))
    : h("p", { class: "hint" }, "导入程序都读懂了，没有需要核对的地方。"));
  const c = st.diff.changes;
  out.push(h("h3", { class: "sub" }, "和正在使用的" + (st.diff.from ? "“" + st.diff.from + "”" : "资料") + "相比（" + c.length + " 处变化）"));
  out.push(c.length ? table(["部分", "变化", "内容", "原来", "现在"], c.map((x) => h("tr", { class: "diff" }, h("td", {}, x.area), h("td", { class: x.kind }, AREA_KIND[x.kind] || x.kind),
    h("td", {}, x.what), h("td", {}, x.before ?? "—"), h("td", {}, x.after ?? "—")))) : h("p", { class: "hint" }, "没有变化。"));
  out.push(h("h2", {}, "第三步：发布或放弃"), h("p", { class: "hint" }, "发布后机器人和坐席台立刻改用新通知回答，不用重启；发错了可以“恢复上一版”。"),
    h("div", { class: "row" }, h("button", { type: "button", class: "primary", id: "n-publish", onclick: publish }, "发布"),
      h("button", { type: "button", id: "n-discard", onclick: discard }, "放弃")));
  $("n-staged").replaceChildren(...out);
}
if (admin) {
  $("n-file").addEventListener("change", async () => {
    const f = $("n-file").files[0];
    if (!f) return;
    if (f.size > 1000000) { $("n-error").textContent = "文件超过 1 MB，不像是一份通知。"; return; }
    $("n-text").value = await f.text();
  });
  $("n-stage").addEventListener("click", async () => {
    $("n-error").textContent = "";
    const text = $("n-text").value;
    if (!text.trim()) { $("n-error").textContent = "请先选择通知文件或粘贴通知全文。"; return; }
    $("n-stage").disabled = true;
    try {
      const f = $("n-file").files[0];
      showStaged(await api("/notices", { method: "POST", body: JSON.stringify({ text, ...(f ? { name: f.name } : {}) }) }));
    } catch (err) { $("n-error").textContent = err.message; }
    finally { $("n-stage").disabled = false; }
  });
}
async function publish() {
  if (!staged || !confirm("发布“" + staged.title + "”？")) return;
  try { const r = await api("/notices/" + encodeURIComponent(staged.id) + "/publish", { method: "POST" }); toast("已发布：" + r.title); $("n-staged").replaceChildren(h("p", {}, "已发布：" + r.title)); staged = null; loaded.browse = false; loadNoticeStatus(); }
  catch (err) { $("n-error").textContent = err.message; }
}
async function discard() {
  if (!staged) return;
  try { await api("/notices/" + encodeURIComponent(staged.id) + "/discard", { method: "POST" }); } catch { /* nothing staged any more */ }
  staged = null;
  $("n-staged").replaceChildren(h("p", { class: "hint" }, "已放弃，正在使用的通知没有变。"));
}

// === History (admin)
const ACTIONS = { create: "新建", update: "修改", retire: "停用", assign: "加入问法", revert: "撤销", publish: "发布通知" };
function describe(x) {
  if (!x || typeof x !== "object") return "—";
  if (x.questions) return (x.retired ? "（停用）" : "") + x.topic + "：" + x.questions.join(" / ") + " → " + x.answer + (x.clause ? "（依据 " + x.clause + "）" : x.fromFile ? "" : "（本机构补充说明）");
  return x.title || JSON.stringify(x);
}
async function loadHistory() {
  if (!admin) return;
  $("h-error").textContent = "";
  try {
    const { items } = await api("/history");
    $("history").replaceChildren(items.length ? table(["时间", "谁", "操作", "内容", ""], items.map((x) => h("tr", { "data-history": x.id },
      h("td", {}, when(x.at)), h("td", {}, x.userName), h("td", {}, ACTIONS[x.action] || x.action),
      h("td", {}, x.summary || x.target, h("details", {}, h("summary", {}, "前后对比"), h("p", {}, "之前：" + describe(x.before)), h("p", {}, "之后：" + describe(x.after)))),
      h("td", {}, x.target.startsWith("answer:") || x.action === "publish" ? h("button", { type: "button", class: "revert", onclick: () => revert(x) }, "撤销") : null)))) : h("p", { class: "hint" }, "还没有修改。"));
  } catch (err) { $("h-error").textContent = err.message; }
}
async function revert(x) {
  if (!confirm("撤销这次修改（" + (x.summary || x.target) + "）？")) return;
  try { await api("/history/" + x.id + "/revert", { method: "POST" }); toast("已撤销"); loaded.browse = false; loadHistory(); }
  catch (err) { $("h-error").textContent = err.message; }
}
if (admin) $("h-refresh").addEventListener("click", loadHistory);
`;
