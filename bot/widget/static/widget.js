/* Aluma's chat widget. One tag embeds it:
 *   <script src="https://chat.example.com/widget.js" defer
 *           data-server="https://chat.example.com" data-title="Ask Aluma"
 *           data-color="#0f5f63" data-position="right" data-open="false" data-lang="es"></script>
 * No framework, no build step. It speaks Rasa's REST channel protocol to the web service:
 * POST {server}/webhooks/rest/webhook {sender, message_id, message, metadata: {page_url}} -> [{text, buttons}],
 * with a sender id the server hands out (POST {server}/chat/session -> {sender}).
 * Safety: every text the visitor or the server writes is rendered with DOM text nodes, never as
 * HTML; links are built with DOM APIs for http(s), mailto and tel only.
 */
(() => {
  "use strict";
  const script =
    document.currentScript || document.querySelector('script[src$="/widget.js"][data-server]');
  if (!script || window.alumaChat) return;

  const opt = script.dataset;
  const server = (opt.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  // The widget's own words follow data-lang, else the page's lang, else the browser's language.
  const WORDS = {
    en: {
      title: "Ask Aluma",
      open: "Open chat",
      unread: (n) => `, ${n} unread message${n > 1 ? "s" : ""}`,
      log: "Conversation",
      quick: "Suggested questions",
      placeholder: "Type your question",
      label: "Your message",
      send: "Send",
      restart: "Start over",
      close: "Close chat",
      failed: "Not sent",
      retrying: "Not sent yet: retrying",
      bot: "Assistant: ",
      you: "You: ",
      typing: (who) => `${who || "The assistant"} is typing`,
      again: "Try again now",
      saved: "Your message is saved and will be sent then.",
      refused: "Sorry, that message could not be sent.",
      call: "You can call or text",
      away:
        "We can't reach the assistant right now. Your message is saved and will be sent as " +
        "soon as we're back. For anything urgent, call or text",
    },
    es: {
      title: "Pregunte a Aluma",
      open: "Abrir chat",
      unread: (n) => `, ${n} mensaje${n > 1 ? "s" : ""} sin leer`,
      log: "Conversación",
      quick: "Preguntas sugeridas",
      placeholder: "Escriba su pregunta",
      label: "Su mensaje",
      send: "Enviar",
      restart: "Empezar de nuevo",
      close: "Cerrar chat",
      failed: "No enviado",
      retrying: "Aún no enviado: reintentando",
      bot: "Asistente: ",
      you: "Usted: ",
      typing: (who) => `${who || "El asistente"} está escribiendo`,
      again: "Reintentar ahora",
      saved: "Su mensaje está guardado y se enviará entonces.",
      refused: "Lo sentimos, ese mensaje no se pudo enviar.",
      call: "Puede llamar o enviar un mensaje de texto al",
      away:
        "No podemos comunicarnos con el asistente ahora. Su mensaje está guardado y se enviará " +
        "en cuanto volvamos. Para algo urgente, llame o envíe un mensaje de texto al",
    },
  };
  const lang = (opt.lang || document.documentElement.lang || navigator.language || "en").slice(0, 2);
  const t = WORDS[lang.toLowerCase()] || WORDS.en;
  const title = opt.title || t.title;
  const PHONE = "503-688-9235"; // the office, from the article
  const PREFIX = "aluma-chat:";
  const MAX_MESSAGES = 100; // history kept in the browser, per conversation
  // A conversation untouched for two hours starts afresh, as Rasa's session does
  // (domain.yml session_expiration_time); on a shared computer nothing lingers longer.
  const MAX_AGE = 2 * 3600e3;
  const MAX_CHARS = 1000; // bot/channels/inbound.py MAX_MESSAGE_CHARS

  // Storage can be unavailable (privacy modes, sandboxed frames): the chat still works.
  const store = (area) => ({
    get(key) {
      try {
        return JSON.parse(area().getItem(PREFIX + key));
      } catch (_) {
        return null;
      }
    },
    set(key, value) {
      try {
        area().setItem(PREFIX + key, JSON.stringify(value));
      } catch (_) {}
    },
    del(key) {
      try {
        area().removeItem(PREFIX + key);
      } catch (_) {}
    },
  });
  const local = store(() => localStorage);
  const tab = store(() => sessionStorage);

  // The server signs the ids it hands out; a made-up or foreign one is refused.
  const SENDER = /^[0-9a-f]{32}-[0-9a-f]{32}$/;

  // ---- DOM helpers: text is only ever appended as text nodes.
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (value === true) el.setAttribute(key, "");
      else if (value != null && value !== false) el.setAttribute(key, value);
    }
    el.append(...kids);
    return el;
  };
  const icon = (d) => {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  };
  const sr = (text) => h("span", { class: "sr" }, text);

  // http(s) and mailto URLs, tel: links, and US phone numbers (503-688-9235, (503) 555-0100).
  const LINK = new RegExp(
    [
      String.raw`\b(?:https?:\/\/|mailto:)[^\s<>"']+`,
      String.raw`\btel:\+?[\d-]{7,}`,
      String.raw`(?:\(\d{3}\) ?|\b\d{3}-)\d{3}-\d{4}\b`,
    ].join("|"),
    "gi",
  );
  const SAFE = ["http:", "https:", "mailto:", "tel:"];
  const safeHref = (href) => {
    try {
      return SAFE.includes(new URL(href).protocol);
    } catch (_) {
      return false;
    }
  };
  const linkify = (el, text) => {
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      const shown = match[0].replace(/[.,;:!?)\]]+$/, ""); // "see https://x.org." ends at org
      const href = /^[(\d]/.test(shown) ? `tel:+1${shown.replace(/\D/g, "")}` : shown;
      if (!safeHref(href)) continue;
      const a = h("a", { href }, shown);
      if (/^https?:/i.test(href)) {
        a.target = "_blank";
        a.rel = "noopener noreferrer";
      }
      el.append(text.slice(last, match.index), a);
      last = match.index + shown.length;
    }
    el.append(text.slice(last));
  };

  // ---- State: a sender id in localStorage, the conversation (bounded) keyed by it; until the
  // server has handed out an id, the conversation is kept as "conv:new".
  let sender = local.get("sender");
  let conv = null;
  let open = false;
  const key = () => `conv:${sender || "new"}`;
  const fresh = () => ({ messages: [], unread: 0, at: Date.now() });
  const loadConversation = () => {
    if (typeof sender !== "string" || !SENDER.test(sender)) sender = null;
    const saved = local.get(key());
    const valid = saved && Array.isArray(saved.messages) && Date.now() - saved.at < MAX_AGE;
    conv = valid ? saved : fresh();
    conv.messages = conv.messages.filter(
      (m) => m && ["user", "bot", "staff", "notice"].includes(m.from) && typeof m.text === "string",
    );
    conv.unread = Number(conv.unread) || 0;
  };
  const save = () => {
    conv.at = Date.now();
    // Never drop a message that is still to be sent.
    while (conv.messages.length > MAX_MESSAGES && conv.messages[0].state !== "pending") {
      conv.messages.shift();
    }
    local.set(key(), conv);
  };
  const setSender = (id) => {
    local.del(key());
    sender = id;
    if (id) local.set("sender", id);
    else local.del("sender");
    save();
  };
  loadConversation();

  // ---- The UI, in a shadow root so that the page's styles and ours do not meet.
  const host = document.createElement("aluma-chat");
  const root = host.attachShadow({ mode: "open" });
  const side = opt.position === "left" ? "left" : "right";
  const ui = h("div", { class: `chat ${side}`, hidden: true });
  const stylesheet = h("link", { rel: "stylesheet", href: `${server}/widget.css` });
  const reveal = () => ui.removeAttribute("hidden");
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);

  const color = /^#(?:[0-9a-f]{3}){1,2}$/i.test(opt.color || "") ? opt.color : null;
  if (color) {
    // Text on the accent colour is white or near-black, whichever passes WCAG AA.
    const hex = color.length === 4 ? color.replace(/\w/g, (c) => c + c) : color;
    const lum = [1, 3, 5]
      .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    host.style.setProperty("--accent", color);
    host.style.setProperty("--on-accent", 1.05 / (lum + 0.05) >= 4.5 ? "#fff" : "#111");
  }

  const badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
  const launcher = h(
    "button",
    { type: "button", class: "launcher", "aria-controls": "panel", "aria-expanded": "false" },
    icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"),
    badge,
  );
  const log = h("div", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-label": t.log,
    tabindex: "0",
  });
  const typing = h("div", { class: "typing", role: "status" });
  const alertBox = h("div", { class: "alert", role: "alert" });
  const quick = h("div", { class: "quick", role: "group", "aria-label": t.quick });
  const input = h("input", {
    id: "input",
    type: "text",
    autocomplete: "off",
    maxlength: String(MAX_CHARS),
    placeholder: t.placeholder,
  });
  const form = h(
    "form",
    { class: "compose", onsubmit: (e) => (e.preventDefault(), submit()) },
    h("label", { for: "input", class: "sr" }, t.label),
    input,
    h("button", { type: "submit", class: "send" }, t.send),
  );
  const panel = h(
    "section",
    { id: "panel", class: "panel", role: "dialog", "aria-labelledby": "title", hidden: true },
    h(
      "div",
      { class: "head" },
      h("h2", { id: "title" }, title),
      h("button", { type: "button", class: "restart", onclick: () => startOver() }, t.restart),
      h(
        "button",
        {
          type: "button",
          class: "close",
          "aria-label": t.close,
          onclick: () => setOpen(false, true),
        },
        icon("M6 6l12 12M18 6L6 18"),
      ),
    ),
    log,
    typing,
    alertBox,
    quick,
    form,
  );
  launcher.addEventListener("click", () => setOpen(true, true));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      setOpen(false, true);
    }
  });
  ui.append(launcher, panel);
  root.append(stylesheet, ui);

  // ---- Rendering
  const nodes = new Map(); // message -> its bubble
  const note = (message) =>
    message.state === "failed" ? t.failed : message.retry ? t.retrying : "";
  const renderMessage = (message) => {
    if (message.hidden) return;
    const who = sr(
      { bot: t.bot, user: t.you, notice: "" }[message.from] ?? `${message.name}: `,
    );
    const text = h("span", { class: "text" });
    if (message.from !== "user") linkify(text, message.text);
    else text.append(message.text);
    const bubble = h("div", { class: `msg ${message.from === "user" ? "user" : "bot"} ${message.from}` }, who, text);
    bubble.append(h("span", { class: "note" }));
    nodes.set(message, bubble);
    log.append(bubble);
    updateNote(message);
  };
  const updateNote = (message) => {
    const bubble = nodes.get(message);
    if (!bubble) return;
    bubble.lastChild.textContent = note(message);
    bubble.classList.toggle("unsent", Boolean(note(message)));
  };
  const scrollDown = () => {
    log.scrollTop = log.scrollHeight;
  };
  const renderQuick = () => {
    const last = conv.messages.filter((m) => !m.hidden).pop();
    const buttons = last && last.from === "bot" && !isPending() ? last.buttons || [] : [];
    quick.replaceChildren(
      ...buttons.map((b) => {
        const choose = () => {
          send(b.title, b.payload);
          input.focus(); // the button itself goes away
        };
        return h("button", { type: "button", onclick: choose }, b.title);
      }),
    );
  };
  const renderBadge = () => {
    const n = conv.unread;
    badge.textContent = n > 9 ? "9+" : String(n);
    badge.hidden = !n;
    launcher.setAttribute("aria-label", t.open + (n ? t.unread(n) : ""));
  };
  const renderAll = () => {
    log.replaceChildren();
    nodes.clear();
    conv.messages.forEach(renderMessage);
    renderQuick();
    renderBadge();
    scrollDown();
  };
  const setTyping = (on, who) => {
    const dots = () => h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i"));
    typing.replaceChildren(...(on ? [sr(t.typing(who)), dots()] : []));
  };
  const setAlert = (text, retryButton) => {
    const p = h("p");
    linkify(p, text || "");
    const again = h("button", { type: "button", onclick: () => pump(true) }, t.again);
    alertBox.replaceChildren(...(text ? [p] : []), ...(retryButton ? [again] : []));
  };

  // ---- Sending: one message at a time, in order; failures are kept and retried.
  const isPending = () => conv.messages.some((m) => m.state === "pending");
  let busy = false;
  let retryTimer = 0;
  let attempt = 0;
  let renewed = false; // the sender id was refused once and replaced
  const newId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const pageUrl = () => location.href.split("#")[0];
  const post = async (path, body) => {
    const init = { method: "POST" };
    if (body) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const response = await fetch(server + path, init);
    const data = await response.json().catch(() => null);
    const wait = Number(response.headers.get("Retry-After")) || 0;
    return { status: response.status, data, wait };
  };

  const pump = async (now) => {
    if (now) attempt = 0;
    if (busy) return;
    clearTimeout(retryTimer);
    const current = conv;
    const next = current.messages.find((m) => m.state === "pending");
    if (!next) return;
    busy = true;
    setTyping(true);
    let res = { status: 0, data: null, wait: 0 };
    let replies = null;
    try {
      if (!sender) {
        res = await post("/chat/session");
        if (res.status === 200 && SENDER.test(res.data?.sender)) setSender(res.data.sender);
      }
      if (sender) {
        if (!next.id) next.id = newId(); // kept from a widget that had no ids
        res = await post("/webhooks/rest/webhook", {
          sender,
          message_id: next.id, // the same on every try: the server sends it to Rasa once
          message: next.payload || next.text,
          metadata: { page_url: pageUrl() },
        });
        if (res.status === 200) replies = res.data;
      }
    } catch (_) {
      res.status = 0; // unreachable (or refused by CORS): retried like a 503
    }
    busy = false;
    setTyping(false);
    if (current !== conv) return pump(); // the visitor started over meanwhile
    const { status, data, wait } = res;
    const said = typeof data?.error === "string" ? data.error : "";

    if (replies !== null) {
      renewed = false;
      delete next.state;
      delete next.retry;
      if (next.hidden) current.messages.splice(current.messages.indexOf(next), 1);
      setAlert("");
      for (const reply of Array.isArray(replies) ? replies : []) receive(reply);
    } else if (status === 403 && data?.code === "unknown_sender" && !renewed) {
      // The server does not know this id (its key changed): carry on under a new one.
      renewed = true;
      setSender(null);
      return pump();
    } else if (status === 429) {
      // Too fast: say so in the server's words, and send it when the server says.
      next.retry = true;
      setAlert(`${said} ${t.saved}`);
      save();
      updateNote(next);
      retryTimer = setTimeout(pump, 1000 * (wait || 2 ** attempt++));
      return;
    } else if (status >= 400 && status < 500) {
      // Refused for good (malformed, too long): say so, keep it on screen, do not resend.
      next.state = "failed";
      delete next.retry;
      setAlert(`${said || t.refused} ${t.call} ${PHONE}.`);
    } else {
      // Unreachable, overloaded or failing: keep it and try again, backing off to 10 s.
      next.retry = true;
      setAlert(
        `${t.away} ${PHONE}.`,
        true,
      );
      save();
      updateNote(next);
      retryTimer = setTimeout(pump, Math.min(10000, 1000 * 2 ** attempt++));
      return;
    }
    attempt = 0;
    updateNote(next);
    save();
    renderQuick();
    scrollDown();
    pump();
  };

  const receive = (reply) => {
    if (!reply || typeof reply !== "object") return;
    if (typeof reply.custom?.live === "string") {
      conv.live = true;
      save();
      live();
    }
    const text = typeof reply.text === "string" ? reply.text : "";
    const buttons = (Array.isArray(reply.buttons) ? reply.buttons : [])
      .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
      .map((b) => ({ title: b.title, payload: b.payload }));
    if (!text && !buttons.length) return;
    show({ from: "bot", text, buttons });
  };
  const show = (message) => {
    conv.messages.push(message);
    renderMessage(message);
    if (!open) conv.unread += 1;
    renderBadge();
  };

  // ---- Live chat with staff: a server-sent event stream while it lasts. EventSource reconnects
  // by itself with Last-Event-ID; conv.after keeps the last id across reloads and pages.
  let stream = null;
  let typingTimer = 0;
  let typingSent = 0;
  const live = () => {
    if (stream || !conv.live || !sender) return;
    stream = new EventSource(`${server}/live/events?sender=${sender}&after=${conv.after || 0}`);
    stream.addEventListener("message", (e) => {
      const m = JSON.parse(e.data);
      if (!(m.id > (conv.after || 0))) return;
      conv.after = m.id;
      setTyping(false);
      if (m.author === "end") {
        conv.live = false;
        stream.close();
        stream = null;
      } else if (typeof m.text === "string") {
        const from = { staff: "staff", notice: "notice" }[m.author] || "bot";
        show({ from, text: m.text, name: String(m.name || "Staff") });
        renderQuick();
        scrollDown();
      }
      save();
    });
    stream.addEventListener("typing", (e) => {
      setTyping(true, JSON.parse(e.data).name);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => setTyping(false), 5000);
    });
    stream.onerror = () => {
      // Refused for good (e.g. a new sender id): try again later rather than never.
      if (stream && stream.readyState === 2) {
        stream = null;
        setTimeout(live, 5000);
      }
    };
  };
  const typed = () => {
    if (!conv.live || !sender || Date.now() - typingSent < 2000) return;
    typingSent = Date.now();
    fetch(`${server}/live/typing`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender }),
    }).catch(() => {});
  };

  const send = (text, payload, hidden) => {
    const message = { from: "user", text, state: "pending", id: newId() };
    if (payload && payload !== text) message.payload = payload;
    if (hidden) message.hidden = true;
    conv.messages.push(message);
    save();
    renderMessage(message);
    renderQuick();
    scrollDown();
    pump(true);
  };

  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text.slice(0, MAX_CHARS));
  };

  const greet = () => {
    if (!conv.messages.length) send("", lang.toLowerCase() === "es" ? '/greet{"language":"es"}' : "/greet", true);
  };

  const startOver = () => {
    if (stream) stream.close();
    stream = null;
    local.del(key());
    local.del("sender");
    sender = null;
    loadConversation();
    save();
    setAlert("");
    renderAll();
    greet();
    input.focus();
  };

  // ---- Opening and closing
  const setOpen = (value, moveFocus) => {
    open = value;
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    tab.set("open", open);
    if (open) {
      conv.unread = 0;
      save();
      renderBadge();
      greet();
      scrollDown();
      if (moveFocus) input.focus();
    } else if (moveFocus) {
      launcher.focus();
    }
  };

  window.alumaChat = { open: () => setOpen(true, true), close: () => setOpen(false, false) };
  window.addEventListener("online", () => pump(true));
  input.addEventListener("input", typed);
  document.body.append(host);
  renderAll();
  const stayOpen = tab.get("open");
  setOpen(stayOpen === null ? opt.open === "true" : stayOpen, false);
  pump(true);
  live();
})();
