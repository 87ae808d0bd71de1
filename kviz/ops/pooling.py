"""Pooling: N-D (1D/2D/3D) max and average pooling, and global pooling.

Windows never count padding: max pooling ignores padded cells and average pooling divides by
the number of real cells in each window (``padding='same'`` edges average fewer values), as
Keras does. ``strides=None`` means ``strides = pool_size``. Channels-first inputs are
transposed to channels-last around the primitive.

>>> import numpy as np
>>> from kviz import ops
>>> x = np.arange(16, dtype='float32').reshape(1, 4, 4, 1)
>>> ops.max_pool(x, (2, 2))[0, :, :, 0]
array([[ 5.,  7.],
       [13., 15.]], dtype=float32)
>>> ops.average_pool(x, (2, 2), strides=(1, 1), padding='same')[0, 3, :, 0]
array([12.5, 13.5, 14.5, 15. ], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor
from kviz.kernels import pooling as kpool
from kviz.ops import math as m
from kviz.ops.array import transpose
from kviz.ops.conv_utils import geometry, normalize_padding, normalize_tuple
from kviz.ops.core import Primitive, apply, dtype_of, op

__all__ = [
    "max_pool", "average_pool", "avg_pool", "pool", "pool1d", "pool2d", "pool3d",
    "global_max_pool", "global_average_pool",
]  # fmt: skip


def _v(x):
    return x.data if isinstance(x, Tensor) else x


def _pad3(t, fill):
    return (fill,) * (3 - len(t)) + tuple(t)


def _as5(a):
    a = np.ascontiguousarray(a)
    return a.reshape((a.shape[0],) + _pad3(a.shape[1:-1], 1) + (a.shape[-1],))


def _geom(p):
    return p["ksize"], p["strides"], p["pad"], p["out"]


def _out_shape(x, p):
    return (x.shape[0],) + tuple(p["out"][3 - p["nd"] :]) + (x.shape[-1],)


def _max_fwd(x, **p):
    return kpool.max_pool(_as5(x), *_geom(p)).reshape(_out_shape(x, p)), None


def _max_bwd(g, out, xs, r, p):
    x = xs[0]
    x5 = _as5(x)
    res = np.ascontiguousarray(out).reshape((x5.shape[0],) + tuple(p["out"]) + (x5.shape[-1],))
    g5 = np.ascontiguousarray(g).reshape(res.shape)
    return (kpool.max_pool_backward(g5, x5, res, *_geom(p)).reshape(x.shape),)


def _avg_fwd(x, **p):
    return kpool.avg_pool(_as5(x), *_geom(p)).reshape(_out_shape(x, p)), None


def _avg_bwd(g, out, xs, r, p):
    x = xs[0]
    g5 = _as5(g)
    return (kpool.avg_pool_backward(g5, _as5(x).shape, *_geom(p)).reshape(x.shape),)


_max_pool = Primitive("max_pool", _max_fwd, _max_bwd)
_avg_pool = Primitive("average_pool", _avg_fwd, _avg_bwd)


def _pool(x, pool_size, strides, padding, data_format, prim, name):
    xs = np.shape(_v(x))
    nd = len(xs) - 2
    if nd not in (1, 2, 3):
        raise ValueError(
            f"{name}: the input must have rank 3, 4 or 5 (batch, spatial..., channels); "
            f"received input shape {tuple(xs)}"
        )
    ksize = normalize_tuple(pool_size, nd, "pool_size")
    strides = ksize if strides is None else normalize_tuple(strides, nd, "strides")
    padding = normalize_padding(padding)
    data_format = config.normalize_data_format(data_format)
    if dtype_of(_v(x)).kind != "f":
        x = m.cast(x, config.floatx())
    if data_format == "channels_first":
        x = transpose(x, (0,) + tuple(range(2, nd + 2)) + (1,))
    spatial = np.shape(_v(x))[1:-1]
    out, pad = geometry(spatial, ksize, strides, (1,) * nd, padding, name)
    p = {
        "nd": nd,
        "ksize": _pad3(ksize, 1),
        "strides": _pad3(strides, 1),
        "pad": _pad3(pad, 0),
        "out": _pad3(out, 1),
    }
    y = apply(prim, (x,), p)
    if data_format == "channels_first":
        y = transpose(y, (0, nd + 1) + tuple(range(1, nd + 1)))
    return y


@op
def max_pool(x, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial axes (their number comes from the input's rank)."""
    return _pool(x, pool_size, strides, padding, data_format, _max_pool, "max_pool")


@op
def average_pool(x, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the real cells of each window."""
    return _pool(x, pool_size, strides, padding, data_format, _avg_pool, "average_pool")


avg_pool = average_pool


@op
def pool(x, pool_size, strides=None, padding="valid", data_format=None, pool_mode="max"):
    """``pool_mode`` ``'max'`` or ``'avg'`` (Keras backend spelling)."""
    if pool_mode == "max":
        return max_pool(x, pool_size, strides, padding, data_format)
    if pool_mode in ("avg", "average"):
        return average_pool(x, pool_size, strides, padding, data_format)
    raise ValueError(f"Invalid pool_mode: {pool_mode!r}; expected 'max' or 'avg'")


@op
def pool1d(x, pool_size, strides=1, padding="valid", data_format=None, pool_mode="max"):
    """Keras ``K.pool1d`` (note its default ``strides=1``)."""
    return pool(x, pool_size, strides, padding, data_format, pool_mode)


@op
def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """Keras ``K.pool2d`` (note its default ``strides=(1, 1)``)."""
    return pool(x, pool_size, strides, padding, data_format, pool_mode)


@op
def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """Keras ``K.pool3d`` (note its default ``strides=(1, 1, 1)``)."""
    return pool(x, pool_size, strides, padding, data_format, pool_mode)


def _spatial_axes(x, data_format):
    nd = np.ndim(_v(x))
    if nd < 3:
        raise ValueError(
            f"global pooling needs an input of rank >= 3 (batch, spatial..., channels); "
            f"received input shape {np.shape(_v(x))}"
        )
    data_format = config.normalize_data_format(data_format)
    return tuple(range(2, nd)) if data_format == "channels_first" else tuple(range(1, nd - 1))


@op
def global_max_pool(x, data_format=None, keepdims=False):
    """Maximum over every spatial axis."""
    return m.max(x, axis=_spatial_axes(x, data_format), keepdims=keepdims)


@op
def global_average_pool(x, data_format=None, keepdims=False):
    """Mean over every spatial axis."""
    if dtype_of(_v(x)).kind != "f":
        x = m.cast(x, config.floatx())
    return m.mean(x, axis=_spatial_axes(x, data_format), keepdims=keepdims)
