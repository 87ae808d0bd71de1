"""Matrix products: ``matmul``, Keras's ``dot`` and ``batch_dot``, and the fused ``dense``.

>>> import numpy as np
>>> from kviz import ops
>>> ops.dot(np.ones((2, 3, 4)), np.ones((4, 5))).shape
(2, 3, 5)
"""

from __future__ import annotations

import numpy as np

from kviz.kernels import blas
from kviz.ops.array import reshape, transpose
from kviz.ops.core import Primitive, apply, op, unbroadcast

__all__ = ["matmul", "dense", "dot", "batch_dot"]


def _v(x):
    return x.data if hasattr(x, "_op") else x


def _mm(a, b):
    """``a @ b``; 2-D products go through :func:`kviz.kernels.blas.matmul` (more BLAS threads for
    large products when cores are idle)."""
    if a.ndim == 2 and b.ndim == 2:
        return blas.matmul(a, b)
    return np.matmul(a, b)


def _matmul_bwd(g, out, xs, r, p):
    a, b = xs
    ga = _mm(g, np.swapaxes(b, -1, -2))
    gb = _mm(np.swapaxes(a, -1, -2), g)
    return unbroadcast(ga, np.shape(a)), unbroadcast(gb, np.shape(b))


_matmul = Primitive("matmul", lambda a, b: (_mm(a, b), None), _matmul_bwd)


@op(operands=("a", "b"))
def matmul(a, b):
    """Matrix product over the last two axes, broadcasting leading (batch) axes."""
    sa, sb = np.shape(_v(a)), np.shape(_v(b))
    if len(sa) < 2 or len(sb) < 2:
        raise ValueError(f"matmul needs inputs of rank >= 2; received shapes {sa} and {sb}")
    if sa[-1] != sb[-2]:
        raise ValueError(
            f"matmul: the last axis of the first input ({sa[-1]}) must equal the second to last "
            f"axis of the second ({sb[-2]}); received shapes {sa} and {sb}"
        )
    return apply(_matmul, (a, b))


def _dense_fwd(x, w, b=None, relu=False, need_dx=True):
    if x.ndim == 2:
        out = blas.matmul(x, w)
    else:
        out = np.matmul(x, w)
    if b is not None:
        if np.result_type(out, b) == out.dtype:
            out += b  # in place: `out` is a fresh array
        else:
            out = out + b
    if relu:
        np.maximum(out, 0, out=out)
    return out, None


def _input_gradient(g2, w):
    """``g2 @ w.T``, the input gradient of a dense layer.

    For a small batch of wide layers it is computed as ``(w @ g2.T).T`` (then made
    C-contiguous, so the layers below see the same layout): OpenBLAS's product with a
    transposed right-hand side is slow at these shapes. Measured on one thread here (32 rows,
    512 units, 512 inputs): 285 -> 200 us; 8 rows 170 -> 90 us; the gain fades at 96-128 rows
    and turns into a loss for narrow layers (10 units), which keep the plain form. Each value
    is the same dot product, accumulated in the same order by the BLAS kernels: the results
    agree bit for bit with OpenBLAS (``tests/ops/test_train_step_dense_grad.py`` checks them
    to rounding, which is all another BLAS promises)."""
    if g2.ndim == 2 and w.ndim == 2 and g2.shape[0] <= 64 and min(w.shape) >= 128:
        return np.ascontiguousarray(blas.matmul(w, g2.T).T)
    return blas.matmul(g2, w.T)


def _dense_bwd(g, out, xs, r, p):
    x, w = xs[0], xs[1]
    g2 = g.reshape(-1, g.shape[-1])
    if p and p.get("relu"):  # ReLU fused into the primitive: no gradient where out == 0
        g2 = g2 * (out.reshape(g2.shape) > 0)
    x2 = x.reshape(-1, x.shape[-1])
    if p and not p.get("need_dx", True):  # a constant input (data): no input gradient
        gx = None
    else:
        gx = _input_gradient(g2, w).reshape(x.shape)
    gw = blas.matmul(x2.T, g2)
    if len(xs) == 3:
        return gx, gw, np.add.reduce(g2, axis=0)  # g2.sum(axis=0), without the wrapper
    return gx, gw


_dense = Primitive("dense", _dense_fwd, _dense_bwd)


