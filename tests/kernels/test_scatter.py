"""kviz.kernels.scatter: the Numba scatter-add gives np.add.at's exact sums."""

from __future__ import annotations

import numpy as np
import pytest

from kviz.kernels import jit
from kviz.kernels.scatter import scatter_add_rows


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cell", [(), (3,), (2, 3)])
def test_matches_add_at_bitwise(dtype, cell):
    rng = np.random.default_rng(0)
    idx = rng.integers(-6, 6, size=(4, 5))  # repeats and negative ids
    g = rng.standard_normal(idx.shape + cell).astype(dtype)
    want = np.zeros((6,) + cell, dtype)
    np.add.at(want, idx, g)
    got = np.zeros((6,) + cell, dtype)
    scatter_add_rows(got, idx, g)
    np.testing.assert_array_equal(got, want)


def test_fallback_for_other_dtypes_and_without_numba():
    idx = np.array([0, 1, 0])
    out = np.zeros((2, 2), "int32")
    scatter_add_rows(out, idx, np.ones((3, 2), "int32"))
    np.testing.assert_array_equal(out, [[2, 2], [1, 1]])
    jit.set_available(False)
    try:
        out = np.zeros((2, 2), "float32")
        scatter_add_rows(out, idx, np.ones((3, 2), "float32"))
        np.testing.assert_array_equal(out, [[2, 2], [1, 1]])
    finally:
        jit.set_available(None)


def test_out_of_range_raises():
    with pytest.raises(IndexError):
        scatter_add_rows(np.zeros((2, 2), "float32"), np.array([2]), np.ones((1, 2), "float32"))
