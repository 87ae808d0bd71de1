"""Minimal smoke test: the package imports and a core op works."""

import numpy as np

import kviz
from kviz import ops


def test_version():
    assert isinstance(kviz.__version__, str)
    assert kviz.__version__.count(".") >= 2


def test_softmax_rows_sum_to_one():
    x = np.random.default_rng(0).normal(size=(5, 7)).astype("float32")
    y = np.asarray(ops.softmax(x))
    assert y.shape == x.shape
    assert y.dtype == np.float32
    assert np.all(y > 0)
    np.testing.assert_allclose(y.sum(axis=-1), np.ones(5), rtol=1e-6)
