"""Matrix products: ``matmul``, Keras's ``dot`` and ``batch_dot``, and the fused ``dense``.

>>> import numpy as np
>>> from kviz import ops
>>> ops.dot(np.ones((2, 3, 4)), np.ones((4, 5))).shape
(2, 3, 5)
"""

from __future__ import annotations

import numpy as np

from kviz.ops.array import reshape, transpose
from kviz.ops.core import Primitive, apply, op, unbroadcast

__all__ = ["matmul", "dense", "dot", "batch_dot"]


def _v(x):
    return x.data if hasattr(x, "_op") else x


def _matmul_bwd(g, out, xs, r, p):
    a, b = xs
    ga = np.matmul(g, np.swapaxes(b, -1, -2))
    gb = np.matmul(np.swapaxes(a, -1, -2), g)
    return unbroadcast(ga, np.shape(a)), unbroadcast(gb, np.shape(b))


_matmul = Primitive("matmul", lambda a, b: (np.matmul(a, b), None), _matmul_bwd)


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


def _dense_fwd(x, w, b=None):
    out = np.matmul(x, w)
    if b is not None:
        if np.result_type(out, b) == out.dtype:
            out += b  # in place: `out` is a fresh array
        else:
            out = out + b
    return out, None


def _dense_bwd(g, out, xs, r, p):
    x, w = xs[0], xs[1]
    g2 = g.reshape(-1, g.shape[-1])
    x2 = x.reshape(-1, x.shape[-1])
    gx = (g2 @ w.T).reshape(x.shape)
    gw = x2.T @ g2
    if len(xs) == 3:
        return gx, gw, g2.sum(axis=0)
    return gx, gw


_dense = Primitive("dense", _dense_fwd, _dense_bwd)


@op(operands=("x", "kernel", "bias"))
def dense(x, kernel, bias=None):
    """``x @ kernel + bias`` over the last axis of ``x`` (one fused primitive)."""
    sx, sk = np.shape(_v(x)), np.shape(_v(kernel))
    if sx[-1] != sk[0]:
        raise ValueError(
            f"dense: the last axis of the input ({sx[-1]}) must match the kernel's first axis "
            f"({sk[0]}); received input shape {sx} and kernel shape {sk}"
        )
    if bias is None:
        return apply(_dense, (x, kernel))
    return apply(_dense, (x, kernel, bias))


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
