"""The symbolic graph: KerasTensor, nest, naming, Node/Operation, OpLambda and graph execution."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import ops
from kviz.autodiff import GradientTape, Tensor, Variable, gradients
from kviz.graph import KerasTensor, Node, Operation, is_keras_tensor, nest
from kviz.graph.execution import ExecutionContext, evaluate, nodes_in_order, run_nodes
from kviz.graph.naming import get_uid, reset_uids, to_snake_case, unique_name
from kviz.ops.core import OpLambda, infer_symbolic


class Scale(Operation):
    """A tiny one-input operation: ``x * factor``; records ``ctx.training`` when it runs."""

    def __init__(self, factor, name):
        super().__init__(name)
        self.factor = factor
        self.seen_training = []

    def __call__(self, x):
        out = KerasTensor(x.shape, x.dtype, name=f"{self.name}/out")
        Node(self, (x,), {}, out)
        return out

    def _run_node(self, node, args, kwargs, ctx):
        self.seen_training.append(ctx.training)
        return ops.multiply(args[0], self.factor), None


class Join(Operation):
    """Two inputs (one by keyword) -> two outputs (sum and difference) and their masks."""

    def __call__(self, a, b):
        outs = [KerasTensor(a.shape, a.dtype), KerasTensor(a.shape, a.dtype)]
        Node(self, (a,), {"other": b}, outs)
        return outs

    def _run_node(self, node, args, kwargs, ctx):
        a, b = args[0], kwargs["other"]
        return [ops.add(a, b), ops.subtract(a, b)], [np.array(True), None]


def diamond():
    """x -> a -> (b, c -> c2) -> d = join(b, c2)[0]."""
    x = KerasTensor((None, 2), name="x")
    a = Scale(2.0, "a")(x)
    b = Scale(3.0, "b")(a)
    c = Scale(5.0, "c")(a)
    c2 = Scale(7.0, "c2")(c)
    d, e = Join("d")(b, c2)
    return x, a, b, c, c2, d, e


# --------------------------------------------------------------------------- KerasTensor


def test_keras_tensor_basics():
    t = KerasTensor((None, 3), "float64", name="x")
    assert t.shape == (None, 3) == t._keras_shape and t.ndim == 2 and t.dtype == "float64"
    assert KerasTensor([2, np.int64(3)], np.float32).shape == (2, 3)
    assert is_keras_tensor(t) and not is_keras_tensor(np.ones(2))
    assert "shape=(None, 3)" in repr(t)
    with pytest.raises(TypeError, match="len"):
        len(t)
    with pytest.raises(TypeError, match="bool"):
        bool(t)
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(t)
    with pytest.raises(TypeError, match="unknown"):
        iter(t)
    rows = list(KerasTensor((2, 3)))
    assert [r.shape for r in rows] == [(3,), (3,)]


def test_keras_tensor_operators_build_nodes():
    x = KerasTensor((None, 4))
    y = (2.0 - x[:, 1:]) * np.arange(3.0) / 2 + 1
    assert y.shape == (None, 3) and y.dtype == "float32"
    assert isinstance(y._keras_history[0], OpLambda)
    z = abs(-x) ** 2 @ np.ones((4, 2))
    assert z.shape == (None, 2)
    assert (x > 0).dtype == "bool" and x.T.shape == (4, None)
    np.testing.assert_allclose(
        evaluate(y, {id(x): np.ones((2, 4), "float32")}), [[1.0, 1.5, 2.0]] * 2
    )


# ---------------------------------------------------------------------------------- nest


def test_nest_flatten_and_pack():
    s = [1, (2, {"b": 4, "a": 3}), [], {"z": [5]}]
    assert nest.flatten(s) == [1, 2, 3, 4, 5]  # dict values in sorted-key order
    packed = nest.pack_like(s, [10, 20, 30, 40, 50])
    assert packed == [10, (20, {"b": 40, "a": 30}), [], {"z": [50]}]
    assert list(packed[1][1]) == ["b", "a"]  # keeps the original key order
    assert nest.map_structure(lambda v: -v, (1, [2])) == (-1, [-2])
    assert nest.flatten(7) == [7] and nest.pack_like(7, [8]) == 8
    assert nest.is_nested([]) and nest.is_nested({}) and not nest.is_nested(np.ones(2))


# -------------------------------------------------------------------------------- naming


def test_unique_names_and_uids():
    reset_uids()
    assert [unique_name("dense") for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert unique_name("conv", zero_based=False) == "conv_1"
    assert unique_name("conv", zero_based=False) == "conv_2"
    assert (get_uid("x"), get_uid("x"), get_uid("y")) == (1, 2, 1)
    reset_uids()
    assert unique_name("dense") == "dense" and get_uid("x") == 1


@pytest.mark.parametrize(
    "cls,name",
    [
        ("Dense", "dense"),
        ("Conv2DTranspose", "conv2d_transpose"),
        ("LSTM", "lstm"),
        ("GRUCell", "gru_cell"),
        ("BatchNormalization", "batch_normalization"),
        ("ReLU", "re_lu"),
        ("PReLU", "p_re_lu"),
        ("_Private", "private__private"),
    ],
)
def test_to_snake_case(cls, name):
    assert to_snake_case(cls) == name


# ------------------------------------------------------------------------ nodes and order


def test_nodes_record_history_and_links():
    x, a, b, c, c2, d, e = diamond()
    op_a = a._keras_history[0]
    assert a._keras_history == (op_a, 0, 0) and a.node is op_a._inbound_nodes[0]
    assert e._keras_history[2] == 1 and d.node is e.node
    assert [n.operation.name for n in op_a._outbound_nodes] == ["b", "c"]
    assert d.node.input_tensors == [b, c2]
    assert [p.operation.name for p in d.node.parent_nodes] == ["b", "c2"]
    assert d.node.call_inputs is b and d.node.input_shapes == (None, 2)
    assert d.node.output_shapes == [(None, 2), (None, 2)]
    assert a.node.parent_nodes == [] and "Node of a#0" in repr(a.node)


def test_nodes_in_order_with_a_diamond():
    x, a, b, c, c2, d, e = diamond()
    order = [n.operation.name for n in nodes_in_order([d, e])]
    assert sorted(order) == ["a", "b", "c", "c2", "d"]  # each node once
    pos = {name: i for i, name in enumerate(order)}
    for parent, child in [("a", "b"), ("a", "c"), ("c", "c2"), ("b", "d"), ("c2", "d")]:
        assert pos[parent] < pos[child]
    assert [n.operation.name for n in nodes_in_order(c2)] == ["a", "c", "c2"]
    assert [n.operation.name for n in nodes_in_order(d, stop_at=[a, c2])] == ["b", "d"]
    assert nodes_in_order(x) == []


def test_nodes_in_order_handles_deep_graphs():
    x = KerasTensor((2,))
    y = x
    for i in range(3000):
        y = Scale(1.0, f"s{i}")(y)
    assert len(nodes_in_order(y)) == 3000


# ----------------------------------------------------------------------------- execution


def test_evaluate_a_diamond_with_nested_outputs():
    x, a, b, c, c2, d, e = diamond()
    v = np.array([[1.0, 2.0]], "float32")
    out = evaluate({"d": d, "more": [e, c]}, {id(x): v}, training=True)
    np.testing.assert_allclose(out["d"], v * 2 * 3 + v * 2 * 35)
    np.testing.assert_allclose(out["more"][0], v * 6 - v * 70)
    np.testing.assert_allclose(out["more"][1], v * 10)
    assert a._keras_history[0].seen_training == [True]  # shared node ran once


def test_evaluate_passes_through_fed_outputs_and_constants():
    x, a, *_ = diamond()
    assert evaluate([a, 3], {id(a): "fed"}) == ["fed", 3]


def test_evaluate_feeding_an_intermediate_tensor_skips_its_ancestors():
    x, a, b, c, c2, d, e = diamond()
    v = np.ones((1, 2))
    np.testing.assert_allclose(evaluate(d, {id(a): v}), v * 3 + v * 35)
    np.testing.assert_allclose(evaluate(d, {id(b): v, id(c): v}), v + v * 7)


def test_graph_disconnected_error():
    x, a, b, c, c2, d, e = diamond()
    with pytest.raises(ValueError, match='Graph disconnected.*x.*"a"'):
        evaluate(d, {})
    with pytest.raises(ValueError, match="Graph disconnected"):
        evaluate(d, {id(b): np.ones((1, 2))})  # c2's branch still needs x


def test_run_nodes_collects_masks():
    x, a, b, c, c2, d, e = diamond()
    ctx = ExecutionContext(training=False)
    ctx.values[id(x)] = np.ones((1, 2))
    run_nodes(nodes_in_order([d, e]), ctx)
    assert ctx.masks == {id(d): np.array(True)} and set(ctx.values) >= {id(d), id(e)}


def test_evaluate_inside_a_tape_records_gradients():
    x, a, b, c, c2, d, e = diamond()
    v = Variable(np.array([[1.0, -1.0]]))
    with GradientTape():
        y = ops.sum(evaluate(d, {id(x): v}))
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(gradients(y, [v])[0], np.full((1, 2), 6.0 + 70.0))


# ------------------------------------------------------------------------------- OpLambda


def test_op_lambda_layer_surface():
    reset_uids()
    x = KerasTensor((None, 3), name="x")
    y = ops.add(x, 1.0)
    z = ops.add(y, x)
    op1, op2 = y._keras_history[0], z._keras_history[0]
    assert (op1.name, op2.name) == ("kviz.ops.add", "kviz.ops.add_1")
    assert op1.output is y and op1.input is x and op1.output_shape == (None, 3)
    assert op1.get_config() == {
        "name": "kviz.ops.add",
        "trainable": False,
        "function": "kviz.ops.add",
    }
    assert op1.count_params() == 0 and op1.get_weights() == [] and op1.weights == []
    assert op1.trainable_weights == [] and op1.losses == [] and not op1.trainable
    op1.set_weights([])
    with pytest.raises(ValueError, match="no weights"):
        op1.set_weights([np.ones(1)])
    assert [n.operation for n in nodes_in_order(z)] == [op1, op2]


def test_ops_detect_keras_tensors_in_nested_arguments():
    a, b = KerasTensor((None, 2)), KerasTensor((None, 3))
    assert ops.concatenate([a, b], axis=-1).shape == (None, 5)
    assert ops.concatenate(tensors=[a, b], axis=-1).shape == (None, 5)
    assert ops.stack((a, a), axis=1).shape == (None, 2, 2)


def test_op_mixing_keras_tensors_and_variables():
    x = KerasTensor((None, 2), "float64")
    w = Variable(np.array([[1.0], [2.0]]))
    y = ops.matmul(x, w)
    assert y.shape == (None, 1)
    v = np.array([[1.0, 1.0], [2.0, 0.0]])
    np.testing.assert_allclose(evaluate(y, {id(x): v}), [[3.0], [2.0]])
    with GradientTape():
        loss = ops.sum(evaluate(y, {id(x): v}))
    np.testing.assert_allclose(gradients(loss, [w])[0], [[3.0], [1.0]])


def test_infer_symbolic_unknown_dims_and_structures():
    x = KerasTensor((None, 4), "float64")
    out = infer_symbolic(lambda t: {"sum": t.sum(0), "rows": [t, t[:, :2]]}, (x,), {}, "probe")
    assert out["sum"].shape == (4,) and out["sum"].dtype == "float64"
    assert [t.shape for t in out["rows"]] == [(None, 4), (None, 2)]
    n = infer_symbolic(lambda t: np.zeros((int(t.shape[0]) * 5,)), (x,), {}, "probe")
    assert n.shape == (None,)
    i = infer_symbolic(lambda t: t + 1, (KerasTensor((None,), "int32"),), {}, "probe")
    assert i.dtype == "int32"
