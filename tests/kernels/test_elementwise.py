"""kviz.kernels.elementwise: fused ReLU gradient + bias gradient, NumPy's exact results."""

from __future__ import annotations

import numpy as np
import pytest

from kviz.kernels import jit
from kviz.kernels.elementwise import relu_grad_bias


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_numpy_bitwise(dtype):
    rng = np.random.default_rng(0)
    g = rng.standard_normal((1000, 5)).astype(dtype)
    out = np.maximum(rng.standard_normal((1000, 5)), 0).astype(dtype)
    gm, db = relu_grad_bias(g, out)
    want = g * (out > 0)
    np.testing.assert_array_equal(gm, want)
    np.testing.assert_array_equal(db, want.sum(axis=0))
    gm2, none = relu_grad_bias(g, out, with_bias=False)
    np.testing.assert_array_equal(gm2, want)
    assert none is None


def test_numpy_path():
    g, out = np.ones((3, 2), "float32"), np.array([[1, 0], [0, 0], [2, 1]], "float32")
    jit.set_available(False)
    try:
        gm, db = relu_grad_bias(g, out)
    finally:
        jit.set_available(None)
    np.testing.assert_array_equal(db, [2, 1])
    gm, db = relu_grad_bias(g.T.copy().T, out)  # not C-contiguous: NumPy path
    np.testing.assert_array_equal(db, [2, 1])
