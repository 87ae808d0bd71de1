"""The fused cross-entropy primitive of the training step gives the chain's bits: values and
gradients of ``kviz.backend.categorical_crossentropy`` on probabilities."""

import numpy as np
import pytest

from kviz import config, ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.backend import losses as K
from kviz.losses import functions as F
from kviz.ops.nn import fused_categorical_crossentropy


def _case(dtype, n=7, k=5, seed=0, extreme=False):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k)).astype(dtype)
    if extreme:  # saturated rows exercise the clip's masked gradient
        logits[0, 0] = 40
        logits[1, :] = -30
        logits[1, 2] = 30
    labels = rng.integers(0, k, n)
    y = np.eye(k, dtype=dtype)[labels]
    y[2] = np.full(k, 1.0 / k, dtype)  # a soft target too
    return Variable(logits), y


def _loss_and_grad(fn, w, y, reduce_with_mean=True):
    with GradientTape():
        p = ops.softmax(w)
        per_sample = fn(y, p)
        total = ops.mean(per_sample) if reduce_with_mean else ops.sum(per_sample)
    (g,) = gradients(total, [w])
    return np.asarray(per_sample.data), np.asarray(total.data), g


def _chain(y, p):
    return K.categorical_crossentropy(y, p)


def _fused(y, p):
    out = fused_categorical_crossentropy(y, p, config.epsilon())
    assert out is not None
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("extreme", [False, True])
@pytest.mark.parametrize("mean", [True, False])
def test_values_and_gradients_are_the_chains_bits(dtype, extreme, mean):
    w, y = _case(dtype, extreme=extreme)
    a = _loss_and_grad(_chain, w, y, mean)
    b = _loss_and_grad(_fused, w, y, mean)
    for x, z in zip(a, b, strict=True):
        assert x.dtype == z.dtype
        np.testing.assert_array_equal(x, z)


def test_rank3_outputs():
    rng = np.random.default_rng(3)
    w = Variable(rng.standard_normal((2, 3, 4)).astype("float32"))
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, (2, 3))]
    a = _loss_and_grad(_chain, w, y)
    b = _loss_and_grad(_fused, w, y)
    for x, z in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, z)


def test_a_float64_output_gradient_is_cast_first_as_in_the_chain():
    w, y = _case("float32")
    results = []
    for fn in (_chain, _fused):
        with GradientTape():
            per_sample = fn(y, ops.softmax(w))
        seed = np.linspace(0.1, 2.0, per_sample.shape[0])  # float64
        results.append(gradients(per_sample, [w], seed)[0])
    np.testing.assert_array_equal(*results)


def test_plain_arrays_outside_a_tape():
    _, y = _case("float32")
    p = np.full(y.shape, 0.2, "float32")
    np.testing.assert_array_equal(_fused(y, p), _chain(y, p))


@pytest.mark.parametrize(
    "target, output",
    [
        (np.ones((2, 3), "float64"), np.ones((2, 3), "float32")),  # dtypes differ
        (np.ones((2, 3), "float32"), np.ones((2, 4), "float32")),  # shapes differ
        ([[0.0, 1.0]], np.ones((1, 2), "float32")),  # not an array
        (np.ones((2, 3), "int64"), np.ones((2, 3), "int64")),  # not float
    ],
)
def test_other_cases_are_left_to_the_chain(target, output):
    assert fused_categorical_crossentropy(target, output, 1e-7) is None


def test_the_loss_function_uses_it_and_keeps_its_errors():
    w, y = _case("float32")
    with GradientTape():
        out = F.categorical_crossentropy(y, ops.softmax(w))
    assert out._op.name == "categorical_crossentropy"
    with pytest.raises(ValueError):
        F.categorical_crossentropy(np.ones((2, 3), "float32"), np.ones((2, 4), "float32"))
    # from_logits and label smoothing still take the chain, with their own numerics
    a = F.categorical_crossentropy(y, np.asarray(w.data), from_logits=True)
    np.testing.assert_array_equal(a, K.categorical_crossentropy(y, np.asarray(w.data), True))


def test_bits_of_a_plain_numpy_reference():
    """Pinned against NumPy directly (not only against the chain of ops, which could change
    with it): the forward values and the gradient reaching the softmax's output."""
    rng = np.random.default_rng(5)
    p = rng.random((6, 4)).astype("float32")
    p[0] = [1.0, 0.0, 0.0, 0.0]  # clipped at both ends
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 6)]
    g = rng.random(6).astype("float32")
    eps = config.epsilon()
    hi = np.maximum(1.0 - eps, eps)  # ops.clip's float64 upper bound
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    c = np.clip(q, np.float32(eps), np.float32(hi))
    per_sample = -np.sum(y * np.log(c), axis=-1)
    gq = ((-g)[:, None] * y) / c * ((q >= eps) & (q <= hi))
    expected = gq / s + np.sum(-gq * q / s, axis=-1, keepdims=True)

    w = Variable(p)
    with GradientTape():
        out = _fused(y, w)
    np.testing.assert_array_equal(np.asarray(out.data), per_sample)
    (got,) = gradients(out, [w], g)
    np.testing.assert_array_equal(got, expected)
