"""NumPy-like operations on :class:`~kviz.kernels.device.DeviceArray` built on the kernels.

Results follow NumPy's dtype rules (``np.result_type``: a Python number adopts the array's
dtype, a NumPy scalar or 0-d array takes part in promotion). Scalars and 0-d host arrays are
passed to the kernels as values; other host arrays are copied to the device first.

>>> import numpy as np
>>> from kviz.kernels.device import to_device
>>> binary(to_device(np.ones(3, 'float32')), 2.0, 'multiply').numpy()
array([2., 2., 2.], dtype=float32)
"""

from __future__ import annotations

import math

import numpy as np

from kviz.kernels.cuda import conv as kconv
from kviz.kernels.cuda import elementwise as ew
from kviz.kernels.cuda import gather as kgather
from kviz.kernels.cuda import layout, reduction
from kviz.kernels.cuda import matmul as kmm
from kviz.kernels.cuda import pooling as kpool
from kviz.kernels.cuda import softmax as ksm
from kviz.kernels.cuda.launch import (
    MAXDIM,
    SIMULATED,
    c_strides,
    empty,
    flat,
    grid,
    padded,
    upload,
)
from kviz.kernels.device import DeviceArray, is_device, to_device

__all__ = [
    "upload", "empty", "cast", "copy_into", "full", "zeros", "ones_like", "unary",
    "unary_grad", "binary", "reduce", "unbroadcast", "transpose", "matmul", "im2col",
    "col2im", "max_pool", "max_pool_backward", "avg_pool", "avg_pool_backward", "softmax",
    "softmax_backward",
]  # fmt: skip


# ------------------------------------------------------------------------ basic buffers
def _run1(kernel, n, *args):
    if n:
        blocks, threads = grid(n)
        kernel[blocks, threads](*args)


def cast(x: DeviceArray, dtype) -> DeviceArray:
    """A new array with ``x``'s values in ``dtype`` (a copy even for the same dtype)."""
    out = empty(x.shape, dtype)
    _run1(ew.cast_kernel, x.size, flat(x), flat(out), x.size)
    return out


def copy_into(dst: DeviceArray, value) -> None:
    """``dst[...] = value`` (same shape; host or device; cast to ``dst``'s dtype)."""
    if not is_device(value):
        value = np.asarray(value)
        if value.shape != dst.shape:
            value = np.broadcast_to(value, dst.shape)
        dst.dev.copy_to_device(np.ascontiguousarray(value, dtype=dst.dtype))
        return
    if value.shape != dst.shape:
        raise ValueError(f"copy_into: shape {value.shape} does not match {dst.shape}")
    _run1(ew.cast_kernel, dst.size, flat(value), flat(dst), dst.size)


def full(shape, value, dtype) -> DeviceArray:
    out = empty(shape, dtype)
    dtype = np.dtype(dtype)
    v = dtype.type(value)
    _run1(ew.unary_kernel, out.size, flat(out), flat(out), out.size, ew.FILL, v, v)
    return out


def zeros(shape, dtype) -> DeviceArray:
    return full(shape, 0, dtype)


def ones_like(x: DeviceArray) -> DeviceArray:
    return full(x.shape, 1, x.dtype)


# --------------------------------------------------------------------------- elementwise
def _scalar(dtype, v):
    return np.dtype(dtype).type(v)


def unary(x: DeviceArray, op: str, a=0, b=0, dtype=None) -> DeviceArray:
    """``f(x)`` for the ops of :data:`~kviz.kernels.cuda.elementwise.UNARY` (``clip`` takes
    ``a``/``b``). ``dtype``: the result dtype (default: ``x``'s)."""
    dtype = np.dtype(dtype or x.dtype)
    if x.dtype != dtype:
        x = cast(x, dtype)
    out = empty(x.shape, dtype)
    code = ew.UNARY[op]
    _run1(
        ew.unary_kernel, x.size, flat(x), flat(out), x.size, code, _scalar(dtype, a),
        _scalar(dtype, b),
    )  # fmt: skip
    return out


def unary_grad(op: str, g: DeviceArray, x=None, y=None, a=0, b=0) -> DeviceArray:
    """``g * f'(x)`` for the ops of :data:`~kviz.kernels.cuda.elementwise.GRAD` (``x`` or ``y``
    as each formula needs; ``a``/``b`` the clip bounds or the power)."""
    dtype = g.dtype
    x = g if x is None else _same(x, g)
    y = g if y is None else _same(y, g)
    out = empty(g.shape, dtype)
    _run1(
        ew.unary_grad_kernel, g.size, flat(g), flat(x), flat(y), flat(out), g.size,
        ew.GRAD[op], _scalar(dtype, a), _scalar(dtype, b),
    )  # fmt: skip
    return out


