"""im2col / col2im: the data movement around the matrix product of a convolution.

Every convolution in kviz (1D, 2D, 3D, grouped, depthwise, transposed) is a matrix product
(BLAS GEMM, done by the caller) between a *column matrix* and the reshaped kernel. This module
builds that column matrix from an input and scatters one back (the adjoint).

Layout, decided once: arrays are **channels-last and 3-D spatial**, ``(N, D, H, W, C)``; 1-D and
2-D callers reshape to singleton spatial axes (``(N, 1, 1, W, C)``, ``(N, 1, H, W, C)``), which
costs nothing and keeps one compiled kernel per dtype. The column matrix has one row per output
position ``(n, od, oh, ow)`` and one column per ``(kd, kh, kw, c)`` (kernel offsets outer,
channels inner), so ``cols @ kernel.reshape(-1, filters)`` is the channels-last output.

Geometry arguments are 3-tuples: ``ksize`` (kernel size), ``strides``, ``dilation``, ``pad``
(zero cells before the first input cell; the cells after it are implied by ``out``) and ``out``
(output size). Positions outside the input read as zero (im2col) or are dropped (col2im).

* :func:`im2col` ``(x5, ...) -> cols`` of shape ``(N*od*oh*ow, kd*kh*kw*C)``;
* :func:`col2im` ``(cols, x_shape5, ...) -> x5``, the sum of every column entry into its input
  cell (the transpose of :func:`im2col`).

Both run a serial Numba kernel for float32/float64 (one pass, no padded copy), driven by a
cached table of runs of consecutive cells (:func:`window_runs`, from the window offsets of
:func:`window_offsets`); else a NumPy version (one strided slice
copy/add per kernel offset) that gives the same values. :func:`im2col` also takes the NumPy path
for inputs with fewer than :data:`MIN_KERNEL_CHANNELS` channels, where it is faster. The kernels
are serial (``shared/PERFORMANCE-NOTES.md``); :mod:`kviz.kernels.threads` runs chunks of samples
side by side instead.

>>> import numpy as np
>>> x = np.arange(4, dtype='float32').reshape(1, 1, 1, 4, 1)   # N=1, W=4, C=1
>>> im2col(x, (1, 1, 2), (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 1, 3))
array([[0., 1.],
       [1., 2.],
       [2., 3.]], dtype=float32)
"""

from __future__ import annotations

import functools

import numpy as np

from kviz.kernels.jit import available, jit

__all__ = [
    "im2col", "col2im", "im2col_numpy", "col2im_numpy", "uses_numba", "window_offsets",
    "window_runs",
]  # fmt: skip

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

#: Below this many channels :func:`im2col` takes the NumPy path: with short runs of values the
#: kernel's per-run overhead dominates (28x28x1 images: NumPy 1.0 ms, kernel 5.9 ms; 4 channels:
#: 6.5 vs 9.6 ms; 8 channels: 17.8 vs 10.4 ms, measured on 128 images).
MIN_KERNEL_CHANNELS = 8


def uses_numba(*arrays) -> bool:
    """True when the Numba kernels take these arrays (float32/float64, one dtype)."""
    dtype = arrays[0].dtype
    if dtype not in _FLOATS or any(a.dtype != dtype for a in arrays):
        return False
    return available()


# ================================================================================ kernels
# The kernels work from tables of window offsets (:func:`window_offsets`): for every
# output position of one sample and every kernel offset, where the input cell starts in the
# flattened sample (-1 for padding). They only copy or add runs of ``C`` channels: little code,
# so little compile time (see ``shared/PERFORMANCE-NOTES.md``), and no bounds logic in the loop.


