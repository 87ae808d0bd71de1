"""The renderers of kviz.viz: DOT source, the pure-Python layout, SVG and PNG.

The layout is checked as geometry (no overlapping boxes, clusters holding their layers and
nothing else, edges running from box to box in the rank direction), not as pixels.
"""

from __future__ import annotations

import doctest
import importlib
import itertools
import shutil
import struct
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from kviz import layers as L
from kviz import ops
from kviz.models import Model, Sequential
from kviz.viz import graph, partial_graph
from kviz.viz.dot import escape_record, format_shape, record_label, to_dot
from kviz.viz.layout import layout
from kviz.viz.svg import node_rows, scene, text_width, to_png, to_svg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"


# --------------------------------------------------------------------------- models
def sequential():
    return Sequential(
        [
            L.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
            L.Dropout(0.2, name="drop"),
            L.Dense(3, activation="softmax", name="out"),
        ],
        name="seq",
    )


def branches():
    x = L.Input((6,), name="x")
    a = L.Dense(4, name="a")(x)
    b = L.Dense(4, name="b")(L.Dense(4, name="b0")(x))
    c = L.Concatenate(name="cat")([a, b])
    d = L.Dense(6, name="d")(c)
    return Model(x, L.Add(name="skip")([d, x]), name="branches")


def shared_multi_io():
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    s = L.Add(name="add")([shared(a), shared(b)])
    return Model([a, b], [L.Dense(1, name="o1")(s), ops.mean(s, axis=-1)], name="multi")


def nested():
    core = Sequential(
        [L.Dense(5, activation="relu", input_shape=(4,), name="c1"), L.Dense(4, name="c2")],
        name="core",
    )
    u = L.Input((4,), name="u")
    mid = Model(u, L.Dense(2, name="m")(core(u)), name="mid")
    x = L.Input((4,), name="x")
    side = L.Dense(2, name="side")(x)
    y = L.Add(name="join")([mid(x), side])
    return Model(x, L.Dense(1, name="head")(y), name="outer")


MODELS = {
    "sequential": sequential,
    "branches": branches,
    "multi": shared_multi_io,
    "nested": nested,
}


def descriptions():
    out = []
    for name, make in MODELS.items():
        out.append((name, graph(make())))
        if name == "nested":
            out.append(("nested-expanded", graph(make(), expand_nested=True)))
    bad = [L.Dense(8, name="p1"), L.Reshape((3, 3), name="p2"), L.Dense(2, name="p3")]
    out.append(("partial", partial_graph(bad, (4,))))
    return out


DESCRIPTIONS = descriptions()


def unique_pairs(g):
    return list(dict.fromkeys((e["source"], e["target"]) for e in g["edges"]))


# ------------------------------------------------------------------------------ DOT
def test_dot_labels_follow_tf_keras():
    g = graph(sequential())
    hidden = g["nodes"][1]
    assert record_label(hidden) == "hidden|Dense"
    assert record_label(hidden, show_layer_names=False) == "Dense"
    assert record_label(hidden, show_layer_activations=True) == "hidden|{Dense|relu}"
    assert record_label(hidden, show_dtype=True) == "hidden|Dense|float32"
    assert record_label(hidden, show_trainable=True) == "T|hidden|Dense"
    assert (
        record_label(hidden, show_shapes=True)
        == "{hidden|Dense}|{input:|output:}|{{(None, 4)}|{(None, 8)}}"
    )
    full = record_label(hidden, True, True, True, show_layer_activations=True, show_trainable=True)
    assert full == "T|{hidden|{Dense|relu}|float32}|{input:|output:}|{{(None, 4)}|{(None, 8)}}"
    inp = record_label(g["nodes"][0], show_shapes=True)
    assert inp == "{hidden_input|InputLayer}|{input:|output:}|{{[(None, 4)]}|{[(None, 4)]}}"


def test_dot_source():
    src = to_dot(graph(sequential()), show_shapes=True, rankdir="LR", dpi=72)
    lines = src.splitlines()
    assert lines[:5] == [
        "digraph G {",
        "rankdir=LR;",
        "concentrate=true;",
        "dpi=72;",
        "node [shape=record];",
    ]
    assert '"drop" [label="{drop|Dropout}|{input:|output:}|{{(None, 8)}|{(None, 8)}}"];' in lines
    assert lines[-3:] == ['"hidden" -> "drop";', '"drop" -> "out";', "}"]
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(graph(sequential()), rankdir="XY")


