/* The web chat: one conversation with Lumea's assistant over POST /v1/chat, polling for
   operator replies after a handoff. The server makes the conversation (POST /v1/chat/sessions)
   and signs it: its thread id and session token live in this tab's sessionStorage and the
   token goes with every call. */
"use strict";

(() => {
  const { api, el, svg, richText, clock } = Sportello;
  const POLL_MS = 2000;
  const SESSION_KEY = "sportello.chat.session"; // {thread_id, session_token}
  const SOURCES = /\n*(?:^|\n)(Fonti|Sources)\s*:[^\n]*$/;

  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const status = document.getElementById("status");

  let session = storedSession(); // null until the customer's first message
  let lastIndex = -1; // the highest message index of the thread already on screen
  let busy = false; // a turn is in flight: polling waits for it
  let polling = null; // the poll in flight, if any
  let lastRole = null;
  let handedOff = false; // shown the handoff notice for the current handoff
  const unanswered = []; // customer ticks waiting for someone to answer

  function storedSession() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY));
      return stored && stored.thread_id && stored.session_token ? stored : null;
    } catch (_) {
      return null;
    }
  }

  function keep(value) {
    if (value !== session) lastIndex = -1; // another conversation: its messages count from 0
    session = value;
    if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(SESSION_KEY);
    document.body.dataset.thread = value ? value.thread_id : "";
  }

  /** The conversation, started on the server the first time the customer writes. */
  async function ensureSession() {
    if (!session) keep(await api("/v1/chat/sessions", { method: "POST" }));
    return session;
  }

  /** Why a call failed, in the customer's words. */
  function failure(error) {
    if (error.status === 429) return "troppi messaggi in poco tempo, riprova tra qualche secondo.";
    if (error.code === "invalid_session") return "la conversazione è scaduta, riscrivi il messaggio.";
    return error.message;
  }

  // ---------------------------------------------------------------- rendering
  function tickIcon(state) {
    const single = "M10.9 3.3 5.2 9.6 2.8 7.1l-.9 1 3.3 3.3 6.6-7.3z";
    const double =
      "M15.01 3.316l-.478-.372a.365.365 0 0 0-.51.063L8.666 9.879a.32.32 0 0 1-.484.033" +
      "l-.358-.325a.319.319 0 0 0-.484.032l-.378.483a.418.418 0 0 0 .036.541l1.32 1.266" +
      "c.143.14.361.125.484-.033l6.272-8.048a.366.366 0 0 0-.064-.512zm-4.1 0-.478-.372" +
      "a.365.365 0 0 0-.51.063L4.566 9.879a.32.32 0 0 1-.484.033L1.891 7.769a.366.366 0 0 0" +
      "-.515.006l-.423.433a.364.364 0 0 0 .006.514l3.258 3.185c.143.14.361.125.484-.033" +
      "l6.272-8.048a.365.365 0 0 0-.063-.51z";
    const path = state === "sent" ? single : state === "failed" ? "M8 2v7M8 11v2" : double;
    const stroke = state === "failed" ? { stroke: "currentColor", "stroke-width": 2 } : {};
    return svg(
      "svg",
      { viewBox: "0 0 16 15", width: 16, height: 15, "aria-hidden": "true" },
      svg("path", { d: path, fill: state === "failed" ? "none" : "currentColor", ...stroke }),
    );
  }

  const TICK_NAMES = {
    sent: "Inviato",
    delivered: "Consegnato",
    read: "Letto",
    failed: "Non inviato",
  };

  function setTicks(ticks, state) {
    ticks.className = "ticks " + state;
    ticks.dataset.state = state;
    ticks.title = TICK_NAMES[state];
    ticks.setAttribute("aria-label", TICK_NAMES[state]);
    ticks.replaceChildren(tickIcon(state));
  }

  function scrollDown() {
    list.scrollTop = list.scrollHeight;
  }

  /** One message row: the bubble, and its reply buttons under it. */
  function addMessage(role, text, { time = clock(), citations = [], choices = [] } = {}) {
    const meta = el("span", { class: "meta" }, time || "");
    let ticks = null;
    if (role === "customer") {
      ticks = el("span", { class: "ticks" });
      setTicks(ticks, "sent");
      meta.append(ticks);
    }
    let body = text;
    let sourcesLabel = "Fonti";
    if (citations.length) {
      const found = text.match(SOURCES);
      if (found) {
        sourcesLabel = found[1];
        body = text.slice(0, found.index);
      }
    }
    const bubble = el(
      "div",
      { class: "bubble" },
      role === "operator" ? el("span", { class: "sender" }, "Operatore") : null,
      richText(body),
      meta,
      citations.length ? sourcesLine(sourcesLabel, citations) : null,
    );
    const row = el("div", { class: `row ${role}`, dataset: { role } }, bubble);
    if (lastRole === role) row.classList.add("same");
    if (choices.length) row.append(choiceButtons(choices));
    list.append(row);
    lastRole = role;
    scrollDown();
    return { row, ticks };
  }

  function sourcesLine(label, citations) {
    const titles = [];
    for (const c of citations) if (c.title && !titles.includes(c.title)) titles.push(c.title);
    const sections = citations.map((c) => `${c.title} – ${c.section}`).join("\n");
    return el("span", { class: "sources", title: sections }, el("b", {}, label + ": "), titles.join("; "));
  }

  function choiceButtons(choices) {
    const group = el("div", { class: "choices", role: "group", "aria-label": "Risposte rapide" });
    for (const choice of choices) {
      group.append(
        el(
          "button",
          {
            type: "button",
            class: "choice",
            dataset: { id: choice.id },
            onclick: (event) => {
              if (busy) return;
              event.currentTarget.classList.add("chosen");
              send(choice.title);
            },
          },
          choice.title,
        ),
      );
    }
    return group;
  }

  function disableChoices() {
    for (const button of list.querySelectorAll(".choice")) button.disabled = true;
  }

  function addDocument(attachment) {
    const name = attachment.filename || "documento";
    const extension = (name.split(".").pop() || "doc").slice(0, 4).toUpperCase();
    const chip = el(
      attachment.url ? "a" : "div",
      { class: "doc-chip", href: attachment.url, target: attachment.url ? "_blank" : null },
      el("span", { class: "doc-icon", "aria-hidden": "true" }, extension),
      el("span", {}, el("span", { class: "doc-name" }, name), el("span", { class: "doc-kind" }, `Documento ${extension}`)),
    );
    const bubble = el("div", { class: "bubble document" }, chip, el("span", { class: "meta" }, clock()));
    const row = el("div", { class: "row assistant same", dataset: { role: "assistant" } }, bubble);
    list.append(row);
    lastRole = "assistant";
    scrollDown();
  }

  function addChip(kind, text) {
    list.append(el("div", { class: `system-chip ${kind}`, role: kind === "error" ? "alert" : null }, text));
    lastRole = null;
    scrollDown();
  }

  let typingRow = null;
  function typing(on) {
    if (on && !typingRow) {
      typingRow = el(
        "div",
        { class: "row assistant typing", "aria-label": "Lumea sta scrivendo" },
        el("div", { class: "bubble" }, el("span", { class: "dots" }, el("span"), el("span"), el("span"))),
      );
      if (lastRole === "assistant") typingRow.classList.add("same");
      list.append(typingRow);
      status.textContent = "sta scrivendo…";
      scrollDown();
    } else if (!on && typingRow) {
      typingRow.remove();
      typingRow = null;
      status.textContent = "assistente virtuale";
    }
  }

  function answered() {
    while (unanswered.length) setTicks(unanswered.shift(), "read");
  }

  // ---------------------------------------------------------------- the conversation
  /** Show the thread's messages after `lastIndex`, skipping those this page already shows. */
  async function sync(alreadyShown = [], { history = false } = {}) {
    const asked = session;
    if (!asked) return; // nothing said yet
    let messages;
    try {
      messages = await api(
        `/v1/chat/${encodeURIComponent(asked.thread_id)}/messages?after=${lastIndex}`,
        { token: asked.session_token },
      );
    } catch (error) {
      if (error.code === "invalid_session" && asked === session) keep(null); // start afresh
      throw error;
    }
    if (asked !== session) return; // the customer started a new conversation meanwhile
    for (const message of messages) {
      lastIndex = Math.max(lastIndex, message.index);
      const shown = alreadyShown.findIndex((m) => m.role === message.role && m.text === message.text);
      if (shown >= 0) {
        alreadyShown.splice(shown, 1);
        continue;
      }
      const { ticks } = addMessage(message.role, message.text, { time: history ? "" : clock() });
      if (message.role === "customer") setTicks(ticks, "read");
      else answered();
    }
  }

  async function send(raw) {
    const text = raw.trim();
    if (!text || busy) return;
    busy = true;
    sendButton.disabled = true;
    input.value = "";
    disableChoices();
    if (polling) await polling.catch(() => null);
    const { ticks } = addMessage("customer", text);
    unanswered.push(ticks);
    typing(true);
    const shown = [{ role: "customer", text }];
    try {
      const { thread_id, session_token } = await ensureSession();
      const result = await api("/v1/chat", {
        method: "POST",
        body: { text, thread_id },
        token: session_token,
      });
      typing(false);
      if (result.reply) {
        answered();
        addMessage("assistant", result.reply, {
          citations: result.citations || [],
          choices: result.choices || [],
        });
        shown.push({ role: "assistant", text: result.reply });
      } else {
        setTicks(ticks, "delivered");
      }
      for (const attachment of result.attachments || []) addDocument(attachment);
      if (result.handoff && !handedOff) addChip("handoff", "Conversazione passata a un operatore di Lumea");
      handedOff = result.handoff;
    } catch (error) {
      typing(false);
      setTicks(ticks, "failed");
      unanswered.splice(unanswered.indexOf(ticks), 1);
      addChip("error", `Messaggio non inviato: ${failure(error)}`);
      if (error.code === "invalid_session") keep(null); // the next message starts a new one
    } finally {
      await sync(shown).catch(() => null);
      busy = false;
      sendButton.disabled = false;
      input.focus();
    }
  }

  async function poll() {
    if (!busy) {
      polling = sync();
      await polling.catch(() => null);
      polling = null;
    }
    setTimeout(poll, POLL_MS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(input.value);
  });

  document.getElementById("restart").addEventListener("click", () => {
    if (busy) return;
    keep(null);
    lastIndex = -1;
    lastRole = null;
    handedOff = false;
    unanswered.length = 0;
    for (const node of list.querySelectorAll(".row, .system-chip.handoff, .system-chip.error")) node.remove();
    input.focus();
  });

  keep(session);
  sync([], { history: true })
    .catch(() => null)
    .finally(() => {
      document.body.dataset.ready = "true";
      setTimeout(poll, POLL_MS);
    });
  input.focus();
})();
