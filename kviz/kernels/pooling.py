"""Max and average pooling over channels-last 5-D arrays ``(N, D, H, W, C)``.

Same conventions as :mod:`kviz.kernels.conv`: 1-D and 2-D callers reshape to singleton spatial
axes; geometry arguments are 3-tuples ``ksize``, ``strides``, ``pad`` (cells before the first
input cell) and ``out`` (output size). Padding cells never take part: max pooling ignores them
and average pooling divides by the number of *real* cells in each window (Keras's rule).

* :func:`max_pool` ``-> (out, arg)``: ``arg`` holds, for every output value, the flat index
  into ``x`` of the maximum (the first one in window order on ties, as TensorFlow);
* :func:`max_pool_backward` scatters the output gradient to those indices;
* :func:`avg_pool` and :func:`avg_pool_backward`.

Serial Numba kernels for float32/float64 (one pass, no padded copy, driven by the window-offset
table of :func:`kviz.kernels.conv.window_offsets`), else NumPy versions (one strided slice per
window offset) with the same results.

>>> import numpy as np
>>> x = np.array([1., 3., 2., 5., 4.], 'float32').reshape(1, 1, 1, 5, 1)
>>> out, arg = max_pool(x, (1, 1, 2), (1, 1, 2), (0, 0, 0), (1, 1, 2))
>>> out.ravel(), arg.ravel()
(array([3., 5.], dtype=float32), array([1, 3]))
"""

from __future__ import annotations

import numpy as np

from kviz.kernels.conv import uses_numba, window_offsets
from kviz.kernels.jit import jit

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
def _max_pool_kernel(x, table, out, arg, nb, nc, sample):
    positions, offsets = table.shape
    o = 0
    for n in range(nb):
        base = n * sample
        for p in range(positions):
            first = True
            for k in range(offsets):
                src = table[p, k]
                if src < 0:
                    continue
                src += base
                if first:
                    for ch in range(nc):
                        out[o + ch] = x[src + ch]
                        arg[o + ch] = src + ch
                    first = False
                else:
                    for ch in range(nc):
                        v = x[src + ch]
                        if v > out[o + ch]:
                            out[o + ch] = v
                            arg[o + ch] = src + ch
            o += nc


@jit()
def _scatter_add_kernel(dx, arg, g):
    for i in range(g.shape[0]):
        dx[arg[i]] += g[i]


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
            if not backward:
                for ch in range(nc):
                    out[o + ch] = 0
            for k in range(offsets):
                src = table[p, k]
                if src < 0:
                    continue
                src += base
                if backward:
                    for ch in range(nc):
                        out[src + ch] += x[o + ch] / count
                else:
                    for ch in range(nc):
                        out[o + ch] += x[src + ch]
            if not backward:
                for ch in range(nc):
                    out[o + ch] /= count
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


def max_pool(x, ksize, strides, pad, out):
    """``(out, arg)``: window maxima of ``x`` and their flat indices into ``x`` (int64)."""
    if not uses_numba(x):
        return max_pool_numpy(x, ksize, strides, pad, out)
    x = np.ascontiguousarray(x)
    shape = (x.shape[0], *out, x.shape[-1])
    res = np.empty(shape, x.dtype)
    arg = np.empty(shape, np.int64)
    _max_pool_kernel(
        x.reshape(-1), _table(x.shape, ksize, strides, pad, out), res.reshape(-1),
        arg.reshape(-1), x.shape[0], x.shape[-1], int(np.prod(x.shape[1:])),
    )  # fmt: skip
    return res, arg


def max_pool_backward(g, arg, x_shape):
    """The input gradient of :func:`max_pool`: ``g`` added at the indices ``arg``."""
    size = int(np.prod(x_shape))
    g = np.ascontiguousarray(g)
    if not uses_numba(g):
        dx = np.bincount(arg.reshape(-1), weights=g.reshape(-1), minlength=size)
        return dx.astype(g.dtype, copy=False).reshape(x_shape)
    dx = np.zeros(size, g.dtype)
    _scatter_add_kernel(dx, np.ascontiguousarray(arg).reshape(-1), g.reshape(-1))
    return dx.reshape(x_shape)


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
