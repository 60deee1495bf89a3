/**
 * The console's 人工会话 tab: waiting and active conversations live (server-sent events, which also keep this staff
 * member online), take, the whole transcript (what was said to the bot before 转人工 first, set apart), a reply box with the canned-answer search beside it (one click
 * inserts), end; after-hours messages with the number shown on opening. Plain DOM, text set with textContent only.
 */

export const HANDOFF_TAB = `<button role="tab" id="tab-handoff" aria-controls="panel-handoff" aria-selected="false" tabindex="-1">人工会话<span class="badge" id="handoff-count" hidden></span></button>`;

export const HANDOFF_PANEL = `
  <section id="panel-handoff" role="tabpanel" aria-labelledby="tab-handoff" hidden>
    <div class="toolbar">
      <span id="ho-online" class="hint">连接中…</span>
      <button type="button" id="ho-pause">暂停接待</button>
      <span class="hint">打开本页签即为“在线”：在服务时间内，考生转人工会进入下面的队列。</span>
    </div>
    <div class="ho-grid">
      <div>
        <h2>排队与进行中</h2>
        <ol id="ho-list" class="ho-list" aria-live="polite"></ol>
        <h2>留言（非服务时间）</h2>
        <ol id="ho-callbacks" class="ho-list"></ol>
      </div>
      <div id="ho-detail" hidden>
        <h2 id="ho-title"></h2>
        <ol id="ho-transcript" class="ho-transcript" aria-live="polite"></ol>
        <div id="ho-error" role="alert"></div>
        <div class="ho-compose">
          <textarea id="ho-text" rows="3" maxlength="2000" placeholder="输入回复，Ctrl+Enter 发送"></textarea>
          <div class="row">
            <button type="button" class="primary" id="ho-send">发送</button>
            <button type="button" id="ho-take">接入</button>
            <button type="button" id="ho-close">结束人工服务</button>
          </div>
        </div>
        <div class="picker">
          <label for="ho-q">查找标准答案（点“插入”放进回复框）</label>
          <input id="ho-q" type="search" autocomplete="off" placeholder="输入关键词，如 补考 费用">
          <ol id="ho-results"></ol>
        </div>
      </div>
    </div>
  </section>`;

export const HANDOFF_STYLE = `
.ho-grid { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 1rem; }
@media (max-width: 800px) { .ho-grid { grid-template-columns: 1fr; } }
.ho-list { list-style: none; padding: 0; margin: .4rem 0; }
.ho-list li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .7rem; margin: .35rem 0; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.ho-list li.closed { opacity: .6; }
.ho-list li.selected { border-color: var(--accent); }
.ho-list .st { font-weight: 600; }
.ho-transcript { list-style: none; padding: .5rem; margin: 0; max-height: 50vh; overflow: auto; background: #f6f8fb; border: 1px solid var(--line); border-radius: 8px; }
.ho-transcript li { margin: .3rem 0; white-space: pre-wrap; }
.ho-transcript .from { font-size: .8rem; color: #5b6675; margin-right: .4rem; }
.ho-transcript li.staff { color: #1b5e20; } .ho-transcript li.bot { color: #37474f; }
.ho-transcript li.earlier { opacity: .75; }
.ho-transcript li.ho-sep { text-align: center; font-size: .8rem; color: #5b6675; border-top: 1px dashed #b9c3cf; padding-top: .2rem; margin: .5rem 0; }
.ho-list .ho-context { flex-basis: 100%; max-height: 30vh; font-size: .9rem; }
.ho-list .ho-context li { display: block; background: none; border: 0; border-radius: 0; padding: 0; margin: .3rem 0; }
.ho-compose textarea { width: 100%; font: inherit; padding: .4rem .5rem; border: 1px solid #b9c3cf; border-radius: 6px; margin-top: .5rem; }
#ho-q { width: 100%; }
#ho-results { list-style: none; padding: 0; }
#ho-results li { display: flex; gap: .5rem; align-items: baseline; padding: .25rem 0; border-bottom: 1px dashed var(--line); }
`;

