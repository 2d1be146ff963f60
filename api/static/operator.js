/* The operator inbox: the handed-over conversations, their summaries, replies and release. */
"use strict";

(() => {
  const { api, el, richText, routeName, urgencyName, channelName } = Sportello;
  const REFRESH_MS = 3000;
  const TOKEN_KEY = "sportello.operator.token";
  const $ = (id) => document.getElementById(id);

  let token = sessionStorage.getItem(TOKEN_KEY);
  let items = [];
  let selected = null; // thread id of the open conversation
  let shownMessages = ""; // what the transcript shows, to redraw only on change
  let timer = null;

  // ---------------------------------------------------------------- session
  function showLogin(message) {
    clearTimeout(timer);
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("inbox").hidden = true;
    $("logout").hidden = true;
    $("whoami").hidden = true;
    $("login").hidden = false;
    $("login-error").hidden = !message;
    $("login-error").textContent = message || "";
    $("token").focus();
  }

  async function startInbox() {
    $("login").hidden = true;
    $("inbox").hidden = false;
    $("logout").hidden = false;
    await refresh();
  }

  /** API call with the operator's token; a refused token sends them back to the login. */
  async function call(path, options = {}) {
    try {
      return await api(path, { ...options, token });
    } catch (error) {
      if (error.status === 401) showLogin("Token non valido o scaduto.");
      throw error;
    }
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const candidate = $("token").value.trim();
    if (!candidate) return;
    try {
      items = await api("/v1/operators/queue", { token: candidate });
    } catch (error) {
      $("login-error").hidden = false;
      $("login-error").textContent =
        error.status === 401 ? "Token non valido." : `Accesso non riuscito: ${error.message}`;
      return;
    }
    token = candidate;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    await startInbox();
  });

  $("logout").addEventListener("click", () => {
    selected = null;
    showConversation(null);
    showLogin();
  });

  // ---------------------------------------------------------------- queue
  function since(iso) {
    const then = new Date(iso);
    const minutes = Math.max(0, Math.round((Date.now() - then.getTime()) / 60000));
    if (minutes < 1) return "adesso";
    if (minutes < 60) return `${minutes} min fa`;
    if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h fa`;
    return then.toLocaleDateString("it-IT");
  }

  function ticket(item) {
    const s = item.summary || {};
    const closed = item.status !== "open";
    return el(
      "li",
      {},
      el(
        "button",
        {
          type: "button",
          class: "ticket" + (item.thread_id === selected ? " selected" : ""),
          dataset: { thread: item.thread_id },
          "aria-current": item.thread_id === selected ? "true" : null,
          onclick: () => select(item.thread_id),
        },
        el(
          "span",
          { class: "line" },
          el("span", { class: "code" }, s.customer_code || "Cliente non identificato"),
          el(
            "span",
            { class: "badge " + (s.identified ? "ok" : "warn") },
            s.identified ? "identificato" : "non identificato",
          ),
        ),
        el("span", { class: "question" }, s.open_question || "—"),
        el(
          "span",
          { class: "line" },
          el("span", { class: "badge" }, routeName(s.intent)),
          el("span", { class: `badge urgency-${s.urgency || "normal"}` }, urgencyName(s.urgency || "normal")),
          closed ? el("span", { class: "badge closed" }, "chiusa") : null,
          el("span", { class: "when" }, `${channelName(item.channel)} · ${since(item.created_at)}`),
        ),
      ),
    );
  }

  function drawQueue() {
    const list = $("queue");
    const open = items.filter((i) => i.status === "open").length;
    $("queue-count").textContent = String(open);
    document.title = open ? `(${open}) Sportello · operatori` : "Sportello · operatori";
    list.replaceChildren(
      ...(items.length ? items.map(ticket) : [el("li", { class: "empty" }, "Nessuna conversazione in attesa.")]),
    );
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      items = await call(`/v1/operators/queue?status=${$("queue-status").value}`);
      $("queue-error").hidden = true;
      drawQueue();
      if (selected) {
        const item = items.find((i) => i.thread_id === selected);
        if (item) setOpen(item.status === "open");
        await loadConversation();
      }
    } catch (error) {
      if (!token) return;
      $("queue-error").hidden = false;
      $("queue-error").textContent = `Aggiornamento non riuscito: ${error.message}`;
    }
    if (token) timer = setTimeout(refresh, REFRESH_MS);
  }

  $("queue-status").addEventListener("change", refresh);

  // ---------------------------------------------------------------- conversation
  const ROLE_NAMES = { customer: "Cliente", assistant: "Assistente virtuale", operator: "Operatore" };

  function summaryRows(item) {
    const s = item.summary || {};
    const procedure = s.procedure
      ? [routeName(s.procedure.vertical), s.procedure.step, (s.procedure.collected || []).join(", ")]
          .filter(Boolean)
          .join(" · ")
      : "—";
    const rows = [
      ["Codice cliente", s.customer_code || "—"],
      ["Identificato", s.identified ? "sì" : "no"],
      ["Intento", routeName(s.intent)],
      ["Urgenza", urgencyName(s.urgency || "normal")],
      ["Lingua", (s.language || "it").toUpperCase()],
      ["Canale", channelName(item.channel)],
      ["Motivo", s.reason || "—"],
      ["Procedura", procedure],
      ["Strumenti usati", (s.tools_called || []).join(", ") || "—"],
      ["Domanda aperta", s.open_question || "—", true],
    ];
    return rows.map(([name, value, wide]) =>
      el("div", { class: wide ? "wide" : null }, el("dt", {}, name), el("dd", {}, value)),
    );
  }

  function showConversation(item) {
    $("no-selection").hidden = !!item;
    $("open-conversation").hidden = !item;
    $("transcript").hidden = !item;
    $("reply-form").hidden = !item;
    $("flash").hidden = true;
    if (!item) return;
    $("conversation-title").textContent = item.summary.customer_code || item.thread_id;
    $("summary").replaceChildren(...summaryRows(item));
    setOpen(item.status === "open");
  }

  function setOpen(open) {
    $("release").disabled = !open;
    $("reply-text").disabled = !open;
    $("reply-send").disabled = !open;
  }

  function flash(text, isError = false) {
    $("flash").hidden = false;
    $("flash").textContent = text;
    $("flash").className = "flash" + (isError ? " error" : " muted");
  }

  async function loadConversation() {
    const thread = selected;
    const messages = await call(`/v1/operators/conversations/${encodeURIComponent(thread)}`);
    if (thread !== selected) return;
    const key = JSON.stringify(messages);
    if (key === shownMessages) return;
    shownMessages = key;
    const transcript = $("transcript");
    transcript.replaceChildren(
      ...messages.map((m) =>
        el(
          "div",
          { class: `line-msg ${m.role}`, dataset: { role: m.role, index: m.index } },
          el("span", { class: "who" }, ROLE_NAMES[m.role] || m.role),
          richText(m.text),
        ),
      ),
    );
    transcript.scrollTop = transcript.scrollHeight;
  }

  async function select(thread) {
    selected = thread;
    shownMessages = "";
    const item = items.find((i) => i.thread_id === thread);
    drawQueue();
    showConversation(item);
    try {
      await loadConversation();
      $("reply-text").focus();
    } catch (error) {
      flash(`Conversazione non disponibile: ${error.message}`, true);
    }
  }

  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text || !selected) return;
    $("reply-send").disabled = true;
    try {
      await call(`/v1/operators/conversations/${encodeURIComponent(selected)}/reply`, {
        method: "POST",
        body: { text },
      });
      $("reply-text").value = "";
      flash("Risposta inviata.");
      await loadConversation();
    } catch (error) {
      flash(
        error.code === "not_open"
          ? "La conversazione è già stata rilasciata all'assistente."
          : `Risposta non inviata: ${error.message}`,
        true,
      );
    } finally {
      $("reply-send").disabled = false;
    }
  });

  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });

  $("release").addEventListener("click", async () => {
    if (!selected) return;
    $("release").disabled = true;
    try {
      await call(`/v1/operators/conversations/${encodeURIComponent(selected)}/release`, {
        method: "POST",
      });
      flash("Conversazione rilasciata: al cliente è stato chiesto un voto da 1 a 5.");
      const item = items.find((i) => i.thread_id === selected);
      if (item) showConversation({ ...item, status: "closed" });
      $("flash").hidden = false;
      await refresh();
    } catch (error) {
      $("release").disabled = false;
      flash(`Rilascio non riuscito: ${error.message}`, true);
    }
  });

  if (token) startInbox();
  else showLogin();
})();
