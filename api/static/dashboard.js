/* The KPI dashboard: GET /v1/kpis for a date range, as tiles and two inline-SVG charts. */
"use strict";

(() => {
  const { api, el, svg, routeName, channelName } = Sportello;
  const TOKEN_KEY = "sportello.operator.token";
  const PALETTE = ["#008069", "#53bdeb", "#f2a93b", "#a5317a", "#7a8b96", "#25d366", "#e2533b"];
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- formats
  const nf = (digits) =>
    new Intl.NumberFormat("it-IT", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const missing = (v) => v === null || v === undefined || Number.isNaN(Number(v));

  /** Rates arrive as fractions (0.62); a value above 1 is taken as already a percentage. */
  function percent(v) {
    if (missing(v)) return "—";
    const n = Number(v);
    return nf(n <= 1 ? 1 : 0).format(n <= 1 ? n * 100 : n).replace(/,0$/, "") + "%";
  }

  function duration(seconds) {
    if (missing(seconds)) return "—";
    const s = Math.round(Number(seconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ""}`.trim();
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)} h ${m % 60 ? `${m % 60} min` : ""}`.trim();
  }

  const count = (v) => (missing(v) ? "—" : nf(0).format(Number(v)));

  function isoDay(date) {
    const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  const italian = (iso) => iso.split("-").reverse().join("/");

  // ---------------------------------------------------------------- drawing
  function tile(key, name, value, note) {
    return el(
      "div",
      { class: "tile card", dataset: { kpi: key } },
      el("div", { class: "name" }, name),
      el("div", { class: "value" }, value),
      note ? el("div", { class: "note" }, note) : null,
    );
  }

  function drawTiles(k) {
    $("tiles").replaceChildren(
      tile("deflection_rate", "Deflessione", percent(k.deflection_rate), "conversazioni senza operatore"),
      tile("first_contact_resolution", "Risolte al primo contatto", percent(k.first_contact_resolution)),
      tile("avg_first_response_seconds", "Prima risposta (media)", duration(k.avg_first_response_seconds)),
      tile("avg_resolution_seconds", "Tempo di risoluzione (medio)", duration(k.avg_resolution_seconds)),
      tile(
        "csat_average",
        "Soddisfazione (CSAT)",
        missing(k.csat_average) ? "—" : `${nf(1).format(Number(k.csat_average))} / 5`,
        `${count(k.csat_responses ?? 0)} risposte`,
      ),
      tile("threads", "Conversazioni", count(k.threads)),
      tile("handoffs", "Passate a un operatore", count(k.handoffs)),
      tile("turns", "Messaggi gestiti", count(k.turns), "turni di conversazione"),
    );
  }

  /** Horizontal bars, one per vertical, longest first. */
  function barChart(data, name) {
    const entries = Object.entries(data || {})
      .map(([key, value]) => [key, Number(value) || 0])
      .sort((a, b) => b[1] - a[1]);
    if (!entries.length) return el("p", { class: "empty" }, "Nessun dato nel periodo.");
    const max = Math.max(...entries.map(([, v]) => v), 1);
    const row = 30;
    const labelWidth = 130;
    const width = 560;
    const barSpace = width - labelWidth - 50;
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${entries.length * row + 6}`,
      role: "img",
      "aria-label": entries.map(([k, v]) => `${name(k)}: ${v}`).join(", "),
    });
    entries.forEach(([key, value], i) => {
      const y = i * row + 4;
      const w = Math.max(2, (value / max) * barSpace);
      chart.append(
        svg("text", { x: labelWidth - 8, y: y + 16, "text-anchor": "end", class: "label" }, name(key)),
        svg(
          "rect",
          { class: "bar", x: labelWidth, y, width: w, height: row - 10, rx: 4, fill: PALETTE[0], "data-key": key },
          svg("title", {}, `${name(key)}: ${value}`),
        ),
        svg("text", { x: labelWidth + w + 6, y: y + 16 }, count(value)),
      );
    });
    return chart;
  }

  /** A donut of shares, with a legend. */
  function donut(data, name) {
    const entries = Object.entries(data || {})
      .map(([key, value]) => [key, Number(value) || 0])
      .filter(([, v]) => v > 0);
    const total = entries.reduce((sum, [, v]) => sum + v, 0);
    if (!total) return el("p", { class: "empty" }, "Nessun dato nel periodo.");
    const r = 70;
    const c = 2 * Math.PI * r;
    const chart = svg("svg", { viewBox: "0 0 200 200", role: "img", "aria-label": "Quote per canale" });
    chart.append(svg("circle", { cx: 100, cy: 100, r, fill: "none", stroke: "#eef1f3", "stroke-width": 34 }));
    let offset = 0;
    const legend = el("ul", { class: "legend" });
    entries.forEach(([key, value], i) => {
      const share = value / total;
      const color = PALETTE[i % PALETTE.length];
      chart.append(
        svg(
          "circle",
          {
            class: "slice",
            cx: 100,
            cy: 100,
            r,
            fill: "none",
            stroke: color,
            "stroke-width": 34,
            "stroke-dasharray": `${share * c} ${c}`,
            "stroke-dashoffset": -offset * c,
            transform: "rotate(-90 100 100)",
          },
          svg("title", {}, `${name(key)}: ${percent(share)}`),
        ),
      );
      offset += share;
      legend.append(
        el(
          "li",
          {},
          el("span", { class: "swatch", style: `background:${color}` }),
          name(key),
          el("span", { class: "share" }, percent(share)),
        ),
      );
    });
    chart.append(
      svg("text", { x: 100, y: 106, "text-anchor": "middle", style: "font-size:18px;font-weight:600" }, entries.length),
      svg("text", { x: 100, y: 124, "text-anchor": "middle", class: "label" }, entries.length === 1 ? "canale" : "canali"),
    );
    return el("div", {}, chart, legend);
  }

  function draw(k) {
    drawTiles(k);
    $("volumes").querySelector(".plot").replaceChildren(barChart(k.volumes_by_vertical, routeName));
    $("channels").querySelector(".plot").replaceChildren(donut(k.channel_adoption, channelName));
    const deliveries = k.outbound_by_status || {};
    $("deliveries").hidden = !Object.keys(deliveries).length;
    $("deliveries").querySelector(".plot").replaceChildren(barChart(deliveries, deliveryName));
  }

  const DELIVERY = {
    queued: "In coda",
    sent: "Inviati",
    delivered: "Consegnati",
    read: "Letti",
    failed: "Non consegnati",
  };
  const deliveryName = (key) => DELIVERY[key] || key;

  // ---------------------------------------------------------------- loading
  async function load() {
    const from = $("from").value;
    const to = $("to").value;
    $("state").textContent = "Caricamento…";
    document.body.dataset.loaded = "";
    try {
      const token = sessionStorage.getItem(TOKEN_KEY);
      const kpis = await api(`/v1/kpis?from=${from}&to=${to}`, { token });
      draw(kpis);
      $("token-form").hidden = true;
      const period = kpis.period || { from, to };
      $("state").textContent = `Dati dal ${italian(period.from)} al ${italian(period.to)}`;
      document.body.dataset.loaded = "true";
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        $("token-form").hidden = false;
        $("state").textContent = "Serve il token di un operatore.";
      } else if (error.status === 404) {
        $("state").textContent = "Gli indicatori non sono disponibili su questo server.";
      } else {
        $("state").textContent = `Indicatori non disponibili: ${error.message}`;
      }
      document.body.dataset.loaded = "error";
    }
  }

  $("range").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    load();
  });

  const params = new URLSearchParams(location.search);
  const today = new Date();
  $("to").value = params.get("to") || isoDay(today);
  $("from").value = params.get("from") || isoDay(new Date(today.getTime() - 29 * 86400000));
  load();
})();
