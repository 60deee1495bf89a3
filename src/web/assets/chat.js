/* Web chat: talks to POST /api/chat. No external assets, no framework; works on old mobile browsers (ES2017). */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var topics = document.getElementById("topics");
  var TEXT = {
    error: app.getAttribute("data-error") || "",
    busy: app.getAttribute("data-busy") || "",
    suggestPrefix: app.getAttribute("data-suggest-prefix") || "",
    suggestSuffix: app.getAttribute("data-suggest-suffix") || "",
  };
  var KEY = "zhineng-chat-user";
  var pending = 0;

  function randomId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var memoryId = "w" + randomId();
  function userId() {
    try {
      var id = window.localStorage.getItem(KEY);
      if (!id) {
        id = memoryId;
        window.localStorage.setItem(KEY, id);
      }
      return id;
    } catch (e) {
      return memoryId; // private mode: one id for this page's life
    }
  }

  /** Text with web addresses as links; built from text nodes, never from HTML. */
  function fillText(el, text) {
    var re = /https?:\/\/[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+/g;
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      var url = m[0].replace(/[.,;:!?]+$/, "");
      if (m.index > last) el.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = url;
      el.appendChild(a);
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
  }

  /**
   * Numbered choices in a reply: whole lines "1. 电子商务师" (the eligibility dialog's questions), or the list in
   * the fallback's "您是不是想问：1. …；2. …（回复序号即可）". Tapping one sends its number.
   */
  function choicesOf(text) {
    var lines = text.split("\n");
    var out = [];
    var run = [];
    for (var i = 0; i < lines.length; i++) {
      var m = /^\s*(\d{1,2})[.．、]\s*(\S.*)$/.exec(lines[i]);
      if (m && Number(m[1]) === run.length + 1) {
        run.push({ n: m[1], label: m[2] });
      } else {
        if (run.length >= 2) out = out.concat(run);
        run = m && m[1] === "1" ? [{ n: m[1], label: m[2] }] : [];
      }
      var line = lines[i].trim();
      if (TEXT.suggestPrefix && line.indexOf(TEXT.suggestPrefix) === 0) {
        var end = TEXT.suggestSuffix ? line.lastIndexOf(TEXT.suggestSuffix) : line.length;
        var inner = line.slice(TEXT.suggestPrefix.length, end < 0 ? line.length : end);
        inner.split("；").forEach(function (part) {
          var s = /^\s*(\d{1,2})\.\s*(.+)$/.exec(part);
          if (s) out.push({ n: s[1], label: s[2] });
        });
      }
    }
    if (run.length >= 2) out = out.concat(run);
    return out;
  }

  function disableOldChoices() {
    var old = log.querySelectorAll(".choices button");
    for (var i = 0; i < old.length; i++) old[i].disabled = true;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  /** Adds a message; a bot message's numbered choices become buttons unless `plain` (the photo check's list is no choice). */
  function addMessage(who, text, extraClass, plain) {
    var row = document.createElement("div");
    row.className = "msg " + who + (extraClass ? " " + extraClass : "");
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    fillText(bubble, text);
    row.appendChild(bubble);
    if (who === "bot" && !plain) {
      var choices = choicesOf(text);
      if (choices.length) {
        var box = document.createElement("div");
        box.className = "choices";
        choices.forEach(function (c) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "choice";
          b.setAttribute("data-send", c.n);
          b.textContent = c.n + ". " + c.label;
          box.appendChild(b);
        });
        row.appendChild(box);
      }
    }
    log.appendChild(row);
    scrollDown();
    return row;
  }

  function setBusy(on) {
    pending += on ? 1 : -1;
    sendButton.disabled = pending > 0;
    app.classList.toggle("busy", pending > 0);
  }

  /** Shows the reply of a request: the bot's texts, or a notice for a busy or failed service. */
  function request(path, init, shown, onBody) {
    disableOldChoices();
    addMessage("me", shown);
    var typing = addMessage("bot", "…", "typing");
    setBusy(true);
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, 20000);
    init.signal = ctrl ? ctrl.signal : undefined;
    fetch(path, init)
      .then(function (res) {
        return res.json().then(
          function (body) { return { status: res.status, body: body }; },
          function () { return { status: res.status, body: null }; }
        );
      })
      .then(function (r) {
        typing.remove();
        if (r.status === 200 && r.body) onBody(r.body);
        else if (r.status === 429) addMessage("bot", TEXT.busy, "notice");
        else addMessage("bot", TEXT.error, "notice");
      })
      .catch(function () {
        typing.remove();
        addMessage("bot", TEXT.error, "notice");
      })
      .then(function () {
        clearTimeout(timer);
        setBusy(false);
      });
  }

  function send(text) {
    text = String(text || "").trim();
    if (!text || pending > 0) return;
    request(
      "/api/chat",
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ userId: userId(), text: text }) },
      text,
      function (body) {
        (Array.isArray(body.replies) ? body.replies : []).forEach(function (t) { addMessage("bot", t); });
      }
    );
  }

  /** The photo check: the file goes up as it is, the way it will be uploaded to the platform. */
  function sendPhoto(file) {
    if (!file || pending > 0) return;
    request(
      "/api/photo",
      { method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file },
      "照片：" + file.name + "（" + (file.size / 1024).toFixed(1) + "KB）",
      function (body) { addMessage("bot", String(body.reply || ""), "", true); }
    );
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
    var b = e.target.closest("button[data-send]");
    if (b && !b.disabled) send(b.getAttribute("data-send"));
  });
})();