def _same(x, like: DeviceArray) -> DeviceArray:
    x = to_device(x)
    if x.shape != like.shape:
        x = broadcast(x, like.shape)
    return x if x.dtype == like.dtype else cast(x, like.dtype)


def _is_scalar(v) -> bool:
    return not is_device(v) and (np.ndim(v) == 0)


def _dtype_arg(v):
    """What ``np.result_type`` should see for ``v`` (Python numbers stay weak)."""
    if is_device(v):
        return v.dtype
    if isinstance(v, (bool, int, float)):
        return v
    return np.asarray(v).dtype if np.ndim(v) else (v.dtype if hasattr(v, "dtype") else v)


def result_dtype(a, b, op: str) -> np.dtype:
    dt = np.result_type(_dtype_arg(a), _dtype_arg(b))
    if op == "divide" and dt.kind in "biu":
        dt = np.dtype(np.float64)  # NumPy's true division of integers
    if op in ("greater", "greater_equal", "less", "less_equal", "equal") and dt.kind == "b":
        dt = np.dtype(np.int8)
    return dt


def binary(a, b, op: str) -> DeviceArray:
    """``a op b`` with NumPy broadcasting; at least one of them on the device. Comparisons give
    0/1 in the operands' common dtype (not booleans)."""
    dtype = result_dtype(a, b, op)
    if _is_scalar(b) or _is_scalar(a):
        scalar_right = _is_scalar(b)
        arr, s = (a, b) if scalar_right else (b, a)
        arr = to_device(arr)
        if arr.dtype != dtype:
            arr = cast(arr, dtype)
        code = ew.SCALAR_FORMS[op][0 if scalar_right else 1]
        out = empty(arr.shape, dtype)
        sv = _scalar(dtype, np.asarray(s).item() if not isinstance(s, (int, float)) else s)
        _run1(ew.unary_kernel, arr.size, flat(arr), flat(out), arr.size, code, sv, sv)
        return out
    a, b = to_device(a), to_device(b)
    if a.dtype != dtype:
        a = cast(a, dtype)
    if b.dtype != dtype:
        b = cast(b, dtype)
    code = ew.BINARY[op]
    if a.shape == b.shape:
        out = empty(a.shape, dtype)
        _run1(ew.binary_kernel, out.size, flat(a), flat(b), flat(out), out.size, code)
        return out
    shape = np.broadcast_shapes(a.shape, b.shape)
    out = empty(shape, dtype)
    _run1(
        ew.binary_broadcast_kernel, out.size, flat(a), flat(b), flat(out), out.size, code,
        padded(shape), _bstrides(a.shape, shape), _bstrides(b.shape, shape),
    )  # fmt: skip
    return out


def _bstrides(shape, out_shape) -> tuple:
    """Strides (elements) of a C-contiguous ``shape`` broadcast to ``out_shape``, padded."""
    shape = (1,) * (len(out_shape) - len(shape)) + tuple(shape)
    st = c_strides(shape)
    st = tuple(0 if d == 1 else s for d, s in zip(shape, st, strict=True))
    return (0,) * (MAXDIM - len(st)) + st