def test_dot_merges_duplicate_edges_and_draws_clusters():
    src = to_dot(graph(shared_multi_io()))
    assert src.count('"shared" -> "add";') == 1
    src = to_dot(graph(nested(), expand_nested=True))
    assert 'subgraph "cluster_mid" {' in src and 'subgraph "cluster_mid/core" {' in src
    assert src.index('subgraph "cluster_mid/core"') > src.index('subgraph "cluster_mid"')
    assert 'label="core";' in src and "style=dashed;" in src and "labeljust=l;" in src
    assert '"x" -> "mid/u";' in src and '"mid/m" -> "join";' in src
    sub = to_dot(graph(sequential()), subgraph=True)
    assert sub.startswith('subgraph "cluster_seq" {') and "digraph" not in sub


def test_dot_partial_graph_marks_the_error():
    g = partial_graph([L.Dense(8, name="q1"), L.Reshape((3, 3), name="q2"), L.Dense(1)], (4,))
    src = to_dot(g, show_shapes=True)
    line = next(x for x in src.splitlines() if x.startswith('"q2" ['))
    assert 'color="#c62828"' in line and "error: total size" in line
    assert "style=dashed" in src.splitlines()[-2]


def test_format_shape_and_escaping():
    assert format_shape([None, 4]) == "(None, 4)"
    assert format_shape([None]) == "(None,)"
    assert format_shape([]) == "()"
    assert format_shape([[None, 3], [None, 2]]) == "[(None, 3), (None, 2)]"
    assert format_shape({"a": [None, 2]}) == "{'a': (None, 2)}"
    assert format_shape(None) == format_shape("multiple") == "?"
    assert escape_record('a{b}|<c>"d') == 'a\\{b\\}\\|\\<c\\>\\"d'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("name, g", DESCRIPTIONS, ids=[d[0] for d in DESCRIPTIONS])
