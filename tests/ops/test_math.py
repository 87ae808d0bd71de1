"""kviz.ops.math: values against NumPy, gradients against finite differences, symbolic shapes."""

from __future__ import annotations

import numpy as np
import pytest
from harness import check_op

from kviz import config, ops
from kviz.autodiff import GradientTape, Tensor, Variable, gradients
from kviz.graph import KerasTensor
from kviz.ops import math as m

RNG = np.random.default_rng(42)
X = RNG.normal(size=(3, 4))
POS = RNG.uniform(0.5, 2.0, size=(3, 4))
# values away from the kinks of abs/sign and from the jumps of round/floor/ceil
AWAY = np.array([[-1.7, -0.2, 0.3, 1.2], [2.6, -2.4, 0.8, -0.7], [0.15, -3.3, 1.9, -1.1]])
X3 = RNG.permutation(24).reshape(2, 3, 4) / 7.0 - 1.5  # distinct values: no max/min ties

COVERED: set[str] = set()


def covers(*names):
    COVERED.update(names)


# ----------------------------------------------------------------------------------- unary

UNARY = {
    "negative": (np.negative, X),
    "exp": (np.exp, X),
    "log": (np.log, POS),
    "sqrt": (np.sqrt, POS),
    "square": (np.square, X),
    "abs": (np.abs, AWAY),
    "tanh": (np.tanh, X),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), X),
    "softplus": (lambda x: np.log1p(np.exp(x)), X),
    "sin": (np.sin, X),
    "cos": (np.cos, X),
    "sign": (np.sign, AWAY),
    "round": (np.round, AWAY),
    "floor": (np.floor, AWAY),
    "ceil": (np.ceil, AWAY),
}
covers(*UNARY)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    reference, x = UNARY[name]
    check_op(getattr(ops, name), [x], reference=reference, none_batch=True)


@pytest.mark.parametrize("name", ["sign", "round", "floor", "ceil"])
def test_piecewise_constant_ops_have_no_gradient(name):
    v = Variable(AWAY)
    with GradientTape():
        y = ops.sum(getattr(ops, name)(v))
    assert gradients(y, [v]) == [None]


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "sin"])
def test_float_ops_on_int_inputs_give_floatx(name):
    x = np.array([[1, 2], [3, 4]], dtype="int32")
    y = getattr(ops, name)(x)
    assert y.dtype == config.floatx()
    np.testing.assert_allclose(y, getattr(ops, name)(x.astype("float64")), rtol=1e-6)


def test_sigmoid_and_softplus_are_stable_in_the_tails():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype="float32")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, sp = ops.sigmoid(x), ops.softplus(x)
    np.testing.assert_allclose(s, [0, 1.9287498e-22, 0.5, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(sp, [0, 1.9287498e-22, np.log(2), 50, 1000], rtol=1e-6)


# ------------------------------------------------------------------------------ binary

BINARY = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "maximum": np.maximum,
    "minimum": np.minimum,
}
covers(*BINARY)
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((3, 4), ()), ((), (2, 3))]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_broadcasting(name, shapes):
    rng = np.random.default_rng(len(shapes[0]) * 10 + len(shapes[1]))
    a = rng.uniform(0.5, 2.0, size=shapes[0])
    b = rng.uniform(-2.0, -0.5, size=shapes[1]) * rng.choice([-1, 1], size=shapes[1])
    flags = [len(s) == 2 and s[0] != 1 for s in shapes]  # a batch dim of its own
    check_op(getattr(ops, name), [a, b], reference=BINARY[name], none_batch=flags)


def test_binary_with_unknown_batch_on_both_sides():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    r = check_op(ops.multiply, [a, b], reference=np.multiply, none_batch=True)
    assert r.symbolic[0].shape == (None, 3)


