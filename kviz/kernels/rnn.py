"""Fused per-time-step gate kernels of the recurrent layers (SimpleRNN, LSTM, GRU).

A recurrent sequence costs, per time step, one matrix product with the recurrent kernel
(BLAS, done by the caller in :mod:`kviz.ops.rnn_sequence`) and *everything else*: adding the
precomputed input projection, the gate activations, the cell update, the mask (a masked step
keeps the previous state and repeats the previous output) and, backwards, the gate
derivatives. That elementwise remainder is one kernel call per step here, instead of a dozen
NumPy temporaries.

Functions come in forward/backward pairs per cell, with the same signature in two versions:

* a Numba kernel (float32 arrays, C-contiguous rows) for the default activations, tanh and
  (recurrent) sigmoid;
* a NumPy version (``*_numpy``, in :mod:`kviz.kernels.rnn_numpy`) for every activation code (:data:`ACTIVATIONS`: linear,
  tanh, sigmoid, hard_sigmoid, relu), used for float64 (gradient checks), other activations
  (Keras 2.2's ``hard_sigmoid``...) and without numba.

:func:`steps` returns the set to use. Derivatives are computed from the activation's
*output*, so the forward pass stores activated gates only.

**Compile time.** Each kernel compiles on first use, or loads from Numba's on-disk cache. A
first LSTM forward + backward in a fresh process costs ~3.1 s of CPU with an empty cache
(numba import 0.4 s, the two LSTM kernels and their helpers) and ~0.7 s with a warm one
(numba import, cache loads, the computation itself); ``tests/kernels/bench_rnn.py`` measures
it. Two choices keep it there: the kernels implement the default activations only (a first
version took every activation code: one vectorised loop per code per call site, ~2x the
compile time), and rows are copied/zeroed by explicit loops (Numba's slice assignment
``a[b, :] = c[b]`` is general broadcasting code and cost another ~1.7x).

**Exponentials.** LLVM cannot vectorise ``math.exp``/``math.tanh`` calls, and a scalar libm
call per gate value made the LSTM gate kernel 4x slower than NumPy's SIMD ``np.exp``. The
kernels therefore compute ``expm1`` with arithmetic that LLVM vectorises (8 float32 lanes on
AVX2): ``expm1(x / 64)`` by a degree-8 Taylor polynomial, then six doublings
``q <- q * (2 + q)`` (``expm1(2y) = expm1(y) * (2 + expm1(y))``), which keep the *relative*
accuracy of ``expm1`` (no cancellation near 0). ``sigmoid(x) = 1 / (2 + expm1(-x))`` and
``tanh(x) = q / (q + 2)`` with ``q = expm1(2x)``; arguments are clamped to [-40, 40]. The
result is within ~3e-7 (absolute) of the exact value, about 1 ulp of float32 for values near
1 -- well inside the 1e-5 tolerance against TensorFlow. This is why the kernels take float32
only: float64 (finite-difference gradient checks) runs the exact NumPy versions.

>>> import numpy as np
>>> s = steps(np.dtype('float32'))
>>> xp = np.zeros((1, 4), 'float32'); rec = np.zeros((1, 4), 'float32')
>>> h0 = np.zeros((1, 1), 'float32'); c0 = np.ones((1, 1), 'float32')
>>> gates = np.empty((1, 4), 'float32'); ac = np.empty((1, 1), 'float32')
>>> h = np.empty((1, 1), 'float32'); c = np.empty((1, 1), 'float32'); out = np.empty((1, 1), 'float32')
>>> keep = np.ones(1, np.bool_)
>>> s.lstm_fwd(xp, rec, h0, c0, h0, keep, 1, 2, gates, ac, h, c, out)
>>> c.round(6).tolist(), gates.round(6).tolist()   # f = i = o = 0.5, g = 0: c = 0.5 * 1
([[0.5]], [[0.5, 0.5, 0.0, 0.5]])
"""

from __future__ import annotations

import ctypes
import glob
import os
from types import SimpleNamespace

import numpy as np

from kviz.kernels.jit import available, jit
from kviz.kernels.rnn_numpy import (  # noqa: F401 - the NumPy versions, re-exported
    activate,
    derivative,
    gru1_bwd_a_numpy,
    gru1_bwd_b_numpy,
    gru1_fwd_a_numpy,
    gru1_fwd_b_numpy,
    gru_bwd_numpy,
    gru_fwd_numpy,
    lstm_bwd_numpy,
    lstm_fwd_numpy,
    simple_bwd_numpy,
    simple_fwd_numpy,
)

