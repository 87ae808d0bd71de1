"""kviz.activations: values against NumPy formulas, gradients, symbolic use, lookup by name."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kviz import activations, ops
from kviz.autodiff import GradientTape, Tensor, Variable
from kviz.graph import KerasTensor
from kviz.registry import CustomObjectScope

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _x(dtype="float32", shape=(4, 7), seed=0):
    return np.random.default_rng(seed).normal(scale=2.0, size=shape).astype(dtype)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_softplus(x):
    return np.log1p(np.exp(x))


def _np_erf(x):
    return np.vectorize(math.erf)(x)


REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "softplus": _np_softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "sigmoid": _np_sigmoid,
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "tanh": np.tanh,
    "linear": lambda x: x,
    "exponential": np.exp,
    "swish": lambda x: x * _np_sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + _np_erf(x / np.sqrt(2))),
    "mish": lambda x: x * np.tanh(_np_softplus(x)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_numpy(name, dtype):
    x = _x(dtype)
    fn = activations.get(name)
    y = np.asarray(fn(x))
    assert y.shape == x.shape
    if (name, dtype) != ("gelu", "float32"):  # see test_gelu_keeps_float32
        assert y.dtype == np.dtype(dtype)
    want = REFERENCE[name](x.astype("float64"))
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol)


def test_relu_arguments():
    x = np.array([-3.0, -1.0, -0.25, 0.25, 0.5, 1.5, 4.0, 9.0])
    y = activations.relu(x, alpha=0.1, max_value=5.0, threshold=0.3)
    want = np.where(x > 0.3, np.minimum(x, 5.0), 0.1 * (x - 0.3))
    np.testing.assert_allclose(y, want)
    np.testing.assert_allclose(activations.relu(x, alpha=0.5), np.where(x > 0, x, 0.5 * x))
    np.testing.assert_allclose(activations.relu(x, max_value=1.0), np.clip(x, 0, 1))
    np.testing.assert_allclose(activations.relu(x, threshold=1.0), np.where(x > 1, x, 0))


def test_relu_at_threshold_is_zero_like_keras():
    np.testing.assert_array_equal(activations.relu(np.array([1.0, 2.0]), threshold=1.0), [0, 2])


def test_gelu_keeps_float32():
    assert activations.gelu(_x("float32")).dtype == np.float32


def test_elu_alpha_and_gelu_approximate():
    x = _x("float64")
    np.testing.assert_allclose(activations.elu(x, 0.5), np.where(x > 0, x, 0.5 * np.expm1(x)))
    c = np.sqrt(2 / np.pi)
    want = 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True), want, rtol=1e-6)


def test_softmax_axis_and_rank():
    x = _x("float64", (2, 3, 4))
    for axis in (0, 1, -1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        np.testing.assert_allclose(
            activations.softmax(x, axis=axis), e / e.sum(axis=axis, keepdims=True)
        )
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(np.zeros(3))
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(KerasTensor((None,)))


def test_softmax_is_stable_for_large_inputs():
    y = activations.softmax(np.array([[1000.0, 0.0, -1000.0]], "float32"))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, [[1, 0, 0]], atol=1e-7)


def test_extra_tf_names():
    x = _x("float64")
    np.testing.assert_allclose(activations.get("leaky_relu")(x), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(activations.get("relu6")(x), np.clip(x, 0, 6))
    assert activations.get("silu") is activations.swish
    ls = activations.get("log_softmax")(x)
    np.testing.assert_allclose(np.exp(ls).sum(-1), np.ones(x.shape[0]))


# ------------------------------------------------------------------- gradients


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar ``f`` at float64 ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def tape_grad(fn, x, weights):
    v = Variable(x, dtype="float64")
    with GradientTape() as tape:
        y = fn(v)
        assert isinstance(y, Tensor)
        loss = ops.sum(ops.multiply(y, weights))
    return tape.gradient(loss, v)


GRAD_CASES = [n for n in sorted(REFERENCE) if n != "linear"] + ["relu_args", "elu_alpha"]


@pytest.mark.parametrize("name", GRAD_CASES)
def test_gradients_match_central_differences(name):
    if name == "relu_args":

        def fn(x):
            return activations.relu(x, alpha=0.1, max_value=2.0, threshold=0.3)

    elif name == "elu_alpha":

        def fn(x):
            return activations.elu(x, alpha=0.5)

    else:
        fn = activations.get(name)
    x = _x("float64", (3, 5), seed=1)
    # keep away from kinks (0, threshold 0.3, max 2, hard_sigmoid's ±2.5)
    for kink in (0.0, 0.3, 2.0, 2.5, -2.5):
        x = np.where(np.abs(x - kink) < 1e-3, x + 0.01, x)
    w = np.random.default_rng(2).normal(size=x.shape)
    got = tape_grad(fn, x, w)
    want = numeric_grad(lambda a: float(np.sum(np.asarray(fn(a)) * w)), x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_linear_returns_input_even_for_tensors():
    v = Variable(np.ones(3))
    assert activations.linear(v) is v


# -------------------------------------------------------------------- symbolic


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_symbolic_inputs_give_keras_tensors(name):
    x = KerasTensor((None, 5))
    y = activations.get(name)(x)
    assert isinstance(y, KerasTensor)
    assert y.shape == (None, 5)


# -------------------------------------------------------------- serialization


def test_get_none_string_callable():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get(np.tanh) is np.tanh
    with pytest.raises(TypeError, match="Could not interpret activation function identifier"):
        activations.get(42)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_serialize_round_trip(name):
    fn = activations.get(name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError) as err:
        activations.get("foo")
    msg = str(err.value)
    assert msg.startswith("Unknown activation function 'foo' cannot be deserialized.")
    for name in ("relu", "softmax", "gelu", "hard_sigmoid"):
        assert name in msg


def test_custom_activation_by_name():
    def my_act(x):
        return ops.multiply(x, 2.0)

    assert activations.serialize(my_act) == "my_act"
    with pytest.raises(ValueError):
        activations.get("my_act")
    assert activations.deserialize("my_act", custom_objects={"my_act": my_act}) is my_act
    with CustomObjectScope({"my_act": my_act}):
        assert activations.get("my_act") is my_act


def test_serialize_rejects_lambdas_and_accepts_new_tf_format():
    with pytest.raises(ValueError, match="cannot be serialized"):
        activations.serialize(lambda x: x)
    cfg = {"module": "builtins", "class_name": "function", "config": "relu"}
    assert activations.get(cfg) is activations.relu
