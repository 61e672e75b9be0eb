/**
 * The dashboard's one script, shipped as a string so it works offline in
 * the npm and JSR packages alike. It keeps pages live without a reload:
 * it polls the JSON API (a chained setTimeout, paused while the tab is
 * hidden, marked "stale" on an error), updates the summary bar, draws the
 * jobs-per-second chart as SVG, and refreshes the parts of a page marked
 * `data-live-region` from the server-rendered page. It also asks before
 * destructive actions (`data-confirm`) and handles the checkboxes of a
 * selection. Data reaches it only through `data-*` attributes and JSON,
 * and it writes text with `textContent`, never markup.
 *
 * @module
 */

/** The script. */
export const SCRIPT = `"use strict";
(() => {
  const body = document.body;
  const api = body.dataset.api;
  const KEY = "faktory-dev-poll";
  const SVG = "http://www.w3.org/2000/svg";
  const WINDOW = 5 * 60 * 1000;
  let poll = Number(body.dataset.poll) || 2000;
  try {
    const saved = localStorage.getItem(KEY);
    if (saved !== null && /^\\d+$/.test(saved)) poll = Number(saved);
  } catch (_) { /* storage may be off */ }
  let timer;
  let busy = false;
  let first = true;
  let since = 0;
  let samples = [];
  const status = document.querySelector("[data-live-status]");
  const select = document.querySelector("[data-poll-select]");
  const chart = document.querySelector("svg[data-chart]");

  const fmt = (n) => String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ",");

  function setStatus(state) {
    if (!status) return;
    status.classList.toggle("on", state === "on");
    status.classList.toggle("stale", state === "stale");
    status.textContent = state === "on" ? "Live" : state === "stale" ? "Stale" : "Paused";
    status.title = state === "stale" ? "The last update failed; retrying" : "";
    body.classList.toggle("stale", state === "stale");
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = undefined;
    if (poll > 0 && !document.hidden) timer = setTimeout(tick, ms);
  }

  async function tick() {
    timer = undefined;
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(api + "?since=" + since, {
        headers: { accept: "application/json" },
        cache: "no-store",
        credentials: "same-origin",
      });
      if (!res.ok) throw new Error("HTTP " + res.status);
      update(await res.json());
      if (!first) await refreshRegions();
      first = false;
      setStatus(poll > 0 ? "on" : "off");
    } catch (_) {
      setStatus("stale");
    } finally {
      busy = false;
      schedule(poll);
    }
  }

  function update(data) {
    for (const el of document.querySelectorAll("[data-stat]")) {
      const value = data.summary[el.dataset.stat];
      if (typeof value === "number") el.textContent = fmt(value);
    }
    const time = document.querySelector("[data-stat-time]");
    if (time && typeof data.time === "string") time.textContent = data.time;
    for (const s of data.history) samples.push(s);
    samples = samples.filter((s) => s[0] >= data.now - WINDOW - 60000);
    since = data.now;
    draw(data.now);
  }

  async function refreshRegions() {
    const regions = [...document.querySelectorAll("[data-live-region][id]")];
    if (regions.length === 0) return;
    const res = await fetch(location.href, {
      headers: { accept: "text/html" },
      cache: "no-store",
      credentials: "same-origin",
    });
    if (!res.ok) throw new Error("HTTP " + res.status);
    // A job that is gone redirects to its list: keep what is shown.
    if (res.redirected) return;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    for (const region of regions) {
      const fresh = doc.getElementById(region.id);
      if (!fresh || !fresh.hasAttribute("data-live-region")) continue;
      if (fresh.innerHTML === region.innerHTML) continue;
      const checked = new Set();
      for (const box of region.querySelectorAll("input[type=checkbox]")) {
        if (box.checked) checked.add(box.name + "=" + box.value);
      }
      for (const box of fresh.querySelectorAll("input[type=checkbox]")) {
        if (checked.has(box.name + "=" + box.value)) box.setAttribute("checked", "");
      }
      region.replaceWith(document.importNode(fresh, true));
    }
    syncSelection();
  }

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    parent.appendChild(node);
    return node;
  }

  /** The y axis: a step of 1, 2 or 5 times a power of ten, four steps or so. */
  function axis(v) {
    const want = Math.max(v, 1) / 4;
    const p = Math.pow(10, Math.floor(Math.log10(want)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= want);
    return { step, top: step * Math.max(1, Math.ceil(v / step)) };
  }

  /** The x axis: a tick every 10 s up to 2 min, at most six, 60 px apart at least. */
  function ticks(span, width) {
    const fits = (s) => span / s <= 6 && width / (span / s) >= 60;
    return [10, 15, 30, 60, 120].map((s) => s * 1000).find(fits) || 120000;
  }

  function label(v) {
    if (v >= 1000) return +(v / 1000).toFixed(1) + "k";
    return String(+v.toFixed(2));
  }

  function ago(ms) {
    return ms >= 60000 ? "-" + ms / 60000 + " min" : "-" + ms / 1000 + " s";
  }

  function draw(now) {
    if (!chart) return;
    const W = Math.max(chart.clientWidth || 0, 300);
    const H = 220;
    const L = 44, R = 8, T = 10, B = 22;
    chart.setAttribute("viewBox", "0 0 " + W + " " + H);
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    const rates = [];
    for (let i = 1; i < samples.length; i++) {
      const [t0, p0, f0] = samples[i - 1];
      const [t1, p1, f1] = samples[i];
      const dt = (t1 - t0) / 1000;
      if (dt <= 0) continue;
      rates.push({ t: t1, gap: dt > 15, p: Math.max(0, p1 - p0) / dt, f: Math.max(0, f1 - f0) / dt });
    }
    // The window grows with the history, from one minute to five.
    const span = Math.min(WINDOW, Math.max(60000, samples.length ? now - samples[0][0] : 0));
    const { step, top } = axis(Math.max(0, ...rates.map((r) => Math.max(r.p, r.f))));
    const x = (t) => L + ((t - (now - span)) / span) * (W - L - R);
    const y = (v) => H - B - (v / top) * (H - T - B);
    for (let v = 0; v <= top + step / 2; v += step) {
      el("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }, chart);
      el("text", { class: "axis", x: L - 6, y: y(v) + 4, "text-anchor": "end" }, chart).textContent = label(v);
    }
    const every = ticks(span, W - L - R);
    for (let back = Math.floor(span / every) * every; back >= 0; back -= every) {
      const anchor = back === 0 ? "end" : x(now - back) - L < 20 ? "start" : "middle";
      el("text", { class: "axis", x: x(now - back), y: H - 6, "text-anchor": anchor }, chart)
        .textContent = back === 0 ? "now" : ago(back);
    }
    const shown = rates.filter((r) => r.t >= now - span);
    const line = (key) => {
      let d = "";
      shown.forEach((r, i) => {
        d += (i === 0 || r.gap ? "M" : "L") + x(r.t).toFixed(1) + " " + y(r[key]).toFixed(1);
      });
      return d;
    };
    if (shown.length > 1) {
      const area = line("p") + "L" + x(shown[shown.length - 1].t).toFixed(1) + " " + y(0) + "L" + x(shown[0].t).toFixed(1) + " " + y(0) + "Z";
      el("path", { class: "processed-area", d: area }, chart);
      el("path", { class: "processed", d: line("p") }, chart);
      el("path", { class: "failed", d: line("f") }, chart);
    }
    const last = rates[rates.length - 1];
    const rate = (name, v) => {
      const out = document.querySelector("[data-rate=" + name + "]");
      if (out) out.textContent = (v || 0).toFixed(1) + "/s";
    };
    rate("processed", last && last.p);
    rate("failed", last && last.f);
  }

  function syncSelection() {
    for (const form of document.querySelectorAll("form[data-selection]")) {
      const boxes = [...form.querySelectorAll("input[name=key]")];
      const n = boxes.filter((b) => b.checked).length;
      for (const b of form.querySelectorAll("[data-needs-selection]")) b.disabled = n === 0;
      const all = form.querySelector("[data-check-all]");
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
      const count = form.querySelector("[data-selected]");
      if (count) count.textContent = n > 0 ? n + " selected" : "";
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches && target.matches("[data-check-all]") && target.form) {
      for (const box of target.form.querySelectorAll("input[name=key]")) box.checked = target.checked;
    }
    syncSelection();
  });

  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) schedule(-1);
    else schedule(0);
  });

  if (select) {
    if (![...select.options].some((o) => o.value === String(poll))) {
      const option = document.createElement("option");
      option.value = String(poll);
      option.textContent = poll / 1000 + " s";
      select.insertBefore(option, select.firstChild);
    }
    select.value = String(poll);
    select.addEventListener("change", () => {
      poll = Number(select.value);
      try { localStorage.setItem(KEY, String(poll)); } catch (_) { /* ignore */ }
      setStatus(poll > 0 ? "on" : "off");
      schedule(0);
    });
  }

  window.addEventListener("resize", () => draw(since || Date.now()));
  syncSelection();
  setStatus(poll > 0 ? "on" : "off");
  if (chart || poll > 0) schedule(0);
})();
`;
