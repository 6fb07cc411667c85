// Prescient dashboard: reads the operations API (same origin, under /api) and draws with uPlot (from npm, served locally).
(() => {
  "use strict";
  const api = (path) => new URL("../" + path, location.href).toString();
  const token = new URLSearchParams(location.hash.split("?")[0].replace(/^#/, "")).get("token");
  if (token) { sessionStorage.setItem("prescient-token", token); history.replaceState(null, "", location.pathname + "#fleet"); }
  const authHeaders = () => { const t = sessionStorage.getItem("prescient-token"); return t ? { Authorization: "Bearer " + t } : {}; };
  // The pipeline's clock (simulated when run locally) comes with every answer of the API.
  let pipelineClock = null;
  const getJson = async (path) => {
    const r = await fetch(api(path), { headers: authHeaders(), cache: "no-store" });
    const clock = r.headers.get("X-Prescient-Clock");
    if (clock && (!pipelineClock || clock > pipelineClock)) pipelineClock = clock;
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return { body: await r.json(), etag: r.headers.get("ETag") };
  };
  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) { if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v); }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
    return e;
  };
  const pct = (v) => v == null ? "–" : (v * 100).toFixed(0) + " %";
  const time = (t) => t ? new Date(t).toISOString().replace("T", " ").slice(5, 16) : "–";
  const badge = (text) => el("span", { class: "badge " + String(text).toLowerCase() }, text);
  const secs = (t) => Date.parse(t) / 1000;
  const plotted = {};
  const setPlotted = (name, n) => {
    plotted[name] = n;
    document.body.dataset.plottedPoints = Object.values(plotted).reduce((a, b) => a + b, 0);
    document.body.dataset[name + "Points"] = n;
  };

  // ---- chart ----
  const charts = {};
  // extra: further lines [{ label, stroke, values }] (the fleet chart's hottest hosts).
  function drawChart(id, points, migrations, extra = []) {
    const container = document.getElementById(id);
    const xs = points.map((p) => secs(p.periodStart));
    const measured = points.map((p) => p.measured ?? null);
    const predicted = points.map((p) => p.predicted ?? null);
    const low = points.map((p) => p.low);
    const high = points.map((p) => p.high);
    const proactive = points.map((p) => p.mode === "proactive");
    const data = [xs, measured, predicted, low, high, ...extra.map((e) => e.values)];
    const marks = migrations || [];
    const overlay = (u) => {
      const ctx = u.ctx;
      ctx.save();
      // Proactive periods: a soft band at the bottom of the plot.
      const step = xs.length > 1 ? xs[1] - xs[0] : 1200;
      ctx.fillStyle = "rgba(46, 160, 67, 0.12)";
      for (let i = 0; i < xs.length; i++) {
        if (!proactive[i]) continue;
        const x0 = u.valToPos(xs[i], "x", true), x1 = u.valToPos(xs[i] + step, "x", true);
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      }
      // Migrations: triangles on the top edge (down = out of this host, up = into it).
      ctx.font = `${12 * devicePixelRatio}px sans-serif`;
      for (const m of marks) {
        const x = u.valToPos(secs(m.at), "x", true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
        ctx.fillStyle = m.status === "completed" ? (m.direction === "in" ? "#2563eb" : "#b91c1c") : "#6b7280";
        ctx.fillText(m.direction === "in" ? "\u25B2" : "\u25BC", x - 5 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
      }
      ctx.restore();
    };
    const opts = {
      width: Math.max(320, container.clientWidth || 900), height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: { y: { range: [0, 1] } },
      axes: [{}, { values: (u, v) => v.map((x) => (x * 100).toFixed(0) + "%") }],
      series: [
        {},
        { label: "Measured", stroke: "#1f77b4", width: 2, value: (u, v) => pct(v) },
        { label: "Predicted", stroke: "#ff7f0e", width: 2, dash: [6, 4], value: (u, v) => pct(v) },
        { label: "Low threshold", stroke: "#9ca3af", width: 1, dash: [2, 3], value: (u, v) => pct(v) },
        { label: "High threshold", stroke: "#dc2626", width: 1, dash: [2, 3], value: (u, v) => pct(v) },
        ...extra.map((e) => ({ label: e.label, stroke: e.stroke, width: e.width ?? 1.5, dash: e.dash, value: (u, v) => pct(v) })),
      ],
      bands: [{ series: [4, 3], fill: "rgba(156, 163, 175, 0.08)" }],
      hooks: { draw: [overlay] },
    };
    if (charts[id]) charts[id].destroy();
    container.textContent = "";
    charts[id] = new uPlot(opts, data, container);
    const n = measured.filter((v) => v != null).length + predicted.filter((v) => v != null).length;
    container.dataset.points = n;
    setPlotted(id.replace(/-chart$/, ""), n);
    for (const e of extra) document.body.dataset[e.key + "Points"] = e.values.filter((v) => v != null).length;
  }

  // ---- fleet ----
  async function showFleet() {
    const { body: hosts } = await getJson("hosts");
    const tbody = $("#hosts-table tbody");
    tbody.textContent = "";
    for (const h of hosts) {
      tbody.append(el("tr", {},
        el("td", {}, el("a", { href: "#host/" + encodeURIComponent(h.id) }, h.id)),
        el("td", {}, badge(h.mode)), el("td", {}, badge(h.powerState)), el("td", {}, String(h.vmCount)),
        el("td", {}, pct(h.lastMeasured)), el("td", {}, pct(h.lastPredicted)),
        el("td", {}, h.predictionMae == null ? "–" : h.predictionMae.toFixed(3)),
        el("td", { class: "reason" }, h.lastDecision ? h.lastDecision.reason : "–")));
    }
    const { body: migrations } = await getJson("migrations?limit=1000");
    const count = (f) => hosts.filter(f).length;
    const cards = $("#fleet-cards");
    cards.textContent = "";
    for (const [label, value] of [
      ["Hosts", hosts.length], ["Proactive", count((h) => h.mode === "proactive")], ["Powered down", count((h) => h.powerState === "reduced")],
      ["Migrations completed", migrations.filter((m) => m.status === "completed").length],
      ["Aborted", migrations.filter((m) => m.status === "aborted" || m.status === "failed").length],
      ["Running", migrations.filter((m) => m.status === "running").length]]) {
      cards.append(el("div", { class: "card" }, el("div", { class: "value" }, String(value)), el("div", { class: "label" }, label)));
    }
    // Fleet chart: mean over hosts of measured and predicted per period.
    const series = await Promise.all(hosts.map((h) => getJson(`hosts/${encodeURIComponent(h.id)}/series`).then((r) => r.body)));
    const byTime = new Map();
    for (const s of series) for (const p of s.points) {
      const e = byTime.get(p.periodStart) || { m: [], p: [], low: p.low, high: p.high, pro: 0, n: 0 };
      if (p.measured != null) e.m.push(p.measured);
      if (p.predicted != null) e.p.push(p.predicted);
      if (p.mode === "proactive") e.pro++;
      e.n++;
      byTime.set(p.periodStart, e);
    }
    const mean = (a) => a.length ? a.reduce((x, y) => x + y, 0) / a.length : null;
    // The q-quantile of the hosts' measured values (nearest rank): the mean alone hides a hot host.
    const quantile = (a, q) => a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.ceil(q * a.length) - 1)] : null;
    const entries = [...byTime.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    const points = entries.map(([t, e]) => ({
      periodStart: t, measured: mean(e.m), predicted: mean(e.p), low: e.low, high: e.high, mode: e.pro * 2 > e.n ? "proactive" : "reactive" }));
    const marks = migrations.map((m) => ({ at: m.createdAt, direction: "out", status: m.status }));
    drawChart("fleet-chart", points, marks, [
      { key: "fleetP90", label: "90th percentile host", stroke: "#a855f7", values: entries.map(([, e]) => quantile(e.m, 0.9)) },
      { key: "fleetMax", label: "Hottest host", stroke: "#b91c1c", width: 2, values: entries.map(([, e]) => quantile(e.m, 1)) },
    ]);
    drawHeat("fleet-heat", series, entries.map(([t]) => t));
  }

  // ---- heat strip: one row per host, one cell per period, coloured by measured workload ----
  const heatColour = (v) => {
    if (v == null) return "#f3f4f6";
    const stops = [[0, [219, 234, 254]], [0.5, [250, 204, 21]], [0.8, [234, 88, 12]], [1, [127, 29, 29]]];
    let i = 1;
    while (i < stops.length - 1 && v > stops[i][0]) i++;
    const [a, ca] = stops[i - 1], [b, cb] = stops[i];
    const t = Math.max(0, Math.min(1, (v - a) / (b - a)));
    return `rgb(${ca.map((c, k) => Math.round(c + t * (cb[k] - c))).join(",")})`;
  };
  function drawHeat(id, series, times) {
    const container = document.getElementById(id);
    container.textContent = "";
    const label = 90, row = 12, width = Math.max(320, container.clientWidth || 900) - 16;
    const cell = Math.max(1, (width - label) / Math.max(1, times.length));
    const canvas = el("canvas", { width: String(width * devicePixelRatio), height: String((series.length * row + 18) * devicePixelRatio),
      style: `width:${width}px;height:${series.length * row + 18}px` });
    const ctx = canvas.getContext("2d");
    ctx.scale(devicePixelRatio, devicePixelRatio);
    ctx.font = "10px sans-serif";
    const column = new Map(times.map((t, i) => [t, i]));
    let cells = 0, hottest = null;
    series.forEach((s, r) => {
      ctx.fillStyle = "#374151";
      ctx.fillText(s.hostId, 0, r * row + 10);
      for (const p of s.points) {
        const c = column.get(p.periodStart);
        if (c == null) continue;
        ctx.fillStyle = heatColour(p.measured);
        ctx.fillRect(label + c * cell, r * row, Math.ceil(cell), row - 1);
        if (p.measured != null) { cells++; if (!hottest || p.measured > hottest.v) hottest = { v: p.measured, host: s.hostId, t: p.periodStart }; }
      }
    });
    ctx.fillStyle = "#6b7280";
    if (times.length) { ctx.fillText(time(times[0]), label, series.length * row + 12); ctx.fillText(time(times[times.length - 1]), width - 70, series.length * row + 12); }
    container.append(canvas);
    container.dataset.cells = cells;
    document.body.dataset.heatCells = cells;
    $("#fleet-hottest").textContent = hottest ? `Hottest: ${hottest.host} at ${pct(hottest.v)} (${time(hottest.t)}).` : "";
  }

  // ---- host ----
  async function showHost(id) {
    const [{ body: detail }, { body: series }] = await Promise.all([getJson("hosts/" + encodeURIComponent(id)), getJson(`hosts/${encodeURIComponent(id)}/series`)]);
    const h = detail.host;
    $("#host-title").textContent = h.id;
    const cards = $("#host-cards");
    cards.textContent = "";
    for (const [label, value] of [["Mode", h.mode], ["Power", h.powerState], ["VMs", h.vmCount], ["Measured", pct(h.lastMeasured)],
      ["Predicted", pct(h.lastPredicted)], ["Forecast model", detail.forecastModel ?? "–"],
      ["Model error (MAE)", detail.forecastMae == null ? "–" : detail.forecastMae.toFixed(3) + (detail.lastValueMae == null ? "" : ` (last value ${detail.lastValueMae.toFixed(3)})`)],
      ["Model trained", time(detail.modelTrainedAt)]]) {
      cards.append(el("div", { class: "card" }, el("div", { class: "value" }, String(value)), el("div", { class: "label" }, label)));
    }
    drawChart("host-chart", series.points, series.migrations);
    const modes = $("#host-modes");
    modes.textContent = "";
    for (const c of series.modeChanges) modes.append(el("li", {}, `${time(c.at)}: ${c.from} \u2192 ${c.to} (${c.reason})`));
    if (!series.modeChanges.length) modes.append(el("li", { class: "muted" }, "No mode change in this range."));
    const mt = $("#host-migrations tbody");
    mt.textContent = "";
    for (const m of series.migrations) mt.append(el("tr", {}, el("td", {}, el("a", { href: "#migration/" + encodeURIComponent(m.migrationId) }, time(m.at))),
      el("td", {}, m.direction), el("td", {}, m.otherHostId ?? "–"), el("td", {}, m.vmIds.join(", ")), el("td", {}, badge(m.status))));
    const vt = $("#host-vms tbody");
    vt.textContent = "";
    for (const v of detail.vms) vt.append(el("tr", {}, el("td", {}, v.vmId), el("td", {}, v.cpu.toFixed(1)), el("td", {}, v.memoryMb.toFixed(0)), el("td", {}, v.autoMigrate ? "yes" : "no")));
  }

  // ---- migrations ----
  async function showMigrations(selected) {
    const { body: list } = await getJson("migrations?limit=200");
    const tbody = $("#migrations-table tbody");
    tbody.textContent = "";
    for (const m of list) {
      tbody.append(el("tr", { class: m.migrationId === selected ? "selected" : "" },
        el("td", {}, el("a", { href: "#migration/" + encodeURIComponent(m.migrationId) }, time(m.createdAt))),
        el("td", {}, m.kind), el("td", {}, m.sourceHostId), el("td", {}, m.destinationHostId ?? "–"), el("td", {}, m.vmIds.join(", ")),
        el("td", {}, badge(m.status)), el("td", { class: "reason" }, m.reason ?? "")));
    }
    const detail = $("#migration-detail");
    detail.textContent = "";
    if (!selected) { detail.append(el("p", { class: "muted" }, "Select a migration to see its steps.")); return; }
    const { body: d } = await getJson("migrations/" + encodeURIComponent(selected));
    detail.append(el("h3", {}, `${d.migration.migrationId}`), el("p", {}, d.outcome ?? ""));
    const steps = d.steps;
    const t0 = steps.length ? Date.parse(steps[0].startedAt) : 0;
    const t1 = steps.length ? Math.max(...steps.map((s) => Date.parse(s.completedAt ?? s.startedAt))) : 1;
    const span = Math.max(1, t1 - t0);
    const timeline = el("div", { class: "timeline" });
    for (const s of steps) {
      const start = Date.parse(s.startedAt) - t0, dur = (s.durationMs ?? 0);
      timeline.append(el("div", { class: "step" },
        el("span", { class: "step-name" }, s.name),
        el("span", { class: "step-bar-wrap" }, el("span", { class: "step-bar " + (s.outcome.startsWith("ok") || s.outcome === "completed" ? "ok" : ""),
          style: `left:${(100 * start / span).toFixed(2)}%;width:${Math.max(0.5, 100 * dur / span).toFixed(2)}%` })),
        el("span", { class: "step-time" }, `${dur.toFixed(0)} ms`), el("span", { class: "step-outcome" }, s.outcome)));
    }
    detail.append(timeline);
    detail.dataset.steps = steps.length;
  }

  // ---- settings ----
  async function showSettings() {
    const [{ body }, { body: dry }] = await Promise.all([getJson("settings"), getJson("decisions/dry-run")]);
    const { body: hosts } = await getJson("hosts");
    const first = hosts.length ? hosts[0].id : "host";
    const { body: effective } = await getJson("settings/effective?host=" + encodeURIComponent(first));
    $("#settings-etag").textContent = "version " + body.eTag;
    const root = $("#settings-body");
    root.textContent = "";
    const show = (v) => v == null ? "–" : typeof v === "object" ? (v.low != null ? `${v.low} \u2013 ${v.high}` : JSON.stringify(v)) : String(v);
    root.append(el("h3", {}, `Effective settings (${first}, today's day category)`));
    const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Setting"), el("th", {}, "Value"))));
    const tb = el("tbody");
    for (const [k, v] of Object.entries(effective.host || {})) tb.append(el("tr", {}, el("td", {}, k), el("td", {}, show(v))));
    table.append(tb);
    root.append(table);
    root.append(el("h3", {}, "Stored overrides by scope"));
    root.append(el("pre", {}, JSON.stringify(body.document, null, 2)));
    root.append(el("p", { class: "muted" }, "Scopes: " + (body.scopes || []).map((s) => "/api/settings/" + s).join(", ")));
    const button = el("button", { onclick: async () => {
      const r = await fetch(api("decisions/dry-run"), { method: "PUT", headers: { ...authHeaders(), "Content-Type": "application/json" }, body: JSON.stringify({ enabled: !dry.enabled }) });
      if (!r.ok) alert("Not changed: " + (await r.text())); else showSettings();
    } }, dry.enabled ? "Turn dry-run off" : "Turn dry-run on");
    root.append(el("p", {}, `Dry-run is ${dry.enabled ? "on (decisions are recorded, nothing moves)" : "off"}. `, button,
      el("span", { class: "muted" }, sessionStorage.getItem("prescient-token") ? "" : "  (changes need the token in the dashboard link printed by prescient up)")));
  }

  // ---- dead letters ----
  async function showDeadLetters(selected) {
    const reason = $("#dl-reason").value, host = $("#dl-host").value.trim();
    const query = new URLSearchParams({ limit: "200" });
    if (reason) query.set("reason", reason);
    if (host) query.set("host", host);
    const { body } = await getJson("deadletters?" + query);
    $("#dl-range").textContent = `${time(body.from)} to ${time(body.to)} (pipeline clock)`;
    const cards = $("#dl-cards");
    cards.textContent = "";
    cards.append(el("div", { class: "card" }, el("div", { class: "value" }, String(body.total)), el("div", { class: "label" }, "Rejected items")));
    for (const c of body.byReason) {
      cards.append(el("div", { class: "card" }, el("div", { class: "value" }, String(c.samples)), el("div", { class: "label" }, `${c.reason} (${c.rows} rows)`)));
    }
    const select = $("#dl-reason");
    const known = new Set([...select.options].map((o) => o.value));
    for (const c of body.byReason) if (!known.has(c.reason)) select.append(el("option", { value: c.reason }, c.reason));
    const tbody = $("#dl-table tbody");
    tbody.textContent = "";
    for (const d of body.deadLetters) {
      tbody.append(el("tr", { class: d.id === selected ? "selected" : "" },
        el("td", {}, el("a", { href: "#deadletters/" + encodeURIComponent(d.id) }, time(d.recordedAt))),
        el("td", {}, badge(d.reason)), el("td", {}, d.hostId ?? "–"), el("td", {}, String(d.count)),
        el("td", { class: "reason" }, d.detail), el("td", { class: "reason" }, `${d.source} ${d.originId}`)));
    }
    if (!body.deadLetters.length) tbody.append(el("tr", {}, el("td", { colspan: "6", class: "muted" }, "No dead letters in this range.")));
    document.body.dataset.deadLetters = body.deadLetters.length;
    const detail = $("#dl-detail");
    detail.textContent = "";
    if (selected) {
      const { body: d } = await getJson("deadletters/" + encodeURIComponent(selected));
      detail.append(el("h3", {}, `${d.deadLetter.reason}: ${d.deadLetter.count} from ${d.deadLetter.source} ${d.deadLetter.originId}`),
        el("p", {}, d.deadLetter.detail),
        el("pre", {}, d.payloadEncoding === "base64" ? `(base64) ${d.payload}` : d.payload),
        el("p", { class: "muted" }, `${d.deadLetter.payloadBytes} bytes${d.deadLetter.truncated ? ", truncated to 8 KiB" : ""}.`));
    }
  }
  for (const id of ["dl-reason", "dl-host"]) document.getElementById(id).addEventListener("change", () => { location.hash = "#deadletters"; route(); });

  // ---- routing ----
  async function route() {
    const [view, arg] = (location.hash.replace(/^#/, "") || "fleet").split("/");
    for (const s of document.querySelectorAll(".view")) s.hidden = true;
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === view || (view === "migration" && a.dataset.view === "migrations"));
    try {
      if (view === "host") { $("#view-host").hidden = false; await showHost(decodeURIComponent(arg)); }
      else if (view === "migrations" || view === "migration") { $("#view-migrations").hidden = false; await showMigrations(arg && decodeURIComponent(arg)); }
      else if (view === "settings") { $("#view-settings").hidden = false; await showSettings(); }
      else if (view === "deadletters") { $("#view-deadletters").hidden = false; await showDeadLetters(arg && decodeURIComponent(arg)); }
      else { $("#view-fleet").hidden = false; await showFleet(); }
      if (pipelineClock) {
        const d = new Date(pipelineClock);
        $("#clock").textContent = "pipeline clock " + d.toUTCString().slice(0, 22) + " UTC";
        document.body.dataset.clock = pipelineClock;
      }
      document.body.dataset.ready = "true";
    } catch (e) {
      $("#clock").textContent = "API error: " + e.message;
    }
  }
  window.addEventListener("hashchange", route);
  route();
  setInterval(() => { if (!location.hash.startsWith("#migration/")) route(); }, 10000);
})();