@op(operands=("x", "kernel", "bias"))
def dense(x, kernel, bias=None, activation=None):
    """``x @ kernel + bias`` over the last axis of ``x`` (one fused primitive).

    ``activation='relu'`` applies a plain ReLU inside the primitive (as
    ``kviz.activations.relu``; two passes over the output fewer). No gradient is computed for
    an ``x`` that is a constant array (e.g. the data fed to a first layer).

    >>> import numpy as np
    >>> dense(np.array([[1.0, -2.0]], "float32"), np.ones((2, 2), "float32"), activation="relu")
    array([[0., 0.]], dtype=float32)
    """
    sx, sk = np.shape(_v(x)), np.shape(_v(kernel))
    if sx[-1] != sk[0]:
        raise ValueError(
            f"dense: the last axis of the input ({sx[-1]}) must match the kernel's first axis "
            f"({sk[0]}); received input shape {sx} and kernel shape {sk}"
        )
    if activation not in (None, "linear", "relu"):
        raise ValueError(f"dense: activation must be None or 'relu'; received {activation!r}")
    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    need_dx = hasattr(x, "_op")
    if activation == "relu":
        return apply(_dense, inputs, {"relu": True, "need_dx": need_dx})
    if not need_dx:
        return apply(_dense, inputs, _NO_DX)
    return apply(_dense, inputs)


_NO_DX = {"need_dx": False}


@op(operands=("x", "y"))
def dot(x, y):
    """Keras ``K.dot``: contract the last axis of ``x`` with the second-to-last of ``y``."""
    sx, sy = np.shape(_v(x)), np.shape(_v(y))
    if len(sx) == 2 and len(sy) == 2:
        return matmul(x, y)
    if len(sy) == 1:
        y = reshape(y, (sy[0], 1))
        return reshape(dot(x, y), sx[:-1])
    if len(sx) == 1:
        x = reshape(x, (1, sx[0]))
        return reshape(dot(x, y), sy[:-2] + sy[-1:])
    n = sx[-1]
    if n != sy[-2]:
        raise ValueError(
            f"dot: the last axis of x ({n}) must match the second to last axis of y "
            f"({sy[-2]}); received shapes {sx} and {sy}"
        )
    x2 = reshape(x, (-1, n))
    if len(sy) == 2:
        y2 = y
    else:
        perm = (len(sy) - 2,) + tuple(range(len(sy) - 2)) + (len(sy) - 1,)
        y2 = reshape(transpose(y, perm), (n, -1))
    return reshape(matmul(x2, y2), sx[:-1] + sy[:-2] + sy[-1:])


@op(operands=("x", "y"))
def batch_dot(x, y, axes=None):
    """Keras ``K.batch_dot``: a dot product per sample over the given axes."""
    sx, sy = np.shape(_v(x)), np.shape(_v(y))
    nx, ny = len(sx), len(sy)
    if nx < 2 or ny < 2:
        raise ValueError(f"batch_dot needs inputs of rank >= 2; received shapes {sx} and {sy}")
    if axes is None:
        axes = [nx - 1, ny - 1] if ny == 2 else [nx - 1, ny - 2]
    if isinstance(axes, int):
        axes = [axes, axes]
    if sx[0] != sy[0]:
        raise ValueError(
            f"batch_dot: x and y must have the same batch size; received shapes {sx} and {sy}"
        )
    ax, ay = axes[0] % nx, axes[1] % ny
    if ax == 0 or ay == 0:
        raise ValueError(f"batch_dot cannot contract the batch axis; received axes {axes}")
    if sx[ax] != sy[ay]:
        raise ValueError(
            f"batch_dot: dimension {ax} of x ({sx[ax]}) must equal dimension {ay} of y "
            f"({sy[ay]}); received shapes {sx} and {sy}"
        )
    b, k = sx[0], sx[ax]
    px = [0] + [i for i in range(1, nx) if i != ax] + [ax]
    py = [0, ay] + [i for i in range(1, ny) if i != ay]
    xr = [sx[i] for i in px[1:-1]]
    yr = [sy[i] for i in py[2:]]
    x3 = reshape(transpose(x, px), (b, int(np.prod(xr)) if xr else 1, k))
    y3 = reshape(transpose(y, py), (b, k, int(np.prod(yr)) if yr else 1))
    out = matmul(x3, y3)
    shape = [b] + xr + yr
    if len(shape) == 1:
        shape = [b, 1]
    return reshape(out, shape)
