"""Winograd F(2x2, 3x3) tile transforms: a 3x3 convolution with 2.25x fewer multiplications.

A stride-1, undilated 3x3 convolution computes every 2x2 block of outputs from a 4x4 block of
inputs. Winograd's minimal filtering algorithm (Lavin & Gray, "Fast Algorithms for
Convolutional Neural Networks", 2015) writes that block as

    Y = A^T [ (G g G^T) * (B^T d B) ] A        (``*``: elementwise, 4x4)

with small constant matrices (entries 0, +-1, 1/2). Summed over input channels, the 16
elementwise products of a tile become 16 independent matrix products over all tiles:
``M[xi] = V[xi] @ U[xi]`` with ``V[xi]``: ``(tiles, C)`` (transformed inputs), ``U[xi]``:
``(C, F)`` (transformed kernel), 16 * C * F multiplications per 4 outputs instead of 36 * C * F.
The products run on BLAS (the caller, :mod:`kviz.ops.conv_winograd`); this module holds the
data movement around them, as serial Numba kernels over channels-last arrays (float32/float64),
with slow loop references in the tests:

* :func:`input_tiles` ``x (N, H, W, C) -> V (16, N*th*tw, C)`` (``B^T d B`` of each tile, cells
  outside the input read as zero: the padding);
* :func:`output_tiles` ``M (16, T, F) -> y (N, Ho, Wo, F)`` (``A^T m A``, plus bias and ReLU);
* :func:`output_tiles_grad` ``dy (N, Ho, Wo, F) -> dM (16, T, F)`` (the adjoint of
  :func:`output_tiles`: ``A dy A^T``, zero beyond the output's edge; in the same pass, the
  gradient through a fused ReLU and the bias gradient);
* :func:`input_tiles_grad` ``dV (16, T, C) -> dx (N, H, W, C)`` (the adjoint of
  :func:`input_tiles`: ``B dv B^T``, added into the overlapping cells of ``dx``);
* :func:`kernel_transform` / :func:`kernel_transform_grad`: ``U = G g G^T`` and its adjoint
  (tiny: NumPy, in float64).

Tile ``(a, b)`` covers outputs ``2a..2a+1`` x ``2b..2b+1`` and inputs starting at
``(2a - pad_top, 2b - pad_left)``; tiles are numbered sample-major, then row, then column. The
transforms only add and subtract (the 1/2 of ``G`` is applied to the kernel), so the rounding
stays close to a direct convolution's (see ``tests/kernels/test_winograd.py``).

>>> import numpy as np
>>> x = np.arange(16, dtype='float32').reshape(1, 4, 4, 1)
>>> k = np.ones((3, 3, 1, 1), 'float32')
>>> V = input_tiles(x, 0, 0, 1, 1)
>>> M = np.matmul(V, kernel_transform(k).astype('float32'))
>>> output_tiles(M, (1, 2, 2, 1), 1, 1)[0, :, :, 0]    # each output: a sum of 9 cells
array([[45., 54.],
       [81., 90.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz.kernels.jit import available, jit

__all__ = [
    "input_tiles", "output_tiles", "output_tiles_grad", "input_tiles_grad",
    "kernel_transform", "kernel_transform_grad", "uses_numba", "tile_counts",
]  # fmt: skip

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

#: ``G`` of F(2x2, 3x3): ``U = G g G^T`` (4x3).
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
#: ``B^T`` (4x4): ``V = B^T d B``.
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
#: ``A^T`` (2x4): ``Y = A^T M A``.
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)


def tile_counts(out_h, out_w):
    """``(th, tw)``: 2x2 output tiles per column and per row (a last half tile included)."""
    return (out_h + 1) // 2, (out_w + 1) // 2


def uses_numba(*arrays) -> bool:
    """True when the Numba kernels take these arrays (float32/float64, one dtype)."""
    dtype = arrays[0].dtype
    return dtype in _FLOATS and all(a.dtype == dtype for a in arrays) and available()


def kernel_transform(kernel):
    """``U = G g G^T`` of a ``(3, 3, C, F)`` kernel as ``(16, C, F)`` float64 (``xi = 4i+j``)."""
    u = np.einsum("ia,jb,abcf->ijcf", G, G, np.asarray(kernel, np.float64))
    return u.reshape(16, *u.shape[2:])


def kernel_transform_grad(du):
    """The adjoint of :func:`kernel_transform`: ``(16, C, F)`` -> ``(3, 3, C, F)`` float64."""
    du = np.asarray(du, np.float64).reshape(4, 4, *du.shape[1:])
    return np.einsum("ia,jb,ijcf->abcf", G, G, du)


# ================================================================================ kernels
@jit()
def _input_tiles_kernel(x, pad_h, pad_w, th, tw, v):
    nb, hh, ww, nc = x.shape
    d = np.zeros((4, 4, nc), x.dtype)
    t = 0
    for n in range(nb):
        for a in range(th):
            r0 = 2 * a - pad_h
            for b in range(tw):
                s0 = 2 * b - pad_w
                for i in range(4):
                    r = r0 + i
                    for j in range(4):
                        s = s0 + j
                        dst = d[i, j]
                        if r >= 0 and r < hh and s >= 0 and s < ww:
                            src = x[n, r, s]
                            for c in range(nc):
                                dst[c] = src[c]
                        else:
                            for c in range(nc):
                                dst[c] = 0
                for i in range(4):  # rows of B^T d, kept in d
                    for c in range(nc):
                        d0, d1, d2, d3 = d[0, i, c], d[1, i, c], d[2, i, c], d[3, i, c]
                        d[0, i, c] = d0 - d2
                        d[1, i, c] = d1 + d2
                        d[2, i, c] = d2 - d1
                        d[3, i, c] = d1 - d3
                for i in range(4):  # (B^T d) B, written out
                    o0, o1, o2, o3 = v[4 * i, t], v[4 * i + 1, t], v[4 * i + 2, t], v[4 * i + 3, t]
                    row = d[i]
                    for c in range(nc):
                        t0, t1, t2, t3 = row[0, c], row[1, c], row[2, c], row[3, c]
                        o0[c] = t0 - t2
                        o1[c] = t1 + t2
                        o2[c] = t2 - t1
                        o3[c] = t1 - t3
                t += 1


@jit()
def _output_tiles_kernel(m, y, th, tw, bias, has_bias, relu):
    nb, oh, ow, nf = y.shape
    s = np.zeros((2, 4, nf), m.dtype)
    t = 0
    for n in range(nb):
        for a in range(th):
            for b in range(tw):
                for j in range(4):  # A^T m: two rows
                    m0, m1, m2, m3 = m[j, t], m[4 + j, t], m[8 + j, t], m[12 + j, t]
                    s0, s1 = s[0, j], s[1, j]
                    for f in range(nf):
                        s0[f] = m0[f] + m1[f] + m2[f]
                        s1[f] = m1[f] - m2[f] - m3[f]
                for u in range(2):  # (A^T m) A: two columns
                    r = 2 * a + u
                    if r >= oh:
                        continue
                    q0, q1, q2, q3 = s[u, 0], s[u, 1], s[u, 2], s[u, 3]
                    c = 2 * b
                    out = y[n, r, c]
                    for f in range(nf):
                        val = q0[f] + q1[f] + q2[f]
                        if has_bias:
                            val += bias[f]
                        if relu and not val > 0:
                            val = 0
                        out[f] = val
                    if c + 1 < ow:
                        out = y[n, r, c + 1]
                        for f in range(nf):
                            val = q1[f] - q2[f] - q3[f]
                            if has_bias:
                                val += bias[f]
                            if relu and not val > 0:
                                val = 0
                            out[f] = val
                t += 1


@jit()
def _output_tiles_grad_kernel(g, th, tw, dm, out, use_mask, db, with_bias):
    # dm[4i+j] = (A y A^T)[i, j], A = [[1, 0], [1, 1], [1, -1], [0, -1]]; with use_mask, y is
    # g where the forward output ``out`` is positive (a fused ReLU), else g; db gets y's sums
    nb, oh, ow, nf = g.shape
    z = np.zeros((2, 2, nf), g.dtype)
    if with_bias:
        for f in range(nf):
            db[f] = 0
    t = 0
    for n in range(nb):
        for a in range(th):
            for b in range(tw):
                for u in range(2):
                    for w in range(2):
                        r, c = 2 * a + u, 2 * b + w
                        dst = z[u, w]
                        if r < oh and c < ow:
                            src = g[n, r, c]
                            if use_mask:
                                o = out[n, r, c]
                                for f in range(nf):
                                    dst[f] = src[f] if o[f] > 0 else 0
                            else:
                                for f in range(nf):
                                    dst[f] = src[f]
                            if with_bias:
                                for f in range(nf):
                                    db[f] += dst[f]
                        else:
                            for f in range(nf):
                                dst[f] = 0
                for i in range(4):  # rows of A y ...
                    o0, o1, o2, o3 = (
                        dm[4 * i, t],
                        dm[4 * i + 1, t],
                        dm[4 * i + 2, t],
                        dm[4 * i + 3, t],
                    )
                    for f in range(nf):
                        y00, y01, y10, y11 = z[0, 0, f], z[0, 1, f], z[1, 0, f], z[1, 1, f]
                        if i == 0:
                            e0, e1 = y00, y01
                        elif i == 1:
                            e0, e1 = y00 + y10, y01 + y11
                        elif i == 2:
                            e0, e1 = y00 - y10, y01 - y11
                        else:
                            e0, e1 = -y10, -y11
                        o0[f] = e0  # ... times A^T
                        o1[f] = e0 + e1
                        o2[f] = e0 - e1
                        o3[f] = -e1
                t += 1


@jit()
def _input_tiles_grad_kernel(dv, pad_h, pad_w, th, tw, dx):
    nb, hh, ww, nc = dx.shape
    e = np.zeros((4, 4, nc), dv.dtype)
    t = 0
    for n in range(nb):
        for a in range(th):
            r0 = 2 * a - pad_h
            for b in range(tw):
                s0 = 2 * b - pad_w
                for i in range(4):  # rows of v B^T  (B = (B^T)^T)
                    v0, v1, v2, v3 = (
                        dv[4 * i, t],
                        dv[4 * i + 1, t],
                        dv[4 * i + 2, t],
                        dv[4 * i + 3, t],
                    )
                    row = e[i]
                    for c in range(nc):
                        row[0, c] = v0[c]
                        row[1, c] = v1[c] - v2[c] + v3[c]
                        row[2, c] = v2[c] + v1[c] - v0[c]
                        row[3, c] = -v3[c]
                for j in range(4):  # B (v B^T), added into the tile's cells
                    s = s0 + j
                    if s < 0 or s >= ww:
                        continue
                    for p in range(4):
                        r = r0 + p
                        if r < 0 or r >= hh:
                            continue
                        dst = dx[n, r, s]
                        for c in range(nc):
                            w0, w1, w2, w3 = e[0, j, c], e[1, j, c], e[2, j, c], e[3, j, c]
                            if p == 0:
                                val = w0
                            elif p == 1:
                                val = w1 - w2 + w3
                            elif p == 2:
                                val = w2 + w1 - w0
                            else:
                                val = -w3
                            dst[c] += val
                t += 1


# ============================================================================ NumPy paths
def _tiles_view(xp, th, tw):
    """``(N, th, tw, 4, 4, C)`` strided view of the 4x4 input tiles of a padded input."""
    nb, _, _, nc = xp.shape
    s = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, (nb, th, tw, 4, 4, nc), (s[0], 2 * s[1], 2 * s[2], s[1], s[2], s[3]), writeable=False
    )


def _padded(x, pad_h, pad_w, th, tw):
    nb, hh, ww, nc = x.shape
    xp = np.zeros((nb, 2 * th + 2, 2 * tw + 2, nc), x.dtype)
    r0, s0 = max(pad_h, 0), max(pad_w, 0)
    rows = min(hh, xp.shape[1] - r0)
    cols = min(ww, xp.shape[2] - s0)
    xp[:, r0 : r0 + rows, s0 : s0 + cols] = x[:, :rows, :cols]
    return xp


def _input_tiles_numpy(x, pad_h, pad_w, th, tw):
    tiles = _tiles_view(_padded(x, pad_h, pad_w, th, tw), th, tw)
    v = np.einsum("ip,jq,ntspqc->ijntsc", BT, BT, tiles).astype(x.dtype)
    return np.ascontiguousarray(v.reshape(16, -1, x.shape[-1]))


def _output_tiles_numpy(m, shape, th, tw, bias, relu):
    nb, oh, ow, nf = shape
    m6 = m.reshape(4, 4, nb, th, tw, nf)
    y = np.einsum("ui,wj,ijntsf->ntuswf", AT, AT, m6).astype(m.dtype)
    y = y.reshape(nb, 2 * th, 2 * tw, nf)[:, :oh, :ow]
    if bias is not None:
        y = y + bias
    if relu:
        y = np.maximum(y, 0)
    return np.ascontiguousarray(y, dtype=m.dtype)


def _output_tiles_grad_numpy(g, th, tw):
    nb, oh, ow, nf = g.shape
    gp = np.zeros((nb, 2 * th, 2 * tw, nf), g.dtype)
    gp[:, :oh, :ow] = g
    g6 = gp.reshape(nb, th, 2, tw, 2, nf)
    dm = np.einsum("ui,wj,ntuswf->ijntsf", AT, AT, g6).astype(g.dtype)
    return np.ascontiguousarray(dm.reshape(16, -1, nf))


def _input_tiles_grad_numpy(dv, x_shape, pad_h, pad_w, th, tw):
    nb, hh, ww, nc = x_shape
    dv6 = dv.reshape(4, 4, nb, th, tw, nc)
    dd = np.einsum("ip,jq,ijntsc->ntspqc", BT, BT, dv6)
    dxp = np.zeros((nb, 2 * th + 2, 2 * tw + 2, nc), np.float64)
    for p in range(4):
        for q in range(4):
            dxp[:, p : p + 2 * th : 2, q : q + 2 * tw : 2] += dd[:, :, :, p, q]
    # cell (r, s) of x is cell (r + pad_h, s + pad_w) of the padded grid
    out = np.zeros(x_shape, np.float64)
    r0, s0 = max(pad_h, 0), max(pad_w, 0)
    rows = min(hh, dxp.shape[1] - r0)
    cols = min(ww, dxp.shape[2] - s0)
    out[:, :rows, :cols] = dxp[:, r0 : r0 + rows, s0 : s0 + cols]
    return out.astype(dv.dtype)


# ============================================================================== entry points
def input_tiles(x, pad_h, pad_w, th, tw, out=None):
    """``V (16, N*th*tw, C)`` of the channels-last input ``x (N, H, W, C)`` (``pad_h``/``pad_w``:
    zero cells before the first row/column; 0 <= pad <= 2), into ``out`` when given."""
    nb, _, _, nc = x.shape
    shape = (16, nb * th * tw, nc)
    if not uses_numba(x):
        v = _input_tiles_numpy(x, pad_h, pad_w, th, tw)
        if out is None:
            return v
        out[...] = v
        return out
    v = np.empty(shape, x.dtype) if out is None else out
    _input_tiles_kernel(np.ascontiguousarray(x), pad_h, pad_w, th, tw, v)
    return v


def output_tiles(m, y_shape, th, tw, bias=None, relu=False, out=None):
    """``y`` of shape ``y_shape = (N, Ho, Wo, F)`` from the tile products ``m (16, N*th*tw, F)``
    (``+ bias``, then ReLU when asked), into ``out`` (C-contiguous) when given."""
    if not uses_numba(m, *(() if bias is None else (bias,))):
        y = _output_tiles_numpy(m, y_shape, th, tw, bias, relu)
        if out is None:
            return y
        out[...] = y
        return out
    y = np.empty(y_shape, m.dtype) if out is None else out
    b = np.zeros(1, m.dtype) if bias is None else np.ascontiguousarray(bias)
    _output_tiles_kernel(m, y, th, tw, b, bias is not None, bool(relu))
    return y


def output_tiles_grad(g, th, tw, out=None, relu_out=None, with_bias=False):
    """``(dM, db)``: the tiles' gradient ``dM (16, N*th*tw, F)`` of the output gradient
    ``g (N, Ho, Wo, F)`` (into ``out`` when given) and, with ``with_bias``, the bias gradient
    (else None). ``relu_out``: the forward output of a fused ReLU, whose gradient (``g`` where
    ``relu_out > 0``, else 0) is taken first, in the same pass."""
    nb, _, _, nf = g.shape
    extra = () if relu_out is None else (relu_out,)
    if not uses_numba(g, *extra):
        if relu_out is not None:
            g = g * (relu_out > 0)
        db = g.reshape(-1, nf).sum(axis=0) if with_bias else None
        dm = _output_tiles_grad_numpy(g, th, tw)
        if out is None:
            return dm, db
        out[...] = dm
        return out, db
    dm = np.empty((16, nb * th * tw, nf), g.dtype) if out is None else out
    db = np.empty(nf, g.dtype)
    mask = g if relu_out is None else np.ascontiguousarray(relu_out)
    _output_tiles_grad_kernel(
        np.ascontiguousarray(g), th, tw, dm, mask, relu_out is not None, db, bool(with_bias)
    )
    return dm, (db if with_bias else None)


def input_tiles_grad(dv, x_shape, pad_h, pad_w, th, tw, into=None):
    """The input gradient ``(N, H, W, C)`` of the tiles' gradient ``dv (16, N*th*tw, C)``:
    added into ``into`` (C-contiguous) when given, else into a fresh zero array."""
    dx = np.zeros(tuple(x_shape), dv.dtype) if into is None else into
    if not uses_numba(dv, dx) or not dx.flags.c_contiguous:
        dx += _input_tiles_grad_numpy(dv, tuple(x_shape), pad_h, pad_w, th, tw)
        return dx
    _input_tiles_grad_kernel(np.ascontiguousarray(dv), pad_h, pad_w, th, tw, dx)
    return dx
