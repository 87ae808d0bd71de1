"""The LSTM time loops split over batch rows on the worker pool give the serial results."""

from __future__ import annotations

import numpy as np
import pytest

from kviz.kernels import rnn as kr
from kviz.kernels import threads
from kviz.ops import rnn_sequence as rs

pytestmark = pytest.mark.skipif(not kr.uses_numba(np.dtype("float32")), reason="needs numba")


def _run(workers, return_sequences, mask):
    rng = np.random.default_rng(3)
    b, t, f, u = 16, 5, 3, 4
    x = rng.standard_normal((b, t, f)).astype("float32")
    h0 = rng.standard_normal((b, u)).astype("float32")
    c0 = rng.standard_normal((b, u)).astype("float32")
    w = rng.standard_normal((f, 4 * u)).astype("float32") * 0.5
    r = rng.standard_normal((u, 4 * u)).astype("float32") * 0.5
    bias = rng.standard_normal(4 * u).astype("float32")
    p = {"return_sequences": return_sequences, "mask": mask, "act": 1, "ract": 2}
    threads.set_num_workers(workers)
    try:
        assert len(rs._row_chunks(b, kr.steps(np.dtype("float32")))) == min(workers, 2)
        packed, res = rs.lstm_sequence.forward(x, h0, c0, w, r, bias, **p)
        g = rng.standard_normal(packed.shape).astype("float32")
        grads = rs.lstm_sequence.backward(g, packed, (x, h0, c0, w, r, bias), res, p)
    finally:
        threads.set_num_workers(None)
    return packed, grads


@pytest.mark.parametrize("return_sequences", [False, True])
def test_row_chunks_match_serial(return_sequences):
    mask = np.ones((16, 5), bool)
    mask[3, 2:] = False
    one, one_g = _run(1, return_sequences, mask)
    two, two_g = _run(2, return_sequences, mask)
    np.testing.assert_allclose(two, one, rtol=1e-6, atol=1e-6)
    for a, b in zip(two_g, one_g, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
