"""kviz.viz.partial_graph: the graph of layers that cannot all be built, with the error
explained at the failing layer."""

from __future__ import annotations

import json

import pytest

from kviz import layers as L
from kviz.layers.base import Layer
from kviz.models import Sequential
from kviz.viz import partial_graph
from kviz.viz.partial import describe_shape


def statuses(g):
    return [(n["id"], n["status"]) for n in g["nodes"]]


def test_rank_too_low_stops_at_the_failing_layer():
    g = partial_graph(
        [L.Dense(784, name="d"), L.Permute((2, 1, 3), name="p"), L.Dense(2, name="o")],
        input_shape=(8,),
    )
    assert statuses(g) == [
        ("d_input", "ok"),
        ("d", "ok"),
        ("p", "error"),
        ("o", "not_reached"),
    ]
    assert g["complete"] is False
    err = g["error"]
    assert err["node"] == "p" and err["type"] == "ValueError"
    assert "ndim=4" in err["message"]  # the original message is kept
    text = err["explanation"]
    assert text.startswith("Layer 'p' (Permute) cannot take the output of 'd' (Dense).")
    assert "(None, 784)" in text and "4 dimensions" in text and "has only 2" in text
    assert "Reshape((28, 28, 1))" in text  # a concrete hint
    failing = g["nodes"][2]
    assert failing["error"]["explanation"] == text and "node" not in failing["error"]
    assert failing["input_shape"] == [None, 784] and failing["output_shape"] is None
    assert g["nodes"][1]["output_shape"] == [None, 784]
    assert [(e["source"], e["target"], e["pending"]) for e in g["edges"]] == [
        ("d_input", "d", False),
        ("d", "p", False),
        ("p", "o", True),
    ]
    assert g["edges"][1]["shape"] == [None, 784]
    assert g["outputs"] == ["d"]
    json.dumps(g)


def test_rank_too_high_suggests_flatten():
    g = partial_graph([L.Permute((2, 1), name="p")], input_shape=(4, 4, 3))
    text = g["error"]["explanation"]
    assert "cannot take the model's input" in text
    assert "exactly 3 dimensions" in text and "has 4" in text and "Flatten" in text
    assert "48 values per sample" in text


def test_reshape_with_the_wrong_size():
    g = partial_graph([L.Dense(784, name="d"), L.Reshape((27, 27), name="r")], input_shape=(8,))
    text = g["error"]["explanation"]
    assert "784 values" in text and "(27, 27) holds 729" in text and "-1" in text


def test_layer_already_built_for_another_size():
    reused = L.Dense(3, name="reused")
    reused.build((None, 5))
    g = partial_graph([L.Dense(4, name="d"), reused], input_shape=(8,))
    text = g["error"]["explanation"]
    assert g["error"]["node"] == "reused"
    assert "already built" in text and "size 5" in text and "size 4" in text


def test_any_other_error_keeps_the_layers_own_message():
    class Picky(Layer):
        def call(self, x):
            raise ValueError("I only like odd widths")

    g = partial_graph([L.Dense(4, name="d"), Picky(name="picky")], input_shape=(3,))
    assert g["error"]["node"] == "picky"
    assert "Picky rejected it with: I only like odd widths" in g["error"]["explanation"]


def test_everything_builds():
    g = partial_graph([L.Dense(4, name="a"), L.Dense(2, name="b")], input_shape=(3,))
    assert g["complete"] is True and g["error"] is None
    assert statuses(g) == [("a_input", "ok"), ("a", "ok"), ("b", "ok")]
    assert g["outputs"] == ["b"] and g["nodes"][-1]["output_shape"] == [None, 2]


def test_input_shape_from_the_first_layer_or_an_input_layer():
    g = partial_graph([L.Dense(4, input_shape=(3,), name="a"), L.Reshape((3, 3), name="r")])
    assert g["nodes"][0]["output_shape"] == [None, 3] and g["error"]["node"] == "r"
    g = partial_graph([L.InputLayer(input_shape=(6,), name="inp"), L.Reshape((4, 2), name="r2")])
    assert g["inputs"] == ["inp"] and g["error"]["node"] == "r2"
    with pytest.raises(ValueError, match="input_shape"):
        partial_graph([L.Dense(4)])


def test_accepts_a_sequential_model():
    model = Sequential([L.Dense(4, name="a"), L.Permute((2, 1), name="p")])  # not built yet
    g = partial_graph(model, input_shape=(3,))
    assert g["error"]["node"] == "p"
    built = Sequential([L.Dense(4, input_shape=(3,), name="b")])
    assert partial_graph(built)["complete"] is True


def test_describe_shape():
    assert describe_shape((None, 10)) == "a batch of vectors of 10 values"
    assert describe_shape((None, 28, 28, 1)).startswith("a batch of 28×28×1 arrays")
    assert describe_shape((None,)) == "a batch of single numbers"


def test_the_classic_conv2d_on_flat_input_mistake():
    layers = [L.Dense(784, name="d"), L.Conv2D(8, 3, name="conv"), L.Flatten(), L.Dense(10)]
    g = partial_graph(layers, input_shape=(20,))
    assert g["error"]["node"] == "conv"
    assert "Reshape((28, 28, 1))" in g["error"]["explanation"]
    assert [n["status"] for n in g["nodes"]][-2:] == ["not_reached", "not_reached"]
