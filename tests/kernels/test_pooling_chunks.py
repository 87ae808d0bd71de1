"""Pooling kernels split over the worker pool give the serial results."""

from __future__ import annotations

import numpy as np

from kviz.kernels import pooling, threads


def test_max_pool_chunks_match_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 1, 16, 16, 72)).astype("float32")  # > MIN_SPLIT values
    assert x.size >= pooling.MIN_SPLIT
    geom = ((1, 2, 2), (1, 2, 2), (0, 0, 0), (1, 8, 8))
    threads.set_num_workers(2)
    try:
        out = pooling.max_pool(x, *geom)
        g = rng.standard_normal(out.shape).astype("float32")
        dx = pooling.max_pool_backward(g, x, out, *geom)
    finally:
        threads.set_num_workers(None)
    want, arg = pooling.max_pool_numpy(x, *geom)
    np.testing.assert_array_equal(out, want)
    dx_want = np.bincount(arg.reshape(-1), weights=g.reshape(-1), minlength=x.size)
    np.testing.assert_allclose(dx, dx_want.reshape(x.shape), rtol=0, atol=0)


def test_max_pool_backward_with_and_without_exact_tiling():
    """2x2 windows that tile the map write every cell once (no zeroing pass); an odd-sized map
    (a last row and column no window covers) and overlapping windows still get zeros there."""
    rng = np.random.default_rng(2)
    for size, k, s in ((8, 2, 2), (9, 2, 2), (9, 3, 2)):
        x = rng.standard_normal((2, 1, size, size, 3)).astype("float32")
        o = (size - k) // s + 1
        geom = ((1, k, k), (1, s, s), (0, 0, 0), (1, o, o))
        out = pooling.max_pool(x, *geom)
        g = rng.standard_normal(out.shape).astype("float32")
        dx = pooling.max_pool_backward(g, x, out, *geom)
        arg = pooling.max_pool_numpy(x, *geom)[1]
        want = np.bincount(arg.reshape(-1), weights=g.reshape(-1), minlength=x.size)
        np.testing.assert_array_equal(dx, want.reshape(x.shape).astype("float32"))