export const HANDOFF_SCRIPT = String.raw`
(() => {
const STATUS = { waiting: "排队中", active: "人工服务中", closed: "已结束" };
const FROM = { candidate: "考生", bot: "机器人", staff: "工作人员" };
const handoffs = new Map();
let current = null;
let stream = null;
let paused = false;
const fmtWait = (since) => { const m = Math.max(0, Math.round((Date.now() - since) / 60000)); return m < 60 ? m + " 分钟" : Math.floor(m / 60) + " 小时 " + (m % 60) + " 分钟"; };
const fmtTime = (at) => new Date(at).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
function renderList() {
  const rows = [...handoffs.values()].sort((a, b) => (a.status === "closed") - (b.status === "closed") || a.since - b.since);
  $("ho-list").replaceChildren(...(rows.length ? rows.map((x) => h("li", { class: x.status + (current && current.id === x.id ? " selected" : ""), "data-id": x.id },
    h("span", { class: "st" }, STATUS[x.status] || x.status),
    h("span", {}, x.channel), h("span", {}, x.user),
    x.status === "waiting" ? h("span", { class: "hint" }, "已等 " + fmtWait(x.since)) : null,
    x.takenBy ? h("span", { class: "hint" }, "接待：" + x.takenBy + (x.mine ? "（我）" : "")) : null,
    x.status === "waiting" ? h("button", { type: "button", class: "primary", onclick: () => take(x.id) }, "接入") : null,
    h("button", { type: "button", onclick: () => open(x.id) }, "查看"))) : [h("li", { class: "hint" }, "暂无转人工的会话")]));
  const waiting = rows.filter((x) => x.status === "waiting").length;
  const b = $("handoff-count"); b.hidden = !waiting; b.textContent = String(waiting);
}
function line(t) {
  return h("li", { class: t.from + (t.earlier ? " earlier" : "") }, h("span", { class: "from" }, (FROM[t.from] || t.from) + (t.by ? "·" + t.by : "") + " " + fmtTime(t.at)), t.text);
}
const SEP_BEFORE = "以下是转人工之前考生与机器人的对话";
const SEP_AFTER = "以上是转人工之前的对话";
const sep = (text) => h("li", { class: "ho-sep", role: "separator" }, text);
/** Appends entries to a list, setting apart each run of what was said before 转人工. */
function appendLines(list, entries) {
  for (const t of entries) {
    const last = list.lastElementChild;
    const wasEarlier = Boolean(last && last.classList.contains("earlier"));
    if (t.earlier && !wasEarlier) list.append(sep(SEP_BEFORE));
    if (!t.earlier && wasEarlier) list.append(sep(SEP_AFTER));
    list.append(line(t));
  }
}
function showControls() {
  const x = current && handoffs.get(current.id) || current;
  if (!x) return;
  $("ho-title").textContent = (STATUS[x.status] || "") + " · " + x.channel + " · " + x.user;
  const mine = x.status === "active" && x.mine;
  $("ho-take").hidden = x.status !== "waiting";
  $("ho-send").disabled = !mine; $("ho-text").disabled = !mine;
  $("ho-close").hidden = x.status === "closed" || (x.status === "active" && !x.mine);
}
async function open(id) {
  $("ho-error").textContent = "";
  try {
    const d = await api("/handoffs/" + encodeURIComponent(id));
    current = d;
    handoffs.set(d.id, { ...d, transcript: undefined });
    $("ho-detail").hidden = false;
    $("ho-transcript").replaceChildren();
    appendLines($("ho-transcript"), d.transcript);
    $("ho-transcript").scrollTop = $("ho-transcript").scrollHeight;
    showControls(); renderList();
  } catch (e) { $("ho-error").textContent = e.message; }
}
async function take(id) {
  try { const r = await api("/handoffs/" + encodeURIComponent(id) + "/take", { method: "POST", body: "{}" }); handoffs.set(id, r.handoff); await open(id); $("ho-text").focus(); }
  catch (e) { $("ho-error").textContent = e.message; toast(e.message); renderList(); }
}
async function sendReply() {
  const text = $("ho-text").value.trim();
  if (!text || !current) return;
  try { await api("/handoffs/" + encodeURIComponent(current.id) + "/messages", { method: "POST", body: JSON.stringify({ text }) }); $("ho-text").value = ""; }
  catch (e) { $("ho-error").textContent = e.message; }
}
async function closeIt() {
  if (!current) return;
  try { const r = await api("/handoffs/" + encodeURIComponent(current.id) + "/close", { method: "POST", body: "{}" }); handoffs.set(current.id, r.handoff); await open(current.id); }
  catch (e) { $("ho-error").textContent = e.message; }
}
async function loadCallbacks() {
  try {
    const list = await api("/callbacks");
    $("ho-callbacks").replaceChildren(...(list.length ? list.map((c) => {
      const phone = h("b", {}, c.phone);
      const item = h("li", {}, h("span", { class: "hint" }, new Date(c.at).toLocaleString("zh-CN")), h("span", {}, c.channel), h("span", {}, c.question), phone,
        h("button", { type: "button", onclick: async (e) => { try { const o = await api("/callbacks/" + encodeURIComponent(c.id) + "/open", { method: "POST", body: "{}" }); phone.textContent = o.phone; e.target.remove(); } catch (err) { toast(err.message); } } }, "查看号码"),
        c.earlier ? h("button", { type: "button", "aria-expanded": "false", onclick: async (e) => {
          const shown = item.querySelector(".ho-context");
          if (shown) { shown.remove(); e.target.setAttribute("aria-expanded", "false"); return; }
          try {
            const d = await api("/callbacks/" + encodeURIComponent(c.id));
            const list = h("ol", { class: "ho-transcript ho-context" });
            appendLines(list, d.context);
            item.append(list); e.target.setAttribute("aria-expanded", "true");
          } catch (err) { toast(err.message); }
        } }, "留言前的对话") : null);
      return item;
    }) : [h("li", { class: "hint" }, "暂无留言")]));
  } catch (e) { $("ho-callbacks").replaceChildren(h("li", { class: "hint" }, e.message)); }
}
function connect() {
  if (stream || paused) return;
  stream = new EventSource(base + "/api/handoffs/stream");
  stream.addEventListener("open", () => { $("ho-online").textContent = "在线：可以接待转人工的考生"; });
  stream.addEventListener("error", () => { $("ho-online").textContent = "连接中断，正在重连…"; });
  stream.addEventListener("handoffs", (e) => { handoffs.clear(); for (const x of JSON.parse(e.data)) handoffs.set(x.id, x); renderList(); showControls(); });
  stream.addEventListener("handoff", (e) => { const x = JSON.parse(e.data); handoffs.set(x.id, x); if (current && current.id === x.id) { current = { ...current, ...x }; showControls(); } renderList(); });
  stream.addEventListener("message", (e) => { const m = JSON.parse(e.data); if (current && current.id === m.handoff) { appendLines($("ho-transcript"), [m]); $("ho-transcript").scrollTop = $("ho-transcript").scrollHeight; } });
  stream.addEventListener("callback", loadCallbacks);
}
$("ho-pause").addEventListener("click", () => {
  paused = !paused;
  if (paused && stream) { stream.close(); stream = null; $("ho-online").textContent = "已暂停接待（离线）"; }
  $("ho-pause").textContent = paused ? "恢复接待" : "暂停接待";
  if (!paused) connect();
});
$("ho-send").addEventListener("click", sendReply);
$("ho-take").addEventListener("click", () => current && take(current.id));
$("ho-close").addEventListener("click", closeIt);
$("ho-text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); sendReply(); } });
let searchSeq = 0;
$("ho-q").addEventListener("input", async () => {
  const mine = ++searchSeq;
  const text = $("ho-q").value.trim();
  if (!text) { $("ho-results").replaceChildren(); return; }
  try {
    const d = await api("/search?q=" + encodeURIComponent(text) + "&limit=5");
    if (mine !== searchSeq) return;
    $("ho-results").replaceChildren(...d.results.map((r) => h("li", {},
      h("button", { type: "button", onclick: () => { const t = $("ho-text"); t.value = (t.value ? t.value + "\n" : "") + r.plain; t.focus(); } }, "插入"),
      h("span", {}, r.title + "：" + r.plain))));
  } catch { /* the search box stays as it was */ }
});
setInterval(renderList, 30000);
const previous = window.onTab;
window.onTab = (id) => { if (previous) previous(id); if (id === "tab-handoff") { connect(); loadCallbacks(); } };
})();
`;