def test_dot_source_is_valid_for_graphviz(name, g):
    src = to_dot(g, True, True, True, "TB", 96, True, True)
    proc = subprocess.run(["dot", "-Tsvg"], input=src.encode(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    root = ET.fromstring(proc.stdout)
    titles = [t.text for t in root.iter(f"{SVG_NS}title")]
    for n in g["nodes"]:
        if not n.get("expanded"):
            assert n["id"] in titles


# --------------------------------------------------------------------------- layout
def _sizes(g):
    sc_rows = {n["id"]: node_rows(n, show_shapes=True) for n in g["nodes"] if not n["expanded"]}
    return {k: (20 + 7 * max(len(t) for t, _ in v), 16 + 12 * len(v)) for k, v in sc_rows.items()}


def _overlap(a, b, tol=0.5):
    return (
        a["x"] + tol < b["x"] + b["w"]
        and b["x"] + tol < a["x"] + a["w"]
        and a["y"] + tol < b["y"] + b["h"]
        and b["y"] + tol < a["y"] + a["h"]
    )


def _inside(inner, outer, tol=0.5):
    return (
        inner["x"] >= outer["x"] - tol
        and inner["y"] >= outer["y"] - tol
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + tol
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + tol
    )


def _ancestors(g, nid):
    parents = {n["id"]: n["parent"] for n in g["nodes"]}
    out, p = [], parents[nid]
    while p is not None:
        out.append(p)
        p = parents[p]
    return out


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
@pytest.mark.parametrize("name, g", DESCRIPTIONS, ids=[d[0] for d in DESCRIPTIONS])
def test_layout_geometry(name, g, rankdir):
    box = layout(g, _sizes(g), rankdir=rankdir)
    nodes, clusters = box["nodes"], box["clusters"]
    assert set(nodes) == {n["id"] for n in g["nodes"] if not n["expanded"]}
    assert set(clusters) == {n["id"] for n in g["nodes"] if n["expanded"]}
    everything = list(nodes.values()) + list(clusters.values())
    for b in everything:  # inside the picture
        assert b["x"] >= 0 and b["y"] >= 0
        assert b["x"] + b["w"] <= box["width"] + 1e-6 and b["y"] + b["h"] <= box["height"] + 1e-6
    for (ia, a), (ib, b) in itertools.combinations(nodes.items(), 2):
        assert not _overlap(a, b), f"{ia} overlaps {ib}"
    for cid, c in clusters.items():
        for nid, b in nodes.items():
            if cid in _ancestors(g, nid):
                assert _inside(b, c), f"{nid} is outside its cluster {cid}"
            else:
                assert not _overlap(b, c), f"{nid} overlaps cluster {cid}"
    for (ca, a), (cb, b) in itertools.combinations(clusters.items(), 2):
        if ca in _ancestors(g, cb):
            assert _inside(b, a)
        elif cb in _ancestors(g, ca):
            assert _inside(a, b)
        else:
            assert not _overlap(a, b)
    assert [(e["source"], e["target"]) for e in box["edges"]] == unique_pairs(g)
    axis, sign = {"TB": (1, 1), "BT": (1, -1), "LR": (0, 1), "RL": (0, -1)}[rankdir]
    for e in box["edges"]:
        s, t = nodes[e["source"]], nodes[e["target"]]
        first, last = e["points"][0], e["points"][-1]
        key = "xy"[axis]
        span = "wh"[axis]
        # the edge leaves the source's side facing the target and enters the target's
        exit_side = s[key] + (s[span] if sign > 0 else 0)
        entry_side = t[key] + (0 if sign > 0 else t[span])
        assert first[axis] == pytest.approx(exit_side)
        assert last[axis] == pytest.approx(entry_side)
        assert sign * (last[axis] - first[axis]) > 0  # it runs in the rank direction
        for p in e["points"][1:-1]:  # bends stay clear of the boxes
            for nid, b in nodes.items():
                assert not (
                    b["x"] + 0.5 < p[0] < b["x"] + b["w"] - 0.5
                    and b["y"] + 0.5 < p[1] < b["y"] + b["h"] - 0.5
                ), f"edge {e['source']}->{e['target']} goes through {nid}"


def test_layout_is_deterministic_and_ranks_follow_the_edges():
    g = graph(branches())
    a = layout(g, _sizes(g))
    b = layout(g, _sizes(g))
    assert a == b
    ys = {k: v["y"] for k, v in a["nodes"].items()}
    assert ys["x"] < ys["a"] == ys["b0"] < ys["b"] == ys.get("b") < ys["cat"] < ys["d"] < ys["skip"]


def test_layout_pulls_a_late_input_down_to_its_consumer():
    x = L.Input((4,), name="x")
    h = L.Dense(4, name="h2")(L.Dense(4, name="h1")(x))
    aux = L.Input((4,), name="aux")
    g = graph(Model([x, aux], L.Add(name="join")([h, aux])))
    box = layout(g, _sizes(g))["nodes"]

    def center(b):
        return b["y"] + b["h"] / 2

    assert center(box["aux"]) == center(box["h2"])


def test_layout_avoids_crossings_when_it_can():
    x = L.Input((2,), name="x")
    left = L.Dense(2, name="left")(x)
    right = L.Dense(2, name="right")(x)
    # the consumers are created in the crossing order on purpose
    out_r = L.Dense(1, name="out_r")(right)
    out_l = L.Dense(1, name="out_l")(left)
    g = graph(Model(x, [out_r, out_l]))
    nodes = layout(g, _sizes(g))["nodes"]
    assert (nodes["left"]["x"] < nodes["right"]["x"]) == (nodes["out_l"]["x"] < nodes["out_r"]["x"])


def test_layout_of_a_long_chain_is_fast():
    model = Sequential([L.Dense(2, input_shape=(2,), name="l0")])
    for i in range(1, 150):
        model.add(L.Dense(2, name=f"l{i}"))
    g = graph(model)
    t = time.perf_counter()
    box = layout(g, _sizes(g))
    assert time.perf_counter() - t < 10
    xs = {round(b["x"] + b["w"] / 2, 3) for b in box["nodes"].values()}
    assert len(xs) == 1  # a straight column


def test_layout_of_an_empty_and_a_single_node_graph():
    empty = layout({"nodes": [], "edges": []}, {})
    assert empty["nodes"] == {} and empty["edges"] == []
    one = layout({"nodes": [{"id": "a"}], "edges": []}, {"a": (50, 20)})
    assert one["nodes"]["a"]["w"] == 50 and one["width"] >= 50


# ------------------------------------------------------------------------------ SVG
@pytest.mark.parametrize("name, g", DESCRIPTIONS, ids=[d[0] for d in DESCRIPTIONS])
def test_svg_structure(name, g):
    svg = to_svg(g, show_shapes=True, show_dtype=True, show_trainable=True)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    groups = list(root.iter(f"{SVG_NS}g"))
    node_groups = [x for x in groups if x.get("class") == "node"]
    edge_groups = [x for x in groups if x.get("class") == "edge"]
    cluster_groups = [x for x in groups if x.get("class") == "cluster"]
    assert [x.get("data-id") for x in node_groups] == [
        n["id"] for n in g["nodes"] if not n["expanded"]
    ]
    assert [x.get("data-id") for x in cluster_groups] == [
        n["id"] for n in g["nodes"] if n["expanded"]
    ]
    assert [(x.get("data-source"), x.get("data-target")) for x in edge_groups] == unique_pairs(g)
    for x in edge_groups:
        assert x.find(f"{SVG_NS}path") is not None
        assert x.find(f"{SVG_NS}polygon").get("class") == "arrowhead"
    for x, n in zip(node_groups, [n for n in g["nodes"] if not n["expanded"]], strict=True):
        texts = [t.text for t in x.iter(f"{SVG_NS}text")]
        assert texts[0] == f"{n['name']}: {n['class_name']}"
        assert x.find(f"{SVG_NS}rect") is not None and x.find(f"{SVG_NS}title") is not None
        if n["status"] == "ok":
            assert f"output: {format_shape(n['output_shape'])}" in texts
            assert "dtype: float32" in texts


def test_svg_marks_shared_layers_errors_and_size():
    g = graph(shared_multi_io())
    svg = to_svg(g, dpi=144)
    assert "shared: called 2 times" in svg
    root = ET.fromstring(svg)
    w = float(root.get("width"))
    vb = [float(v) for v in root.get("viewBox").split()]
    assert w == pytest.approx(vb[2] * 2, abs=0.05)  # dpi 144 = twice the size in points
    g = partial_graph([L.Dense(8, name="q1"), L.Reshape((3, 3), name="q2")], (4,))
    root = ET.fromstring(to_svg(g))
    bad = [x for x in root.iter(f"{SVG_NS}g") if x.get("data-status") == "error"]
    assert len(bad) == 1 and bad[0].get("data-id") == "q2"
    texts = " ".join(t.text for t in bad[0].iter(f"{SVG_NS}text"))
    assert "error:" in texts and "holds 9" in texts


def test_svg_escapes_names():
    x = L.Input((3,), name="in<1>")
    g = graph(Model(x, L.Dense(2, name='a&"b')(x)))
    root = ET.fromstring(to_svg(g))
    assert [x.get("data-id") for x in root.iter(f"{SVG_NS}g") if x.get("class") == "node"] == [
        "in<1>",
        'a&"b',
    ]


def test_boxes_fit_their_text():
    g = graph(sequential())
    sc = scene(g, show_shapes=True, show_layer_activations=True)
    for n in sc["nodes"]:
        for t in n["texts"]:
            assert text_width(t["text"], t["size"], t["bold"]) <= n["w"]
            assert n["y"] < t["y"] < n["y"] + n["h"]
    assert text_width("iii", 10) < text_width("WWW", 10)


# ------------------------------------------------------------------------------ PNG
def _png_size(data):
    assert data.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name, g", DESCRIPTIONS[:2] + DESCRIPTIONS[-2:], ids=lambda x: str(x)[:20])
def test_png(name, g):
    data = to_png(g, show_shapes=True)
    w, h = _png_size(data)
    sc = scene(g, show_shapes=True)
    assert w == pytest.approx(sc["width"] * 96 / 72, abs=2)
    assert h == pytest.approx(sc["height"] * 96 / 72, abs=2)
    w2, _ = _png_size(to_png(g, show_shapes=True, dpi=192))
    assert w2 == pytest.approx(2 * w, abs=3)


def test_png_of_an_lr_layout_is_wide():
    w, h = _png_size(to_png(graph(sequential()), rankdir="LR"))
    assert w > 2 * h


# --------------------------------------------------------------------------- doctests
@pytest.mark.parametrize(
    "module",
    [
        "kviz.viz.graph",
        "kviz.viz.partial",
        "kviz.viz.dot",
        "kviz.viz.layout",
        "kviz.viz.svg",
        "kviz.utils.vis_utils",
    ],
)
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
