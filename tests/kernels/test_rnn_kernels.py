"""The fused recurrent gate kernels (``kviz.kernels.rnn``) against their NumPy versions, one
step at a time, float32, with masked rows and odd sizes (the kernels implement tanh/sigmoid;
other activations run the NumPy versions, checked in ``tests/ops/test_rnn.py``); the
vectorisable ``expm1`` behind their sigmoid/tanh against NumPy's exact functions; and the
kernels' plain-Python ``py_func`` (what Numba compiles) against the compiled code.

The kernels compute sigmoid/tanh with a polynomial ``expm1`` (see the module docstring), so
they agree with NumPy to ~1e-6, not bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from kviz.kernels import rnn as kr

pytestmark = pytest.mark.skipif(not kr.uses_numba("float32"), reason="numba not available")

BATCH, UNITS = 5, 7  # odd: vector body plus remainder
KEEP = np.array([1, 0, 1, 1, 0], bool)


def _rand(shape, seed, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype("float32")


def _compare(name, make_args, out_idx, atol=2e-6, kept_rows_only=()):
    """Run kernel ``name`` and its NumPy version on copies of the same arguments; compare the
    arrays at ``out_idx`` (outputs and in-place carries). Residuals in ``kept_rows_only``
    (gate values) are compared on unmasked rows only: masked rows are never read back."""
    numba_fn = getattr(kr.steps(np.dtype("float32"), use_numba=True), name)
    numpy_fn = getattr(kr.steps(np.dtype("float32"), use_numba=False), name)
    a, b = make_args(), make_args()
    numba_fn(*a)
    numpy_fn(*b)
    for i in out_idx:
        x, y = (a[i][KEEP], b[i][KEEP]) if i in kept_rows_only else (a[i], b[i])
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=atol, err_msg=f"{name} arg {i}")


def test_expm1_sigmoid_tanh_accuracy():
    x = np.concatenate(
        [np.linspace(-60, 60, 20001), np.linspace(-1e-3, 1e-3, 2001), [0.0, 1e-30, -1e-30]]
    ).astype("float32")
    out = np.empty_like(x)
    zero = np.zeros_like(x)
    steps = kr.steps(np.dtype("float32"), use_numba=True)
    kr._bind()  # the helpers as dispatchers
    kr._sigmoid_sum(x, zero, out)
    ref = 1 / (1 + np.exp(-x.astype("float64")))
    assert np.max(np.abs(out - ref)) < 4e-7
    kr._tanh_sum(x, zero, out)
    ref = np.tanh(x.astype("float64"))
    assert np.max(np.abs(out - ref)) < 4e-7
    small = np.abs(x) < 1e-2
    rel = np.abs(out[small] - ref[small]) / np.maximum(np.abs(ref[small]), 1e-38)
    assert np.max(rel[np.abs(ref[small]) > 1e-20]) < 1e-6  # no cancellation near 0
    assert steps.numba


@pytest.mark.parametrize("act", [1])
def test_simple_kernels(act):
    def fwd():
        return [_rand((BATCH, UNITS), 1), _rand((BATCH, UNITS), 2), _rand((BATCH, UNITS), 3),
                _rand((BATCH, UNITS), 4), KEEP, act, np.zeros((BATCH, UNITS), "float32"),
                _rand((BATCH, UNITS), 4)]  # fmt: skip

    _compare("simple_fwd", fwd, [6, 7])

    def bwd():
        h = np.tanh(_rand((BATCH, UNITS), 9))
        return [_rand((BATCH, UNITS), 5), True, _rand((BATCH, UNITS), 6), _rand((BATCH, UNITS), 7),
                _rand((BATCH, UNITS), 8), KEEP, act, h, np.zeros((BATCH, UNITS), "float32")]  # fmt: skip

    _compare("simple_bwd", bwd, [3, 4, 8])


@pytest.mark.parametrize("act, ract", [(1, 2)])
def test_lstm_kernels(act, ract):
    g4 = 4 * UNITS

    def fwd():
        return [_rand((BATCH, g4), 1, 2), _rand((BATCH, g4), 2), _rand((BATCH, UNITS), 3),
                _rand((BATCH, UNITS), 4), _rand((BATCH, UNITS), 5), KEEP, act, ract,
                np.zeros((BATCH, g4), "float32"), np.zeros((BATCH, UNITS), "float32"),
                np.zeros((BATCH, UNITS), "float32"), np.zeros((BATCH, UNITS), "float32"),
                np.zeros((BATCH, UNITS), "float32")]  # fmt: skip

    _compare("lstm_fwd", fwd, [8, 9, 10, 11, 12], kept_rows_only=(8, 9))
    # backward from a real forward state
    a = fwd()
    kr.steps(np.dtype("float32"), use_numba=False).lstm_fwd(*a)
    gates, ac, c_prev = a[8], a[9], a[3]

    def bwd():
        return [_rand((BATCH, UNITS), 6), True, _rand((BATCH, UNITS), 7), _rand((BATCH, UNITS), 8),
                _rand((BATCH, UNITS), 9), _rand((BATCH, UNITS), 10), KEEP, act, ract,
                gates.copy(), ac.copy(), c_prev.copy(), np.zeros((BATCH, g4), "float32"),
                np.zeros((2, UNITS), "float32")]  # fmt: skip

    _compare("lstm_bwd", bwd, [3, 4, 5, 12])


@pytest.mark.parametrize("act, ract", [(1, 2)])
def test_gru_kernels(act, ract):
    g3 = 3 * UNITS

    def fwd():
        return [_rand((BATCH, g3), 1), _rand((BATCH, g3), 2), _rand(g3, 3), _rand((BATCH, UNITS), 4),
                _rand((BATCH, UNITS), 5), KEEP, act, ract, np.zeros((BATCH, 4 * UNITS), "float32"),
                np.zeros((BATCH, UNITS), "float32"), np.zeros((BATCH, UNITS), "float32"),
                np.zeros(g3, "float32")]  # fmt: skip

    _compare("gru_fwd", fwd, [8, 9, 10], kept_rows_only=(8,))
    a = fwd()
    kr.steps(np.dtype("float32"), use_numba=False).gru_fwd(*a)
    gates, h_prev = a[8], a[3]

    def bwd():
        return [_rand((BATCH, UNITS), 6), False, _rand((BATCH, UNITS), 7), _rand((BATCH, UNITS), 8),
                _rand((BATCH, UNITS), 9), KEEP, act, ract, gates.copy(), h_prev.copy(),
                np.zeros((BATCH, g3), "float32"), np.zeros((BATCH, g3), "float32"),
                np.zeros((1, UNITS), "float32")]  # fmt: skip

    _compare("gru_bwd", bwd, [3, 4, 10, 11])


@pytest.mark.parametrize("act, ract", [(1, 2)])
def test_gru_reset_before_kernels(act, ract):
    g3 = 3 * UNITS
    hd = _rand((BATCH, UNITS), 4)

    def fwd_a():
        return [_rand((BATCH, g3), 1), _rand((BATCH, 2 * UNITS), 2), hd.copy(), ract,
                np.zeros((BATCH, g3), "float32"), np.zeros((BATCH, UNITS), "float32")]  # fmt: skip

    _compare("gru1_fwd_a", fwd_a, [4, 5])
    a = fwd_a()
    kr.steps(np.dtype("float32"), use_numba=False).gru1_fwd_a(*a)
    gates = a[4]

    def fwd_b():
        return [_rand((BATCH, g3), 1), _rand((BATCH, UNITS), 7), hd.copy(), _rand((BATCH, UNITS), 8),
                KEEP, act, gates.copy(), np.zeros((BATCH, UNITS), "float32"),
                np.zeros((BATCH, UNITS), "float32")]  # fmt: skip

    _compare("gru1_fwd_b", fwd_b, [6, 7, 8], kept_rows_only=(6,))
    b = fwd_b()
    kr.steps(np.dtype("float32"), use_numba=False).gru1_fwd_b(*b)
    gates = b[6]

    def bwd_a():
        return [_rand((BATCH, UNITS), 6), True, _rand((BATCH, UNITS), 7), _rand((BATCH, UNITS), 8),
                _rand((BATCH, UNITS), 9), KEEP, act, ract, gates.copy(), hd.copy(),
                np.zeros((BATCH, g3), "float32"), np.zeros((1, UNITS), "float32")]  # fmt: skip

    _compare("gru1_bwd_a", bwd_a, [3, 4, 10])

    def bwd_b():
        return [_rand((BATCH, UNITS), 11), hd.copy(), ract, gates.copy(),
                np.zeros((BATCH, g3), "float32"), np.zeros((BATCH, UNITS), "float32")]  # fmt: skip

    _compare("gru1_bwd_b", bwd_b, [4, 5])


def test_py_func_is_the_compiled_kernel():
    """The plain-Python kernel (the slow reference Numba compiles) gives the kernel's result."""
    g4 = 4 * UNITS

    def args():
        return [_rand((BATCH, g4), 1, 2), _rand((BATCH, g4), 2), _rand((BATCH, UNITS), 3),
                _rand((BATCH, UNITS), 4), _rand((BATCH, UNITS), 5), KEEP, 1, 2,
                np.zeros((BATCH, g4), "float32"), np.zeros((BATCH, UNITS), "float32"),
                np.zeros((BATCH, UNITS), "float32"), np.zeros((BATCH, UNITS), "float32"),
                np.zeros((BATCH, UNITS), "float32")]  # fmt: skip

    a, b = args(), args()
    kr.steps(np.dtype("float32"), use_numba=True).lstm_fwd(*a)
    kr.KERNELS["lstm_fwd"].py_func(*b)
    for i in (8, 9, 10, 11, 12):
        np.testing.assert_allclose(a[i], b[i], rtol=1e-6, atol=1e-7)


def test_steps_selection():
    """Kernels for float32 with tanh/sigmoid; NumPy for anything else."""
    f32 = np.dtype("float32")
    assert kr.steps(f32).numba and kr.steps(f32, 1, 2).numba
    assert not kr.steps(f32, 1, 3).numba  # hard_sigmoid
    assert not kr.steps(f32, 4, 2).numba  # relu
    assert not kr.steps(np.dtype("float64")).numba
    assert not kr.steps(f32, use_numba=False).numba
    assert not kr.uses_numba("float64")