@functools.lru_cache(maxsize=256)
def window_offsets(size, ksize, strides, dilation, pad, out, nc):
    """``(prod(out), prod(ksize))`` int64 table: the flat offset of input cell ``(z, y, x, 0)`` of
    one channels-last sample seen by output position ``p`` at kernel offset ``k``, or -1 where
    that cell is padding. All arguments are 3-tuples (``nc``: channels)."""
    coords, valid = [], []
    for n, k, s, d, p, o in zip(size, ksize, strides, dilation, pad, out, strict=True):
        c = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d  # (o, k)
        coords.append(c)
        valid.append((c >= 0) & (c < n))
    (z, vz), (y, vy), (x, vx) = zip(coords, valid, strict=True)
    od, oh, ow = out
    kd, kh, kw = ksize
    z = z.reshape(od, 1, 1, kd, 1, 1)
    y = y.reshape(1, oh, 1, 1, kh, 1)
    x = x.reshape(1, 1, ow, 1, 1, kw)
    ok = vz.reshape(z.shape) & vy.reshape(y.shape) & vx.reshape(x.shape)
    flat = ((z * size[1] + y) * size[2] + x) * nc
    table = np.where(ok, flat, -1).astype(np.int64)
    table = table.reshape(od * oh * ow, kd * kh * kw)
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=256)
def window_runs(size, ksize, strides, dilation, pad, out, nc):
    """The window table of :func:`window_offsets` merged into runs: ``(starts, lengths)``, two
    ``(prod(out), R)`` int64 tables. For output position ``p`` the column-matrix row is the
    concatenation of runs ``starts[p, q] : starts[p, q] + lengths[p, q]`` of the flattened
    sample (a start of -1: that many zeros, padding), in kernel-offset order; unused entries
    have length 0. Kernel offsets whose cells follow each other in memory (a 3x3 window's
    rows: 3 cells of C channels) make one run, so the kernels copy 3x fewer, 3x longer runs."""
    table = window_offsets(size, ksize, strides, dilation, pad, out, nc)
    runs = []
    for row in table:
        merged = []
        for src in row:
            src = int(src)
            if merged:
                s0, n0 = merged[-1]
                if (src < 0 and s0 < 0) or (src >= 0 and s0 >= 0 and s0 + n0 == src):
                    merged[-1] = (s0, n0 + nc)
                    continue
            merged.append((src if src >= 0 else -1, nc))
        runs.append(merged)
    width = max(len(r) for r in runs) if runs else 0
    starts = np.full((len(runs), width), -1, np.int64)
    lengths = np.zeros((len(runs), width), np.int64)
    for p, merged in enumerate(runs):
        for q, (src, n) in enumerate(merged):
            starts[p, q], lengths[p, q] = src, n
    starts.flags.writeable = False
    lengths.flags.writeable = False
    return starts, lengths


@jit()
def _im2col_runs_kernel(x, starts, lengths, cols, n0, n1, sample):
    positions, nruns = starts.shape
    r = 0
    for n in range(n0, n1):
        base = n * sample
        for p in range(positions):
            row = cols[r]
            d = 0
            for q in range(nruns):
                ln = lengths[p, q]
                src = starts[p, q]
                dst = row[d : d + ln]  # contiguous slices: the copy vectorises
                if src < 0:
                    for i in range(ln):
                        dst[i] = 0
                else:
                    cell = x[base + src : base + src + ln]
                    for i in range(ln):
                        dst[i] = cell[i]
                d += ln
            r += 1


@jit()
def _col2im_runs_kernel(cols, dx, starts, lengths, n0, n1, sample):
    positions, nruns = starts.shape
    r = 0
    for n in range(n0, n1):
        base = n * sample
        for p in range(positions):
            row = cols[r]
            d = 0
            for q in range(nruns):
                ln = lengths[p, q]
                dst = starts[p, q]
                if dst >= 0:
                    cell = dx[base + dst : base + dst + ln]
                    src = row[d : d + ln]
                    for i in range(ln):
                        cell[i] += src[i]
                d += ln
            r += 1


# ============================================================================ NumPy paths
def _extent(ksize, strides, dilation, pad, out, size):
    """Per axis: padded length needed by the windows, and the cells after the input."""
    after = []
    for k, s, d, p, o, n in zip(ksize, strides, dilation, pad, out, size, strict=True):
        need = (o - 1) * s + (k - 1) * d + 1 if o > 0 else 0
        after.append(max(need - p - n, 0))
    return after


def _offsets(ksize, strides, dilation, out):
    """``(kernel index, slices into the padded input)`` for every kernel offset."""
    for idx in np.ndindex(*ksize):
        sl = tuple(
            slice(i * d, i * d + (o - 1) * s + 1, s) if o > 0 else slice(0, 0)
            for i, s, d, o in zip(idx, strides, dilation, out, strict=True)
        )
        yield idx, sl


