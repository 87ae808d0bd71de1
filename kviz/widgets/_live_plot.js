// kviz LivePlot: the browser side of kviz.widgets.LivePlot (an anywidget ES module).
// Plain DOM and SVG, no dependencies. Python sends the new points of each update as one binary
// "points" message (series headers + float32 x/y values) and stores the whole log in the
// `data_header`/`data_blob` traits at every epoch end; this file keeps the points per view and
// moves the existing SVG polylines in place (nothing is cleared and redrawn, so no flicker).

const SVG_NS = "http://www.w3.org/2000/svg";
const TRAIN = "#1f77b4";
const VAL = "#ff7f0e";
const PW = 330; // panel size (px)
const PH = 210;
const M = { l: 48, r: 10, t: 22, b: 28 };
const MAX_DRAWN = 1500; // points drawn per polyline (longer series are thinned)

const STYLE = `
.kviz-lp { font: 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #212121; }
.kviz-lp-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 2px 0 6px; }
.kviz-lp-title { font-weight: 600; }
.kviz-lp-bar { position: relative; width: 260px; height: 10px; background: #e0e0e0; border-radius: 5px; overflow: hidden; }
.kviz-lp-fill { position: absolute; left: 0; top: 0; bottom: 0; background: #43a047; width: 0; transition: width 0.2s linear; }
.kviz-lp-epochfill { position: absolute; left: 0; bottom: 0; height: 3px; background: #1b5e20; width: 0; }
.kviz-lp-text { color: #424242; font-variant-numeric: tabular-nums; }
.kviz-lp-panels, .kviz-lp-extra { display: flex; flex-wrap: wrap; gap: 8px; }
.kviz-lp-panel { border: 1px solid #e0e0e0; border-radius: 4px; background: #fff; }
.kviz-lp-panel text { font-size: 10px; fill: #424242; }
.kviz-lp-panel .kviz-lp-ptitle { font-size: 12px; font-weight: 600; fill: #212121; }
.kviz-lp-toggles label { margin-right: 8px; cursor: pointer; }
.kviz-lp-warn { color: #b71c1c; margin: 4px 0; }
.kviz-lp-card { border: 1px solid #e0e0e0; border-radius: 4px; padding: 4px 6px; background: #fff; }
.kviz-lp-card .kviz-lp-cap { color: #616161; font-size: 11px; }
.kviz-lp-card.kviz-lp-bad { border-color: #e57373; }
.kviz-lp-final { max-width: 100%; }
.kviz-lp a.kviz-lp-download { font-size: 11px; }
`;

