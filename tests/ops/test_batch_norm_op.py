"""``ops.moments`` and ``ops.batch_norm`` (the training-mode batch-norm primitive) against a slow
loop over every channel and every value, with ``check_op``'s gradient checks (tape vs finite
differences for the input, gamma and beta; float32 vs float64).

``batch_norm`` takes the batch statistics as arguments but differentiates as if they were
functions of ``x``; so the function checked here computes them from ``x`` itself, and finite
differences of that whole function must match the tape.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from harness import check_op

from kviz import ops

RNG = np.random.default_rng(11)


def moments_loop(x, axes):
    """Mean and biased variance over ``axes``, one kept index at a time."""
    kept = [i for i in range(x.ndim) if i not in axes]
    mean = np.zeros([x.shape[i] for i in kept])
    var = np.zeros_like(mean)
    for k in itertools.product(*(range(x.shape[i]) for i in kept)):
        values = []
        for idx in itertools.product(*(range(n) for n in x.shape)):
            if tuple(idx[i] for i in kept) == k:
                values.append(float(x[idx]))
        m = sum(values) / len(values)
        mean[k] = m
        var[k] = sum((v - m) ** 2 for v in values) / len(values)
    return mean, var


def batch_norm_loop(x, gamma, beta, axes, epsilon):
    """``gamma * (x - mean) / sqrt(var + epsilon) + beta``, one value at a time."""
    mean, var = moments_loop(x, axes)
    kept = [i for i in range(x.ndim) if i not in axes]
    y = np.zeros_like(x, dtype="float64")
    for idx in itertools.product(*(range(n) for n in x.shape)):
        k = tuple(idx[i] for i in kept)
        y[idx] = gamma[k] * (x[idx] - mean[k]) / np.sqrt(var[k] + epsilon) + beta[k]
    return y


CASES = [
    ((6, 3), (0,)),  # Dense features
    ((4, 3, 2), (0, 1)),  # Conv1D channels_last
    ((3, 2, 2, 4), (0, 1, 2)),  # Conv2D channels_last
    ((3, 4, 2, 2), (0, 2, 3)),  # Conv2D channels_first (axis=1)
    ((4, 2, 3), (0, 2)),  # axis=1 on a sequence
    ((3, 2, 3, 2), (0, 2)),  # several kept axes (BatchNormalization(axis=[1, 3]))
]


@pytest.mark.parametrize("shape,axes", CASES)
def test_moments(shape, axes):
    x = RNG.standard_normal(shape) * 2 + 1
    mean, var = ops.moments(x, axes)
    ref_mean, ref_var = moments_loop(x, axes)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(var, ref_var, rtol=1e-12, atol=1e-12)
    m32, v32 = ops.moments(x.astype("float32"), axes)
    assert m32.dtype == v32.dtype == np.float32
    np.testing.assert_allclose(v32, ref_var, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("epsilon", [1e-3, 0.5])
@pytest.mark.parametrize("shape,axes", CASES)
def test_batch_norm_against_loop_with_gradients(shape, axes, epsilon):
    kept = tuple(shape[i] for i in range(len(shape)) if i not in axes)
    x = RNG.standard_normal(shape) * 1.5 + 0.5
    gamma = RNG.random(kept) + 0.5
    beta = RNG.standard_normal(kept)

    def fn(x, gamma, beta):
        mean, var = ops.moments(x, axes)
        return ops.batch_norm(x, gamma, beta, mean, var, axes, epsilon)

    check_op(
        fn,
        [x, gamma, beta],
        reference=lambda x, g, b: batch_norm_loop(x, g, b, axes, epsilon),
        symbolic=False,  # moments are computed eagerly from the data, by design
        atol=1e-10,
        rtol=1e-10,
        grad_atol=1e-6,
        grad_rtol=1e-5,
    )


def test_batch_norm_output_is_normalized():
    x = RNG.standard_normal((16, 2, 3)).astype("float32") * 4 + 3
    mean, var = ops.moments(x, (0, 1))
    y = ops.batch_norm(x, np.ones(3, "float32"), np.zeros(3, "float32"), mean, var, (0, 1), 0.0)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.mean(axis=(0, 1)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 1)), 1, rtol=1e-4)
