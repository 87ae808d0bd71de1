"""kviz.viz.graph: the plain graph description of a model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kviz import layers as L
from kviz import ops
from kviz.models import Model, Sequential
from kviz.viz import graph


def ids(g):
    return [n["id"] for n in g["nodes"]]


def edges(g):
    return [(e["source"], e["target"]) for e in g["edges"]]


def node(g, nid):
    return next(n for n in g["nodes"] if n["id"] == nid)


def test_sequential_shows_the_input_layer_as_keras_does():
    model = Sequential(
        [
            L.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
            L.Dropout(0.5, name="drop"),
            L.Dense(3, activation="softmax", name="out"),
        ],
        name="seq",
    )
    g = graph(model)
    assert g["name"] == "seq" and g["class_name"] == "Sequential"
    assert ids(g) == ["hidden_input", "hidden", "drop", "out"]
    assert edges(g) == [("hidden_input", "hidden"), ("hidden", "drop"), ("drop", "out")]
    assert g["inputs"] == ["hidden_input"] and g["outputs"] == ["out"]
    assert g["complete"] is True and g["error"] is None
    inp, hidden, drop, out = g["nodes"]
    assert inp["kind"] == "input" and inp["class_name"] == "InputLayer"
    assert inp["input_shape"] == inp["output_shape"] == [None, 4]
    assert hidden["label"] == "hidden: Dense"
    assert hidden["input_shape"] == [None, 4] and hidden["output_shape"] == [None, 8]
    assert hidden["activation"] == "relu" and out["activation"] == "softmax"
    assert drop["activation"] is None
    assert hidden["params"] == 4 * 8 + 8 and out["params"] == 8 * 3 + 3 and drop["params"] == 0
    assert hidden["dtype"] == "float32"
    assert [w["shape"] for w in hidden["weights"]] == [[4, 8], [8]]
    assert all(w["trainable"] for w in hidden["weights"])
    for n in g["nodes"]:
        assert n["parent"] is None and n["is_model"] is False and n["calls"] == 1
        assert n["status"] == "ok" and n["error"] is None and n["expanded"] is False
    for e in g["edges"]:
        assert e["shared"] is False and e["pending"] is False
    assert g["edges"][0]["shape"] == [None, 4] and g["edges"][0]["dtype"] == "float32"
    assert json.loads(json.dumps(g)) == g  # plain data, JSON round trip


def test_trainable_flag_and_non_trainable_weights():
    model = Sequential([L.Dense(2, input_shape=(3,), name="a"), L.BatchNormalization(name="bn")])
    model.get_layer("a").trainable = False
    g = graph(model)
    assert node(g, "a")["trainable"] is False
    assert node(g, "bn")["trainable"] is True
    bn = node(g, "bn")["weights"]
    assert [w["trainable"] for w in bn] == [True, True, False, False]


def test_branches_and_skip_connection():
    x = L.Input((6,), name="x")
    a = L.Dense(4, name="a")(x)
    b = L.Dense(4, name="b")(x)
    c = L.Concatenate(name="cat")([a, b])
    d = L.Dense(6, name="d")(c)
    y = L.Add(name="skip")([d, x])
    g = graph(Model(x, y))
    assert set(edges(g)) == {
        ("x", "a"),
        ("x", "b"),
        ("a", "cat"),
        ("b", "cat"),
        ("cat", "d"),
        ("d", "skip"),
        ("x", "skip"),
    }
    assert node(g, "cat")["input_shape"] == [[None, 4], [None, 4]]
    assert node(g, "skip")["input_shape"] == [[None, 6], [None, 6]]
    assert node(g, "skip")["output_shape"] == [None, 6]


def test_shared_layer_is_one_node_with_several_edges():
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    y = L.Add(name="add")([shared(a), shared(b)])
    g = graph(Model([a, b], y))
    assert ids(g).count("shared") == 1
    s = node(g, "shared")
    assert s["calls"] == 2 and s["input_shape"] == [None, 4] and s["output_shape"] == [None, 3]
    assert edges(g) == [("a", "shared"), ("b", "shared"), ("shared", "add"), ("shared", "add")]
    assert [e["call"] for e in g["edges"] if e["target"] == "shared"] == [0, 1]
    assert all(e["shared"] for e in g["edges"])


def test_shared_layer_with_different_shapes_per_call_says_multiple():
    a = L.Input((4,), name="a")
    b = L.Input((5, 4), name="b")
    shared = L.Dense(3, name="shared")
    g = graph(Model([a, b], [shared(a), shared(b)]))
    s = node(g, "shared")
    assert s["input_shape"] == "multiple" and s["output_shape"] == "multiple"
    assert [e["shape"] for e in g["edges"]] == [[None, 4], [None, 5, 4]]
    assert g["outputs"] == ["shared"]


def test_multi_input_multi_output():
    img = L.Input((8,), name="img")
    meta = L.Input((2,), name="meta")
    h = L.Concatenate(name="join")([L.Dense(4, name="enc")(img), meta])
    cls = L.Dense(3, activation="softmax", name="cls")(h)
    reg = L.Dense(1, name="reg")(h)
    g = graph(Model([img, meta], [reg, cls]))
    assert g["inputs"] == ["img", "meta"]
    assert g["outputs"] == ["reg", "cls"]
    assert set(edges(g)) == {
        ("img", "enc"),
        ("enc", "join"),
        ("meta", "join"),
        ("join", "cls"),
        ("join", "reg"),
    }


def test_op_lambda_nodes():
    x = L.Input((3,), name="x")
    h = L.Dense(3, name="h")(x)
    y = ops.mean(ops.add(h, 1.0), axis=-1)
    g = graph(Model(x, y))
    ops_nodes = [n for n in g["nodes"] if n["kind"] == "op"]
    assert [n["class_name"] for n in ops_nodes] == ["OpLambda", "OpLambda"]
    add, mean = ops_nodes
    assert add["name"].endswith("add") and mean["name"].endswith("mean")
    assert add["params"] == 0 and add["trainable"] is False and add["dtype"] == "float32"
    assert add["input_shape"] == [None, 3] and mean["output_shape"] == [None]
    assert edges(g) == [("x", "h"), ("h", add["id"]), (add["id"], mean["id"])]
    assert g["outputs"] == [mean["id"]]


def test_op_lambda_with_two_tensor_inputs():
    x = L.Input((3,), name="x")
    h = L.Dense(3, name="h")(x)
    y = ops.multiply(h, x)
    g = graph(Model(x, y))
    op = g["nodes"][-1]
    assert op["input_shape"] == [[None, 3], [None, 3]]
    assert {e["source"] for e in g["edges"] if e["target"] == op["id"]} == {"h", "x"}


def _inner():
    return Sequential(
        [L.Dense(5, activation="relu", input_shape=(4,), name="in_a"), L.Dense(2, name="in_b")],
        name="inner",
    )


def test_nested_model_collapsed_is_one_node():
    inner = _inner()
    x = L.Input((4,), name="x")
    y = L.Dense(1, name="head")(inner(x))
    g = graph(Model(x, y))
    assert ids(g) == ["x", "inner", "head"]
    n = node(g, "inner")
    assert n["is_model"] and n["kind"] == "model" and n["class_name"] == "Sequential"
    assert n["expanded"] is False and n["activation"] is None
    assert n["params"] == inner.count_params() == 4 * 5 + 5 + 5 * 2 + 2
    assert n["input_shape"] == [None, 4] and n["output_shape"] == [None, 2]
    assert edges(g) == [("x", "inner"), ("inner", "head")]


def test_nested_model_expanded_wires_edges_through():
    inner = _inner()
    x = L.Input((4,), name="x")
    y = L.Dense(1, name="head")(inner(x))
    g = graph(Model(x, y), expand_nested=True)
    assert ids(g) == ["x", "inner", "inner/in_a_input", "inner/in_a", "inner/in_b", "head"]
    container = node(g, "inner")
    assert container["expanded"] is True and container["is_model"] is True
    for nid in ("inner/in_a_input", "inner/in_a", "inner/in_b"):
        assert node(g, nid)["parent"] == "inner"
    assert node(g, "inner/in_a")["name"] == "in_a"
    assert set(edges(g)) == {
        ("x", "inner/in_a_input"),
        ("inner/in_a_input", "inner/in_a"),
        ("inner/in_a", "inner/in_b"),
        ("inner/in_b", "head"),
    }
    assert not any("inner" in (s, t) for s, t in edges(g))  # no edge touches the cluster


def test_nested_model_as_output_resolves_to_inner_layer():
    inner = _inner()
    x = L.Input((4,), name="x")
    model = Model(x, inner(x))
    assert graph(model)["outputs"] == ["inner"]
    assert graph(model, expand_nested=True)["outputs"] == ["inner/in_b"]


def test_doubly_nested_and_multi_input_nested_expanded():
    p = L.Input((3,), name="p")
    q = L.Input((2,), name="q")
    core = Model([p, q], L.Concatenate(name="c")([L.Dense(2, name="dp")(p), q]), name="core")
    u = L.Input((3,), name="u")
    v = L.Input((2,), name="v")
    mid = Model([u, v], L.Dense(1, name="m")(core([u, v])), name="mid")
    a = L.Input((2,), name="a")
    b = L.Input((3,), name="b")
    top = Model([a, b], mid([b, a]))  # note the order: b feeds mid's first input
    g = graph(top, expand_nested=True)
    assert node(g, "mid/core")["parent"] == "mid" and node(g, "mid/core")["expanded"]
    assert node(g, "mid/core/dp")["parent"] == "mid/core"
    got = set(edges(g))
    assert ("b", "mid/u") in got and ("a", "mid/v") in got
    assert ("mid/u", "mid/core/p") in got and ("mid/v", "mid/core/q") in got
    assert ("mid/core/c", "mid/m") in got
    assert g["outputs"] == ["mid/m"]
    collapsed = graph(top)
    assert set(edges(collapsed)) == {("a", "mid"), ("b", "mid")}


def test_shared_nested_model_expanded():
    inner = _inner()
    x1 = L.Input((4,), name="x1")
    x2 = L.Input((4,), name="x2")
    y = L.Add(name="sum")([inner(x1), inner(x2)])
    g = graph(Model([x1, x2], y), expand_nested=True)
    assert ids(g).count("inner/in_a") == 1
    assert node(g, "inner")["calls"] == 2 and node(g, "inner/in_a")["calls"] == 2
    into = [e for e in g["edges"] if e["target"] == "inner/in_a_input"]
    assert {e["source"] for e in into} == {"x1", "x2"} and all(e["shared"] for e in into)
    assert edges(g).count(("inner/in_b", "sum")) == 2


def test_layer_range():
    model = Sequential(
        [L.Dense(4, input_shape=(3,), name="d1"), L.Dense(4, name="d2"), L.Dense(4, name="d3")]
    )
    g = graph(model, layer_range=["d2", "d3"])
    assert ids(g) == ["d2", "d3"] and edges(g) == [("d2", "d3")]
    assert g["inputs"] == [] and g["outputs"] == ["d3"]
    g = graph(model, layer_range=["d1$", "d2"])  # re.match, as Keras: "d1" alone matches d1_input
    assert ids(g) == ["d1", "d2"] and edges(g) == [("d1", "d2")]
    g = graph(model, layer_range=["d.*input", "d[23]"])  # regexes: first match, last match
    assert ids(g) == ["d1_input", "d1", "d2", "d3"]
    with pytest.raises(ValueError, match="length 2"):
        graph(model, layer_range=["d1"])
    with pytest.raises(ValueError, match="string"):
        graph(model, layer_range=[0, 1])
    with pytest.raises(ValueError, match="do not match"):
        graph(model, layer_range=["nope", "d2"])


def test_show_shapes_false_leaves_shapes_out():
    model = Sequential([L.Dense(2, input_shape=(3,))])
    g = graph(model, show_shapes=False)
    assert all(n["input_shape"] is None and n["output_shape"] is None for n in g["nodes"])
    assert all(e["shape"] is None for e in g["edges"])


def test_unbuilt_model_and_wrong_argument():
    with pytest.raises(ValueError, match="not yet been built"):
        graph(Sequential([L.Dense(2)]))
    with pytest.raises(TypeError, match="expects a kviz Model"):
        graph(L.Dense(2))


def test_subclassed_model_is_one_node():
    class Tiny(Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)

    m = Tiny()
    m(np.zeros((1, 3), "float32"))
    g = graph(m)
    assert ids(g) == ["tiny"] and g["edges"] == []
    assert g["nodes"][0]["class_name"] == "Tiny" and g["nodes"][0]["params"] == 8


def test_sequential_with_only_an_input():
    model = Sequential([L.InputLayer(input_shape=(3,), name="only")])
    g = graph(model)
    assert ids(g) == ["only"] and g["edges"] == []


def test_layers_with_the_same_name_get_unique_ids():
    inner = Sequential([L.Dense(2, input_shape=(2,), name="d")], name="inner")
    x = L.Input((2,), name="x")
    y = L.Dense(2, name="d")(inner(x))
    g = graph(Model(x, y), expand_nested=True)
    assert len(set(ids(g))) == len(ids(g))
    assert ("inner/d", "d") in edges(g)
