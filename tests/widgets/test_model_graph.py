"""kviz.widgets.ModelGraph on the Python side: traits, details, expand/collapse, partial graphs,
the static snapshot in the display data, and the byte payloads (histograms, heatmaps)."""

from __future__ import annotations

import base64
import json
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from kviz.layers import Add, Dense, Input, Permute, Reshape
from kviz.models import Model, Sequential
from kviz.viz import graph
from kviz.widgets import ModelGraph

SVG = "{http://www.w3.org/2000/svg}"


def nested_model():
    """A functional model with a skip connection around a nested model."""
    i = Input(shape=(6,), name="inner_in")
    block = Model(i, Dense(6, activation="relu", name="inner_dense")(i), name="block")
    x = Input(shape=(4,), name="x")
    h = Dense(6, activation="relu", name="h")(x)
    s = Add(name="skip")([h, block(h)])
    return Model(x, Dense(2, name="out")(s), name="net")


def sample(n=3, d=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


def node_ids_in_svg(svg):
    root = ET.fromstring(svg)
    return [g.get("data-id") for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


def decode_png(url):
    assert url.startswith("data:image/png;base64,")
    data = base64.b64decode(url.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    w, h, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (depth, color) == (8, 2)
    pos, idat = 8, b""
    while pos < len(data):
        n, k = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0]
        assert crc == zlib.crc32(k + body)
        if k == b"IDAT":
            idat += body
        pos += 12 + n
    assert len(zlib.decompress(idat)) == h * (1 + 3 * w)
    return w, h


# ---------------------------------------------------------------------------- traits
def test_traits_after_construction():
    model = nested_model()
    w = ModelGraph(model)
    ids = [n["id"] for n in graph(model)["nodes"]]
    assert [n["id"] for n in w.nodes] == ids == ["x", "h", "block", "skip", "out"]
    assert w.svg.startswith("<svg") and node_ids_in_svg(w.svg) == ids
    assert w.title == "net"
    assert w.expandable == ["block"] and w.expanded == [] and w.clusters == []
    assert w.selected == "" and w.details == {} and w.error == {}
    assert w.has_sample is False and w.rankdir == "TB" and w.show_shapes is True
    size = w.size
    for n in w.nodes:
        assert 0 <= n["x"] and n["x"] + n["w"] <= size["width"] + 1e-6
        assert 0 <= n["y"] and n["y"] + n["h"] <= size["height"] + 1e-6
    block = next(n for n in w.nodes if n["id"] == "block")
    assert block["expandable"] and block["kind"] == "model"
    assert "export default" in w._esm and ".kviz-mg" in w._css
    json.dumps([w.nodes, w.clusters, w.size])  # what is sent to the browser is JSON


def test_expand_nested_option_and_shapes_option():
    w = ModelGraph(nested_model(), expand_nested=True, show_shapes=False)
    assert w.expanded == ["block"]
    assert "block/inner_dense" in [n["id"] for n in w.nodes]
    assert "output:" not in w.svg
    w.show_shapes = True
    assert "output: (None, 6)" in w.svg


def test_rankdir_relayouts_and_is_checked():
    w = ModelGraph(nested_model())
    tall = dict(w.size)
    w.rankdir = "LR"
    assert w.size["width"] > tall["width"] and w.size["height"] < tall["height"]
    with pytest.raises(ValueError, match="rankdir must be one of"):
        ModelGraph(nested_model(), rankdir="up")
    with pytest.raises(ValueError, match="rankdir must be one of"):
        w.rankdir = "sideways"


# --------------------------------------------------------------------------- details
def test_selecting_a_node_fills_details_from_the_layer_api():
    model = nested_model()
    x = sample()
    w = ModelGraph(model, x=x)
    w.selected = "h"  # what a click in the browser does
    d = w.details
    layer = model.get_layer("h")
    assert d["id"] == "h" and d["name"] == "h" and d["class_name"] == "Dense"
    assert d["params"] == layer.count_params() == 30
    assert d["trainable_params"] == 30 and d["non_trainable_params"] == 0
    assert d["output_shape"] == list(layer.output_shape) == [None, 6]
    assert d["activation"] == "relu"
    config = json.loads(json.dumps(layer.get_config(), default=list))
    assert d["config"] == config
    values = layer.get_weights()
    assert [wt["shape"] for wt in d["weights"]] == [list(v.shape) for v in values]
    for wt, v in zip(d["weights"], values):
        assert wt["size"] == v.size and wt["trainable"]
        assert wt["stats"]["mean"] == pytest.approx(float(v.mean()))
        assert sum(wt["histogram"]["counts"]) == v.size
    expected = Model(model.inputs, layer.output).predict(x, verbose=0)
    a = d["activations"]
    assert a["shape"] == [3, 6]
    assert a["stats"]["mean"] == pytest.approx(float(expected.mean()), rel=1e-5)
    assert a["stats"]["zeros"] == pytest.approx(float(np.mean(expected == 0)))
    json.dumps(d)


def test_details_of_nested_nodes_and_of_the_nested_model():
    model = nested_model()
    x = sample()
    w = ModelGraph(model, x=x)
    w.select("block")
    d = w.details
    assert d["is_model"] and d["expandable"] and not d["expanded"]
    assert d["params"] == model.get_layer("block").count_params() == 42
    assert d["config"]["name"] == "block"
    w.expand("block")
    w.select("block/inner_dense")
    inner = model.get_layer("block").get_layer("inner_dense")
    d = w.details
    assert d["params"] == inner.count_params() == 42
    h = Model(model.inputs, model.get_layer("h").output).predict(x, verbose=0)
    expected = inner(h)
    assert d["activations"]["stats"]["max"] == pytest.approx(float(np.max(expected)), rel=1e-5)
    w.select("x")
    assert w.details["activations"]["shape"] == [3, 4] and w.details["params"] == 0


def test_without_a_sample_there_are_no_activations():
    w = ModelGraph(nested_model())
    w.select("out")
    assert w.details["activations"] is None and w.details["activations_error"] is None
    w.select("")
    assert w.details == {}
    with pytest.raises(ValueError, match="selected must be the id of a node"):
        w.select("nope")


def test_refresh_shows_new_weights():
    model = nested_model()
    w = ModelGraph(model)
    w.select("out")
    layer = model.get_layer("out")
    layer.set_weights([np.full_like(v, 2.0) for v in layer.get_weights()])
    w.refresh()
    assert w.details["weights"][0]["stats"]["mean"] == 2.0


# ------------------------------------------------------------------- expand / collapse
def test_expand_and_collapse_change_the_node_set():
    model = nested_model()
    w = ModelGraph(model)
    before = {n["id"] for n in w.nodes}
    w.expanded = ["block"]  # what the browser's "+" does
    after = {n["id"] for n in w.nodes}
    assert after - before == {"block/inner_in", "block/inner_dense"}
    assert before - after == {"block"}  # now a cluster, not a box
    assert [c["id"] for c in w.clusters] == ["block"]
    assert set(node_ids_in_svg(w.svg)) == after
    assert 'class="cluster" data-id="block"' in w.svg
    full = graph(model, expand_nested=True)
    assert [(e["source"], e["target"]) for e in w.graph["edges"]] == [
        (e["source"], e["target"]) for e in full["edges"]
    ]
    w.select("block/inner_dense")
    w.collapse("block")
    assert {n["id"] for n in w.nodes} == before and w.clusters == []
    assert w.selected == "block"  # the selection moved to the closed model
    collapsed = graph(model)
    assert sorted((e["source"], e["target"]) for e in w.graph["edges"]) == sorted(
        (e["source"], e["target"]) for e in collapsed["edges"]
    )
    w.expand()
    assert w.expanded == ["block"]
    w.collapse()
    assert w.expanded == []
    with pytest.raises(ValueError, match="nested models of this graph"):
        w.expanded = ["h"]
    with pytest.raises(ValueError, match="nested models of this graph"):
        w.collapse("out")


def test_expand_opens_enclosing_models():
    i2 = Input(shape=(3,), name="deep_in")
    deep = Model(i2, Dense(3, name="deep_dense")(i2), name="deep")
    i1 = Input(shape=(3,), name="mid_in")
    mid = Model(i1, deep(i1), name="mid")
    x = Input(shape=(3,), name="x")
    w = ModelGraph(Model(x, mid(x)))
    assert w.expandable == ["mid", "mid/deep"]
    w.expand("mid/deep")
    assert w.expanded == ["mid", "mid/deep"]
    assert "mid/deep/deep_dense" in {n["id"] for n in w.nodes}
    w.collapse("mid")
    assert {n["id"] for n in w.nodes} == {"x", "mid"}


# ------------------------------------------------------------------------ partial graph
def test_partial_graph_marks_the_failing_node():
    layers = [Dense(4, name="d"), Permute((2, 1), name="p"), Dense(2, name="o")]
    w = ModelGraph(layers, x=np.ones((2, 8), "float32"))
    status = {n["id"]: n["status"] for n in w.nodes}
    assert status == {"d_input": "ok", "d": "ok", "p": "error", "o": "not_reached"}
    assert w.error["node"] == "p" and w.error["type"] == "ValueError"
    assert w.selected == "p"  # the failing layer is shown at once
    d = w.details
    assert d["status"] == "error"
    assert d["error"]["explanation"].startswith("Layer 'p' (Permute) cannot take the output of 'd'")
    assert "Reshape" in d["error"]["explanation"]
    assert d["activations"] is None
    assert 'data-id="p" data-kind="layer" data-status="error"' in w.svg
    assert "error: It needs inputs with 3 dimensions" in w.svg
    w.select("d")
    assert w.details["activations"]["shape"] == [2, 4] and w.details["params"] == 36
    html = w._repr_mimebundle_()[0]["text/html"]
    assert "cannot take the output of" in html


def test_partial_graph_of_an_unbuilt_sequential_and_input_shape():
    model = Sequential([Dense(3, name="a"), Reshape((2, 2), name="r"), Dense(1, name="z")])
    w = ModelGraph(model, input_shape=(5,))
    assert w.error["node"] == "r"
    assert "Reshape keeps the number of values per sample" in w.details["error"]["explanation"]
    assert not model.built
    with pytest.raises(ValueError, match="x holds samples of shape"):
        ModelGraph([Dense(2)], x=np.ones((1, 3)), input_shape=(4,))
    with pytest.raises(ValueError, match="needs the input shape"):
        ModelGraph(Sequential([Dense(2)]))


def test_a_complete_list_of_layers_has_activations():
    layers = [Dense(3, name="a"), Dense(2, name="b")]
    x = sample(2, 5)
    w = ModelGraph(layers, x=x)
    assert w.error == {} and w.selected == ""
    w.select("b")
    expected = layers[1](layers[0](x))
    assert w.details["activations"]["stats"]["mean"] == pytest.approx(float(expected.mean()))


# ---------------------------------------------------------------------------- errors
def test_errors_at_the_call():
    with pytest.raises(TypeError, match="ModelGraph expects a kviz model"):
        ModelGraph("model")
    with pytest.raises(ValueError, match="x must be a non-empty batch shaped like"):
        ModelGraph(nested_model(), x=np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="one array per input"):
        ModelGraph(nested_model(), x=[sample(), sample()])
    with pytest.raises(ValueError, match="height must be"):
        ModelGraph(nested_model(), height=-1)

    class Sub(Model):
        def __init__(self):
            super().__init__()
            self.d = Dense(2)

        def call(self, inputs):
            return self.d(inputs)

    with pytest.raises(ValueError, match="needs model .* to be built"):
        ModelGraph(Sub())


# --------------------------------------------------------------------- static snapshot
def test_mimebundle_contains_the_svg_snapshot():
    w = ModelGraph(nested_model())
    data, metadata = w._repr_mimebundle_()
    view = data["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == w.model_id and view["version_major"] == 2
    assert data["image/svg+xml"] == w.svg
    assert w.svg in data["text/html"]
    assert 'class="kviz-model-graph-static"' in data["text/html"]
    assert data["text/plain"] == "ModelGraph of 'net': 5 nodes"
    w.expand("block")
    data, _ = w._repr_mimebundle_()
    assert 'data-id="block/inner_dense"' in data["image/svg+xml"]
    assert w.to_svg() == w.svg
    ET.fromstring(data["image/svg+xml"])  # well-formed


# ----------------------------------------------------------------------- byte payloads
def test_histogram_and_heatmap_payloads_are_valid():
    model = nested_model()
    w = ModelGraph(model, x=sample(5))
    w.select("out")
    for wt in w.details["weights"]:
        hist = wt["histogram"]
        assert len(hist["edges"]) == len(hist["counts"]) + 1 == 21
        assert hist["edges"] == sorted(hist["edges"])
        assert sum(hist["counts"]) == hist["count"] == wt["size"]
        root = ET.fromstring(wt["histogram_svg"])
        bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
        assert len(bars) == 20
        heights = [float(r.get("height")) for r in bars]
        assert max(heights) == pytest.approx(33.0)  # the fullest bin fills the plot
    a = w.details["activations"]
    assert sum(a["histogram"]["counts"]) == 5 * 2
    width, height = decode_png(a["image"])
    assert width > 0 and height > 0 and width // 2 == height // 5  # 5 samples × 2 units
    ET.fromstring(a["histogram_svg"])


def test_doctests():
    import doctest
    import importlib

    module = importlib.import_module("kviz.widgets.model_graph")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