__all__ = ["ACTIVATIONS", "steps", "uses_numba", "activate", "derivative"]

#: Activation codes understood by the kernels (the names of ``kviz.activations`` functions).
ACTIVATIONS = {"linear": 0, "tanh": 1, "sigmoid": 2, "hard_sigmoid": 3, "relu": 4}

_F32 = np.dtype(np.float32)


def uses_numba(dtype) -> bool:
    """True when the Numba kernels run for arrays of ``dtype`` (float32 and numba available)."""
    return np.dtype(dtype) == _F32 and available()


# ============================================================== element helpers (in kernels)
# Plain Python functions: the kernels call them by their global names, which _bind() turns into
# Numba dispatchers before the first kernel compiles (the kviz @jit objects are not callable
# from compiled code). As plain functions they also make every kernel's ``py_func`` runnable.


def _expm1(x):
    x = min(max(x, np.float32(-40.0)), np.float32(40.0))
    y = x * np.float32(0.015625)
    q = y * (np.float32(1.0) + y * (np.float32(0.5) + y * (np.float32(1.0 / 6.0) + y * (
        np.float32(1.0 / 24.0) + y * (np.float32(1.0 / 120.0) + y * (np.float32(1.0 / 720.0)
        + y * (np.float32(1.0 / 5040.0) + y * np.float32(1.0 / 40320.0))))))))  # fmt: skip
    two = np.float32(2.0)
    q = q * (two + q)
    q = q * (two + q)
    q = q * (two + q)
    q = q * (two + q)
    q = q * (two + q)
    q = q * (two + q)
    return q


def _sigmoid_sum(a, b, out):
    """``out[k] = sigmoid(a[k] + b[k])`` over 1-D arrays (vectorisable)."""
    one, two = np.float32(1.0), np.float32(2.0)
    for k in range(out.shape[0]):
        out[k] = one / (two + _expm1(-(a[k] + b[k])))


def _tanh_sum(a, b, out):
    """``out[k] = tanh(a[k] + b[k])``."""
    two = np.float32(2.0)
    for k in range(out.shape[0]):
        q = _expm1(two * (a[k] + b[k]))
        out[k] = q / (q + two)


def _tanh1(a, out):
    """``out[k] = tanh(a[k])``."""
    two = np.float32(2.0)
    for k in range(out.shape[0]):
        q = _expm1(two * a[k])
        out[k] = q / (q + two)


def _copy(dst, src):
    """``dst[:] = src`` for 1-D arrays (an explicit loop: Numba's slice assignment is
    general broadcasting code that tripled the kernels' compile time)."""
    for k in range(dst.shape[0]):
        dst[k] = src[k]


def _zero(dst):
    """``dst[:] = 0`` for a 1-D array."""
    for k in range(dst.shape[0]):
        dst[k] = 0


def _lstm_fwd_row(xb, rb, hp, cp, gb, ab, hb, cb):
    """One kept row of an LSTM step: activated gates ``gb``, cell ``cb``, ``ab = tanh(cb)``
    and ``hb``, from the input projection ``xb`` and the recurrent product ``rb``."""
    units = hb.shape[0]
    u2, u3 = 2 * units, 3 * units
    _sigmoid_sum(xb[:u2], rb[:u2], gb[:u2])
    _tanh_sum(xb[u2:u3], rb[u2:u3], gb[u2:u3])
    _sigmoid_sum(xb[u3:], rb[u3:], gb[u3:])
    for j in range(units):
        cb[j] = gb[units + j] * cp[j] + gb[j] * gb[u2 + j]
    _tanh1(cb, ab)
    for j in range(units):
        hb[j] = gb[u3 + j] * ab[j]


def _gemm(fn, a, b, c):
    """``c[...] = a @ b`` for float32 matrices whose rows are contiguous.

    Compiled, this is a direct call of NumPy's own BLAS ``cblas_sgemm`` at address ``fn``
    (:func:`gemm_address`): the function, arguments and so the bits of ``np.matmul(a, b,
    out=c)``, from inside a kernel, without the GIL. As a plain function it is that
    ``np.matmul``."""
    np.matmul(a, b, out=c)


