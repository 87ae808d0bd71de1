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

Both run a serial Numba kernel for float32/float64 (one pass, no padded copy), else a NumPy
version (one strided slice copy/add per kernel offset) that gives the same values; see
``shared/PERFORMANCE-NOTES.md`` for why the kernels are serial.

>>> import numpy as np
>>> x = np.arange(4, dtype='float32').reshape(1, 1, 1, 4, 1)   # N=1, W=4, C=1
>>> im2col(x, (1, 1, 2), (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 1, 3))
array([[0., 1.],
       [1., 2.],
       [2., 3.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz.kernels.jit import available, jit

__all__ = ["im2col", "col2im", "im2col_numpy", "col2im_numpy", "uses_numba"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def uses_numba(*arrays) -> bool:
    """True when the Numba kernels take these arrays (float32/float64, one dtype)."""
    dtype = arrays[0].dtype
    if dtype not in _FLOATS or any(a.dtype != dtype for a in arrays):
        return False
    return available()


# ================================================================================ kernels
# The kernels index flat (1-D) views of the image: a kernel row ``kw * C`` long is then one
# contiguous copy when it lies inside the image and the width dilation is 1 (the usual case).


@jit()
def _im2col_kernel(
    x, shape, cols, n0, n1, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow
):
    size_d, size_h, size_w, nc = shape[1], shape[2], shape[3], shape[4]
    s_h = size_w * nc
    s_d = size_h * s_h
    s_n = size_d * s_d
    run = kw * nc
    r = 0
    for n in range(n0, n1):
        for a in range(od):
            z0 = a * sd - pd
            for b in range(oh):
                y0 = b * sh - ph
                for c in range(ow):
                    x0 = c * sw - pw
                    inside_w = dw == 1 and x0 >= 0 and x0 + kw <= size_w
                    col = 0
                    for i in range(kd):
                        z = z0 + i * dd
                        z_in = 0 <= z < size_d
                        for j in range(kh):
                            y = y0 + j * dh
                            if not (z_in and 0 <= y < size_h):
                                for t in range(run):
                                    cols[r, col + t] = 0
                            elif inside_w:
                                base = n * s_n + z * s_d + y * s_h + x0 * nc
                                for t in range(run):
                                    cols[r, col + t] = x[base + t]
                            else:
                                base = n * s_n + z * s_d + y * s_h
                                for k in range(kw):
                                    xx = x0 + k * dw
                                    o = col + k * nc
                                    if 0 <= xx < size_w:
                                        src = base + xx * nc
                                        for ch in range(nc):
                                            cols[r, o + ch] = x[src + ch]
                                    else:
                                        for ch in range(nc):
                                            cols[r, o + ch] = 0
                            col += run
                    r += 1


@jit()
def _col2im_kernel(
    cols, dx, shape, n0, n1, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow
):
    size_d, size_h, size_w, nc = shape[1], shape[2], shape[3], shape[4]
    s_h = size_w * nc
    s_d = size_h * s_h
    s_n = size_d * s_d
    run = kw * nc
    r = 0
    for n in range(n0, n1):
        for a in range(od):
            z0 = a * sd - pd
            for b in range(oh):
                y0 = b * sh - ph
                for c in range(ow):
                    x0 = c * sw - pw
                    inside_w = dw == 1 and x0 >= 0 and x0 + kw <= size_w
                    col = 0
                    for i in range(kd):
                        z = z0 + i * dd
                        z_in = 0 <= z < size_d
                        for j in range(kh):
                            y = y0 + j * dh
                            if not (z_in and 0 <= y < size_h):
                                pass
                            elif inside_w:
                                base = n * s_n + z * s_d + y * s_h + x0 * nc
                                for t in range(run):
                                    dx[base + t] += cols[r, col + t]
                            else:
                                base = n * s_n + z * s_d + y * s_h
                                for k in range(kw):
                                    xx = x0 + k * dw
                                    if 0 <= xx < size_w:
                                        src = base + xx * nc
                                        o = col + k * nc
                                        for ch in range(nc):
                                            dx[src + ch] += cols[r, o + ch]
                            col += run
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
def _geometry(ksize, strides, dilation, pad, out):
    return (*ksize, *strides, *dilation, *pad, *out)


def im2col(x, ksize, strides, dilation, pad, out, n0=0, n1=None, buffer=None):
    """Column matrix ``(n*prod(out), prod(ksize)*C)`` of samples ``n0:n1`` of the channels-last
    5-D input ``x`` (all samples by default), written into ``buffer`` when it is given (a
    C-contiguous array of that shape and ``x``'s dtype, e.g. a reused workspace)."""
    n1 = x.shape[0] if n1 is None else n1
    nc = x.shape[-1]
    shape = ((n1 - n0) * int(np.prod(out)), int(np.prod(ksize)) * nc)
    if not uses_numba(x):
        cols = im2col_numpy(x[n0:n1], ksize, strides, dilation, pad, out)
        if buffer is not None:
            buffer[...] = cols
            return buffer
        return cols
    x = np.ascontiguousarray(x)
    cols = np.empty(shape, dtype=x.dtype) if buffer is None else buffer
    _im2col_kernel(
        x.reshape(-1), np.array(x.shape, np.int64), cols, n0, n1,
        *_geometry(ksize, strides, dilation, pad, out),
    )  # fmt: skip
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
    _col2im_kernel(
        np.ascontiguousarray(cols), dx.reshape(-1), np.array(x_shape, np.int64), n0, n1,
        *_geometry(ksize, strides, dilation, pad, out),
    )  # fmt: skip
    return dx
