/* Sportello's shared page helpers: API calls, safe DOM building, linkified text, formats. */
"use strict";

const Sportello = (() => {
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** JSON in, JSON out; every API error is {"error": {"code", "message"}}. */
  async function api(path, { method = "GET", body, token } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, "network", "Connessione non disponibile, riprova tra poco.");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(
        response.status,
        error.code || "http_error",
        error.message || response.statusText || "Errore del servizio",
      );
    }
    return data;
  }

  /** el("div", {class: "x", dataset: {id: 1}, onclick: f}, "text", child, ...) */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value !== null && value !== undefined) node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return node;
  }

  // Web addresses and Italian toll-free numbers (800 123 456) become links; the rest is text.
  const LINKABLE = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]])|(\b80[03][ .]?\d{3}[ .]?\d{3}\b)/g;

  /** Text as DOM nodes (never HTML), line breaks kept by CSS (white-space: pre-wrap). */
  function richText(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of String(text).matchAll(LINKABLE)) {
      fragment.append(text.slice(last, match.index));
      const [found, url, phone] = match;
      fragment.append(
        url
          ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, found)
          : el("a", { href: "tel:" + phone.replace(/\D/g, "") }, found),
      );
      last = match.index + found.length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  function clock(date = new Date()) {
    return date.toLocaleTimeString("it-IT", { hour: "2-digit", minute: "2-digit" });
  }

  const ROUTES = {
    billing: "Bollette",
    payments: "Pagamenti",
    instalments: "Rateizzazione",
    self_reading: "Autolettura",
    bonus: "Bonus sociale",
    outage: "Guasti",
    contracts: "Contratti",
    onboarding: "Attivazione",
    identify: "Identificazione",
    handoff: "Operatore",
    general: "Generale",
    unrouted: "Non classificato",
  };
  const URGENCY = { emergency: "Emergenza", high: "Alta", normal: "Normale" };
  const CHANNELS = { whatsapp: "WhatsApp", web: "Web chat", cli: "Riga di comando", test: "Test" };

  const label = (table, key) => table[key] || (key ? String(key).replace(/_/g, " ") : "—");

  return {
    ApiError,
    api,
    el,
    svg,
    richText,
    clock,
    routeName: (key) => label(ROUTES, key),
    urgencyName: (key) => label(URGENCY, key),
    channelName: (key) => label(CHANNELS, key),
  };
})();