#: The Numba intrinsic behind the compiled ``_gemm`` (made in :func:`_bind`).
_sgemm_call = None


def _gemm_compiled(fn, a, b, c):
    _sgemm_call(fn, a.shape[0], b.shape[1], a.shape[1], a.ctypes.data, a.strides[0] // 4,
                b.ctypes.data, b.strides[0] // 4, c.ctypes.data, c.strides[0] // 4)  # fmt: skip


_HELPERS = {
    "_copy": _copy,
    "_zero": _zero,
    "_expm1": _expm1,
    "_sigmoid_sum": _sigmoid_sum,
    "_tanh_sum": _tanh_sum,
    "_tanh1": _tanh1,
    "_lstm_fwd_row": _lstm_fwd_row,
}
_bound = []


def _bind():
    """Replace the helper globals by Numba dispatchers (once, before any kernel compiles)."""
    if _bound:
        return
    g = globals()
    for name, fn in _HELPERS.items():
        g[name] = jit()(fn).dispatcher
    g["_sgemm_call"] = _make_sgemm_call()
    g["_gemm"] = jit()(_gemm_compiled).dispatcher
    _bound.append(True)


# ================================================================ BLAS from inside a kernel
# The sequence kernels (below) run a whole time loop in one call: per step the recurrent
# product and the gate maths, with no Python (and no GIL) in between. The product is NumPy's
# own ``cblas_sgemm``, called through its address: the library, the function and the
# arguments ``np.matmul`` uses for C-contiguous float32 matrices, hence the same bits.
# NumPy's wheels bundle OpenBLAS with 64-bit integers and suffixed names; only those
# (``*cblas_sgemm64_``) are used, and only after a test product agrees with ``np.matmul``
# bit for bit. Elsewhere (MKL, Accelerate, an LP64 build) :func:`gemm_address` is 0 and
# :mod:`kviz.ops.rnn_sequence` drives the per-step kernels from Python instead.

_SGEMM_SYMBOLS = ("scipy_cblas_sgemm64_", "cblas_sgemm64_")
_ROW_MAJOR, _NO_TRANS = 101, 111
_gemm_state: dict = {}


def _blas_libraries():
    """Loaded shared objects that may be NumPy's BLAS: NumPy's bundled ones first."""
    base = os.path.dirname(os.path.dirname(np.__file__))
    paths = sorted(glob.glob(os.path.join(base, "numpy.libs", "*blas*")))
    paths += sorted(glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*blas*")))
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.rsplit(None, 1)[-1] if "/" in line else ""
                if "blas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:  # not Linux
        pass
    return paths


def _sgemm_agrees(fn):
    """Whether ``fn`` (a ctypes cblas_sgemm with 64-bit integers) gives ``np.matmul``'s bits."""
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i64, i64, i64, ctypes.c_float,
                   ptr, i64, ptr, i64, ctypes.c_float, ptr, i64]  # fmt: skip
    fn.restype = None
    rng = np.random.default_rng(0)
    for m, k, n in ((3, 5, 7), (16, 24, 40)):
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        c = np.full((m, n), np.nan, np.float32)
        fn(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, m, n, k, 1.0, a.ctypes.data, k, b.ctypes.data, n,
           0.0, c.ctypes.data, n)  # fmt: skip
        if not np.array_equal(c, np.matmul(a, b)):
            return False
    return True


def gemm_address() -> int:
    """The address of NumPy's BLAS ``cblas_sgemm`` (64-bit integers) for the sequence
    kernels, or 0 where none is found or it does not reproduce ``np.matmul`` exactly.
    Looked up once; ``KVIZ_RNN_SEQUENCE_KERNELS=0`` forces 0 (the per-step path).

    >>> gemm_address() >= 0
    True
    """
    addr = _gemm_state.get("addr")
    if addr is None:
        addr, core = 0, b""
        flag = os.environ.get("KVIZ_RNN_SEQUENCE_KERNELS", "").strip().lower()
        if flag not in ("0", "false", "no", "off"):
            addr, core = _find_sgemm()
        _gemm_state["addr"] = addr
        _gemm_state.setdefault("small", SMALL_GEMM_MNK if core in _SMALL_GEMM_CORES else 0)
    return addr


def set_gemm_address(addr: int | None) -> None:
    """Force :func:`gemm_address` (0: no sequence kernels; None: look up again). For tests."""
    if addr is None:
        _gemm_state.pop("addr", None)
    else:
        _gemm_state["addr"] = int(addr)


#: OpenBLAS computes products of up to this many multiply-adds (``m * n * k``) with its
#: small-matrix kernel (no packing of the operands) on the cores in ``_SMALL_GEMM_CORES``.
SMALL_GEMM_MNK = 1_000_000
_SMALL_GEMM_CORES = {b"SkylakeX", b"Cooperlake", b"SapphireRapids"}


def set_small_gemm_limit(mnk: int | None) -> None:
    """Force the limit behind :func:`gemm_block_rows` (0: never split; None: the library's
    answer, looked up again). For tests and measurements."""
    if mnk is None:
        _gemm_state.pop("small", None)
        _gemm_state.pop("addr", None)
    else:
        _gemm_state["small"] = int(mnk)


def gemm_block_rows(rows: int, k: int, n: int) -> int:
    """Rows per product for the per-step ``(rows, k) @ (k, n)`` products of the sequence
    kernels: ``rows`` (one product), or smaller blocks when the whole product is too large for
    OpenBLAS's small-matrix kernel and blocks of rows are not. Measured on this project's
    machine for an LSTM of 128 units (k, n = 128, 512): a 32-row step product 53 us, as
    12 + 12 + 8 rows 44 us; 16 rows 28 us, as 8 + 8 rows 23 us. Blocks are multiples of
    4 rows, as even as that allows. A block is an ordinary product of some of the rows: the
    results may differ from the whole product's in rounding only.

    >>> set_small_gemm_limit(1_000_000)
    >>> gemm_block_rows(32, 128, 512), gemm_block_rows(16, 128, 512), gemm_block_rows(32, 16, 64)
    (12, 8, 32)
    >>> set_small_gemm_limit(None)
    """
    gemm_address()
    limit = _gemm_state.get("small", 0)
    per_row = max(1, k * n)
    if not limit or rows * per_row <= limit or 4 * per_row > limit:
        return rows
    most = limit // per_row // 4 * 4
    blocks = -(-rows // most)
    even = -(-rows // blocks)
    return min(most, -(-even // 4) * 4)


def _find_sgemm():
    """``(address, OpenBLAS core name)`` of a usable ``cblas_sgemm``, or ``(0, b"")``."""
    for path in _blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SGEMM_SYMBOLS:
            fn = getattr(lib, name, None)
            if fn is not None and _sgemm_agrees(fn):
                return ctypes.cast(fn, ctypes.c_void_p).value or 0, _core_name(lib)
    return 0, b""


def _core_name(lib):
    for name in ("scipy_openblas_get_corename64_", "openblas_get_corename64_"):
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.argtypes, fn.restype = [], ctypes.c_char_p
            return fn() or b""
    return b""


def _make_sgemm_call():
    """A Numba intrinsic ``_sgemm_call(fn, m, n, k, a, lda, b, ldb, c, ldc)`` (addresses and
    sizes as integers): ``c = a @ b``, row-major, no transposes, through the function
    pointer ``fn``. The address is a run-time argument, so compiled kernels can be cached."""
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def _sgemm_call(typingctx, fn, m, n, k, a, lda, b, ldb, c, ldc):
        sig = types.void(*([types.intp] * 10))

        def codegen(context, builder, signature, args):
            fn, m, n, k, a, lda, b, ldb, c, ldc = args
            i32, i64, f32 = ir.IntType(32), ir.IntType(64), ir.FloatType()
            pf = f32.as_pointer()
            fnty = ir.FunctionType(
                ir.VoidType(), [i32, i32, i32, i64, i64, i64, f32, pf, i64, pf, i64, f32, pf, i64]
            )
            call = builder.inttoptr(fn, fnty.as_pointer())
            builder.call(call, [
                ir.Constant(i32, _ROW_MAJOR), ir.Constant(i32, _NO_TRANS),
                ir.Constant(i32, _NO_TRANS), m, n, k, ir.Constant(f32, 1.0),
                builder.inttoptr(a, pf), lda, builder.inttoptr(b, pf), ldb,
                ir.Constant(f32, 0.0), builder.inttoptr(c, pf), ldc,
            ])  # fmt: skip
            return context.get_dummy_value()

        return sig, codegen

    return _sgemm_call


# ===================================================================================== kernels
# Shapes: B batch rows, U units. ``keep`` (B,) bool: False for a masked step of that row.
# Forward outputs are written into the arrays passed; ``out`` may be the same array as
# ``out_prev`` (in place), ``h``/``c`` never alias ``h_prev``/``c_prev``. The kernels compute
# tanh (activation) and sigmoid (recurrent activation) only; ``act``/``ract`` are accepted for
# a common signature with the NumPy versions (see :func:`steps`).


@jit()
def _simple_fwd(xp, rec, h_prev, out_prev, keep, act, h, out):
    for b in range(h.shape[0]):
        if keep[b]:
            _tanh_sum(xp[b], rec[b], h[b])
            _copy(out[b], h[b])
        else:
            _copy(h[b], h_prev[b])
            _copy(out[b], out_prev[b])


@jit()
def _simple_bwd(dout, has_dout, ghr, gh, gout, keep, act, h, dz):
    # on entry gh + ghr is dL/dh_t (state), gout + dout is dL/dout_t; on exit gh / gout hold
    # the parts of dL/dh_{t-1} / dL/dout_{t-1} that bypass the recurrent product
    units = h.shape[1]
    one = np.float32(1.0)
    for b in range(h.shape[0]):
        ghb, gob, hb, zb = gh[b], gout[b], h[b], dz[b]
        if keep[b]:
            for j in range(units):
                v = ghb[j] + ghr[b, j] + gob[j]
                if has_dout:
                    v += dout[b, j]
                zb[j] = v * (one - hb[j] * hb[j])
            _zero(ghb)
            _zero(gob)
        else:
            _zero(zb)
            for j in range(units):
                ghb[j] += ghr[b, j]
                if has_dout:
                    gob[j] += dout[b, j]


@jit()
def _lstm_fwd(xp, rec, h_prev, c_prev, out_prev, keep, act, ract, gates, ac, h, c, out):
    for b in range(h.shape[0]):
        if keep[b]:
            _lstm_fwd_row(xp[b], rec[b], h_prev[b], c_prev[b], gates[b], ac[b], h[b], c[b])
            _copy(out[b], h[b])
        else:
            _copy(h[b], h_prev[b])
            _copy(c[b], c_prev[b])
            _copy(out[b], out_prev[b])


@jit()
def _lstm_bwd(dout, has_dout, ghr, gh, gc, gout, keep, act, ract, gates, ac, c_prev, dz, tmp):
    # tmp: (2, U) scratch (unused; kept for the NumPy version's signature).
    # dz gets dL/d(pre-activation gates) [i, f, c, o].
    units = gh.shape[1]
    u2, u3 = 2 * units, 3 * units
    one = np.float32(1.0)
    for b in range(gh.shape[0]):
        ghb, gcb, gob = gh[b], gc[b], gout[b]
        if keep[b]:
            gb, ab, zb, cp = gates[b], ac[b], dz[b], c_prev[b]
            for j in range(units):
                dh = ghb[j] + ghr[b, j] + gob[j]
                if has_dout:
                    dh += dout[b, j]
                i, f, g, o, a = gb[j], gb[units + j], gb[u2 + j], gb[u3 + j], ab[j]
                dc = gcb[j] + dh * o * (one - a * a)
                zb[j] = dc * g * (i * (one - i))
                zb[units + j] = dc * cp[j] * (f * (one - f))
                zb[u2 + j] = dc * i * (one - g * g)
                zb[u3 + j] = dh * a * (o * (one - o))
                gcb[j] = dc * f
            _zero(ghb)
            _zero(gob)
        else:
            _zero(dz[b])
            for j in range(units):
                ghb[j] += ghr[b, j]
                if has_dout:
                    gob[j] += dout[b, j]


@jit()
def _lstm_fwd_seq(gemm, blk, b0, b1, xp, r, rmask, keep, zero_out, hs, cs, gates, acs, out, rec,
                  hd):  # fmt: skip
    # The whole forward time loop of batch rows b0:b1 (see "BLAS from inside a kernel").
    # xp (T, B, 4U) input projection + bias; r (U, 4U); rmask (B, U) recurrent dropout mask or
    # (0, 0) for none; keep (T, B); hs, cs (T + 1, B, U) with the initial states in [0]; gates
    # (T, B, 4U), acs (T, B, U) saved for the backward pass; out (T, B, U), or (1, B, U)
    # updated in place (the last output; zeros on entry); scratch rec (b1 - b0, 4U), hd
    # (b1 - b0, U). A masked step repeats the previous output (zeros with zero_out). The
    # recurrent product runs in blocks of blk rows (gemm_block_rows).
    units = hs.shape[2]
    single = out.shape[0] == 1
    for t in range(xp.shape[0]):
        if rmask.shape[0] > 0:
            for b in range(b0, b1):
                for j in range(units):
                    hd[b - b0, j] = hs[t, b, j] * rmask[b, j]
            for r0 in range(0, b1 - b0, blk):
                r1 = min(r0 + blk, b1 - b0)
                _gemm(gemm, hd[r0:r1], r, rec[r0:r1])
        else:
            for r0 in range(b0, b1, blk):
                r1 = min(r0 + blk, b1)
                _gemm(gemm, hs[t, r0:r1], r, rec[r0 - b0 : r1 - b0])
        cur = 0 if single else t
        prev = 0 if single else t - 1
        for b in range(b0, b1):
            if keep[t, b]:
                _lstm_fwd_row(xp[t, b], rec[b - b0], hs[t, b], cs[t, b], gates[t, b], acs[t, b],
                              hs[t + 1, b], cs[t + 1, b])  # fmt: skip
                _copy(out[cur, b], hs[t + 1, b])
            else:
                _copy(hs[t + 1, b], hs[t, b])
                _copy(cs[t + 1, b], cs[t, b])
                if zero_out or prev < 0:
                    _zero(out[cur, b])
                elif prev != cur:
                    _copy(out[cur, b], out[prev, b])


@jit()
def _lstm_bwd_seq(gemm, blk, b0, b1, dout, has_dout, rt, rmask, keep, zero_out, gates, acs, cs, ghr,
                  gh, gc, gout, dz, dh):  # fmt: skip
    # The whole backward time loop of batch rows b0:b1: _lstm_bwd's maths per step, then
    # ghr = dz_t @ R^T. dout (T, B, U) output gradients (any 3-D array when has_dout is
    # False); rt (4U, U) the transposed recurrent kernel; ghr (B, U) the gradient reaching h
    # through the recurrent product (zeros on entry); gh, gc, gout (B, U) carries; dz
    # (T, B, 4U) gets dL/d(pre-activation gates); dh (U,) scratch; products in blocks of blk
    # rows. Elements are indexed
    # directly (no row views: a view costs reference counting, shared by the two workers).
    units = gh.shape[1]
    u2, u3 = 2 * units, 3 * units
    one = np.float32(1.0)
    for t in range(dz.shape[0] - 1, -1, -1):
        for b in range(b0, b1):
            if keep[t, b]:
                for j in range(units):
                    dh[j] = gh[b, j] + ghr[b, j] + gout[b, j]
                if has_dout:
                    for j in range(units):
                        dh[j] += dout[t, b, j]
                for j in range(units):
                    d = dh[j]
                    i, f, g = gates[t, b, j], gates[t, b, units + j], gates[t, b, u2 + j]
                    o, a = gates[t, b, u3 + j], acs[t, b, j]
                    dc = gc[b, j] + d * o * (one - a * a)
                    dz[t, b, j] = dc * g * (i * (one - i))
                    dz[t, b, units + j] = dc * cs[t, b, j] * (f * (one - f))
                    dz[t, b, u2 + j] = dc * i * (one - g * g)
                    dz[t, b, u3 + j] = d * a * (o * (one - o))
                    gc[b, j] = dc * f
                for j in range(units):
                    gh[b, j] = 0
                    gout[b, j] = 0
            else:
                for j in range(4 * units):
                    dz[t, b, j] = 0
                for j in range(units):
                    gh[b, j] += ghr[b, j]
                if has_dout:
                    for j in range(units):
                        gout[b, j] += dout[t, b, j]
            if zero_out:
                for j in range(units):
                    gout[b, j] = 0
        for r0 in range(b0, b1, blk):
            r1 = min(r0 + blk, b1)
            _gemm(gemm, dz[t, r0:r1], rt, ghr[r0:r1])
        if rmask.shape[0] > 0:
            for b in range(b0, b1):
                for j in range(units):
                    ghr[b, j] *= rmask[b, j]


@jit()
def _gru_fwd(xp, rec, brec, h_prev, out_prev, keep, act, ract, gates, h, out, tmp):
    # reset_after=True. gates row: [z, r, hh, rh] with rh = h_prev @ R_h + b_rec_h.
    # tmp: (3U,) scratch.
    units = h.shape[1]
    u2, u3 = 2 * units, 3 * units
    one = np.float32(1.0)
    for b in range(h.shape[0]):
        if keep[b]:
            xb, rb, gb = xp[b], rec[b], gates[b]
            for k in range(u3):
                tmp[k] = rb[k] + brec[k]
            _sigmoid_sum(xb[:u2], tmp[:u2], gb[:u2])
            for j in range(units):
                gb[u3 + j] = tmp[u2 + j]
                tmp[j] = gb[units + j] * tmp[u2 + j]  # r * rh
            _tanh_sum(xb[u2:u3], tmp[:units], gb[u2:u3])
            hb, hp, ob = h[b], h_prev[b], out[b]
            for j in range(units):
                z = gb[j]
                v = z * hp[j] + (one - z) * gb[u2 + j]
                hb[j] = v
                ob[j] = v
        else:
            _copy(h[b], h_prev[b])
            _copy(out[b], out_prev[b])


@jit()
def _gru_bwd(dout, has_dout, ghr, gh, gout, keep, act, ract, gates, h_prev, dxp, drec, tmp):
    # reset_after=True. dxp: dL/d(x-projection) [z, r, hh]; drec: dL/d(h_prev @ R + b_rec).
    units = gh.shape[1]
    u2, u3 = 2 * units, 3 * units
    one = np.float32(1.0)
    for b in range(gh.shape[0]):
        ghb, gob = gh[b], gout[b]
        if keep[b]:
            gb, xb, rb, hp = gates[b], dxp[b], drec[b], h_prev[b]
            for j in range(units):
                dh = ghb[j] + ghr[b, j] + gob[j]
                if has_dout:
                    dh += dout[b, j]
                z, r, hh, rh = gb[j], gb[units + j], gb[u2 + j], gb[u3 + j]
                dz = dh * (hp[j] - hh) * (z * (one - z))
                dah = dh * (one - z) * (one - hh * hh)
                dr = dah * rh * (r * (one - r))
                xb[j] = dz
                xb[units + j] = dr
                xb[u2 + j] = dah
                rb[j] = dz
                rb[units + j] = dr
                rb[u2 + j] = dah * r
                ghb[j] = dh * z  # direct path h_prev -> h
            _zero(gob)
        else:
            _zero(dxp[b])
            _zero(drec[b])
            for j in range(units):
                ghb[j] += ghr[b, j]
                if has_dout:
                    gob[j] += dout[b, j]


@jit()
def _gru1_fwd_a(xp, rec, hd, ract, gates, rin):
    # reset_after=False, part 1: z, r from the first 2U columns; rin = r * hd (input of R_h)
    units = hd.shape[1]
    u2 = 2 * units
    for b in range(hd.shape[0]):
        gb = gates[b]
        _sigmoid_sum(xp[b, :u2], rec[b], gb[:u2])
        for j in range(units):
            rin[b, j] = gb[units + j] * hd[b, j]


@jit()
def _gru1_fwd_b(xp, rh, h_prev, out_prev, keep, act, gates, h, out):
    # part 2: hh = act(x_h + rh); h = z * h_prev + (1 - z) * hh
    units = h.shape[1]
    u2, u3 = 2 * units, 3 * units
    one = np.float32(1.0)
    for b in range(h.shape[0]):
        if keep[b]:
            gb = gates[b]
            _tanh_sum(xp[b, u2:u3], rh[b], gb[u2:u3])
            hb, hp, ob = h[b], h_prev[b], out[b]
            for j in range(units):
                z = gb[j]
                v = z * hp[j] + (one - z) * gb[u2 + j]
                hb[j] = v
                ob[j] = v
        else:
            _copy(h[b], h_prev[b])
            _copy(out[b], out_prev[b])


@jit()
def _gru1_bwd_a(dout, has_dout, ghr, gh, gout, keep, act, ract, gates, h_prev, dxp, tmp):
    # dxp[:, :U] = d(z pre-act), dxp[:, 2U:] = d(hh pre-act); gh <- direct part dh * z
    units = gh.shape[1]
    u2 = 2 * units
    one = np.float32(1.0)
    for b in range(gh.shape[0]):
        ghb, gob = gh[b], gout[b]
        if keep[b]:
            gb, xb, hp = gates[b], dxp[b], h_prev[b]
            for j in range(units):
                dh = ghb[j] + ghr[b, j] + gob[j]
                if has_dout:
                    dh += dout[b, j]
                z, hh = gb[j], gb[u2 + j]
                xb[j] = dh * (hp[j] - hh) * (z * (one - z))
                xb[u2 + j] = dh * (one - z) * (one - hh * hh)
                ghb[j] = dh * z
            _zero(gob)
        else:
            _zero(dxp[b])
            for j in range(units):
                ghb[j] += ghr[b, j]
                if has_dout:
                    gob[j] += dout[b, j]


@jit()
def _gru1_bwd_b(drin, hd, ract, gates, dxp, ghd):
    # d(r pre-act) = drin * hd * r'; ghd = drin * r (gradient reaching hd through rin)
    units = hd.shape[1]
    one = np.float32(1.0)
    for b in range(hd.shape[0]):
        gb, xb = gates[b], dxp[b]
        for j in range(units):
            r = gb[units + j]
            xb[units + j] = drin[b, j] * hd[b, j] * (r * (one - r))
            ghd[b, j] = drin[b, j] * r


# ================================================================================== dispatch
_NUMPY = SimpleNamespace(
    numba=False,
    simple_fwd=simple_fwd_numpy,
    simple_bwd=simple_bwd_numpy,
    lstm_fwd=lstm_fwd_numpy,
    lstm_bwd=lstm_bwd_numpy,
    gru_fwd=gru_fwd_numpy,
    gru_bwd=gru_bwd_numpy,
    gru1_fwd_a=gru1_fwd_a_numpy,
    gru1_fwd_b=gru1_fwd_b_numpy,
    gru1_bwd_a=gru1_bwd_a_numpy,
    gru1_bwd_b=gru1_bwd_b_numpy,
)

KERNELS = {
    "simple_fwd": _simple_fwd,
    "simple_bwd": _simple_bwd,
    "lstm_fwd": _lstm_fwd,
    "lstm_bwd": _lstm_bwd,
    "lstm_fwd_seq": _lstm_fwd_seq,
    "lstm_bwd_seq": _lstm_bwd_seq,
    "gru_fwd": _gru_fwd,
    "gru_bwd": _gru_bwd,
    "gru1_fwd_a": _gru1_fwd_a,
    "gru1_fwd_b": _gru1_fwd_b,
    "gru1_bwd_a": _gru1_bwd_a,
    "gru1_bwd_b": _gru1_bwd_b,
}


class _LazyKernels:
    """Attribute access gives the Numba dispatcher of a kernel (created on first use)."""

    numba = True

    def __getattr__(self, name):
        if name not in KERNELS:
            raise AttributeError(name)
        _bind()
        disp = KERNELS[name].dispatcher
        setattr(self, name, disp)
        return disp


_KERNELS = _LazyKernels()


#: The activation codes the Numba kernels implement: (activation, recurrent_activation).
KERNEL_ACTIVATIONS = (ACTIVATIONS["tanh"], ACTIVATIONS["sigmoid"])


def steps(dtype, act=1, ract=2, use_numba=None):
    """The step functions for arrays of ``dtype`` and activation codes ``act``/``ract``.

    The Numba kernels run for float32 with tanh/sigmoid (the defaults, when numba is
    available, or ``use_numba=True``); anything else (float64, ``hard_sigmoid``, ``relu``...)
    runs the NumPy versions. Both sets have the same signatures; ``.numba`` says which one it
    is. (Kernels for every activation were 4x slower to compile: a vectorised loop per code.)
    """
    if use_numba is None:
        use_numba = uses_numba(dtype) and (act, ract) == KERNEL_ACTIVATIONS
    return _KERNELS if use_numba else _NUMPY
