"""kviz.ops.nn: activations, softmax, dropout, bias_add, l2_normalize (Keras 2 semantics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from harness import check_op

from kviz import config, ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.graph import KerasTensor
from kviz.ops import nn as N

RNG = np.random.default_rng(11)
# away from the kinks at 0 (relu, elu), +-2.5 (hard_sigmoid) and the test thresholds/caps
X = np.array([[-3.1, -1.2, -0.4, 0.3], [0.9, 1.6, 2.2, 3.7], [-2.1, 0.65, 4.4, -0.05]])
X3 = RNG.normal(size=(2, 3, 4))
erf_ref = np.vectorize(math.erf)

COVERED: set[str] = set()


def covers(*names):
    COVERED.update(names)


def relu_ref(x, alpha=0.0, max_value=None, threshold=0.0):
    """tf.keras K.relu: x where x > threshold, clipped to [0, max_value], minus alpha * ..."""
    y = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0, max_value)
    return y - alpha * np.maximum(threshold - x, 0)


def elu_ref(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


ACTIVATIONS = {
    "relu": relu_ref,
    "elu": elu_ref,
    "selu": lambda x: 1.0507009873554805 * elu_ref(x, 1.6732632423543772),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "swish": lambda x: x / (1 + np.exp(-x)),
    "gelu": lambda x: 0.5 * x * (1 + erf_ref(x / np.sqrt(2))),
    "erf": erf_ref,
    "exponential": np.exp,
    "linear": lambda x: x,
}
covers(*ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation(name):
    check_op(getattr(ops, name), [X], reference=ACTIVATIONS[name], none_batch=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"alpha": 0.1},
        {"max_value": 2.0},
        {"max_value": 6},
        {"threshold": 0.5},
        {"alpha": 0.2, "max_value": 3.0, "threshold": 1.0},
        {"alpha": 0.3, "threshold": -1.0},
        {"alpha": 0.3, "threshold": -1.0, "max_value": 2.0},  # (-1, 0) clipped up to 0
        {"alpha": 1.5},
    ],
    ids=str,
)
def test_relu_options(kwargs):
    check_op(
        lambda x: ops.relu(x, **kwargs),
        [X],
        reference=lambda x: relu_ref(x, **kwargs),
        none_batch=True,
    )


def test_relu_at_the_threshold_is_zero_like_keras():
    np.testing.assert_array_equal(ops.relu(np.array([1.0, 2.0]), threshold=1.0), [0, 2])
    np.testing.assert_array_equal(ops.relu(np.array([0.0, 3.0]), max_value=2), [0, 2])


def test_relu_keeps_int_dtype():
    y = ops.relu(np.array([-2, 3]))
    assert y.dtype.kind == "i"
    np.testing.assert_array_equal(y, [0, 3])


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_elu_alpha(alpha):
    check_op(lambda x: ops.elu(x, alpha), [X], reference=lambda x: elu_ref(x, alpha))


def test_gelu_approximate():
    def ref(x):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))

    check_op(lambda x: ops.gelu(x, approximate=True), [X], reference=ref, none_batch=True)


@pytest.mark.parametrize("name", ["elu", "selu", "softsign", "swish", "gelu", "erf", "softmax"])
def test_int_inputs_give_floatx(name):
    x = np.array([[-2, 0, 1]])
    y = getattr(ops, name)(x)
    assert y.dtype == config.floatx(), name
    np.testing.assert_allclose(y, getattr(ops, name)(x.astype("float64")), rtol=1e-6)


# ------------------------------------------------------------------------------ softmax

covers("softmax", "log_softmax")


def softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_softmax(axis):
    check_op(
        lambda x: ops.softmax(x, axis=axis),
        [X3],
        reference=lambda x: softmax_ref(x, axis),
        none_batch=axis != 0,
    )


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_log_softmax(axis):
    check_op(
        lambda x: ops.log_softmax(x, axis=axis),
        [X3],
        reference=lambda x: np.log(softmax_ref(x, axis)),
        none_batch=axis != 0,
    )


def test_softmax_is_stable():
    x = np.array([[1000.0, 0.0, -1000.0]], "float32")
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(ops.softmax(x), [[1, 0, 0]], atol=1e-7)
        np.testing.assert_allclose(ops.log_softmax(x), [[0, -1000, -2000]])


# ------------------------------------------------------------------------------ dropout

covers("dropout")


@pytest.mark.parametrize("noise_shape", [None, (3, 1), (None, 1), (1, 4)], ids=str)
def test_dropout_with_seed_is_deterministic(noise_shape):
    check_op(
        lambda x: ops.dropout(x, 0.5, noise_shape=noise_shape, seed=3),
        [X],
        none_batch=noise_shape is None or noise_shape[0] is None,
    )


def test_dropout_statistics_and_gradient():
    x = np.ones((200, 50), "float32")
    y = ops.dropout(x, 0.3)
    assert y.dtype == np.float32
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    v = Variable(x)
    with GradientTape():
        z = ops.dropout(v, 0.3, seed=1)
    np.testing.assert_array_equal(gradients(z, [v])[0], z.data)


def test_dropout_noise_shape_broadcasts():
    y = ops.dropout(np.ones((4, 6)), 0.5, noise_shape=(4, 1), seed=0)
    for row in y:
        assert len(set(row.tolist())) == 1


def test_dropout_rate_zero_and_errors():
    np.testing.assert_array_equal(ops.dropout(X, 0.0), X)
    with pytest.raises(ValueError, match="rate"):
        ops.dropout(X, 1.0)
    with pytest.raises(ValueError, match="rate"):
        ops.dropout(X, -0.1)


def test_dropout_symbolic_draws_a_new_mask_per_run():
    from kviz.graph.execution import evaluate

    kt = KerasTensor((None, 100))
    out = ops.dropout(kt, 0.5)
    x = np.ones((8, 100), "float32")
    a, b = evaluate(out, {id(kt): x}), evaluate(out, {id(kt): x})
    assert a.shape == (8, 100) and not np.array_equal(a, b)


# ----------------------------------------------------------------------------- bias_add

covers("bias_add")


@pytest.mark.parametrize(
    "xshape,bshape,data_format,ref",
    [
        ((2, 3), (3,), None, lambda x, b: x + b),
        ((2, 3, 4), (4,), "channels_last", lambda x, b: x + b),
        ((2, 3, 4), (3,), "channels_first", lambda x, b: x + b[None, :, None]),
        ((2, 3, 4, 5), (3,), "channels_first", lambda x, b: x + b[None, :, None, None]),
        # Keras 2 reshapes (not transposes) a channels-last bias to (1, C, H, W)
        ((2, 3, 4, 5), (4, 5, 3), "channels_first", lambda x, b: x + b.reshape(1, 3, 4, 5)),
        ((2, 4, 5, 3), (4, 5, 3), "channels_last", lambda x, b: x + b),
        ((2, 3), (3,), "channels_first", lambda x, b: x + b),
    ],
    ids=str,
)
def test_bias_add(xshape, bshape, data_format, ref):
    check_op(
        lambda x, b: ops.bias_add(x, b, data_format=data_format),
        [RNG.normal(size=xshape), RNG.normal(size=bshape)],
        reference=ref,
        none_batch=[True, False],
    )


def test_bias_add_uses_the_global_data_format():
    x, b = np.zeros((1, 2, 3, 3)), np.array([1.0, 2.0])
    config.set_image_data_format("channels_first")
    try:
        y = ops.bias_add(x, b)
    finally:
        config.set_image_data_format("channels_last")
    np.testing.assert_array_equal(y[0, :, 0, 0], [1.0, 2.0])


def test_bias_add_rank_error():
    with pytest.raises(ValueError, match="bias"):
        ops.bias_add(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))


# ------------------------------------------------------------------------- l2_normalize

covers("l2_normalize")


@pytest.mark.parametrize("axis", [-1, 0, 1, (1, 2)], ids=str)
def test_l2_normalize(axis):
    def ref(x):
        return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))

    check_op(lambda x: ops.l2_normalize(x, axis), [X3], reference=ref, none_batch=axis != 0)


def test_l2_normalize_of_zeros_is_zero():
    np.testing.assert_array_equal(ops.l2_normalize(np.zeros((2, 3), "float32")), np.zeros((2, 3)))


# -------------------------------------------------------------------------------- exports


def test_every_nn_op_is_covered():
    assert set(N.__all__) == COVERED


def test_star_import_exports_only_ops():
    names = {}
    exec("from kviz.ops.nn import *", names)
    names.pop("__builtins__")
    assert set(names) == set(N.__all__)
    assert not {"np", "config", "m", "reshape", "Primitive", "op", "apply"} & set(names)


def test_package_namespace_has_every_op():
    from kviz.ops import array, linalg, math

    for mod in (array, linalg, math, N):
        for name in mod.__all__:
            assert getattr(ops, name) is getattr(mod, name), name