function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function s(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function fmtTime(sec) {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return "?";
  sec = Math.max(0, Math.round(sec));
  if (sec < 60) return sec + "s";
  const hrs = Math.floor(sec / 3600);
  const min = Math.floor((sec % 3600) / 60);
  const ss = String(sec % 60).padStart(2, "0");
  return hrs ? `${hrs}:${String(min).padStart(2, "0")}:${ss}` : `${min}:${ss}`;
}

function toFloat32(b) {
  if (!b) return new Float32Array(0);
  if (b instanceof ArrayBuffer) return new Float32Array(b.slice(0));
  if (ArrayBuffer.isView(b)) {
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  return new Float32Array(0);
}

// ------------------------------------------------------------------------- the point store
function newStore() {
  return { batch: new Map(), epoch: new Map() };
}

function seriesOf(store, kind, key) {
  let ser = store[kind].get(key);
  if (!ser) {
    ser = { x: [], y: [] };
    store[kind].set(key, ser);
  }
  return ser;
}

// Append the points of one message; `start` says where they go, so overlaps are replaced and a
// gap (points lost before this view listened) is filled with NaN until the next checkpoint.
function applyPoints(store, header, buffer) {
  const f = toFloat32(buffer);
  let pos = 0;
  for (const it of header || []) {
    const ser = seriesOf(store, it.kind, it.key);
    const n = it.n;
    while (ser.x.length < it.start) {
      ser.x.push(NaN);
      ser.y.push(NaN);
    }
    ser.x.length = it.start;
    ser.y.length = it.start;
    for (let i = 0; i < n; i++) {
      ser.x.push(f[pos + i]);
      ser.y.push(f[pos + n + i]);
    }
    pos += 2 * n;
  }
}

// The checkpoint holds every point up to the last epoch end: it replaces what it covers.
function applyCheckpoint(store, header, buffer) {
  const f = toFloat32(buffer);
  let pos = 0;
  for (const it of header || []) {
    const ser = seriesOf(store, it.kind, it.key);
    const n = it.n;
    const x = Array.from(f.subarray(pos, pos + n));
    const y = Array.from(f.subarray(pos + n, pos + 2 * n));
    ser.x = x.concat(ser.x.slice(n));
    ser.y = y.concat(ser.y.slice(n));
    pos += 2 * n;
  }
}

function countPoints(map) {
  let n = 0;
  for (const ser of map.values()) for (const x of ser.x) if (Number.isFinite(x)) n++;
  return n;
}

// ------------------------------------------------------------------------- one metric panel
function makePanel(container) {
  const svg = s("svg", { width: PW, height: PH, class: "kviz-lp-panel" });
  const grid = s("g", { class: "kviz-lp-grid" }, svg);
  const title = s("text", { x: M.l, y: 15, class: "kviz-lp-ptitle" }, svg);
  const legend = s("g", {}, svg);
  s("rect", { x: M.l, y: M.t, width: PW - M.l - M.r, height: PH - M.t - M.b, fill: "none", stroke: "#bdbdbd" }, svg);
  const lines = {
    trainBatch: s("polyline", { fill: "none", stroke: TRAIN, "stroke-width": 1, "stroke-opacity": 0.45, class: "kviz-lp-train-batch" }, svg),
    valBatch: s("polyline", { fill: "none", stroke: VAL, "stroke-width": 1, "stroke-opacity": 0.45, class: "kviz-lp-val-batch" }, svg),
    trainEpoch: s("polyline", { fill: "none", stroke: TRAIN, "stroke-width": 2, class: "kviz-lp-train-epoch" }, svg),
    valEpoch: s("polyline", { fill: "none", stroke: VAL, "stroke-width": 2, class: "kviz-lp-val-epoch" }, svg),
  };
  const dots = s("g", { class: "kviz-lp-dots" }, svg);
  const xlabel = s("text", { x: PW - M.r, y: PH - 4, "text-anchor": "end" }, svg);
  xlabel.textContent = "epoch";
  const li = [
    [TRAIN, "train"],
    [VAL, "val"],
  ];
  li.forEach(([c, name], i) => {
    const x0 = PW - M.r - 110 + i * 55;
    s("line", { x1: x0, x2: x0 + 14, y1: 11, y2: 11, stroke: c, "stroke-width": 2 }, legend);
    const t = s("text", { x: x0 + 17, y: 14 }, legend);
    t.textContent = name;
  });
  container.append(svg);
  return { svg, grid, title, lines, dots, legend, ticks: [] };
}

function thin(xs, ys) {
  const n = xs.length;
  const step = n > MAX_DRAWN ? Math.ceil(n / MAX_DRAWN) : 1;
  const out = [];
  for (let i = 0; i < n; i += step) out.push(i);
  if (n && out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

function pointsAttr(ser, sx, sy) {
  if (!ser) return "";
  const parts = [];
  for (const i of thin(ser.x, ser.y)) {
    const x = ser.x[i];
    const y = ser.y[i];
    if (Number.isFinite(x) && Number.isFinite(y)) parts.push(sx(x).toFixed(1) + "," + sy(y).toFixed(1));
  }
  return parts.join(" ");
}

// A tick label with just enough decimals for the tick step (0.05 -> "1.15", not "1.1").
function fmtTick(v, step) {
  step = Number(step.toPrecision(6)); // 0.04999999 -> 0.05
  if (!(step > 0) || Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3 && step < 1e-3)) return fmt(v);
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (String(step / Math.pow(10, Math.floor(Math.log10(step)))).includes(".") ? 1 : 0)));
  return v.toFixed(decimals);
}

function niceTicks(lo, hi, n) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => span / st <= n) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function drawPanel(p, panel, store, xmax, xmin) {
  const get = (kind, key) => (key ? store[kind].get(key) : null);
  const series = {
    trainBatch: get("batch", panel.train),
    valBatch: get("batch", panel.val),
    trainEpoch: get("epoch", panel.train),
    valEpoch: get("epoch", panel.val),
  };
  let lo = Infinity;
  let hi = -Infinity;
  let xhi = xmax;
  for (const ser of Object.values(series)) {
    if (!ser) continue;
    for (let i = 0; i < ser.y.length; i++) {
      const y = ser.y[i];
      if (Number.isFinite(y)) {
        if (y < lo) lo = y;
        if (y > hi) hi = y;
      }
      if (Number.isFinite(ser.x[i]) && ser.x[i] > xhi) xhi = ser.x[i];
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.06;
    lo -= pad;
    hi += pad;
  }
  const x0 = xmin;
  const x1 = Math.max(xhi, x0 + 1);
  const W = PW - M.l - M.r;
  const H = PH - M.t - M.b;
  const sx = (x) => M.l + ((x - x0) / (x1 - x0)) * W;
  const sy = (y) => M.t + H - ((y - lo) / (hi - lo)) * H;
  p.title.textContent = panel.title;
  p.legend.style.display = panel.val ? "" : "none";
  for (const [name, line] of Object.entries(p.lines)) line.setAttribute("points", pointsAttr(series[name], sx, sy));
  // epoch dots: reuse circles
  const dots = [];
  for (const [ser, color] of [
    [series.trainEpoch, TRAIN],
    [series.valEpoch, VAL],
  ]) {
    if (!ser) continue;
    for (let i = 0; i < ser.x.length; i++) {
      if (Number.isFinite(ser.x[i]) && Number.isFinite(ser.y[i])) dots.push([sx(ser.x[i]), sy(ser.y[i]), color]);
    }
  }
  while (p.dots.childNodes.length < dots.length) s("circle", { r: 2.6 }, p.dots);
  while (p.dots.childNodes.length > dots.length) p.dots.lastChild.remove();
  dots.forEach(([cx, cy, c], i) => {
    const el = p.dots.childNodes[i];
    el.setAttribute("cx", cx.toFixed(1));
    el.setAttribute("cy", cy.toFixed(1));
    el.setAttribute("fill", c);
  });
  // grid and tick labels (a handful of elements, rewritten in place)
  const yt = niceTicks(lo, hi, 4).map((v) => ["y", v]);
  const xt = niceTicks(x0, x1, 6)
    .filter((v) => Math.abs(v - Math.round(v)) < 1e-9)
    .map((v) => ["x", v]);
  const ticks = yt.concat(xt);
  while (p.ticks.length < ticks.length) {
    const g = s("g", {}, p.grid);
    p.ticks.push({ g, line: s("line", { stroke: "#eeeeee" }, g), text: s("text", {}, g) });
  }
  p.ticks.forEach((tk, i) => {
    if (i >= ticks.length) {
      tk.g.style.display = "none";
      return;
    }
    tk.g.style.display = "";
    const [axis, v] = ticks[i];
    if (axis === "y") {
      const y = sy(v).toFixed(1);
      Object.entries({ x1: M.l, x2: PW - M.r, y1: y, y2: y }).forEach(([k, val]) => tk.line.setAttribute(k, val));
      Object.entries({ x: M.l - 4, y: Number(y) + 3, "text-anchor": "end" }).forEach(([k, val]) => tk.text.setAttribute(k, val));
      tk.text.textContent = fmtTick(v, yt.length > 1 ? yt[1][1] - yt[0][1] : 0);
    } else {
      const x = sx(v).toFixed(1);
      Object.entries({ x1: x, x2: x, y1: M.t, y2: PH - M.b }).forEach(([k, val]) => tk.line.setAttribute(k, val));
      Object.entries({ x: x, y: PH - M.b + 12, "text-anchor": "middle" }).forEach(([k, val]) => tk.text.setAttribute(k, val));
      tk.text.textContent = String(v);
    }
  });
}

// ------------------------------------------------------------------------- extra panels
function drawConfusion(box, conf) {
  const matrix = conf.matrix || [];
  const n = matrix.length;
  const labels = conf.labels || [];
  const cell = Math.max(14, Math.min(34, Math.floor(230 / Math.max(n, 1))));
  const off = 40;
  const size = off + n * cell + 6;
  let svg = box.querySelector("svg.kviz-lp-confusion");
  if (!svg || Number(svg.dataset.n) !== n) {
    box.replaceChildren(h("div", { class: "kviz-lp-cap", text: "" }));
    svg = s("svg", { class: "kviz-lp-confusion", width: Math.max(size, 190), height: size + 14 });
    svg.dataset.n = String(n);
    for (let i = 0; i < n; i++) {
      const ty = s("text", { x: off - 4, y: off + i * cell + cell / 2 + 3, "text-anchor": "end", "font-size": 9 }, svg);
      ty.textContent = labels[i] ?? String(i);
      const tx = s("text", { x: off + i * cell + cell / 2, y: off - 4, "text-anchor": "middle", "font-size": 9 }, svg);
      tx.textContent = labels[i] ?? String(i);
      for (let j = 0; j < n; j++) {
        const g = s("g", { class: "kviz-lp-cell", "data-i": i, "data-j": j }, svg);
        s("rect", { x: off + j * cell, y: off + i * cell, width: cell - 1, height: cell - 1 }, g);
        s("text", { x: off + j * cell + cell / 2, y: off + i * cell + cell / 2 + 3, "text-anchor": "middle", "font-size": cell > 22 ? 9 : 7 }, g);
      }
    }
    const t1 = s("text", { x: 2, y: 12, "font-size": 10 }, svg);
    t1.textContent = "rows: true \u00b7 columns: predicted";
    box.append(svg);
  }
  box.firstChild.textContent = `confusion matrix (validation), epoch ${conf.epoch + 1}`;
  for (let i = 0; i < n; i++) {
    const row = matrix[i];
    const total = row.reduce((a, b) => a + b, 0) || 1;
    for (let j = 0; j < n; j++) {
      const g = svg.querySelector(`g.kviz-lp-cell[data-i="${i}"][data-j="${j}"]`);
      const frac = row[j] / total;
      const good = i === j;
      const alpha = (0.08 + 0.92 * frac).toFixed(3);
      g.firstChild.setAttribute("fill", good ? `rgba(30,136,229,${alpha})` : `rgba(229,57,53,${alpha})`);
      g.lastChild.textContent = String(row[j]);
      g.lastChild.setAttribute("fill", frac > 0.6 ? "#fff" : "#212121");
    }
  }
}

function stairs(hist, sx, sy) {
  const e = hist.edges;
  const c = hist.counts;
  const pts = [];
  for (let i = 0; i < c.length; i++) {
    pts.push(`${sx(e[i]).toFixed(1)},${sy(c[i]).toFixed(1)}`);
    pts.push(`${sx(e[i + 1]).toFixed(1)},${sy(c[i]).toFixed(1)}`);
  }
  return pts.join(" ");
}

function drawHistSvg(svg, hists, color) {
  const W = 200;
  const H = 80;
  let lo = Infinity;
  let hi = -Infinity;
  let top = 1;
  for (const hh of hists) {
    lo = Math.min(lo, hh.edges[0]);
    hi = Math.max(hi, hh.edges[hh.edges.length - 1]);
    top = Math.max(top, ...hh.counts);
  }
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const sx = (x) => 4 + ((x - lo) / (hi - lo)) * (W - 8);
  const sy = (y) => H - 14 - (y / top) * (H - 20);
  while (svg.querySelectorAll("polyline").length < hists.length) s("polyline", { fill: "none", stroke: color }, svg);
  const lines = svg.querySelectorAll("polyline");
  lines.forEach((ln, i) => {
    if (i >= hists.length) {
      ln.setAttribute("points", "");
      return;
    }
    ln.setAttribute("points", stairs(hists[i], sx, sy));
    const age = hists.length - 1 - i;
    ln.setAttribute("stroke-opacity", String(Math.max(0.12, 1 - age * 0.18)));
    ln.setAttribute("stroke-width", age === 0 ? "1.6" : "1");
  });
  let lab = svg.querySelector("text");
  if (!lab) lab = s("text", { x: 4, y: H - 2, "font-size": 9 }, svg);
  lab.textContent = `${fmt(lo)} \u2026 ${fmt(hi)}`;
}

function drawHistograms(box, payload, warnings) {
  const layers = payload.layers || [];
  const warnBox = box.querySelector(".kviz-lp-warnings") || box.appendChild(h("div", { class: "kviz-lp-warnings" }));
  warnBox.replaceChildren(...(warnings || []).map((w) => h("div", { class: "kviz-lp-warn", "data-kind": w.kind, text: "\u26a0 " + w.message })));
  const grid = box.querySelector(".kviz-lp-hgrid") || box.appendChild(h("div", { class: "kviz-lp-extra kviz-lp-hgrid" }));
  const bad = new Set((warnings || []).map((w) => w.layer));
  for (const layer of layers) {
    let card = grid.querySelector(`[data-layer="${CSS.escape(layer.layer)}"]`);
    if (!card) {
      card = h("div", { class: "kviz-lp-card", "data-layer": layer.layer }, [
        h("div", { text: `${layer.layer} (${layer.weight})` }),
        h("div", { class: "kviz-lp-cap", text: "weights" }),
      ]);
      card.append(s("svg", { width: 200, height: 80, class: "kviz-lp-hw" }));
      card.append(h("div", { class: "kviz-lp-cap", text: "gradients" }));
      card.append(s("svg", { width: 200, height: 80, class: "kviz-lp-hg" }));
      card.append(h("div", { class: "kviz-lp-cap kviz-lp-stats" }));
      grid.append(card);
    }
    card.classList.toggle("kviz-lp-bad", bad.has(layer.layer));
    drawHistSvg(card.querySelector("svg.kviz-lp-hw"), layer.weights, TRAIN);
    drawHistSvg(card.querySelector("svg.kviz-lp-hg"), layer.gradients, "#8e24aa");
    const norm = layer.grad_norm[layer.grad_norm.length - 1];
    const dead = layer.dead_relu[layer.dead_relu.length - 1];
    card.querySelector(".kviz-lp-stats").textContent =
      `grad norm ${fmt(norm)}` + (dead === null || dead === undefined ? "" : ` \u00b7 dead ReLU ${Math.round(dead * 100)}%`) + ` \u00b7 ${layer.weights.length} epoch(s)`;
  }
}

// ------------------------------------------------------------------------- the view
function render({ model, el }) {
  const root = h("div", { class: "kviz-lp" });
  root.append(h("style", { text: STYLE }));
  const title = h("span", { class: "kviz-lp-title" });
  const fill = h("div", { class: "kviz-lp-fill" });
  const efill = h("div", { class: "kviz-lp-epochfill" });
  const bar = h("div", { class: "kviz-lp-bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, [fill, efill]);
  const text = h("span", { class: "kviz-lp-text" });
  const toggles = h("span", { class: "kviz-lp-toggles" });
  const download = h("a", { class: "kviz-lp-download", download: "training.png", text: "save PNG" });
  download.style.display = "none";
  root.append(h("div", { class: "kviz-lp-head" }, [title, bar, text, toggles, download]));
  const panelsBox = h("div", { class: "kviz-lp-panels" });
  const confBox = h("div", { class: "kviz-lp-card kviz-lp-confusion-box" });
  const histBox = h("div", { class: "kviz-lp-histograms" });
  const extra = h("div", { class: "kviz-lp-extra" }, [confBox, histBox]);
  const finalImg = h("img", { class: "kviz-lp-final", alt: "training curves" });
  finalImg.style.display = "none";
  root.append(panelsBox, extra, finalImg);
  el.replaceChildren(root);

  const store = newStore();
  applyCheckpoint(store, model.get("data_header"), model.get("data_blob"));
  const drawn = new Map(); // panel title -> panel elements
  const hidden = new Set(); // extra panels switched off in this view

  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    const run = () => {
      queued = false;
      draw();
    };
    if (typeof requestAnimationFrame === "function" && !document.hidden) requestAnimationFrame(run);
    else setTimeout(run, 0);
  };

  function drawToggles() {
    const show = model.get("show") || [];
    if (toggles.dataset.show === show.join(",")) return;
    toggles.dataset.show = show.join(",");
    toggles.replaceChildren(
      ...show.map((name) => {
        const box = h("input", { type: "checkbox", "data-panel": name });
        box.checked = !hidden.has(name);
        box.addEventListener("change", () => {
          if (box.checked) hidden.delete(name);
          else hidden.add(name);
          schedule();
        });
        return h("label", {}, [box, document.createTextNode(" " + (name === "confusion" ? "confusion matrix" : "histograms"))]);
      }),
    );
  }

  function draw() {
    const panels = model.get("panels") || [];
    const prog = model.get("progress") || {};
    const status = model.get("status");
    title.textContent = model.get("title") || "";
    const epochs = prog.epochs || 1;
    const pct = Math.round(100 * (prog.fraction ?? 0));
    fill.style.width = pct + "%";
    efill.style.width = Math.round(100 * (prog.epoch_fraction ?? 0)) + "%";
    bar.setAttribute("aria-valuenow", String(pct));
    if (status === "done") {
      const run = prog.epochs_run ?? epochs;
      const early = prog.stopped_early ? ` (stopped early; ${prog.planned} planned)` : "";
      text.textContent = `done: ${run} epoch(s) in ${fmtTime(prog.elapsed)}${early}`;
    } else if (prog.text) {
      const step = prog.steps ? `${prog.step}/${prog.steps}` : `${prog.step} batches`;
      text.textContent = `Epoch ${prog.epoch + 1}/${epochs} \u00b7 ${step} \u00b7 ETA ${fmtTime(prog.epoch_eta)} (fit ${fmtTime(prog.eta)})`;
    } else {
      text.textContent = "waiting for fit\u2026";
    }
    let xmin = Infinity;
    for (const m of [store.batch, store.epoch]) for (const ser of m.values()) for (const x of ser.x) if (Number.isFinite(x)) xmin = Math.min(xmin, Math.floor(x - 1e-6));
    if (!Number.isFinite(xmin)) xmin = 0;
    const xmax = Math.max(epochs, 1);
    const titles = new Set(panels.map((p) => p.title));
    for (const [t, p] of drawn) {
      if (!titles.has(t)) {
        p.svg.remove();
        drawn.delete(t);
      }
    }
    for (const panel of panels) {
      let p = drawn.get(panel.title);
      if (!p) {
        p = makePanel(panelsBox);
        p.svg.dataset.panel = panel.title;
        drawn.set(panel.title, p);
      }
      drawPanel(p, panel, store, xmax, xmin);
    }
    drawToggles();
    const conf = model.get("confusion") || {};
    confBox.style.display = conf.matrix && !hidden.has("confusion") ? "" : "none";
    if (conf.matrix) drawConfusion(confBox, conf);
    const hist = model.get("histograms") || {};
    histBox.style.display = hist.layers && !hidden.has("histograms") ? "" : "none";
    if (hist.layers) drawHistograms(histBox, hist, model.get("warnings") || []);
    const png = model.get("final_png");
    const nb = countPoints(store.batch);
    const ne = countPoints(store.epoch);
    if (png) {
      download.href = "data:image/png;base64," + png;
      download.style.display = "";
      finalImg.src = download.href;
    }
    // no live points (a saved state without data): show the final image instead
    finalImg.style.display = png && nb + ne === 0 ? "" : "none";
    root.dataset.status = status;
    root.dataset.batchPoints = String(nb);
    root.dataset.epochPoints = String(ne);
    root.dataset.panels = panels.map((p) => p.title).join(",");
    root.dataset.final = png ? "1" : "0";
  }

  const onMsg = (msg, buffers) => {
    if (msg && msg.type === "points") {
      applyPoints(store, msg.series, buffers && buffers[0]);
      schedule();
    }
  };
  const onCheckpoint = () => {
    applyCheckpoint(store, model.get("data_header"), model.get("data_blob"));
    schedule();
  };
  model.on("msg:custom", onMsg);
  model.on("change:data_blob", onCheckpoint);
  const traits = ["panels", "progress", "status", "confusion", "histograms", "warnings", "final_png", "show", "title"];
  for (const tr of traits) model.on("change:" + tr, schedule);
  draw();
  return () => {
    model.off("msg:custom", onMsg);
    model.off("change:data_blob", onCheckpoint);
    for (const tr of traits) model.off("change:" + tr, schedule);
  };
}

export default { render };