@pytest.mark.parametrize(
    "fn,a_wins",
    [(ops.maximum, True), (ops.minimum, True)],
    ids=["maximum", "minimum"],
)
def test_maximum_minimum_ties_send_the_gradient_to_the_first_input(fn, a_wins):
    # TensorFlow's rule (x >= y for maximum, x <= y for minimum selects x), as Keras 2 did
    a, b = Variable(np.array([1.0, 2.0, 3.0])), Variable(np.array([1.0, 0.0, 5.0]))
    with GradientTape():
        y = ops.sum(fn(a, b))
    ga, gb = gradients(y, [a, b])
    if fn is ops.maximum:
        np.testing.assert_array_equal(ga, [1, 1, 0])
        np.testing.assert_array_equal(gb, [0, 0, 1])
    else:
        np.testing.assert_array_equal(ga, [1, 0, 1])
        np.testing.assert_array_equal(gb, [0, 1, 0])
    np.testing.assert_array_equal(ga + gb, [1, 1, 1])  # never double counted


def test_python_and_numpy_scalars_keep_float32():
    x = np.ones((2, 2), "float32")
    for s in (2, 2.5, np.float64(2.5), np.array(2.5), np.int64(3)):
        for fn in (ops.add, ops.subtract, ops.multiply, ops.divide, ops.maximum, ops.minimum):
            assert fn(x, s).dtype == np.float32, (fn.__name__, type(s))
            assert fn(s, x).dtype == np.float32, (fn.__name__, type(s))
        assert ops.pow(x, s).dtype == np.float32


def test_constants_take_the_dtype_of_tensor_operands():
    v = Variable(np.ones(3, "float32"))
    with GradientTape():
        y = ops.multiply(np.arange(3.0), v)  # float64 constant, float32 variable
        z = ops.add(v, np.array([1, 2, 3]))  # int constant
    assert isinstance(y, Tensor) and y.dtype == np.float32
    assert z.dtype == np.float32
    kt = KerasTensor((None, 3), "float32")
    assert ops.multiply(kt, np.arange(3.0)).dtype == "float32"
    assert ops.subtract(np.arange(3.0), kt).dtype == "float32"


def test_divide_of_ints_gives_floatx():
    y = ops.divide(np.array([1, 2, 3]), np.array([2, 2, 2]))
    assert y.dtype == config.floatx()
    np.testing.assert_allclose(y, [0.5, 1.0, 1.5])


# ------------------------------------------------------------------------ pow and clip

covers("pow", "clip")


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 1])
def test_pow_scalar_exponent(exponent):
    check_op(
        lambda x: ops.pow(x, exponent),
        [POS],
        reference=lambda x: np.power(x, exponent),
        none_batch=True,
    )


def test_pow_negative_base_integer_exponent():
    check_op(lambda x: ops.pow(x, 3), [X], reference=lambda x: x**3)


@pytest.mark.parametrize("eshape", [(3, 4), (4,), ()], ids=str)
def test_pow_tensor_exponent(eshape):
    e = RNG.uniform(-1, 2, size=eshape)
    check_op(ops.pow, [POS, e], reference=np.power, none_batch=[True, len(eshape) == 2])


def test_pow_detects_tensor_exponents():
    x = Variable(np.array([2.0, 3.0]))
    e = Variable(np.array(2.0))  # 0-d Variable: still a differentiable exponent
    with GradientTape():
        y = ops.sum(ops.pow(x, e))
    gx, ge = gradients(y, [x, e])
    np.testing.assert_allclose(gx, [4.0, 6.0])
    np.testing.assert_allclose(ge, 4 * np.log(2) + 9 * np.log(3))
    with GradientTape():
        w = ops.sum(2.0**x)  # __rpow__ with a Python base
    np.testing.assert_allclose(gradients(w, [x])[0], np.log(2) * np.array([4.0, 8.0]))


def test_pow_int_input():
    y = ops.pow(np.array([1, 2, 4]), -1)
    assert y.dtype.kind == "f"
    np.testing.assert_allclose(y, [1, 0.5, 0.25])
    np.testing.assert_array_equal(ops.pow(np.array([1, 2, 3]), 2), [1, 4, 9])


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None), (None, None), (1, 0)])
def test_clip(lo, hi):
    x = AWAY / 2
    ref_hi = hi if lo is None or hi is None else max(lo, hi)
    check_op(
        lambda a: ops.clip(a, lo, hi),
        [x],
        reference=lambda a: np.clip(
            a, -np.inf if lo is None else lo, np.inf if ref_hi is None else ref_hi
        ),
        none_batch=True,
    )


