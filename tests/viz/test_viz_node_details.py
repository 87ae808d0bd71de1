"""kviz.viz.nested (collapse one nested model at a time) and kviz.viz.node_details (what the
ModelGraph widget shows for a node): pure data, no Jupyter."""

from __future__ import annotations

import doctest
import importlib
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from kviz.layers import LSTM, BatchNormalization, Conv2D, Dense, Input
from kviz.models import Model, Sequential
from kviz.viz import graph
from kviz.viz.nested import collapse, expandable
from kviz.viz.node_details import (
    activation_details,
    activation_table,
    find_layer,
    heatmap_png,
    histogram,
    histogram_svg,
    json_safe,
    layer_activation,
    node_details,
    png_bytes,
    sequence_activation,
)


def two_level_model():
    i2 = Input(shape=(3,), name="deep_in")
    deep = Model(i2, Dense(3, name="deep_dense")(i2), name="deep")
    i1 = Input(shape=(3,), name="mid_in")
    mid = Model(i1, Dense(3, name="mid_dense")(deep(i1)), name="mid")
    x = Input(shape=(3,), name="x")
    y = mid(x)
    return Model(x, Dense(1, name="out")(mid(y)), name="top")  # mid is shared


def edge_set(g):
    return sorted((e["source"], e["target"]) for e in g["edges"])


# ------------------------------------------------------------------------- nested
def test_collapse_everything_is_graph_without_expansion():
    model = two_level_model()
    full = graph(model, expand_nested=True)
    assert expandable(full) == ["mid", "mid/deep"]
    closed = collapse(full, [])
    plain = graph(model)
    assert [n["id"] for n in closed["nodes"]] == [n["id"] for n in plain["nodes"]]
    assert edge_set(closed) == edge_set(plain)
    assert closed["inputs"] == plain["inputs"] and closed["outputs"] == plain["outputs"]
    assert not any(n["expanded"] for n in closed["nodes"])
    assert closed["expand_nested"] is False


def test_collapse_keeps_only_the_open_models():
    model = two_level_model()
    full = graph(model, expand_nested=True)
    assert edge_set(collapse(full, ["mid", "mid/deep"])) == edge_set(full)
    g = collapse(full, ["mid"])
    ids = [n["id"] for n in g["nodes"]]
    assert "mid/deep" in ids and "mid/deep/deep_dense" not in ids
    assert next(n for n in g["nodes"] if n["id"] == "mid/deep")["expanded"] is False
    assert ("mid/mid_in", "mid/deep") in edge_set(g)
    assert ("mid/deep", "mid/mid_dense") in edge_set(g)
    # an inner model stays hidden while the model around it is closed
    g = collapse(full, ["mid/deep"])
    assert [n["id"] for n in g["nodes"]] == ["x", "mid", "out"]
    assert full["nodes"][1]["expanded"] is True  # the input is not modified
    with pytest.raises(ValueError, match="nested models of this graph"):
        collapse(full, ["out"])


# ------------------------------------------------------------------- histograms, PNG
def test_histogram_edges_and_counts():
    values = np.array([0.0, 0.0, 1.0, 2.0, np.nan, np.inf])
    h = histogram(values, bins=4)
    assert h["counts"] == [2, 0, 1, 1] and h["edges"] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert h["count"] == 4 and h["nonfinite"] == 2
    assert histogram(np.full(5, 3.0), 2) == {
        "counts": [0, 5],
        "edges": [2.5, 3.0, 3.5],
        "count": 5,
        "nonfinite": 0,
    }
    assert histogram([], 3)["counts"] == [0, 0, 0]
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        histogram([1.0], 0)
    svg = ET.fromstring(histogram_svg(h))
    bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
    assert [float(b.get("height")) > 0 for b in bars] == [True, False, True, True]


