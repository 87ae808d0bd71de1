"""Convolutions: N-D (1D/2D/3D), grouped, depthwise, separable and transposed.

All of them are one primitive each on top of :mod:`kviz.kernels.conv` (im2col / col2im) and a
BLAS matrix product. Inputs are channels-last ``(batch, *spatial, channels)`` by default;
``data_format='channels_first'`` inputs ``(batch, channels, *spatial)`` are transposed to
channels-last and back around the primitive (the only layout the kernels know). Kernels have
Keras's layouts: ``(*kernel_size, in_channels // groups, filters)`` for convolutions,
``(*kernel_size, filters, in_channels)`` for transposed ones, ``(*kernel_size, in_channels,
depth_multiplier)`` for depthwise ones.

How the work is organised (see ``shared/PERFORMANCE-NOTES.md`` for the measurements):

* The batch is processed in chunks of samples whose column matrix fits in about
  :data:`CHUNK_BYTES`; one workspace is reused across chunks, so the column matrix stays in cache
  and memory is not faulted in again for each chunk.
* The backward pass recomputes the column matrix instead of keeping it from the forward pass
  (for Conv2D(64, 3x3) on 128x26x26x32 it would be 85 MB per layer).
* The input gradient is computed only when the input is a tape Tensor (a first layer fed with
  data gets none), via ``dcols = g @ kernel.T`` scattered back by col2im.
* A bias given to the primitive is added in place (one pass fewer than a separate ``bias_add``).

>>> import numpy as np
>>> from kviz import ops
>>> x = np.ones((1, 5, 5, 1), 'float32'); k = np.ones((3, 3, 1, 2), 'float32')
>>> ops.conv2d(x, k).shape, float(ops.conv2d(x, k)[0, 0, 0, 0])
((1, 3, 3, 2), 9.0)
>>> ops.conv2d(x, k, padding='same')[0, :, :, 0]
array([[4., 6., 6., 6., 4.],
       [6., 9., 9., 9., 6.],
       [6., 9., 9., 9., 6.],
       [6., 9., 9., 9., 6.],
       [4., 6., 6., 6., 4.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor
from kviz.kernels import conv as kconv
from kviz.kernels.elementwise import relu_grad_bias
from kviz.kernels.threads import num_workers, run_chunks, workspace
from kviz.ops import conv_winograd
from kviz.ops.array import reshape, transpose
from kviz.ops.conv_utils import (
    deconv_output_length,
    geometry,
    normalize_padding,
    normalize_tuple,
)
from kviz.ops.core import Primitive, apply, op

__all__ = [
    "conv", "conv1d", "conv2d", "conv3d", "depthwise_conv", "depthwise_conv1d",
    "depthwise_conv2d", "separable_conv", "separable_conv1d", "separable_conv2d",
    "conv_transpose", "conv1d_transpose", "conv2d_transpose", "conv3d_transpose",
]  # fmt: skip

#: Target size of the column-matrix workspace of one chunk of samples (W2's Conv64 backward on
#: 2 workers, 128x26x26x32 input: 2 MB chunks of 3 samples 40 ms, 4 MB of 6 samples 43-49 ms,
#: 16 MB 55 ms: the chunk's column matrix and its input gradient stay in the core's cache).
CHUNK_BYTES = 2 << 20


def _v(x):
    return x.data if isinstance(x, Tensor) else x


def _pad3(t, fill):
    return (fill,) * (3 - len(t)) + tuple(t)


def _as5(a, nd):
    """``(N, *spatial, C)`` viewed as ``(N, D, H, W, C)`` (C-contiguous)."""
    a = np.ascontiguousarray(a)
    return a.reshape((a.shape[0],) + _pad3(a.shape[1:-1], 1) + (a.shape[-1],))


def _chunks(n, rows_per_sample, row_bytes, workers=None):
    """``(n0, n1)`` sample ranges of equal size (to one sample) whose column matrix is at most
    about CHUNK_BYTES, and at least one per worker (a small convolution, e.g. a first layer
    on 1-channel images, would otherwise be one chunk on one core).

    >>> _chunks(9, 1, CHUNK_BYTES // 4, workers=2), _chunks(5, 1, 1, workers=2)
    ([(0, 3), (3, 6), (6, 9)], [(0, 3), (3, 5)])
    """
    per = max(1, CHUNK_BYTES // max(1, rows_per_sample * row_bytes))
    workers = num_workers() if workers is None else workers
    count = max(-(-n // per), min(n, workers))
    per = -(-n // max(1, count))
    return [(n0, min(n, n0 + per)) for n0 in range(0, n, per)]


def _geom(p):
    return p["ksize"], p["strides"], p["dilation"], p["pad"], p["out"]


def _is_pointwise(p):
    return (
        p["ksize"] == (1, 1, 1)
        and p["strides"] == (1, 1, 1)
        and p["pad"] == (0, 0, 0)
        and p["out"] == p["in"]
    )


# ------------------------------------------------------------------ grouped matrix products
def _gemm(cols, w2, groups, k, out=None):
    """``cols @ kernel`` with ``groups`` independent groups of channels and filters."""
    if groups == 1:
        return np.dot(cols, w2, out=out)
    rows = cols.shape[0]
    cin, f = cols.shape[1] // k, w2.shape[1]
    cg, fg = cin // groups, f // groups
    cg_ = cols.reshape(rows, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, rows, k * cg)
    wg = w2.reshape(k, cg, groups, fg).transpose(2, 0, 1, 3).reshape(groups, k * cg, fg)
    res = np.matmul(cg_, wg).transpose(1, 0, 2).reshape(rows, f)
    if out is None:
        return res
    out[...] = res
    return out


def _gemm_grads(cols, g2, w2, groups, k, need_dcols, dcols_out=None):
    """``(dW2, dcols)`` of ``cols @ W2`` for one chunk (dcols None when not needed; written
    into ``dcols_out`` when given, for one group)."""
    if groups == 1:
        return np.dot(cols.T, g2), (np.dot(g2, w2.T, out=dcols_out) if need_dcols else None)
    rows = cols.shape[0]
    cin, f = cols.shape[1] // k, w2.shape[1]
    cg, fg = cin // groups, f // groups
    colsg = cols.reshape(rows, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, rows, k * cg)
    gg = g2.reshape(rows, groups, fg).transpose(1, 0, 2)
    dwg = np.matmul(colsg.transpose(0, 2, 1), gg)  # (G, K*Cg, Fg)
    dw2 = dwg.reshape(groups, k, cg, fg).transpose(1, 2, 0, 3).reshape(k * cg, f)
    dcols = None
    if need_dcols:
        wg = w2.reshape(k, cg, groups, fg).transpose(2, 0, 1, 3).reshape(groups, k * cg, fg)
        dcg = np.matmul(gg, wg.transpose(0, 2, 1))  # (G, rows, K*Cg)
        dcols = dcg.reshape(groups, rows, k, cg).transpose(1, 2, 0, 3).reshape(rows, k * cin)
    return dw2, dcols


# ------------------------------------------------------------------------- conv primitive
def _conv_fwd(x, w, b=None, **p):
    nd, groups = p["nd"], p["groups"]
    x5 = _as5(x, nd)
    n, cin = x5.shape[0], x5.shape[-1]
    k = int(np.prod(p["ksize"]))
    f = w.shape[-1]
    w2 = np.ascontiguousarray(w).reshape(-1, f)
    rows = int(np.prod(p["out"]))
    dtype = np.result_type(x5, w2)
    if conv_winograd.applies(p, x5, w) and (b is None or np.asarray(b).dtype == dtype):
        return conv_winograd.forward(x5, w, b, p), None
    out = np.empty((n * rows, f), dtype=dtype)
    if _is_pointwise(p) and groups == 1:
        np.dot(x5.reshape(-1, cin), w2, out=out)
    else:
        width = k * cin

        relu, add_bias = p.get("relu"), b is not None and np.result_type(out, b) == out.dtype

        def chunk(n0, n1):
            buf = workspace(((n1 - n0) * rows, width), x5.dtype)
            cols = kconv.im2col(x5, *_geom(p), n0, n1, buffer=buf)
            o = out[n0 * rows : n1 * rows]
            _gemm(cols, w2, groups, k, out=o)
            if add_bias:  # bias and ReLU while the chunk's output is in cache, on the worker
                o += b
            if relu:
                np.maximum(o, 0, out=o)

        run_chunks(chunk, _chunks(n, rows, width * dtype.itemsize))
        return out.reshape((n,) + _spatial_out(p) + (f,)), None
    if b is not None:
        out += b
    if p.get("relu"):
        np.maximum(out, 0, out=out)
    return out.reshape((n,) + _spatial_out(p) + (f,)), None


def _spatial_out(p):
    return tuple(p["out"][3 - p["nd"] :])


def _conv_bwd(g, out, xs, r, p):
    x, w = xs[0], xs[1]
    nd, groups = p["nd"], p["groups"]
    x5 = _as5(x, nd)
    n, cin = x5.shape[0], x5.shape[-1]
    k = int(np.prod(p["ksize"]))
    f = w.shape[-1]
    w2 = np.ascontiguousarray(w).reshape(-1, f)
    rows = int(np.prod(p["out"]))
    g2 = np.ascontiguousarray(g).reshape(n * rows, f)
    relu = p.get("relu")  # ReLU fused into the primitive: its gradient is 0 where out == 0
    need_dx = p["need_dx"]
    dtype = np.result_type(x5, g2)
    dx = None
    with_bias = len(xs) == 3
    if conv_winograd.applies(p, x5, w) and (not with_bias or np.asarray(xs[2]).dtype == x5.dtype):
        dx, dw, db = conv_winograd.backward(g, out, x5, w, p, need_dx, with_bias)
        grads = (None if dx is None else dx.reshape(x.shape), dw)
        return grads + ((db,) if with_bias else ())
    if _is_pointwise(p) and groups == 1:
        if relu:
            g2 = g2 * (out.reshape(g2.shape) > 0)
        x2 = x5.reshape(-1, cin)
        dw2 = np.dot(x2.T, g2)
        if need_dx:
            dx = np.dot(g2, w2.T).reshape(x.shape)
    else:
        width = k * cin
        dx5 = np.empty(x5.shape, dtype) if need_dx else None  # zeroed chunk by chunk

        out2 = out.reshape(g2.shape) if relu else None

        def chunk(n0, n1):
            buf = workspace(((n1 - n0) * rows, width), x5.dtype)
            cols = kconv.im2col(x5, *_geom(p), n0, n1, buffer=buf)
            gc = g2[n0 * rows : n1 * rows]
            dbc = None
            if relu:  # the ReLU mask and the bias gradient on the worker, chunk by chunk
                gc, dbc = relu_grad_bias(gc, out2[n0 * rows : n1 * rows], with_bias)
            elif with_bias:
                dbc = gc.sum(axis=0)
            need_buf = need_dx and groups == 1
            out_buf = workspace(buf.shape, np.result_type(g2, w2), slot=1) if need_buf else None
            dwc, dcols = _gemm_grads(cols, gc, w2, groups, k, need_dx, out_buf)
            if need_dx:
                dx5[n0:n1] = 0
                kconv.col2im(dcols, x5.shape, *_geom(p), n0, n1, into=dx5)
            return dwc, dbc

        parts = run_chunks(chunk, _chunks(n, rows, width * dtype.itemsize))
        dws = [d for d, _ in parts]
        dw2 = dws[0] if len(dws) == 1 else np.sum(dws, axis=0, dtype=dtype)
        if need_dx:
            dx = dx5.reshape(x.shape)
        grads = (dx, dw2.reshape(w.shape))
        if with_bias:
            dbs = [db for _, db in parts]
            grads += (dbs[0] if len(dbs) == 1 else np.sum(dbs, axis=0, dtype=dbs[0].dtype),)
        return grads
    grads = (dx, dw2.reshape(w.shape))
    if with_bias:
        grads += (g2.sum(axis=0),)
    return grads


_conv = Primitive("conv", _conv_fwd, _conv_bwd)


# ------------------------------------------------------------------- transposed primitive
def _convt_fwd(x, w, b=None, **p):
    # x: (N, *in_spatial, Cin); w: (*k, F, Cin); out: (N, *out_spatial, F)
    nd = p["nd"]
    x5 = _as5(x, nd)
    n, cin = x5.shape[0], x5.shape[-1]
    f = w.shape[-2]
    wt = np.ascontiguousarray(w).reshape(-1, cin)  # (K*F, Cin)
    rows = int(np.prod(p["out"]))  # the conv grid is the transposed conv's input grid
    x2 = x5.reshape(-1, cin)
    dtype = np.result_type(x5, wt)
    out5 = np.zeros((n,) + tuple(p["in"]) + (f,), dtype)
    width = wt.shape[0]

    def chunk(n0, n1):
        buf = workspace(((n1 - n0) * rows, width), dtype)
        cols = np.dot(x2[n0 * rows : n1 * rows], wt.T, out=buf)
        kconv.col2im(cols, out5.shape, *_geom(p), n0, n1, into=out5)

    run_chunks(chunk, _chunks(n, rows, width * dtype.itemsize))
    if b is not None:
        out5 += b
    return out5.reshape((n,) + tuple(p["in"][3 - nd :]) + (f,)), None


def _convt_bwd(g, out, xs, r, p):
    x, w = xs[0], xs[1]
    nd = p["nd"]
    x5 = _as5(x, nd)
    n, cin = x5.shape[0], x5.shape[-1]
    f = w.shape[-2]
    wt = np.ascontiguousarray(w).reshape(-1, cin)
    rows = int(np.prod(p["out"]))
    g5 = _as5(g, nd)
    x2 = x5.reshape(-1, cin)
    dtype = np.result_type(x5, g5)
    dx = np.empty((n * rows, cin), dtype) if p["need_dx"] else None
    width = wt.shape[0]

    def chunk(n0, n1):
        buf = workspace(((n1 - n0) * rows, width), g5.dtype)
        cols = kconv.im2col(g5, *_geom(p), n0, n1, buffer=buf)
        if dx is not None:
            np.dot(cols, wt, out=dx[n0 * rows : n1 * rows])
        return np.dot(cols.T, x2[n0 * rows : n1 * rows])

    parts = run_chunks(chunk, _chunks(n, rows, width * dtype.itemsize))
    dwt = parts[0] if len(parts) == 1 else np.sum(parts, axis=0, dtype=dtype)
    grads = (None if dx is None else dx.reshape(x.shape), dwt.reshape(w.shape))
    if len(xs) == 3:
        grads += (g5.reshape(-1, f).sum(axis=0),)
    return grads


_conv_transpose = Primitive("conv_transpose", _convt_fwd, _convt_bwd)


# ---------------------------------------------------------------------------- public ops
def _check_rank(name, xs, ks, nd=None):
    nd = len(ks) - 2 if nd is None else nd
    if nd not in (1, 2, 3) or len(ks) != nd + 2:
        raise ValueError(
            f"{name}: the kernel must have rank 3, 4 or 5 (1D, 2D or 3D); received kernel shape "
            f"{tuple(ks)}"
        )
    if len(xs) != nd + 2:
        raise ValueError(
            f"{name}: a {nd}D convolution needs an input of rank {nd + 2} (batch, "
            f"{'spatial, ' * nd}channels); received input shape {tuple(xs)}"
        )
    return nd


def _to_last(x, nd, data_format):
    if data_format == "channels_first":
        return transpose(x, (0,) + tuple(range(2, nd + 2)) + (1,))
    return x


def _from_last(y, nd, data_format):
    if data_format == "channels_first":
        return transpose(y, (0, nd + 1) + tuple(range(1, nd + 1)))
    return y


def _params(nd, spatial, ksize, strides, dilation, padding, name):
    out, pad = geometry(spatial, ksize, strides, dilation, padding, name)
    return {
        "nd": nd,
        "ksize": _pad3(ksize, 1),
        "strides": _pad3(strides, 1),
        "dilation": _pad3(dilation, 1),
        "pad": _pad3(pad, 0),
        "out": _pad3(out, 1),
        "in": _pad3(spatial, 1),
    }


@op(operands=("x", "kernel", "bias"))
def conv(
    x,
    kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    groups=1,
    bias=None,
    activation=None,
):
    """N-D convolution (the rank comes from ``kernel``: ``(*kernel_size, in // groups, filters)``).

    ``padding`` is ``'valid'``, ``'same'`` or (1D only) ``'causal'``; ``bias`` (one value per
    filter), when given, is added inside the primitive, and so is ``activation='relu'`` (a
    plain ReLU, as ``kviz.activations.relu``: two passes over the output fewer).
    """
    xs, ks = np.shape(_v(x)), np.shape(_v(kernel))
    nd = _check_rank("conv", xs, ks)
    data_format = config.normalize_data_format(data_format)
    strides = normalize_tuple(strides, nd, "strides")
    dilation = normalize_tuple(dilation_rate, nd, "dilation_rate")
    padding = normalize_padding(
        padding, ("valid", "same", "causal") if nd == 1 else ("valid", "same")
    )
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(
            f"conv: strides > 1 not supported in conjunction with dilation_rate > 1; received "
            f"strides={strides} and dilation_rate={dilation}"
        )
    x = _to_last(x, nd, data_format)
    shape = np.shape(_v(x))
    spatial, cin = shape[1:-1], shape[-1]
    ksize, cg, filters = tuple(ks[:nd]), ks[nd], ks[nd + 1]
    groups = int(groups)
    if groups < 1 or cin != cg * groups or filters % groups:
        raise ValueError(
            f"conv: the input has {cin} channels and the kernel shape {tuple(ks)} expects "
            f"{cg} channels per group with groups={groups} (and filters divisible by groups)"
        )
    p = _params(nd, spatial, ksize, strides, dilation, padding, "conv")
    if activation not in (None, "linear", "relu"):
        raise ValueError(f"conv: activation must be None or 'relu'; received {activation!r}")
    p.update(groups=groups, need_dx=isinstance(x, Tensor), relu=activation == "relu")
    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return _from_last(apply(_conv, inputs, p), nd, data_format)


@op(operands=("x", "kernel"))
def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Keras ``K.conv1d``: kernel ``(k, in, filters)``; padding valid / same / causal."""
    _check_rank("conv1d", np.shape(_v(x)), np.shape(_v(kernel)), 1)
    return conv(x, kernel, strides, padding, data_format, dilation_rate)


@op(operands=("x", "kernel"))
def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """Keras ``K.conv2d``: kernel ``(kh, kw, in, filters)``."""
    _check_rank("conv2d", np.shape(_v(x)), np.shape(_v(kernel)), 2)
    return conv(x, kernel, strides, padding, data_format, dilation_rate)


@op(operands=("x", "kernel"))
def conv3d(
    x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)
):
    """Keras ``K.conv3d``: kernel ``(kd, kh, kw, in, filters)``."""
    _check_rank("conv3d", np.shape(_v(x)), np.shape(_v(kernel)), 3)
    return conv(x, kernel, strides, padding, data_format, dilation_rate)


@op(operands=("x", "depthwise_kernel", "bias"))
def depthwise_conv(
    x, depthwise_kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, bias=None
):
    """Depthwise N-D convolution: kernel ``(*kernel_size, in, depth_multiplier)``; output
    channel ``c * depth_multiplier + m`` is input channel ``c`` convolved with ``[..., c, m]``."""
    ks = np.shape(_v(depthwise_kernel))
    nd = _check_rank("depthwise_conv", np.shape(_v(x)), ks)
    cin, mult = ks[-2], ks[-1]
    kernel = reshape(depthwise_kernel, tuple(ks[:nd]) + (1, cin * mult))
    return conv(x, kernel, strides, padding, data_format, dilation_rate, groups=cin, bias=bias)


@op(operands=("x", "depthwise_kernel"))
def depthwise_conv1d(
    x, depthwise_kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    return depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)


@op(operands=("x", "depthwise_kernel"))
def depthwise_conv2d(
    x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)
):
    """Keras ``K.depthwise_conv2d``: kernel ``(kh, kw, in, depth_multiplier)``."""
    return depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)


