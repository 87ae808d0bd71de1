"""Max and average pooling over channels-last 5-D arrays ``(N, D, H, W, C)``.

Same conventions as :mod:`kviz.kernels.conv`: 1-D and 2-D callers reshape to singleton spatial
axes; geometry arguments are 3-tuples ``ksize``, ``strides``, ``pad`` (cells before the first
input cell) and ``out`` (output size). Padding cells never take part: max pooling ignores them
and average pooling divides by the number of *real* cells in each window (Keras's rule).

* :func:`max_pool` (window maxima) and :func:`max_pool_backward`, which gives each output's
  gradient to the first cell of its window that holds the maximum (window order, as
  TensorFlow on ties); no index array is kept between the two (finding the maxima again in the
  backward pass is cheaper than storing an int64 index per output);
* :func:`avg_pool` and :func:`avg_pool_backward`.

Serial Numba kernels for float32/float64 (one pass, no padded copy, driven by the window-offset
table of :func:`kviz.kernels.conv.window_offsets`), else NumPy versions (one strided slice per
window offset) with the same results.

>>> import numpy as np
>>> x = np.array([1., 3., 2., 5., 4.], 'float32').reshape(1, 1, 1, 5, 1)
>>> out = max_pool(x, (1, 1, 2), (1, 1, 2), (0, 0, 0), (1, 1, 2))
>>> out.ravel()
array([3., 5.], dtype=float32)
>>> max_pool_backward(np.ones_like(out), x, out, (1, 1, 2), (1, 1, 2), (0, 0, 0), (1, 1, 2)).ravel()
array([0., 1., 0., 1., 0.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz.kernels.conv import uses_numba, window_offsets
from kviz.kernels.jit import jit
from kviz.kernels.threads import active_workers, run_chunks

__all__ = [
    "max_pool",
    "max_pool_backward",
    "avg_pool",
    "avg_pool_backward",
    "max_pool_numpy",
    "avg_pool_numpy",
    "avg_pool_backward_numpy",
]


# ================================================================================ kernels
# Driven by the window-offset table of :func:`kviz.kernels.conv.window_offsets` (-1: padding).


@jit()
def _max_pool_kernel(x, table, out, nb, nc, sample):
    positions, offsets = table.shape
    o = 0
    for n in range(nb):
        base = n * sample
        for p in range(positions):
            res = out[o : o + nc]
            first = True
            for k in range(offsets):
                src = table[p, k]
                if src < 0:
                    continue
                cell = x[base + src : base + src + nc]
                if first:
                    for ch in range(nc):
                        res[ch] = cell[ch]
                    first = False
                else:
                    for ch in range(nc):
                        res[ch] = max(res[ch], cell[ch])
            o += nc


@jit()
def _max_pool_backward_kernel(x, out, g, table, dx, rest, nb, nc, sample, assign):
    # The gradient of each output goes to the first cell of its window (in window order) that
    # holds the maximum, as TensorFlow's. ``rest`` holds, per channel, the gradient not given
    # out yet; the blend ``rest * hit`` (not a branch) lets the channel loop vectorise. With
    # ``assign`` (the windows cover every cell exactly once) ``dx`` is written, not added to,
    # so it needs no zeroing first.
    positions, offsets = table.shape
    o = 0
    for n in range(nb):
        base = n * sample
        for p in range(positions):
            grad_out = g[o : o + nc]
            for ch in range(nc):
                rest[ch] = grad_out[ch]
            best = out[o : o + nc]
            for k in range(offsets):
                src = table[p, k]
                if src < 0:
                    continue
                cell = x[base + src : base + src + nc]
                grad = dx[base + src : base + src + nc]
                if assign:
                    for ch in range(nc):
                        hit = rest.dtype.type(cell[ch] == best[ch])
                        r = rest[ch]
                        grad[ch] = r * hit
                        rest[ch] = r - r * hit
                else:
                    for ch in range(nc):
                        hit = rest.dtype.type(cell[ch] == best[ch])
                        r = rest[ch]
                        grad[ch] += r * hit
                        rest[ch] = r - r * hit
            o += nc


@jit()
def _avg_pool_kernel(x, table, out, nb, nc, sample, backward):
    # forward: out[o] = mean of the real cells of x in the window; backward (x is the gradient
    # of the output, out the gradient of the input): out[cells] += x[o] / count
    positions, offsets = table.shape
    o = 0
    for n in range(nb):
        base = n * sample
        for p in range(positions):
            count = 0
            for k in range(offsets):
                if table[p, k] >= 0:
                    count += 1
            here = x[o : o + nc] if backward else out[o : o + nc]
            if not backward:
                for ch in range(nc):
                    here[ch] = 0
            for k in range(offsets):
                src = table[p, k]
                if src < 0:
                    continue
                if backward:
                    cell = out[base + src : base + src + nc]
                    for ch in range(nc):
                        cell[ch] += here[ch] / count
                else:
                    cell = x[base + src : base + src + nc]
                    for ch in range(nc):
                        here[ch] += cell[ch]
            if not backward:
                for ch in range(nc):
                    here[ch] /= count
            o += nc


# ============================================================================ NumPy paths
def _windows(shape, ksize, strides, pad, out):
    """Padded size per axis and, per window offset, the slices of the padded array."""
    size = shape[1:4]
    after = [
        max((o - 1) * s + k - p - n, 0)
        for k, s, p, o, n in zip(ksize, strides, pad, out, size, strict=True)
    ]
    widths = [(0, 0)] + [(p, a) for p, a in zip(pad, after, strict=True)] + [(0, 0)]
    offsets = []
    for idx in np.ndindex(*ksize):
        offsets.append(
            (slice(None),)
            + tuple(
                slice(i, i + (o - 1) * s + 1, s) for i, s, o in zip(idx, strides, out, strict=True)
            )
        )
    return widths, offsets


def max_pool_numpy(x, ksize, strides, pad, out):
    widths, offsets = _windows(x.shape, ksize, strides, pad, out)
    xp = np.pad(x, widths, constant_values=-np.inf)
    ip = np.pad(np.arange(x.size).reshape(x.shape), widths, constant_values=-1)
    best = arg = None
    for sl in offsets:
        v, i = xp[sl], ip[sl]
        if best is None:
            best, arg = v.copy(), i.copy()
        else:
            better = (v > best) | (arg < 0)
            best[better] = v[better]
            arg[better] = i[better]
    return best.astype(x.dtype, copy=False), arg


def avg_pool_numpy(x, ksize, strides, pad, out):
    widths, offsets = _windows(x.shape, ksize, strides, pad, out)
    xp = np.pad(x, widths)
    ones = np.pad(np.ones((1,) + x.shape[1:4] + (1,), x.dtype), widths)
    total = sum(xp[sl] for sl in offsets)
    count = sum(ones[sl] for sl in offsets)
    return (total / count).astype(x.dtype, copy=False)


def avg_pool_backward_numpy(g, x_shape, ksize, strides, pad, out):
    widths, offsets = _windows(x_shape, ksize, strides, pad, out)
    ones = np.pad(np.ones((1,) + tuple(x_shape[1:4]) + (1,), g.dtype), widths)
    count = sum(ones[sl] for sl in offsets)
    gc = g / count
    dxp = np.zeros(tuple(np.add(x_shape, [a + b for a, b in widths])), g.dtype)
    for sl in offsets:
        dxp[sl] += gc
    crop = tuple(slice(a, a + n) for (a, _), n in zip(widths, x_shape, strict=True))
    return dxp[crop]


# ============================================================================== entry points
def _table(x_shape, ksize, strides, pad, out):
    return window_offsets(
        tuple(int(d) for d in x_shape[1:4]), tuple(ksize), tuple(strides), (1, 1, 1),
        tuple(pad), tuple(out), int(x_shape[4]),
    )  # fmt: skip


#: Below this many input values a pooling kernel runs in one piece on the calling thread.
MIN_SPLIT = 1 << 16


def _split(nb, size):
    """Sample ranges for the worker pool (:mod:`kviz.kernels.threads`): one per worker for
    large inputs, one range for small ones."""
    workers = active_workers()
    if workers == 1 or nb < 2 or size < MIN_SPLIT:
        return [(0, nb)]
    parts = min(nb, workers)
    edges = [nb * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


def max_pool(x, ksize, strides, pad, out):
    """Window maxima of ``x`` (chunks of samples side by side on the worker pool)."""
    if not uses_numba(x):
        return max_pool_numpy(x, ksize, strides, pad, out)[0]
    x = np.ascontiguousarray(x)
    res = np.empty((x.shape[0], *out, x.shape[-1]), x.dtype)
    table = _table(x.shape, ksize, strides, pad, out)
    nc, sample = x.shape[-1], int(np.prod(x.shape[1:]))
    per_out = int(np.prod(out)) * nc
    xf, rf = x.reshape(-1), res.reshape(-1)

    def chunk(n0, n1):
        _max_pool_kernel(
            xf[n0 * sample : n1 * sample], table, rf[n0 * per_out : n1 * per_out], n1 - n0, nc,
            sample,
        )  # fmt: skip

    run_chunks(chunk, _split(x.shape[0], x.size))
    return res


def max_pool_backward(g, x, res, ksize, strides, pad, out):
    """The input gradient of :func:`max_pool` (``res`` its result): each output's gradient
    goes to the first cell of its window, in window order, that holds the maximum."""
    g = np.ascontiguousarray(g)
    if not uses_numba(g, x, res):
        arg = max_pool_numpy(x, ksize, strides, pad, out)[1]
        dx = np.bincount(arg.reshape(-1), weights=g.reshape(-1), minlength=x.size)
        return dx.astype(g.dtype, copy=False).reshape(x.shape)
    x, res = np.ascontiguousarray(x), np.ascontiguousarray(res)
    dx = np.empty(x.shape, g.dtype)
    nc, sample = x.shape[-1], int(np.prod(x.shape[1:]))
    per_out = int(np.prod(out)) * nc
    table = _table(x.shape, ksize, strides, pad, out)
    xf, rf, gf, dxf = x.reshape(-1), res.reshape(-1), g.reshape(-1), dx.reshape(-1)
    # windows that tile the input exactly (2x2 pooling of an even-sized map): every cell gets
    # exactly one write, no zeroing pass (+0.0 becomes -0.0 where a negative gradient is masked)
    size = x.shape[1:-1]
    exact = all(
        int(s) == int(k) and int(p) == 0 and int(o) * int(s) == int(n)
        for k, s, p, o, n in zip(ksize, strides, pad, out, size, strict=True)
    )

    def chunk(n0, n1):
        dxc = dxf[n0 * sample : n1 * sample]
        if not exact:
            dxc[...] = 0
        o = slice(n0 * per_out, n1 * per_out)
        _max_pool_backward_kernel(
            xf[n0 * sample : n1 * sample], rf[o], gf[o], table, dxc, np.empty(nc, g.dtype),
            n1 - n0, nc, sample, exact,
        )  # fmt: skip

    run_chunks(chunk, _split(x.shape[0], x.size))
    return dx


def avg_pool(x, ksize, strides, pad, out):
    """Window means of ``x`` over the real (non-padding) cells."""
    if not uses_numba(x):
        return avg_pool_numpy(x, ksize, strides, pad, out)
    x = np.ascontiguousarray(x)
    res = np.empty((x.shape[0], *out, x.shape[-1]), x.dtype)
    _avg_pool_kernel(
        x.reshape(-1), _table(x.shape, ksize, strides, pad, out), res.reshape(-1),
        x.shape[0], x.shape[-1], int(np.prod(x.shape[1:])), False,
    )  # fmt: skip
    return res


def avg_pool_backward(g, x_shape, ksize, strides, pad, out):
    """The input gradient of :func:`avg_pool`."""
    if not uses_numba(g):
        return avg_pool_backward_numpy(g, x_shape, ksize, strides, pad, out)
    g = np.ascontiguousarray(g)
    dx = np.zeros(int(np.prod(x_shape)), g.dtype)
    _avg_pool_kernel(
        g.reshape(-1), _table(x_shape, ksize, strides, pad, out), dx,
        x_shape[0], x_shape[-1], int(np.prod(x_shape[1:])), True,
    )  # fmt: skip
    return dx.reshape(x_shape)
