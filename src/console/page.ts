/**
 * The console's HTML: the login page, the console itself and the "console off" page. Everything is inline (styles and
 * script carry a per-response nonce) so the page works without any outside resource. Only labels are written here;
 * every answer, table and list comes from the JSON API, that is from the knowledge base.
 */

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
<style nonce="${nonce}">${STYLE}</style>
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

export function consolePage(o: { nonce: string; base: string; user: string }): string {
  return shell(
    o.nonce,
    "热线坐席台",
    `<body data-base="${escapeHtml(o.base)}">
<header class="top">
  <h1>职业技能等级认定 · 热线坐席台</h1>
  <span class="who">${escapeHtml(o.user)}</span>
  <form method="post" action="${escapeHtml(o.base)}/logout"><button type="submit" id="logout">退出登录</button></form>
</header>
<nav class="tabs" role="tablist" aria-label="功能">
  <button role="tab" id="tab-search" aria-controls="panel-search" aria-selected="true" data-key="1">搜索答案</button>
  <button role="tab" id="tab-browse" aria-controls="panel-browse" aria-selected="false" data-key="2" tabindex="-1">浏览资料</button>
  <button role="tab" id="tab-elig" aria-controls="panel-elig" aria-selected="false" data-key="3" tabindex="-1">资格自测</button>
  <button role="tab" id="tab-unanswered" aria-controls="panel-unanswered" aria-selected="false" data-key="4" tabindex="-1">未能回答<span class="badge" id="unanswered-count" hidden></span></button>
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
</main>
<div id="copy-status" role="status" aria-live="polite" data-copied=""></div>
</body>`,
    SCRIPT,
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
  if (e.altKey && /^[1-4]$/.test(e.key)) { e.preventDefault(); showTab(tabs[Number(e.key) - 1], true); return; }
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
          h("div", { class: "head" }, h("span", { class: "q" }, a.questions[0]), " ", h("span", { class: "clause" }, "依据 " + a.clause), " ", copyButton(a.plain, a.questions[0])),
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
        g.handled ? null : h("button", { type: "button", class: "primary", onclick: (e) => markHandled(g, e.target) }, "标记已处理")))), ...(pager ? [pager] : []));
  } catch (err) {
    box.replaceChildren(h("p", { role: "alert" }, "加载失败：" + err.message));
  }
}
async function markHandled(g, button) {
  button.disabled = true;
  try { await api("/unanswered/handled", { method: "POST", body: JSON.stringify({ ids: g.ids }) }); await loadUnanswered(); }
  catch (err) { button.disabled = false; alert(err.message); }
}
async function loadFeedback() {
  const box = $("feedback");
  try {
    const data = await api("/feedback");
    if (!data.counts.length) { box.replaceChildren(h("p", { class: "hint" }, "暂无评价。")); return; }
    box.replaceChildren(h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "问题类型"), h("th", {}, "👍"), h("th", {}, "👎"))),
      h("tbody", {}, ...data.counts.map((c) => h("tr", {}, h("td", {}, c.label || c.intent), h("td", {}, String(c.up)), h("td", {}, String(c.down)))))));
  } catch (err) {
    box.replaceChildren(h("p", { role: "alert" }, "加载失败：" + err.message));
  }
}
$("u-refresh").addEventListener("click", loadFeedback);
$("u-refresh").addEventListener("click", () => loadUnanswered());
$("u-all").addEventListener("change", () => loadUnanswered(1));
api("/unanswered?limit=1").then((d) => { const b = $("unanswered-count"); b.hidden = !d.openGroups; b.textContent = String(d.openGroups); }).catch(() => {});
if (q.value) runSearch();
`;
