"""The whole-sequence LSTM kernels (one Numba call per time loop, the recurrent products
through NumPy's own ``cblas_sgemm``) give the per-step path's results bit for bit: masks,
``zero_output``, ``go_backwards``, recurrent dropout, sequences or last output, one or two
row chunks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kviz.kernels import rnn as kr
from kviz.kernels import threads
from kviz.ops import rnn_sequence as rs

pytestmark = pytest.mark.skipif(not kr.uses_numba(np.dtype("float32")), reason="needs numba")

needs_gemm = pytest.mark.skipif(
    not (kr.uses_numba(np.dtype("float32")) and kr.gemm_address()),
    reason="NumPy's BLAS has no 64-bit-integer cblas_sgemm here",
)


@pytest.fixture(autouse=True)
def _restore():
    yield
    kr.set_gemm_address(None)
    threads.set_num_workers(None)


def _lstm(sequence_kernels, seqs, masked, rec_dropout, zero_out, backwards, workers, t=6):
    rng = np.random.default_rng(3)
    b, f, u = 16, 3, 5
    x = rng.standard_normal((b, t, f)).astype("float32")
    h0 = rng.standard_normal((b, u)).astype("float32")
    c0 = rng.standard_normal((b, u)).astype("float32")
    w = rng.standard_normal((f, 4 * u)).astype("float32") * 0.5
    r = rng.standard_normal((u, 4 * u)).astype("float32") * 0.5
    bias = rng.standard_normal(4 * u).astype("float32")
    mask = None
    if masked:
        mask = rng.random((b, t)) > 0.3
        mask[0] = False  # a row never updated
        mask[1, 0] = False  # a row masked at its first step
    rec_mask = (rng.random((b, u)) > 0.4).astype("float32") * 1.5 if rec_dropout else None
    p = {"return_sequences": seqs, "mask": mask, "act": 1, "ract": 2, "zero_output": zero_out,
         "go_backwards": backwards, "rec_mask": rec_mask, "in_mask": None}  # fmt: skip
    kr.set_gemm_address(None if sequence_kernels else 0)
    threads.set_num_workers(workers)
    packed, res = rs.lstm_sequence.forward(x, h0, c0, w, r, bias, **p)
    g = rng.standard_normal(packed.shape).astype("float32")
    grads = rs.lstm_sequence.backward(g, packed, (x, h0, c0, w, r, bias), res, p)
    return [packed, *grads]


@needs_gemm
@pytest.mark.parametrize(
    "seqs, masked, rec_dropout, zero_out, backwards",
    list(itertools.product([False, True], repeat=5)),
)
def test_lstm_sequence_kernels_match_per_step_path(seqs, masked, rec_dropout, zero_out, backwards):
    for workers in (1, 2):
        new = _lstm(True, seqs, masked, rec_dropout, zero_out, backwards, workers)
        old = _lstm(False, seqs, masked, rec_dropout, zero_out, backwards, workers)
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            assert np.array_equal(a, b), f"output {i}, {workers} worker(s)"


@needs_gemm
@pytest.mark.parametrize("sequence_kernels", [True, False])
def test_single_step_masked_sequence_outputs_zeros(sequence_kernels):
    """One time step, return_sequences, a masked row: its output is zeros (not stale memory)."""
    out = _lstm(sequence_kernels, True, True, False, False, False, 1, t=1)[0]
    assert np.all(out[0, 0] == 0)


def test_gemm_address_reproduces_matmul():
    """Where found, the BLAS function behind the sequence kernels gives np.matmul's bits;
    ``set_gemm_address(0)`` turns the sequence kernels off."""
    addr = kr.gemm_address()
    assert isinstance(addr, int) and addr >= 0
    kr.set_gemm_address(0)
    assert kr.gemm_address() == 0
    assert rs._gemm_address(kr.steps(np.dtype("float32"))) == 0
    kr.set_gemm_address(None)
    assert kr.gemm_address() == addr


@needs_gemm
def test_gemm_helper_matches_matmul_on_row_blocks():
    """The compiled product helper on row blocks of larger arrays (leading dimensions larger
    than the block) equals np.matmul exactly."""
    kr._bind()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 9, 7)).astype("float32")
    b = rng.standard_normal((7, 11)).astype("float32")
    c = np.zeros((9, 11), "float32")
    kr._gemm(kr.gemm_address(), a[2, 3:8], b, c[1:6])
    assert np.array_equal(c[1:6], a[2, 3:8] @ b)
    assert not c[0].any() and not c[6:].any()


def test_gemm_block_rows():
    """Blocks of whole multiples of 4 rows, only where the whole product is too large for the
    small-matrix kernel and a block is not."""
    kr.set_small_gemm_limit(1_000_000)
    try:
        assert kr.gemm_block_rows(32, 128, 512) == 12  # 12 + 12 + 8
        assert kr.gemm_block_rows(16, 128, 512) == 8
        assert kr.gemm_block_rows(16, 512, 128) == 8
        assert kr.gemm_block_rows(40, 128, 512) == 12  # 12 + 12 + 12 + 4
        assert kr.gemm_block_rows(32, 16, 64) == 32  # small enough whole
        assert kr.gemm_block_rows(32, 512, 2048) == 32  # 4 rows already too large
        kr.set_small_gemm_limit(0)
        assert kr.gemm_block_rows(32, 128, 512) == 32
    finally:
        kr.set_small_gemm_limit(None)


@needs_gemm
@pytest.mark.parametrize("seqs, masked, rec_dropout", [(False, False, False), (True, True, True)])
def test_blocked_step_products_agree(seqs, masked, rec_dropout):
    """Per-step products in row blocks (forced by a small limit: 16 rows x 5 x 20 in blocks
    of 8) agree with whole products to rounding."""
    kr.set_small_gemm_limit(800)
    try:
        assert kr.gemm_block_rows(16, 5, 20) == 8
        blocked = _lstm(True, seqs, masked, rec_dropout, False, False, 1)
    finally:
        kr.set_small_gemm_limit(None)
    whole = _lstm(False, seqs, masked, rec_dropout, False, False, 1)
    for a, b in zip(blocked, whole, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
