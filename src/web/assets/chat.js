/*
 * Web chat: talks to POST /api/chat and renders its structured reply (parts, options, source, links). The
 * conversation is the server's (a signed cookie): the page restores it from GET /api/chat/history on load, and 新对话
 * ends it (POST /api/chat/reset). No external assets, no framework; works on old mobile browsers (ES2017).
 */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var topics = document.getElementById("topics");
  var status = document.getElementById("status");
  var newChat = document.getElementById("new-chat");
  var TEXT = {
    error: app.getAttribute("data-error") || "",
    busy: app.getAttribute("data-busy") || "",
    typing: "助手正在输入…",
    retry: "重试",
    up: "有帮助",
    down: "没帮助",
    thanks: "感谢反馈",
    cleared: "已开始新对话",
  };
  var hotline = app.getAttribute("data-hotline") || "";
  var NOTICE_LINKS = hotline ? [{ kind: "tel", text: hotline, href: "tel:" + hotline.replace(/[^\d+]/g, "") }] : [];
  var pending = 0;
  /** A thumb (up; turned for down), 24×24. */
  var THUMB = "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l.95-4.57.03-.32a1.5 1.5 0 0 0-.44-1.06L13.17 1 6.59 7.59A2 2 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  var welcome = log.querySelector(".welcome");

  function say(text) {
    // Screen readers hear the state changes (typing, a new answer) through one polite live region.
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 30);
  }

  /** Text with the reply's typed links (tel:, web, e-mail) as links; built from text nodes, never from HTML. */
  function fillText(el, text, links) {
    var spans = [];
    (links || []).forEach(function (l) {
      var from = 0;
      var at;
      while ((at = text.indexOf(l.text, from)) >= 0) {
        spans.push({ at: at, end: at + l.text.length, link: l });
        from = at + l.text.length;
      }
    });
    spans.sort(function (a, b) { return a.at - b.at; });
    var last = 0;
    spans.forEach(function (s) {
      if (s.at < last) return;
      if (s.at > last) el.appendChild(document.createTextNode(text.slice(last, s.at)));
      var a = document.createElement("a");
      a.href = s.link.href;
      a.className = "link " + s.link.kind;
      if (s.link.kind === "url") {
        a.target = "_blank";
        a.rel = "noopener noreferrer";
      }
      a.textContent = s.link.text;
      el.appendChild(a);
      last = s.end;
    });
    if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
  }

  function row(who, extraClass) {
    var r = document.createElement("div");
    r.className = "msg " + who + (extraClass ? " " + extraClass : "");
    log.appendChild(r);
    return r;
  }

  function bubble(r, text, links) {
    var b = document.createElement("div");
    b.className = "bubble";
    fillText(b, text, links);
    r.appendChild(b);
    return b;
  }

  /** Shows the start of a new message: a long answer is read from its first line. */
  function reveal(r) {
    var top = r.offsetTop - log.offsetTop - 8;
    log.scrollTop = Math.max(0, top);
  }

  function addMine(text) {
    var r = row("me");
    bubble(r, text);
    log.scrollTop = log.scrollHeight;
    return r;
  }

  /** A notice from the page itself (busy, network error), with a button that re-sends what failed. */
  function addNotice(text, retry) {
    var r = row("bot", "notice");
    var b = bubble(r, text, NOTICE_LINKS);
    b.setAttribute("role", "alert");
    if (retry) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "retry";
      again.textContent = TEXT.retry;
      again.addEventListener("click", function () {
        if (pending > 0) return;
        r.remove();
        retry();
      });
      r.appendChild(again);
    }
    reveal(r);
    return r;
  }

  function clearOptions() {
    var old = log.querySelectorAll(".choices");
    for (var i = 0; i < old.length; i++) old[i].remove();
  }

  function setOptionsDisabled(on) {
    var buttons = log.querySelectorAll(".choices button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
  }

  /** 👍/👎 under an answer, stored on the server; the chosen one stays pressed. */
  function feedbackBar(r, turnId, given) {
    var bar = document.createElement("div");
    bar.className = "feedback";
    [["up", TEXT.up], ["down", TEXT.down]].forEach(function (f) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "fb " + f[0];
      b.setAttribute("data-value", f[0]);
      b.setAttribute("aria-label", f[1]);
      b.setAttribute("aria-pressed", given === f[0] ? "true" : "false");
      // A thumb drawn inline (no emoji font or external asset needed); its name is the aria-label.
      // (A constant string: the HTML parser puts <svg> in its namespace.)
      b.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="' + THUMB + '"/></svg>';
      b.title = f[1];
      b.addEventListener("click", function () {
        post("/api/feedback", { turnId: turnId, value: f[0] }).then(function (res) {
          if (!res.ok) return;
          var all = bar.querySelectorAll(".fb");
          for (var i = 0; i < all.length; i++) all[i].setAttribute("aria-pressed", all[i] === b ? "true" : "false");
          say(TEXT.thanks);
        }, function () {});
      });
      bar.appendChild(b);
    });
    r.appendChild(bar);
  }

  /** The bot's answer: its parts and source line in one bubble, options as buttons (only for a real choice), 👍/👎. */
  function addReply(reply, live) {
    var r = row("bot");
    r.setAttribute("data-turn", reply.turnId || "");
    var text = (reply.parts || []).join("\n");
    var b = bubble(r, text, reply.links);
    if (reply.source) {
      var src = document.createElement("div");
      src.className = "source";
      src.textContent = reply.source;
      b.appendChild(src);
    }
    if (live && reply.options && reply.options.length) {
      var box = document.createElement("div");
      box.className = "choices";
      box.setAttribute("role", "group");
      reply.options.forEach(function (o) {
        var c = document.createElement("button");
        c.type = "button";
        c.className = "choice";
        c.setAttribute("data-value", o.value);
        c.textContent = o.label;
        box.appendChild(c);
      });
      r.appendChild(box);
    }
    if (reply.turnId && reply.status !== "asked") feedbackBar(r, reply.turnId, reply.feedback);
    return r;
  }

  function setBusy(on) {
    pending += on ? 1 : -1;
    sendButton.disabled = pending > 0;
    app.classList.toggle("busy", pending > 0);
  }

  function typingRow() {
    var r = row("bot", "typing");
    var b = document.createElement("div");
    b.className = "bubble";
    b.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) b.appendChild(document.createElement("span")).className = "dot";
    r.appendChild(b);
    var t = document.createElement("span");
    t.className = "sr-only";
    t.textContent = TEXT.typing;
    r.appendChild(t);
    say(TEXT.typing);
    log.scrollTop = log.scrollHeight;
    return r;
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** Runs a request with the typing indicator; a failure leaves a notice with 重试 and the options usable again. */
  function request(doFetch, onBody, retry) {
    setOptionsDisabled(true);
    var typing = typingRow();
    setBusy(true);
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, 20000);
    return doFetch(ctrl ? ctrl.signal : undefined)
      .then(function (res) {
        return res.json().then(
          function (body) { return { status: res.status, body: body }; },
          function () { return { status: res.status, body: null }; }
        );
      })
      .then(function (r) {
        typing.remove();
        if (r.status === 200 && r.body) {
          onBody(r.body);
          return;
        }
        setOptionsDisabled(false);
        addNotice(r.status === 429 ? TEXT.busy : TEXT.error, retry);
      })
      .catch(function () {
        typing.remove();
        setOptionsDisabled(false);
        addNotice(TEXT.error, retry);
      })
      .then(function () {
        clearTimeout(timer);
        setBusy(false);
      });
  }

  /** Sends a message (or an option's value); the person's bubble shows `shown` (an option's label). */
  function send(text, shown, mine) {
    text = String(text || "").trim();
    if (!text || pending > 0) return;
    var me = mine || addMine(shown || text);
    request(
      function (signal) {
        return fetch("/api/chat", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ text: text }),
          signal: signal,
        });
      },
      function (body) {
        clearOptions();
        // A staff member holds the conversation: no bot answer; their reply arrives on the stream.
        if (body.status === "with_staff") return;
        var r = addReply(body, true);
        reveal(r.offsetHeight > log.clientHeight - 40 ? r : me);
        say((body.parts || []).join(" "));
      },
      function () { send(text, shown, me); }
    );
  }

  /** The photo check: the file goes up as it is, the way it will be uploaded to the platform. */
  function sendPhoto(file) {
    if (!file || pending > 0) return;
    var me = addMine("照片：" + file.name + "（" + (file.size / 1024).toFixed(1) + "KB）");
    request(
      function (signal) {
        return fetch("/api/photo", { method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file, signal: signal });
      },
      function (body) {
        var r = addReply({ parts: [String(body.reply || "")] }, false);
        reveal(r.offsetHeight > log.clientHeight - 40 ? r : me);
        say(String(body.reply || ""));
      },
      function () { me.remove(); sendPhoto(file); }
    );
  }

  /** The conversation so far, from the server: what a reload shows again. */
  function restore() {
    fetch("/api/chat/history", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : { turns: [] }; })
      .then(function (body) {
        var turns = (body && body.turns) || [];
        turns.forEach(function (t, i) {
          addMine(t.text);
          if (t.status !== "with_staff") addReply(t, i === turns.length - 1);
        });
        log.scrollTop = log.scrollHeight;
      }, function () {})
      .then(listen);
  }

  // === Messages from staff (转人工), sent outside a request: fetched after a reload, then pushed while open.
  var lastSeq = 0;
  var stream = null;
  function addUpdate(m) {
    if (!m || m.seq <= lastSeq) return;
    lastSeq = m.seq;
    var r = row("bot", m.from === "staff" ? "staff" : "handoff-note");
    if (m.from === "staff") {
      var who = document.createElement("div");
      who.className = "who";
      who.textContent = "工作人员";
      r.appendChild(who);
    }
    bubble(r, m.text);
    log.scrollTop = log.scrollHeight;
    say(m.text);
  }
  function listen() {
    if (stream) stream.close();
    stream = null;
    if (app.getAttribute("data-handoff") !== "1") return;
    return fetch("/api/chat/updates?after=" + lastSeq, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : { messages: [] }; })
      .then(function (body) { ((body && body.messages) || []).forEach(addUpdate); }, function () {})
      .then(function () {
        if (typeof EventSource === "undefined") return;
        stream = new EventSource("/api/chat/stream?after=" + lastSeq);
        stream.addEventListener("message", function (e) {
          try { addUpdate(JSON.parse(e.data)); } catch (err) { /* a malformed event is skipped */ }
        });
      });
  }

  function startOver() {
    if (pending > 0) return;
    setBusy(true);
    post("/api/chat/reset", {})
      .then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        var rows = log.querySelectorAll(".msg");
        for (var i = 0; i < rows.length; i++) if (rows[i] !== welcome) rows[i].remove();
        log.scrollTop = 0;
        lastSeq = 0;
        listen();
        say(TEXT.cleared);
        input.focus();
      })
      .catch(function () { addNotice(TEXT.error, startOver); })
      .then(function () { setBusy(false); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || pending > 0) return;
    input.value = "";
    autoGrow();
    send(text);
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autoGrow);

  var photo = document.getElementById("photo");
  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    photo.value = "";
    sendPhoto(file);
  });

  topics.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-text]");
    if (b) send(b.getAttribute("data-text"));
  });

  log.addEventListener("click", function (e) {
    var b = e.target.closest("button.choice");
    if (b && !b.disabled) send(b.getAttribute("data-value"), b.textContent);
  });

  newChat.addEventListener("click", startOver);
  restore();
})();