def broadcast(x: DeviceArray, shape) -> DeviceArray:
    """``np.broadcast_to(x, shape)`` materialised (a new C-contiguous array)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    zero = full((1,) * len(shape), 0, x.dtype)
    out = empty(shape, x.dtype)
    _run1(
        ew.binary_broadcast_kernel, out.size, flat(x), flat(zero), flat(out), out.size, ew.ADD,
        padded(shape), _bstrides(x.shape, shape), _bstrides(zero.shape, shape),
    )  # fmt: skip
    return out


# ---------------------------------------------------------------------------- reductions
def _norm_axes(axis, ndim) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(sorted({int(a) % ndim for a in axis})) if ndim else ()
    return (int(axis) % ndim,) if ndim else ()


def reduce(x: DeviceArray, op: str, axis=None, keepdims=False) -> DeviceArray:
    """``x.sum/mean/max/min(axis, keepdims)`` (NumPy dtypes: sums of ints/bools are int64)."""
    axes = _norm_axes(axis, x.ndim)
    shape = x.shape
    kept = [d for d in range(x.ndim) if d not in axes]
    out_shape = (
        tuple(1 if d in axes else shape[d] for d in range(x.ndim))
        if keepdims
        else (tuple(shape[d] for d in kept))
    )
    r = int(np.prod([shape[d] for d in axes], dtype=np.int64))
    m = int(np.prod([shape[d] for d in kept], dtype=np.int64))
    dtype = x.dtype
    if op in ("sum", "mean") and dtype.kind in "bui":
        dtype = np.dtype(np.float64) if op == "mean" else np.dtype(np.int64)
    if op == "mean" and dtype.kind != "f":
        dtype = np.dtype(np.float64)
    if x.dtype != dtype:
        x = cast(x, dtype)
    if r == 0:
        if op in ("max", "min"):
            raise ValueError(f"zero-size array to reduction operation {op} which has no identity")
        return full(out_shape, 0 if op == "sum" else np.nan, dtype)
    st = c_strides(shape)
    kshape, kstr = [shape[d] for d in kept], [st[d] for d in kept]
    rshape, rstr = [shape[d] for d in axes], [st[d] for d in axes]
    code = reduction.CODES["sum" if op == "mean" else op]
    nchunks = 1
    if not SIMULATED and r > 2048 and m < 4096:
        nchunks = max(1, min(8192 // max(m, 1), math.ceil(r / 256)))
    chunk = math.ceil(r / nchunks)
    part = empty((nchunks * m,), dtype)
    _run1(
        reduction.reduce_kernel, nchunks * m, flat(x), flat(part), m, r, chunk, nchunks,
        padded(kshape), _pad0(kstr), padded(rshape), _pad0(rstr), code,
    )  # fmt: skip
    if nchunks > 1:
        final = empty((m,), dtype)
        _run1(
            reduction.reduce_kernel, m, flat(part), flat(final), m, nchunks, nchunks, 1,
            padded([m]), _pad0([1]), padded([nchunks]), _pad0([m]), code,
        )  # fmt: skip
        part = final
    out = part.reshape(out_shape)
    if op == "mean":
        out = binary(out, dtype.type(r), "divide")
    return out


def _pad0(strides) -> tuple:
    strides = tuple(int(s) for s in strides)
    return (0,) * (MAXDIM - len(strides)) + strides


def unbroadcast(g: DeviceArray, shape) -> DeviceArray:
    """Sum ``g`` down to ``shape`` (the reverse of broadcasting), as ops.core.unbroadcast."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = list(range(lead)) + [
        lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1
    ]
    return reduce(g, "sum", tuple(axes), keepdims=False).reshape(shape)


# ------------------------------------------------------------------------------- layout
def transpose(x: DeviceArray, axes=None) -> DeviceArray:
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(int(a) % x.ndim for a in axes)
    if axes == tuple(range(x.ndim)):
        return cast(x, x.dtype)
    out_shape = tuple(x.shape[a] for a in axes)
    st = c_strides(x.shape)
    out = empty(out_shape, x.dtype)
    _run1(
        layout.transpose_kernel, out.size, flat(x), flat(out), out.size, padded(out_shape),
        _pad0([st[a] for a in axes]),
    )  # fmt: skip
    return out


# ------------------------------------------------------------------------------- matmul
def matmul(a: DeviceArray, b: DeviceArray, trans_a=False, trans_b=False, bias=None,
           relu=False, out=None) -> DeviceArray:  # fmt: skip
    """``op(a) @ op(b) (+ bias) (ReLU)`` for 2-D operands or 3-D ones with the same batch.

    ``trans_a``/``trans_b`` read an operand transposed without copying it.
    """
    dtype = np.result_type(a.dtype, b.dtype)
    if a.dtype != dtype:
        a = cast(a, dtype)
    if b.dtype != dtype:
        b = cast(b, dtype)
    batch = a.shape[0] if a.ndim == 3 else 1
    ra, ca = a.shape[-2:]
    rb, cb = b.shape[-2:]
    m, k = (ca, ra) if trans_a else (ra, ca)
    k2, n = (cb, rb) if trans_b else (rb, cb)
    if k != k2:
        raise ValueError(f"matmul: inner dimensions differ ({a.shape} and {b.shape})")
    sa = (1, ca) if trans_a else (ca, 1)
    sb = (1, cb) if trans_b else (cb, 1)
    shape = (batch, m, n) if a.ndim == 3 else (m, n)
    out = empty(shape, dtype) if out is None else out
    if bias is not None:
        bias = to_device(bias)
        if bias.dtype != dtype:
            bias = cast(bias, dtype)
    dummy = bias if bias is not None else out
    tile = kmm.TILE
    blocks = (math.ceil(n / tile), math.ceil(m / tile), batch)
    if m and n:
        kmm.KERNELS[np.dtype(dtype)][blocks, (tile, tile)](
            flat(a), flat(b), flat(out), m, n, k, sa[0], sa[1], sb[0], sb[1],
            ra * ca if a.ndim == 3 else 0, rb * cb if b.ndim == 3 else 0, flat(dummy),
            bias is not None, bool(relu),
        )  # fmt: skip
    return out


# ------------------------------------------------------------------------- convolution
def _geom(*tuples):
    return tuple(tuple(int(v) for v in t) for t in tuples)