def test_png_bytes_roundtrip_through_matplotlib():
    import io

    from matplotlib import image

    rgb = np.zeros((3, 5, 3), np.uint8)
    rgb[1, 2] = (255, 128, 0)
    back = image.imread(io.BytesIO(png_bytes(rgb)), format="png")
    assert back.shape[:2] == (3, 5)
    assert np.allclose(back[1, 2, :3] * 255, (255, 128, 0), atol=1)
    assert back[0, 0, :3].sum() == 0
    with pytest.raises(ValueError, match=r"\(height, width, 3\)"):
        png_bytes(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-empty 2-D"):
        heatmap_png(np.zeros(3))


def test_activation_tables():
    table, caption = activation_table(np.arange(40.0).reshape(20, 2))
    assert table.shape == (16, 2) and "16 sample" in caption
    table, caption = activation_table(np.zeros((2, 7, 3)))
    assert table.shape == (7, 3) and "7 steps" in caption
    maps = np.zeros((1, 4, 5, 20))
    table, caption = activation_table(maps)
    assert table.shape == (4 * 5 - 1, 4 * 6 - 1)  # 16 maps in a 4x4 grid, 1-pixel gaps
    assert np.isnan(table[4, 0]) and "16 of 20 feature maps" in caption
    d = activation_details([np.ones((2, 3)), np.zeros((2, 1))])
    assert d["outputs"] == 2 and d["shape"] == [2, 3] and d["stats"]["std"] == 0.0


def test_json_safe():
    value = {"a": (1, 2), "b": np.float32(0.5), "c": np.int64(3), "d": float("nan")}
    value["e"] = np.zeros(3)
    value["f"] = np.zeros(100)
    value["g"] = len
    assert json_safe(value) == {
        "a": [1, 2],
        "b": 0.5,
        "c": 3,
        "d": "nan",
        "e": [0.0, 0.0, 0.0],
        "f": "array of shape (100,) (float64)",
        "g": repr(len),
    }


# ------------------------------------------------------------------------- details
def test_conv_and_batchnorm_details_and_activations():
    x = Input(shape=(6, 6, 2), name="img")
    c = Conv2D(3, 3, activation="relu", name="conv")(x)
    out = BatchNormalization(name="bn")(c)
    model = Model(x, out)
    data = np.random.default_rng(1).normal(size=(2, 6, 6, 2)).astype("float32")
    g = graph(model)
    node = g["nodes"][2]
    bn = find_layer(model, "bn")
    d = node_details(node, bn, activation=layer_activation(model, "bn", data))
    assert d["params"] == bn.count_params() == 12
    assert d["trainable_params"] == 6 and d["non_trainable_params"] == 6
    assert [w["trainable"] for w in d["weights"]] == [True, True, False, False]
    assert d["activations"]["shape"] == [2, 4, 4, 3]
    assert "3 of 3 feature maps" in d["activations"]["caption"]
    conv = node_details(g["nodes"][1], find_layer(model, "conv"))
    assert conv["config"]["kernel_size"] == [3, 3] and conv["weights"][0]["shape"] == [3, 3, 2, 3]


def test_layer_activation_through_shared_nested_models():
    model = two_level_model()
    data = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    mid = model.get_layer("mid")
    first = mid.predict(data, verbose=0)
    # the first call of the shared nested model, and its inner layers
    assert np.allclose(layer_activation(model, "mid", data), first, atol=1e-6)
    deep = mid.get_layer("deep")
    assert np.allclose(layer_activation(model, "mid/deep", data), deep.predict(data, verbose=0))
    assert np.allclose(layer_activation(model, "mid/deep/deep_in", data), data)
    assert np.allclose(layer_activation(model, "out", data), model.predict(data, verbose=0))
    assert find_layer(model, "nope") is None
    with pytest.raises(ValueError, match="is not a layer of model"):
        layer_activation(model, "nope", data)


def test_sequence_activation_and_recurrent_details():
    layers = [LSTM(3, return_sequences=True, name="lstm"), Dense(2, name="d")]
    seq = Sequential(layers)
    data = np.random.default_rng(3).normal(size=(2, 5, 4)).astype("float32")
    seq.build((None, 5, 4))
    out = sequence_activation(layers, 1, data)
    assert np.allclose(out, seq.predict(data, verbose=0), atol=1e-5)
    assert sequence_activation(layers, -1, data) is not None
    d = activation_details(sequence_activation(layers, 0, data))
    assert d["shape"] == [2, 5, 3] and "5 steps (rows) × 3 features" in d["caption"]


@pytest.mark.parametrize("module", ["kviz.viz.nested", "kviz.viz.node_details"])
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
