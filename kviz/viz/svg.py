"""Draw a graph description without Graphviz: standalone SVG, and PNG through matplotlib.

Both come from one :func:`scene` (boxes, text rows, edge curves, arrowheads, clusters) laid out
by :mod:`kviz.viz.layout`, so the SVG and the PNG show the same picture. Each layer is a box
with ``name: Class`` on top and, as asked, rows for the activation, dtype, input/output shapes
and trainable flag; expanded nested models are dashed clusters; a shared layer says how many
times it is called; in a partial graph the failing layer is red and carries the error.

>>> from kviz.layers import Dense, Input
>>> from kviz.models import Model
>>> from kviz.viz import graph
>>> x = Input(shape=(4,), name='x')
>>> svg = to_svg(graph(Model(x, Dense(2, name='out')(x))), show_shapes=True)
>>> svg.startswith('<svg') and svg.count('class="node"'), svg.count('class="edge"')
(2, 1)
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape, quoteattr

from kviz.viz.dot import check_rankdir, display_name_and_class, format_shape
from kviz.viz.layout import layout

FONT_FAMILY = "DejaVu Sans, Verdana, Geneva, sans-serif"
TITLE_SIZE = 11.0
ROW_SIZE = 9.5
PAD_X = 7.0
PAD_Y = 4.0
LINE = 1.35  # line height, in font sizes
MIN_WIDTH = 56.0
MAX_CHARS = 64

# DejaVu Sans advance widths (per 1000 em) for ' ' .. '~' (matplotlib's default font; browsers
# without it fall back to narrower fonts, so boxes are never too small).
_WIDTHS = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
]  # fmt: skip

STYLES = {
    "input": {"fill": "#e3f2fd", "stroke": "#1e88e5"},
    "layer": {"fill": "#f7f7f7", "stroke": "#546e7a"},
    "op": {"fill": "#fff8e1", "stroke": "#f9a825"},
    "model": {"fill": "#e8f5e9", "stroke": "#43a047"},
    "error": {"fill": "#ffebee", "stroke": "#c62828"},
    "not_reached": {"fill": "#fafafa", "stroke": "#bdbdbd"},
}
TEXT_COLOR = "#212121"
MUTED_COLOR = "#9e9e9e"
ERROR_COLOR = "#b71c1c"
EDGE_COLOR = "#455a64"
SHARED_EDGE_COLOR = "#7b1fa2"
CLUSTER_COLOR = "#757575"


def text_width(text, size, bold=False) -> float:
    """Estimated width of ``text`` at font ``size`` (DejaVu Sans metrics)."""
    total = 0
    for ch in str(text):
        code = ord(ch)
        total += _WIDTHS[code - 32] if 32 <= code < 127 else 700
    return total * size / 1000 * (1.08 if bold else 1.0)


def _clip(text, limit=MAX_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrap(text, limit=48, lines=3):
    words, out, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > limit:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _clip(out[-1], limit - 1) + ("…" if not out[-1].endswith("…") else "")
    return [_clip(x, limit) for x in out]


def node_rows(
    node,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    show_layer_activations=False,
    show_trainable=False,
):
    """The text rows of a node's box: ``[(text, kind)]`` with kind ``'title'``, ``'row'`` or
    ``'error'``."""
    name, cls = display_name_and_class(node)
    rows = [(_clip(f"{name}: {cls}" if show_layer_names else cls), "title")]
    if show_layer_activations and node.get("activation") is not None:
        rows.append((_clip(f"activation: {node['activation']}"), "row"))
    if show_dtype:
        rows.append((_clip(f"dtype: {node.get('dtype') or '?'}"), "row"))
    if show_shapes and node.get("status") != "not_reached":
        if node.get("kind") != "input":
            rows.append((_clip(f"input: {format_shape(node.get('input_shape'))}"), "row"))
        if node.get("status") != "error":
            rows.append((_clip(f"output: {format_shape(node.get('output_shape'))}"), "row"))
    if show_trainable:
        rows.append(("trainable" if node.get("trainable") else "not trainable", "row"))
    if node.get("calls", 1) > 1 and not node.get("expanded"):
        rows.append((f"shared: called {node['calls']} times", "row"))
    if node.get("status") == "error" and node.get("error"):
        explanation = node["error"].get("explanation") or node["error"].get("message", "")
        lines = [x for x in explanation.splitlines() if x.strip()]
        detail = lines[2] if len(lines) > 2 else (lines[-1] if lines else "")
        rows += [(x, "error") for x in _wrap("error: " + detail)]
    elif node.get("status") == "not_reached":
        rows.append(("not reached", "row"))
    return rows


def _row_size(kind):
    return TITLE_SIZE if kind == "title" else ROW_SIZE


def _box_size(rows):
    width = max(text_width(t, _row_size(k), k == "title") for t, k in rows) + 2 * PAD_X
    height = sum(_row_size(k) * LINE for _, k in rows) + 2 * PAD_Y
    if len(rows) > 1:
        height += 3.0  # the rule under the title
    return max(width, MIN_WIDTH), height


def _node_title(node):
    name, cls = display_name_and_class(node)
    parts = [f"{name} ({cls})"]
    if node.get("output_shape") is not None:
        parts.append(f"output shape: {format_shape(node['output_shape'])}")
    parts.append(f"params: {node.get('params', 0):,}")
    if node.get("calls", 1) > 1:
        parts.append(f"called {node['calls']} times (shared)")
    if node.get("error"):
        parts.append(node["error"].get("explanation") or node["error"].get("message", ""))
    return "\n".join(parts)


def _curve(points, rankdir):
    """Cubic segments through ``points`` with tangents along the rank axis: a list of
    ``(p0, c1, c2, p1)``."""
    vertical = rankdir in ("TB", "BT")
    segs = []
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if vertical:
            dy = (y1 - y0) / 2
            segs.append(((x0, y0), (x0, y0 + dy), (x1, y1 - dy), (x1, y1)))
        else:
            dx = (x1 - x0) / 2
            segs.append(((x0, y0), (x0 + dx, y0), (x1 - dx, y1), (x1, y1)))
    return segs


def _arrow(points, rankdir, length=7.0, half=3.5):
    """Shorten the last point by the arrowhead and return ``(points, triangle)``."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    if rankdir in ("TB", "BT"):
        ux, uy = 0.0, (1.0 if y1 >= y0 else -1.0)
    else:
        ux, uy = (1.0 if x1 >= x0 else -1.0), 0.0
    bx, by = x1 - ux * length, y1 - uy * length
    tri = [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]
    return [*points[:-1], (bx, by)], tri