def im2col_numpy(x, ksize, strides, dilation, pad, out):
    """NumPy :func:`im2col` (a padded copy, then one strided copy per kernel offset)."""
    nb, *size, nc = x.shape
    after = _extent(ksize, strides, dilation, pad, out, size)
    lead = [max(p, 0) for p in pad]
    xp = np.pad(x, [(0, 0)] + [(b, a) for b, a in zip(lead, after, strict=True)] + [(0, 0)])
    cols = np.empty((nb, *out, *ksize, nc), dtype=x.dtype)
    for idx, sl in _offsets(ksize, strides, dilation, out):
        cols[(slice(None),) * 4 + idx] = xp[(slice(None), *sl)]
    return cols.reshape(nb * int(np.prod(out)), int(np.prod(ksize)) * nc)


def col2im_numpy(cols, x_shape, ksize, strides, dilation, pad, out):
    """NumPy :func:`col2im` (one strided add per kernel offset into a padded buffer)."""
    nb, *size, nc = x_shape
    after = _extent(ksize, strides, dilation, pad, out, size)
    padded = [n + p + a for n, p, a in zip(size, pad, after, strict=True)]
    dxp = np.zeros((nb, *padded, nc), dtype=cols.dtype)
    c = cols.reshape(nb, *out, *ksize, nc)
    for idx, sl in _offsets(ksize, strides, dilation, out):
        dxp[(slice(None), *sl)] += c[(slice(None),) * 4 + idx]
    return dxp[(slice(None), *(slice(p, p + n) for p, n in zip(pad, size, strict=True)))]


# ============================================================================== entry points
def _runs(x_shape, ksize, strides, dilation, pad, out):
    return window_runs(
        tuple(int(d) for d in x_shape[1:4]), tuple(ksize), tuple(strides), tuple(dilation),
        tuple(pad), tuple(out), int(x_shape[4]),
    )  # fmt: skip


def im2col(x, ksize, strides, dilation, pad, out, n0=0, n1=None, buffer=None):
    """Column matrix ``(n*prod(out), prod(ksize)*C)`` of samples ``n0:n1`` of the channels-last
    5-D input ``x`` (all samples by default), written into ``buffer`` when it is given (a
    C-contiguous array of that shape and ``x``'s dtype, e.g. a reused workspace)."""
    n1 = x.shape[0] if n1 is None else n1
    if x.shape[-1] < MIN_KERNEL_CHANNELS or not uses_numba(x):
        cols = im2col_numpy(x[n0:n1], ksize, strides, dilation, pad, out)
        if buffer is not None:
            buffer[...] = cols
            return buffer
        return cols
    x = np.ascontiguousarray(x)
    nc = x.shape[-1]
    shape = ((n1 - n0) * int(np.prod(out)), int(np.prod(ksize)) * nc)
    cols = np.empty(shape, dtype=x.dtype) if buffer is None else buffer
    starts, lengths = _runs(x.shape, ksize, strides, dilation, pad, out)
    _im2col_runs_kernel(x.reshape(-1), starts, lengths, cols, n0, n1, int(np.prod(x.shape[1:])))
    return cols


def col2im(cols, x_shape, ksize, strides, dilation, pad, out, n0=0, n1=None, into=None):
    """Sum the column matrix of samples ``n0:n1`` back into their cells of a 5-D channels-last
    array of shape ``x_shape``: into ``into`` (a C-contiguous array, added to) when given, else
    into a fresh zero array. Returns that array."""
    n1 = x_shape[0] if n1 is None else n1
    dx = np.zeros(tuple(x_shape), dtype=cols.dtype) if into is None else into
    if not uses_numba(cols, dx) or not dx.flags.c_contiguous:
        shape = (n1 - n0,) + tuple(x_shape[1:])
        dx[n0:n1] += col2im_numpy(cols, shape, ksize, strides, dilation, pad, out)
        return dx
    starts, lengths = _runs(x_shape, ksize, strides, dilation, pad, out)
    sample = int(np.prod(x_shape[1:]))
    _col2im_runs_kernel(np.ascontiguousarray(cols), dx.reshape(-1), starts, lengths, n0, n1, sample)
    return dx
