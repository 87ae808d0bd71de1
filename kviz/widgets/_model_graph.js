// kviz ModelGraph: the browser side of kviz.widgets.ModelGraph (an anywidget ES module).
// Plain DOM, SVG and pointer events; no dependencies. Python computes everything (the SVG
// drawing, node boxes, the details of the selected node); this file draws it, pans and zooms,
// and reports clicks through the `selected` and `expanded` traits.

const SVG_NS = "http://www.w3.org/2000/svg";
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 8;
const CLICK_SLOP = 4; // pixels a pointer may move and still count as a click

function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function fmtShape(shape) {
  if (shape === null || shape === undefined) return "?";
  if (typeof shape === "string") return shape;
  if (Array.isArray(shape) && shape.every((d) => d === null || typeof d === "number")) {
    const dims = shape.map((d) => (d === null ? "None" : String(d)));
    return "(" + dims.join(", ") + (dims.length === 1 ? ",)" : ")");
  }
  if (Array.isArray(shape)) return "[" + shape.map(fmtShape).join(", ") + "]";
  return JSON.stringify(shape);
}

function fmtNum(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

function parseSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.nodeName !== "svg") return null;
  return document.importNode(root, true);
}

function render({ model, el }) {
  el.classList.add("kviz-mg");
  const title = h("span", { class: "kviz-mg-title" });
  const button = (act, label, tip) =>
    h("button", { type: "button", class: "kviz-mg-btn", "data-act": act, title: tip, text: label });
  const toolbar = h("div", { class: "kviz-mg-toolbar" }, [
    title,
    button("zoom-in", "+", "Zoom in"),
    button("zoom-out", "\u2212", "Zoom out"),
    button("fit", "Fit", "Fit the diagram (reset the zoom)"),
    button("expand-all", "Expand all", "Open every nested model"),
    button("collapse-all", "Collapse all", "Close every nested model"),
  ]);
  const banner = h("div", { class: "kviz-mg-banner", role: "alert" });
  const canvas = document.createElementNS(SVG_NS, "svg");
  canvas.setAttribute("class", "kviz-mg-canvas");
  const viewport = document.createElementNS(SVG_NS, "g");
  viewport.setAttribute("class", "kviz-mg-viewport");
  canvas.append(viewport);
  const stage = h("div", { class: "kviz-mg-stage" }, [canvas]);
  const panel = h("div", { class: "kviz-mg-details" });
  el.replaceChildren(toolbar, banner, h("div", { class: "kviz-mg-body" }, [stage, panel]));

  let view = { k: 1, x: 0, y: 0 };
  let touched = false; // the user moved or zoomed: keep the view across redraws
  let diagram = null; // the <svg> from Python inside the viewport

  const apply = () => {
    viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  };
  const stageSize = () => ({ w: stage.clientWidth || 600, h: stage.clientHeight || 300 });
  const diagramSize = () => {
    const s = model.get("size") || {};
    const scale = s.scale || 1;
    return { w: (s.width || 1) * scale, h: (s.height || 1) * scale };
  };
  const fit = () => {
    const st = stageSize();
    const d = diagramSize();
    const k = Math.min(1.25, (st.w - 16) / d.w, (st.h - 16) / d.h);
    view.k = Math.max(MIN_ZOOM, k);
    view.x = (st.w - d.w * view.k) / 2;
    view.y = Math.max(8, (st.h - d.h * view.k) / 2);
    apply();
  };
  const zoomAt = (factor, px, py) => {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
    const f = k / view.k;
    view = { k, x: px - (px - view.x) * f, y: py - (py - view.y) * f };
    touched = true;
    apply();
  };
  const layoutHeight = () => {
    const wanted = model.get("height");
    const d = diagramSize();
    stage.style.height = (wanted > 0 ? wanted : Math.max(220, Math.min(560, d.h + 24))) + "px";
  };

  const markSelected = () => {
    const id = model.get("selected");
    for (const g of viewport.querySelectorAll("g.node, g.cluster")) {
      g.classList.toggle("kviz-mg-selected", g.getAttribute("data-id") === id);
    }
  };

  const setExpanded = (ids) => {
    model.set("expanded", ids);
    model.save_changes();
  };
  const toggle = (id) => {
    const open = model.get("expanded") || [];
    setExpanded(open.includes(id) ? open.filter((i) => i !== id) : [...open, id]);
  };

  const drawBadges = () => {
    // a "+" on each closed nested model, a "−" on each open one (in diagram points)
    if (!diagram) return;
    const open = model.get("expanded") || [];
    const add = (id, x, y, sign) => {
      const g = document.createElementNS(SVG_NS, "g");
      g.setAttribute("class", "kviz-mg-toggle");
      g.setAttribute("data-toggle", id);
      const r = document.createElementNS(SVG_NS, "rect");
      for (const [k, v] of Object.entries({ x: x - 7, y: y - 7, width: 14, height: 14, rx: 3 }))
        r.setAttribute(k, v);
      const t = document.createElementNS(SVG_NS, "text");
      t.setAttribute("x", x);
      t.setAttribute("y", y + 4);
      t.setAttribute("text-anchor", "middle");
      t.textContent = sign;
      const tip = document.createElementNS(SVG_NS, "title");
      tip.textContent = (sign === "+" ? "Expand " : "Collapse ") + id;
      g.append(tip, r, t);
      diagram.append(g);
    };
    for (const n of model.get("nodes") || []) {
      if (n.expandable && !open.includes(n.id)) add(n.id, n.x + n.w, n.y, "+");
    }
    for (const c of model.get("clusters") || []) add(c.id, c.x + c.w, c.y, "\u2212");
  };

  const drawDiagram = () => {
    viewport.replaceChildren();
    diagram = parseSvg(model.get("svg") || "");
    if (diagram) {
      const d = diagramSize();
      diagram.setAttribute("width", d.w);
      diagram.setAttribute("height", d.h);
      diagram.setAttribute("overflow", "visible");
      viewport.append(diagram);
      drawBadges();
    }
    title.textContent = model.get("title") || "";
    const err = model.get("error") || {};
    banner.textContent = err.node
      ? `This model cannot be built: layer '${err.node}' fails (${err.type}). ` +
        "It is highlighted in red; its details explain why."
      : "";
    banner.hidden = !err.node;
    for (const g of viewport.querySelectorAll('g.node[data-status="error"]')) {
      g.classList.add("kviz-mg-failed");
    }
    const anyNested = (model.get("expandable") || []).length > 0;
    for (const act of ["expand-all", "collapse-all"]) {
      toolbar.querySelector(`[data-act="${act}"]`).hidden = !anyNested;
    }
    layoutHeight();
    if (!touched) fit();
    else apply();
    markSelected();
  };

  // ------------------------------------------------------------------ details panel
  const section = (label, body) =>
    h("div", { class: "kviz-mg-section" }, [h("div", { class: "kviz-mg-label", text: label }), body]);
  const row = (k, v) => h("tr", {}, [h("th", { text: k }), h("td", { text: v })]);
  const inlineSvg = (text) => {
    const span = h("span", { class: "kviz-mg-hist" });
    const node = text ? parseSvg(text) : null;
    if (node) span.append(node);
    return span;
  };

  const drawDetails = () => {
    const d = model.get("details") || {};
    const selected = model.get("selected");
    panel.replaceChildren();
    if (!selected) {
      panel.append(h("p", { class: "kviz-mg-hint", text: "Click a layer to see its details." }));
      return;
    }
    if (d.id !== selected) {
      panel.append(h("p", { class: "kviz-mg-hint", text: "Loading\u2026" }));
      return;
    }
    panel.append(
      h("div", { class: "kviz-mg-head" }, [
        h("span", { class: "kviz-mg-name", text: d.name }),
        h("span", { class: "kviz-mg-class", text: d.class_name }),
      ]),
    );
    if (d.expandable) {
      const open = (model.get("expanded") || []).includes(d.id);
      const b = button("toggle", open ? "Collapse" : "Expand", "Open or close this model");
      b.classList.add("kviz-mg-toggle-btn");
      b.addEventListener("click", () => toggle(d.id));
      panel.append(b);
    }
    if (d.error) {
      panel.append(
        h("div", { class: "kviz-mg-error" }, [
          h("div", { class: "kviz-mg-label", text: `Why it fails (${d.error.type})` }),
          h("pre", { text: d.error.explanation || d.error.message }),
        ]),
      );
    } else if (d.status === "not_reached") {
      panel.append(h("p", { class: "kviz-mg-hint", text: "Not reached: an earlier layer fails." }));
    }
    const facts = h("table", { class: "kviz-mg-facts" }, [
      row("parameters", d.params.toLocaleString()),
    ]);
    if (d.trainable_params !== null && d.trainable_params !== undefined) {
      facts.append(row("trainable / frozen", `${d.trainable_params} / ${d.non_trainable_params}`));
    }
    if (d.input_shape !== null && d.kind !== "input") facts.append(row("input shape", fmtShape(d.input_shape)));
    if (d.status !== "error") facts.append(row("output shape", fmtShape(d.output_shape)));
    if (d.activation) facts.append(row("activation", d.activation));
    if (d.dtype) facts.append(row("dtype", d.dtype));
    if (d.calls > 1) facts.append(row("shared", `called ${d.calls} times`));
    panel.append(facts);

    if (d.weights && d.weights.length) {
      const list = h("div", { class: "kviz-mg-weights" });
      for (const w of d.weights) {
        const s = w.stats || {};
        list.append(
          h("div", { class: "kviz-mg-weight" }, [
            h("div", { class: "kviz-mg-wname", text: `${w.name} ${fmtShape(w.shape)}${w.trainable ? "" : " (frozen)"}` }),
            inlineSvg(w.histogram_svg),
            h("div", { class: "kviz-mg-stats", text: `mean ${fmtNum(s.mean)} \u00b7 std ${fmtNum(s.std)}` }),
          ]),
        );
      }
      panel.append(section("Weights", list));
    }
    const a = d.activations;
    if (a) {
      const s = a.stats || {};
      const img = h("img", { class: "kviz-mg-heatmap", src: a.image, alt: "activations heatmap" });
      panel.append(
        section(
          `Activations ${fmtShape(a.shape)}`,
          h("div", {}, [
            h("div", { class: "kviz-mg-stats", text: `mean ${fmtNum(s.mean)} \u00b7 std ${fmtNum(s.std)} \u00b7 min ${fmtNum(s.min)} \u00b7 max ${fmtNum(s.max)} \u00b7 zeros ${fmtNum(s.zeros === null ? null : 100 * s.zeros)}%` }),
            img,
            h("div", { class: "kviz-mg-caption", text: a.caption }),
            inlineSvg(a.histogram_svg),
          ]),
        ),
      );
    } else if (d.activations_error) {
      panel.append(h("p", { class: "kviz-mg-hint", text: d.activations_error }));
    } else if (!model.get("has_sample") && d.status === "ok") {
      panel.append(h("p", { class: "kviz-mg-hint", text: "Pass x=<a sample batch> to see activations." }));
    }
    if (d.config) {
      const cfg = h("details", { class: "kviz-mg-config" }, [
        h("summary", { text: "Config" }),
        h("pre", { text: JSON.stringify(d.config, null, 1) }),
      ]);
      panel.append(cfg);
    }
  };

  // ------------------------------------------------------------------------ events
  toolbar.addEventListener("click", (e) => {
    const act = e.target.closest("[data-act]")?.getAttribute("data-act");
    const st = stageSize();
    if (act === "zoom-in") zoomAt(1.25, st.w / 2, st.h / 2);
    else if (act === "zoom-out") zoomAt(0.8, st.w / 2, st.h / 2);
    else if (act === "fit") {
      touched = false;
      fit();
    } else if (act === "expand-all") setExpanded([...(model.get("expandable") || [])]);
    else if (act === "collapse-all") setExpanded([]);
  });

  const onWheel = (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoomAt(Math.exp(-delta * 0.0015), e.clientX - r.left, e.clientY - r.top);
  };
  canvas.addEventListener("wheel", onWheel, { passive: false });

  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { id: e.pointerId, x0: e.clientX, y0: e.clientY, vx: view.x, vy: view.y, moved: false, target: e.target };
    canvas.setPointerCapture?.(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x0;
    const dy = e.clientY - drag.y0;
    if (!drag.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
    drag.moved = true;
    canvas.classList.add("kviz-mg-dragging");
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    touched = true;
    apply();
  });
  const endDrag = (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const { moved, target } = drag;
    drag = null;
    canvas.classList.remove("kviz-mg-dragging");
    if (moved || e.type === "pointercancel") return;
    const t = target instanceof Element ? target : null;
    const badge = t?.closest("[data-toggle]");
    if (badge) return toggle(badge.getAttribute("data-toggle"));
    const hit = t?.closest("g.node, g.cluster");
    model.set("selected", hit ? hit.getAttribute("data-id") : "");
    model.save_changes();
    markSelected();
    drawDetails();
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);

  const onSvg = () => {
    drawDiagram();
    drawDetails();
  };
  const onSelected = () => {
    markSelected();
    drawDetails();
  };
  model.on("change:svg", onSvg);
  model.on("change:size", onSvg);
  model.on("change:expanded", onSvg);
  model.on("change:selected", onSelected);
  model.on("change:details", drawDetails);

  let sized = false;
  const ro = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        // the first real size (the widget may be drawn before it is attached)
        if (stage.clientWidth > 0 && (!sized || !touched)) {
          sized = true;
          if (!touched) fit();
        }
      })
    : null;
  ro?.observe(stage);

  drawDiagram();
  drawDetails();

  return () => {
    ro?.disconnect();
    canvas.removeEventListener("wheel", onWheel);
    model.off("change:svg", onSvg);
    model.off("change:size", onSvg);
    model.off("change:expanded", onSvg);
    model.off("change:selected", onSelected);
    model.off("change:details", drawDetails);
  };
}

export default { render };