@op(operands=("x", "depthwise_kernel", "pointwise_kernel", "bias"))
def separable_conv(
    x,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    bias=None,
):
    """Depthwise convolution then a pointwise (1x1) one: ``pointwise_kernel`` is
    ``(*ones, in * depth_multiplier, filters)``."""
    y = depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1, bias=bias)


@op(operands=("x", "depthwise_kernel", "pointwise_kernel"))
def separable_conv1d(
    x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
    dilation_rate=1,
):  # fmt: skip
    """Keras ``K.separable_conv1d``."""
    return separable_conv(
        x, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate
    )


@op(operands=("x", "depthwise_kernel", "pointwise_kernel"))
def separable_conv2d(
    x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
    dilation_rate=(1, 1),
):  # fmt: skip
    """Keras ``K.separable_conv2d``."""
    return separable_conv(
        x, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate
    )


@op(operands=("x", "kernel", "bias"))
def conv_transpose(
    x,
    kernel,
    output_shape=None,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    output_padding=None,
    bias=None,
):
    """N-D transposed convolution (the gradient of :func:`conv` w.r.t. its input).

    ``kernel`` is ``(*kernel_size, filters, in_channels)``. The output size comes from
    ``output_shape`` (a full shape in ``data_format``, as for ``K.conv2d_transpose``) or else
    from Keras's ``deconv_output_length`` with ``output_padding``.
    """
    xs, ks = np.shape(_v(x)), np.shape(_v(kernel))
    nd = _check_rank("conv_transpose", xs, ks)
    data_format = config.normalize_data_format(data_format)
    strides = normalize_tuple(strides, nd, "strides")
    dilation = normalize_tuple(dilation_rate, nd, "dilation_rate")
    padding = normalize_padding(padding)
    x = _to_last(x, nd, data_format)
    shape = np.shape(_v(x))
    spatial, cin = tuple(shape[1:-1]), shape[-1]
    ksize = tuple(ks[:nd])
    if ks[nd + 1] != cin:
        raise ValueError(
            f"conv_transpose: the kernel {tuple(ks)} expects {ks[nd + 1]} input channels; the "
            f"input has {cin} (input shape {tuple(xs)})"
        )
    if output_shape is not None:
        full = tuple(output_shape)
        out_sp = full[2:] if data_format == "channels_first" else full[1:-1]
        out_sp = tuple(int(d) for d in out_sp)
    else:
        opad = (
            (None,) * nd
            if output_padding is None
            else normalize_tuple(output_padding, nd, "output_padding", allow_zero=True)
        )
        for o, s in zip(opad, strides, strict=True):
            if o is not None and o >= s:
                raise ValueError(f"Strides {strides} must be greater than output padding {opad}")
        out_sp = tuple(
            deconv_output_length(n, k, padding, o, s, d)
            for n, k, o, s, d in zip(spatial, ksize, opad, strides, dilation, strict=True)
        )
    if any(o < 1 for o in out_sp):
        raise ValueError(
            f"conv_transpose: the output would have a zero or negative size {out_sp}: input "
            f"spatial shape {spatial}, kernel size {ksize}, strides {strides}, padding={padding!r}"
        )
    pads = []
    for n_in, n_out, k, s, d in zip(spatial, out_sp, ksize, strides, dilation, strict=True):
        k_eff = (k - 1) * d + 1
        pads.append(max((n_in - 1) * s + k_eff - n_out, 0) // 2 if padding == "same" else 0)
    p = {
        "nd": nd,
        "ksize": _pad3(ksize, 1),
        "strides": _pad3(strides, 1),
        "dilation": _pad3(dilation, 1),
        "pad": _pad3(pads, 0),
        "out": _pad3(spatial, 1),  # the grid of the equivalent convolution's output
        "in": _pad3(out_sp, 1),
        "need_dx": isinstance(x, Tensor),
    }
    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return _from_last(apply(_conv_transpose, inputs, p), nd, data_format)


@op(operands=("x", "kernel"))
def conv1d_transpose(
    x, kernel, output_shape=None, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    return conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate)


@op(operands=("x", "kernel"))
def conv2d_transpose(
    x, kernel, output_shape=None, strides=(1, 1), padding="valid", data_format=None,
    dilation_rate=(1, 1),
):  # fmt: skip
    """Keras ``K.conv2d_transpose``: kernel ``(kh, kw, filters, in)``."""
    return conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate)


@op(operands=("x", "kernel"))
def conv3d_transpose(
    x, kernel, output_shape=None, strides=(1, 1, 1), padding="valid", data_format=None,
    dilation_rate=(1, 1, 1),
):  # fmt: skip
    """Keras ``K.conv3d_transpose``: kernel ``(kd, kh, kw, filters, in)``."""
    return conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate)