def test_clip_keeps_float32_with_numpy_bounds():
    x = np.linspace(-2, 2, 5).astype("float32")
    assert ops.clip(x, np.float64(-1), np.float64(1)).dtype == np.float32


# ------------------------------------------------------------------ comparisons, logic

COMPARE = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "less": np.less,
    "less_equal": np.less_equal,
}
LOGIC = {"logical_and": np.logical_and, "logical_or": np.logical_or}
covers(*COMPARE, *LOGIC, "logical_not")


@pytest.mark.parametrize("name", sorted(COMPARE))
def test_comparisons(name):
    a = np.round(X)
    b = np.round(X[:, ::-1])
    r = check_op(getattr(ops, name), [a, b], reference=COMPARE[name], none_batch=True)
    assert r.outputs[0].dtype == bool


@pytest.mark.parametrize("name", sorted(LOGIC))
def test_logical(name):
    a, b = X > 0, X[::-1] > 0
    check_op(getattr(ops, name), [a, b], reference=LOGIC[name], none_batch=True)


def test_logical_not():
    check_op(ops.logical_not, [X > 0], reference=np.logical_not, none_batch=True)


def test_comparisons_are_not_recorded():
    v = Variable(X)
    with GradientTape():
        c = ops.greater(v, 0.0)
    assert isinstance(c, np.ndarray) and c.dtype == bool


covers("where")


@pytest.mark.parametrize(
    "shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), ()), ((3, 1), (1, 4), (3, 4))], ids=str
)
def test_where(shapes):
    rng = np.random.default_rng(7)
    c = rng.random(shapes[0]) > 0.5
    x, y = rng.normal(size=shapes[1]), rng.normal(size=shapes[2])
    check_op(ops.where, [c, x, y], reference=np.where)


def test_where_condition_can_be_a_tensor():
    v = Variable(X)
    with GradientTape():
        y = ops.sum(ops.where(ops.greater(v, 0), v, ops.square(v)))
    np.testing.assert_allclose(gradients(y, [v])[0], np.where(X > 0, 1.0, 2 * X))


# --------------------------------------------------------------------------- reductions

REDUCE = {
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "prod": np.prod,
    "var": np.var,
    "std": np.std,
    "logsumexp": lambda x, axis=None, keepdims=False: np.log(
        np.sum(np.exp(x), axis=axis, keepdims=keepdims)
    ),
}
covers(*REDUCE)
AXES = [None, 0, 1, -1, -2, (0, 2), (-1, 0), [1, 2]]


@pytest.mark.parametrize("name", sorted(REDUCE))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(name, axis, keepdims):
    fn, ref = getattr(ops, name), REDUCE[name]
    ref_axis = tuple(axis) if isinstance(axis, list) else axis
    check_op(
        lambda x: fn(x, axis=axis, keepdims=keepdims),
        [X3],
        reference=lambda x: ref(x, axis=ref_axis, keepdims=keepdims),
        none_batch=True,
    )


def test_reductions_of_a_scalar_and_a_vector():
    check_op(ops.sum, [np.array(2.5)], reference=np.sum)
    check_op(lambda x: ops.mean(x, axis=-1), [np.arange(4.0)], reference=lambda x: x.mean(-1))


def test_reduction_outputs_are_arrays():
    y = ops.sum(np.ones((2, 2), "float32"))
    assert isinstance(y, np.ndarray) and y.shape == () and y.dtype == np.float32


def test_max_splits_the_gradient_between_ties():
    v = Variable(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]))
    with GradientTape():
        y = ops.sum(ops.max(v, axis=1))
    np.testing.assert_allclose(gradients(y, [v])[0], [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    v32 = Variable(np.array([1.0, 1.0], "float32"))
    with GradientTape():
        y = ops.min(v32)
    g = gradients(y, [v32])[0]
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [0.5, 0.5])


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [1.5, 2.0, 3.0]])
def test_prod_gradient_with_zeros(values):
    check_op(ops.prod, [np.array(values)], reference=np.prod)
    check_op(
        lambda x: ops.prod(x, axis=1),
        [np.array([values, values[::-1]])],
        reference=lambda x: np.prod(x, axis=1),
    )