def scene(
    g,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    show_layer_activations=False,
    show_trainable=False,
) -> dict:
    """Everything to draw, in points: ``{"width", "height", "title", "clusters", "edges",
    "nodes"}`` (see :func:`to_svg` and :func:`to_png`, which draw it)."""
    check_rankdir(rankdir)
    options = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_trainable": show_trainable,
    }
    rows, sizes = {}, {}
    for node in g["nodes"]:
        if node.get("expanded"):
            continue
        rows[node["id"]] = node_rows(node, **options)
        sizes[node["id"]] = _box_size(rows[node["id"]])
    box = layout(g, sizes, rankdir=rankdir)
    by_id = {n["id"]: n for n in g["nodes"]}

    clusters = []
    for cid, c in sorted(box["clusters"].items(), key=lambda kv: kv[1]["depth"]):
        node = by_id[cid]
        clusters.append(
            {
                "id": cid,
                "label": _clip(node["name"]),
                "title": f"{node['name']} ({node['class_name']})",
                **c,
            }
        )

    edge_info = {}
    for e in g["edges"]:
        key = (e["source"], e["target"])
        info = edge_info.setdefault(key, {"shared": False, "pending": False, "shape": None})
        info["shared"] |= bool(e.get("shared"))
        info["pending"] |= bool(e.get("pending"))
        info["shape"] = info["shape"] or e.get("shape")
    edges = []
    for e in box["edges"]:
        info = edge_info.get((e["source"], e["target"]), {})
        points = [tuple(p) for p in e["points"]]
        points, tri = _arrow(points, rankdir)
        color = SHARED_EDGE_COLOR if info.get("shared") else EDGE_COLOR
        if info.get("pending"):
            color = MUTED_COLOR
        edges.append(
            {
                "source": e["source"],
                "target": e["target"],
                "segments": _curve(points, rankdir),
                "arrow": tri,
                "color": color,
                "dashed": bool(info.get("pending")),
                "shared": bool(info.get("shared")),
                "title": f"{e['source']} → {e['target']}"
                + (f" {format_shape(info['shape'])}" if info.get("shape") else ""),
            }
        )

    nodes = []
    for node in g["nodes"]:
        nid = node["id"]
        if nid not in box["nodes"]:
            continue
        b = box["nodes"][nid]
        status = node.get("status", "ok")
        style = dict(STYLES.get(status if status != "ok" else node.get("kind"), STYLES["layer"]))
        texts = []
        y = b["y"] + PAD_Y
        rule = None
        for i, (text, kind) in enumerate(rows[nid]):
            size = _row_size(kind)
            baseline = y + size * LINE / 2 + size * 0.35
            y += size * LINE
            color = TEXT_COLOR
            if kind == "error":
                color = ERROR_COLOR
            elif status == "not_reached":
                color = MUTED_COLOR
            texts.append(
                {
                    "text": text,
                    "x": b["x"] + b["w"] / 2,
                    "y": baseline,
                    "size": size,
                    "bold": kind == "title",
                    "color": color,
                }
            )
            if i == 0 and len(rows[nid]) > 1:
                y += 3.0
                rule = y - 1.5
        nodes.append(
            {
                "id": nid,
                "kind": node.get("kind", "layer"),
                "status": status,
                "x": b["x"],
                "y": b["y"],
                "w": b["w"],
                "h": b["h"],
                "fill": style["fill"],
                "stroke": style["stroke"],
                "stroke_width": 2.0 if status == "error" else 1.0,
                "dashed": status == "not_reached",
                "rule": rule,
                "texts": texts,
                "title": _node_title(node),
            }
        )
    return {
        "width": box["width"],
        "height": box["height"],
        "rankdir": rankdir,
        "title": g.get("name") or "model",
        "clusters": clusters,
        "edges": edges,
        "nodes": nodes,
    }