def im2col(x5: DeviceArray, ksize, strides, dilation, pad, out) -> DeviceArray:
    n, c = x5.shape[0], x5.shape[-1]
    rows = n * int(np.prod(out))
    width = int(np.prod(ksize)) * c
    cols = empty((rows, width), x5.dtype)
    ks, st, dl, pd, od = _geom(ksize, strides, dilation, pad, out)
    _run1(kconv.im2col_kernel, cols.size, flat(x5), flat(cols), cols.size, x5.shape, ks, st, dl,
          pd, od)  # fmt: skip
    return cols


def col2im(cols: DeviceArray, x_shape, ksize, strides, dilation, pad, out) -> DeviceArray:
    x = empty(x_shape, cols.dtype)
    ks, st, dl, pd, od = _geom(ksize, strides, dilation, pad, out)
    _run1(kconv.col2im_kernel, x.size, flat(cols), flat(x), x.size, tuple(x_shape), ks, st, dl,
          pd, od)  # fmt: skip
    return x


# ----------------------------------------------------------------------------- pooling
def max_pool(x5: DeviceArray, ksize, strides, pad, out):
    """``(result, argmax)`` with ``argmax`` the flat input index of each window's maximum."""
    shape = (x5.shape[0], *out, x5.shape[-1])
    res = empty(shape, x5.dtype)
    arg = empty(shape, np.int64)
    ks, st, pd, od = _geom(ksize, strides, pad, out)
    _run1(kpool.max_forward_kernel, res.size, flat(x5), flat(res), flat(arg), res.size,
          x5.shape, ks, st, pd, od)  # fmt: skip
    return res, arg


def max_pool_backward(g5: DeviceArray, arg: DeviceArray, x_shape, ksize, strides, pad, out):
    dx = empty(x_shape, g5.dtype)
    ks, st, pd, od = _geom(ksize, strides, pad, out)
    _run1(kpool.max_backward_kernel, dx.size, flat(g5), flat(arg), flat(dx), dx.size,
          tuple(x_shape), ks, st, pd, od)  # fmt: skip
    return dx


def avg_pool(x5: DeviceArray, ksize, strides, pad, out):
    res = empty((x5.shape[0], *out, x5.shape[-1]), x5.dtype)
    ks, st, pd, od = _geom(ksize, strides, pad, out)
    _run1(kpool.avg_forward_kernel, res.size, flat(x5), flat(res), res.size, x5.shape, ks, st,
          pd, od)  # fmt: skip
    return res


def avg_pool_backward(g5: DeviceArray, x_shape, ksize, strides, pad, out):
    dx = empty(x_shape, g5.dtype)
    ks, st, pd, od = _geom(ksize, strides, pad, out)
    _run1(kpool.avg_backward_kernel, dx.size, flat(g5), flat(dx), dx.size, tuple(x_shape), ks,
          st, pd, od)  # fmt: skip
    return dx


# ------------------------------------------------------------------------------ gather
def flat_index(shape, index) -> np.ndarray:
    """The flat positions ``x[index]`` reads, for an array of ``shape`` (host, int64)."""
    size = int(np.prod(shape, dtype=np.int64))
    return np.ascontiguousarray(np.arange(size, dtype=np.int64).reshape(shape)[index])


def gather(x: DeviceArray, idx: DeviceArray) -> DeviceArray:
    """``x.ravel()[idx]`` with ``idx``'s shape."""
    out = empty(idx.shape, x.dtype)
    _run1(kgather.gather_kernel, out.size, flat(x), flat(idx), flat(out), out.size)
    return out


def scatter_add(g: DeviceArray, idx: DeviceArray, shape) -> DeviceArray:
    """An array of ``shape``, zero but for ``g`` added at the flat positions ``idx``."""
    dx = zeros(shape, g.dtype)
    _run1(kgather.scatter_add_kernel, g.size, flat(g), flat(idx), flat(dx), g.size)
    return dx


# ----------------------------------------------------------------------------- softmax
def softmax(x: DeviceArray, log=False) -> DeviceArray:
    """Softmax (or log-softmax) over the last axis."""
    out = empty(x.shape, x.dtype)
    cols = x.shape[-1] if x.ndim else 1
    rows = x.size // max(cols, 1)
    op = ksm.LOG_SOFTMAX if log else ksm.SOFTMAX
    _run1(ksm.forward_kernel, rows, flat(x), flat(out), rows, cols, op)
    return out


def softmax_backward(g: DeviceArray, y: DeviceArray, log=False) -> DeviceArray:
    g = _same(g, y)
    out = empty(y.shape, y.dtype)
    cols = y.shape[-1] if y.ndim else 1
    rows = y.size // max(cols, 1)
    op = ksm.LOG_SOFTMAX if log else ksm.SOFTMAX
    _run1(ksm.backward_kernel, rows, flat(g), flat(y), flat(out), rows, cols, op)
    return out