def test_logsumexp_is_stable_and_handles_minus_inf():
    x = np.array([[1000.0, 1000.0], [-np.inf, 0.0], [-1000.0, -1000.0]], "float32")
    y = ops.logsumexp(x, axis=1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [1000 + np.log(2), 0.0, -1000 + np.log(2)], rtol=1e-6)
    all_inf = ops.logsumexp(np.array([-np.inf, -np.inf]))
    assert all_inf == -np.inf
    v = Variable(np.array([[-np.inf, 0.0, 0.0]]))
    with GradientTape():
        s = ops.logsumexp(v, axis=-1)
    np.testing.assert_allclose(gradients(s, [v])[0], [[0, 0.5, 0.5]])


@pytest.mark.parametrize("name", ["mean", "var", "std"])
def test_mean_var_std_of_ints_are_floatx(name):
    y = getattr(ops, name)(np.array([[1, 2], [3, 5]]), axis=0)
    assert y.dtype == config.floatx()


covers("argmax", "argmin", "all", "any")


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_argmax_argmin(name, axis):
    r = check_op(
        lambda x: getattr(ops, name)(x, axis=axis),
        [X3],
        reference=lambda x: getattr(np, name)(x, axis=axis),
        none_batch=True,
    )
    assert r.outputs[0].dtype.kind == "i"


def test_argmax_default_axis_is_last():
    np.testing.assert_array_equal(ops.argmax(X3), np.argmax(X3, axis=-1))


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_all_any(name, axis, keepdims):
    x = X3 > -1.0
    check_op(
        lambda a: getattr(ops, name)(a, axis=axis, keepdims=keepdims),
        [x],
        reference=lambda a: getattr(np, name)(a, axis=axis, keepdims=keepdims),
        none_batch=True,
    )


# --------------------------------------------------------------------- cast, stop_gradient

covers("cast", "stop_gradient")


def test_cast_to_float64_is_differentiable():
    check_op(lambda x: ops.cast(x, "float64"), [X], reference=lambda x: x, check_float32=False)


def test_cast_between_float_types():
    v = Variable(X.astype("float32"))
    with GradientTape():
        y = ops.cast(v, "float64")
        loss = ops.sum(ops.multiply(y, 2.0))
    assert y.dtype == np.float64
    g = gradients(loss, [v])[0]
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.full(X.shape, 2.0))
    kt = KerasTensor((None, 4), "float64")
    assert ops.cast(kt, "float32").dtype == "float32"


def test_cast_to_int_and_bool():
    x = np.array([-1.7, 0.0, 2.9])
    r = check_op(lambda a: ops.cast(a, "int32"), [x], reference=lambda a: a.astype("int32"))
    assert r.outputs[0].dtype == np.int32
    np.testing.assert_array_equal(ops.cast(x, bool), [True, False, True])
    v = Variable(x)
    with GradientTape():
        i = ops.cast(v, "int64")
    assert isinstance(i, np.ndarray)


def test_cast_int_to_float():
    check_op(lambda a: ops.cast(a, "float32"), [np.arange(4)], reference=lambda a: a.astype("f4"))


def test_stop_gradient():
    check_op(ops.stop_gradient, [X], reference=lambda x: x, grad_inputs=(), none_batch=True)
    v = Variable(X)
    with GradientTape():
        y = ops.add(ops.sum(ops.stop_gradient(ops.square(v))), ops.sum(v))
    np.testing.assert_allclose(gradients(y, [v])[0], np.ones_like(X))
    with GradientTape():
        z = ops.sum(ops.stop_gradient(v))
    assert gradients(z, [v]) == [None]


# -------------------------------------------------------------------------------- exports


def test_every_math_op_is_covered():
    assert set(m.__all__) == COVERED


def test_star_import_exports_only_ops():
    names = {}
    exec("from kviz.ops.math import *", names)
    names.pop("__builtins__")
    assert set(names) == set(m.__all__)
    assert not {"np", "Primitive", "op", "apply", "unbroadcast"} & set(names)
    assert all(callable(names[n]) for n in names)
