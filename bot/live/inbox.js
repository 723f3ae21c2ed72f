/* The staff inbox's live chat page. Text only ever goes in as text (textContent), never HTML:
 * visitors write what they like. One EventSource carries the queue and the open chat; it
 * reconnects by itself and resumes after the last message id it saw. */
(() => {
  "use strict";
  const root = document.getElementById("live");
  const csrf = root.dataset.csrf;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text != null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  let current = null; // the chat shown
  let stream = null;
  let waitingIds = new Set();
  let lastTyping = 0;
  const seen = new Set(); // message ids shown, so a resumed stream never doubles one

  const post = async (path, fields) => {
    const body = new FormData();
    body.append("csrf_token", csrf);
    for (const [k, v] of Object.entries(fields || {})) body.append(k, v);
    const response = await fetch(`/staff/live${path}`, { method: "POST", body });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `Failed (${response.status})`);
    return data;
  };
  const showError = (text) => {
    $("chat-error").textContent = text || "";
    $("chat-error").hidden = !text;
  };

  // A new visitor waiting: a short tone and, when allowed, a browser notification.
  const chime = () => {
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (_) {}
  };
  const notify = (entry) => {
    chime();
    if (window.Notification && Notification.permission === "granted") {
      new Notification("A visitor is waiting for live chat", { body: entry.page || "" });
    }
  };

  const renderQueue = (queue) => {
    const list = $("queue");
    list.replaceChildren();
    const waiting = new Set();
    for (const entry of queue) {
      if (entry.state === "waiting") waiting.add(entry.id);
      const item = el("li");
      const label =
        entry.state === "waiting"
          ? `Waiting ${entry.waited_seconds} s`
          : `With ${entry.mine ? "you" : entry.taken_by}`;
      const open = el("button", `${label} · ${entry.language.toUpperCase()} · ${entry.question || "(no question yet)"}`);
      open.type = "button";
      open.addEventListener("click", () => openChat(entry.id));
      item.append(open);
      list.append(item);
      if (entry.state === "waiting" && !waitingIds.has(entry.id)) notify(entry);
    }
    waitingIds = waiting;
    $("queue-empty").hidden = queue.length > 0;
    if (current && !queue.some((e) => e.id === current.id)) {
      current.state = "ended";
      renderControls();
    } else if (current) {
      const now = queue.find((e) => e.id === current.id);
      if (now.state !== current.state || now.mine !== current.mine) {
        Object.assign(current, { state: now.state, mine: now.mine });
        renderControls();
      }
    }
  };

  const renderControls = () => {
    const mine = current && current.state === "live" && current.mine;
    $("take").hidden = !(current && current.state === "waiting");
    for (const id of ["handback", "followup", "close"]) $(id).hidden = !mine;
    $("compose").hidden = !mine;
    $("chat-title").textContent =
      current.state === "ended" ? "Chat ended" : mine ? "Your chat" : "Chat";
  };

  const addMessage = (m) => {
    if (seen.has(m.id) || m.author === "end") return;
    seen.add(m.id);
    const who = { visitor: "Visitor", staff: m.name || "Staff", bot: "Assistant", notice: "", alert: "Emergency reply" }[m.author];
    $("messages").append(el("p", who ? `${who}: ${m.text}` : m.text, m.author));
    $("messages").scrollTop = $("messages").scrollHeight;
    if (m.author === "visitor") $("visitor-typing").textContent = "";
  };

  const connect = () => {
    if (stream) stream.close();
    const query = current ? `?chat=${current.id}` : "";
    stream = new EventSource(`/staff/live/events${query}`);
    stream.addEventListener("queue", (e) => {
      const data = JSON.parse(e.data);
      if (!toggling) $("online").checked = data.online;
      renderQueue(data.queue);
    });
    stream.addEventListener("message", (e) => addMessage(JSON.parse(e.data)));
    stream.addEventListener("typing", () => {
      $("visitor-typing").textContent = "The visitor is typing…";
      clearTimeout(lastTyping);
      lastTyping = setTimeout(() => ($("visitor-typing").textContent = ""), 5000);
    });
  };

  const openChat = async (id) => {
    const response = await fetch(`/staff/live/${id}`);
    if (!response.ok) return showError("This chat is gone.");
    current = await response.json();
    showError("");
    $("chat").hidden = false;
    $("messages").replaceChildren();
    seen.clear();
    $("chat-info").textContent =
      `Page: ${current.page || "unknown"} · Language: ${current.language.toUpperCase()} · ` +
      `Waiting since ${current.waited_seconds} s`;
    $("transcript").replaceChildren(
      ...current.transcript.map((t) => el("p", `${t.staff || { visitor: "Visitor", assistant: "Assistant" }[t.role] || t.role}: ${t.text}`, t.role)),
    );
    $("suggestions").replaceChildren(
      ...current.suggestions.map((s) => {
        const b = el("button", s.text);
        b.type = "button";
        b.addEventListener("click", () => {
          $("reply").value = s.text;
          $("reply").focus();
        });
        return b;
      }),
    );
    renderControls();
    history.replaceState(null, "", `#${id}`);
    connect();
  };

  const act = (id, path, after) =>
    $(id).addEventListener("click", async () => {
      try {
        showError("");
        await post(`/${current.id}/${path}`);
        if (after) after();
      } catch (error) {
        showError(error.message);
      }
    });
  act("take", "take", () => {
    Object.assign(current, { state: "live", mine: true });
    renderControls();
    $("reply").focus();
  });
  act("handback", "handback");
  act("followup", "followup");
  act("close", "close");

  $("compose").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return;
    try {
      await post(`/${current.id}/send`, { text });
      $("reply").value = "";
      showError("");
    } catch (error) {
      showError(`${error.message} Your message is still in the box.`);
    }
  });
  let typingSent = 0;
  $("reply").addEventListener("input", () => {
    if (!current || Date.now() - typingSent < 2000) return;
    typingSent = Date.now();
    post(`/${current.id}/typing`).catch(() => {});
  });
  let toggling = false; // a snapshot sent before the switch's POST must not flip it back
  $("online").addEventListener("change", async (e) => {
    const wanted = e.target.checked;
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
    toggling = true;
    try {
      await post("/online", { online: wanted ? "1" : "0" });
      $("live-status").textContent = wanted ? "You are online." : "You are offline.";
    } catch (error) {
      e.target.checked = !wanted;
      $("live-status").textContent = `Not changed: ${error.message}`;
    }
    toggling = false;
  });

  const fromHash = location.hash.slice(1);
  if (/^[0-9a-f]{32}$/.test(fromHash)) openChat(fromHash);
  else connect();
})();