# ------------------------------------------------------------------------------- SVG
def _f(v) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _path_d(segments) -> str:
    if not segments:
        return ""
    (x, y) = segments[0][0]
    parts = [f"M{_f(x)},{_f(y)}"]
    for _, c1, c2, p1 in segments:
        parts.append(f"C{_f(c1[0])},{_f(c1[1])} {_f(c2[0])},{_f(c2[1])} {_f(p1[0])},{_f(p1[1])}")
    return " ".join(parts)


def scene_to_svg(sc, dpi=96) -> str:
    """SVG text for a :func:`scene` (``dpi`` sets the displayed size, as in Graphviz)."""
    scale = float(dpi) / 72.0
    w, h = sc["width"], sc["height"]
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="kviz-model-graph" '
        f'width="{_f(w * scale)}" height="{_f(h * scale)}" viewBox="0 0 {_f(w)} {_f(h)}" '
        f'font-family="{FONT_FAMILY}">',
        f"<title>{escape(sc['title'])}</title>",
        f'<rect class="background" x="0" y="0" width="{_f(w)}" height="{_f(h)}" fill="#ffffff"/>',
    ]
    for c in sc["clusters"]:
        out.append(
            f'<g class="cluster" data-id={quoteattr(c["id"])}><title>{escape(c["title"])}</title>'
            f'<rect x="{_f(c["x"])}" y="{_f(c["y"])}" width="{_f(c["w"])}" height="{_f(c["h"])}" '
            f'rx="6" fill="none" stroke="{CLUSTER_COLOR}" stroke-dasharray="5,3"/>'
            f'<text x="{_f(c["x"] + 6)}" y="{_f(c["y"] + 14)}" font-size="{_f(ROW_SIZE + 0.5)}" '
            f'font-style="italic" fill="{CLUSTER_COLOR}">{escape(c["label"])}</text></g>'
        )
    for e in sc["edges"]:
        dash = ' stroke-dasharray="4,3"' if e["dashed"] else ""
        tri = " ".join(f"{_f(x)},{_f(y)}" for x, y in e["arrow"])
        out.append(
            f'<g class="edge" data-source={quoteattr(e["source"])} '
            f"data-target={quoteattr(e['target'])}><title>{escape(e['title'])}</title>"
            f'<path d="{_path_d(e["segments"])}" fill="none" stroke="{e["color"]}" '
            f'stroke-width="1.2"{dash}/>'
            f'<polygon class="arrowhead" points="{tri}" fill="{e["color"]}"/></g>'
        )
    for n in sc["nodes"]:
        dash = ' stroke-dasharray="4,3"' if n["dashed"] else ""
        parts = [
            f'<g class="node" data-id={quoteattr(n["id"])} data-kind="{n["kind"]}" '
            f'data-status="{n["status"]}"><title>{escape(n["title"])}</title>',
            f'<rect x="{_f(n["x"])}" y="{_f(n["y"])}" width="{_f(n["w"])}" height="{_f(n["h"])}" '
            f'rx="4" fill="{n["fill"]}" stroke="{n["stroke"]}" '
            f'stroke-width="{_f(n["stroke_width"])}"{dash}/>',
        ]
        if n["rule"] is not None:
            parts.append(
                f'<line x1="{_f(n["x"])}" y1="{_f(n["rule"])}" x2="{_f(n["x"] + n["w"])}" '
                f'y2="{_f(n["rule"])}" stroke="{n["stroke"]}" stroke-width="0.6"/>'
            )
        for t in n["texts"]:
            weight = ' font-weight="bold"' if t["bold"] else ""
            parts.append(
                f'<text x="{_f(t["x"])}" y="{_f(t["y"])}" font-size="{_f(t["size"])}"'
                f'{weight} fill="{t["color"]}" text-anchor="middle">{escape(t["text"])}</text>'
            )
        parts.append("</g>")
        out.append("".join(parts))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_svg(
    g,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    dpi=96,
    show_layer_activations=False,
    show_trainable=False,
) -> str:
    """A standalone SVG drawing of the graph description ``g`` (no Graphviz needed).

    Each layer is a ``<g class="node" data-id=...>``, each connection a ``<g class="edge">``
    with a path and an arrowhead, each expanded nested model a ``<g class="cluster">``.
    """
    sc = scene(
        g,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    return scene_to_svg(sc, dpi=dpi)


# ------------------------------------------------------------------------------- PNG
MAX_PIXELS = 30000  # matplotlib's Agg canvas refuses images beyond 2**16 pixels a side


def matplotlib_formats() -> tuple:
    """The file formats matplotlib can write (``'png'``, ``'pdf'``, ``'jpg'``, ``'eps'``...)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return tuple(sorted(FigureCanvasBase.get_supported_filetypes()))


def scene_to_png(sc, dpi=96) -> bytes:
    """PNG bytes for a :func:`scene`, drawn with matplotlib (imported here, on first use)."""
    return scene_to_image(sc, dpi=dpi, format="png")


def scene_to_image(sc, dpi=96, format="png") -> bytes:  # noqa: A002 - matplotlib's name
    """A :func:`scene` drawn with matplotlib as ``format`` (any of :func:`matplotlib_formats`:
    PNG, PDF, JPEG, EPS...; imported here, on first use)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
    from matplotlib.path import Path

    if format not in matplotlib_formats():
        raise ValueError(
            f"kviz cannot draw a model as {format!r} without Graphviz; it can write "
            f"{', '.join(matplotlib_formats())}."
        )
    w, h = max(sc["width"], 1.0), max(sc["height"], 1.0)
    dpi = float(dpi)
    if max(w, h) * dpi / 72 > MAX_PIXELS:
        dpi = MAX_PIXELS * 72 / max(w, h)
    fig = Figure(figsize=(w / 72, h / 72), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis("off")
    family = ["DejaVu Sans", "sans-serif"]
    for c in sc["clusters"]:
        ax.add_patch(
            FancyBboxPatch(
                (c["x"], c["y"]),
                c["w"],
                c["h"],
                boxstyle="round,pad=0,rounding_size=6",
                fill=False,
                edgecolor=CLUSTER_COLOR,
                linestyle=(0, (5, 3)),
                linewidth=0.9,
            )
        )
        ax.text(
            c["x"] + 6,
            c["y"] + 14,
            c["label"],
            fontsize=ROW_SIZE + 0.5,
            style="italic",
            color=CLUSTER_COLOR,
            family=family,
        )
    for e in sc["edges"]:
        verts, codes = [], []
        for i, (p0, c1, c2, p1) in enumerate(e["segments"]):
            if i == 0:
                verts.append(p0)
                codes.append(Path.MOVETO)
            verts += [c1, c2, p1]
            codes += [Path.CURVE4] * 3
        if verts:
            ax.add_patch(
                PathPatch(
                    Path(verts, codes),
                    fill=False,
                    edgecolor=e["color"],
                    linewidth=1.1,
                    linestyle=(0, (4, 3)) if e["dashed"] else "-",
                )
            )
        ax.add_patch(Polygon(e["arrow"], closed=True, facecolor=e["color"], edgecolor="none"))
    for n in sc["nodes"]:
        ax.add_patch(
            FancyBboxPatch(
                (n["x"], n["y"]),
                n["w"],
                n["h"],
                boxstyle="round,pad=0,rounding_size=4",
                facecolor=n["fill"],
                edgecolor=n["stroke"],
                linewidth=n["stroke_width"],
                linestyle=(0, (4, 3)) if n["dashed"] else "-",
            )
        )
        if n["rule"] is not None:
            ax.plot(
                [n["x"], n["x"] + n["w"]],
                [n["rule"], n["rule"]],
                color=n["stroke"],
                linewidth=0.6,
            )
        for t in n["texts"]:
            ax.text(
                t["x"],
                t["y"],
                t["text"],
                fontsize=t["size"],
                fontweight="bold" if t["bold"] else "normal",
                color=t["color"],
                ha="center",
                va="baseline",
                family=family,
            )
    buf = io.BytesIO()
    canvas.print_figure(buf, format=format, dpi=dpi, facecolor="white")
    return buf.getvalue()


def to_png(
    g,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    dpi=96,
    show_layer_activations=False,
    show_trainable=False,
) -> bytes:
    """PNG bytes of the same drawing as :func:`to_svg` (matplotlib, no Graphviz needed)."""
    sc = scene(
        g,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    return scene_to_png(sc, dpi=dpi)


def to_image(
    g,
    format="png",  # noqa: A002 - matplotlib's name
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    dpi=96,
    show_layer_activations=False,
    show_trainable=False,
) -> bytes:
    """The same drawing as :func:`to_png` in another matplotlib format (``'pdf'``, ``'jpg'``...).

    >>> from kviz.viz.graph import graph
    >>> from kviz.models import Sequential
    >>> from kviz.layers import Dense
    >>> g = graph(Sequential([Dense(2, input_shape=(3,), name='d')]))
    >>> to_image(g, 'pdf', show_shapes=True)[:5]
    b'%PDF-'
    """
    sc = scene(
        g,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    return scene_to_image(sc, dpi=dpi, format=format)


__all__ = [
    "matplotlib_formats",
    "node_rows",
    "scene",
    "scene_to_image",
    "scene_to_png",
    "scene_to_svg",
    "text_width",
    "to_image",
    "to_png",
    "to_svg",
]
