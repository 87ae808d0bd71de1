"""Resizing, zero padding and cropping along the spatial axes of images and sequences.

* :func:`upsample` (and Keras's ``resize_images`` / ``resize_volumes``): repeat each cell
  (``'nearest'``) or interpolate linearly (``'bilinear'``: TensorFlow 2's ``tf.image.resize``
  with half-pixel centers, as Keras 2's ``UpSampling2D(interpolation='bilinear')``). Linear
  interpolation along an axis is a matrix product with a small interpolation matrix, so its
  gradient is the product with the transpose.
* :func:`spatial_padding` (and ``temporal_padding`` / ``spatial_2d_padding`` /
  ``spatial_3d_padding``): zeros before and after each spatial axis (``ops.pad``).
* :func:`crop`: drop cells at both ends of each spatial axis (``ops.getitem``).

>>> import numpy as np
>>> from kviz import ops
>>> x = np.array([[1., 2.]], 'float32').reshape(1, 1, 2, 1)
>>> ops.upsample(x, (1, 2))[0, 0, :, 0]
array([1., 1., 2., 2.], dtype=float32)
>>> ops.upsample(x, (1, 2), interpolation='bilinear')[0, 0, :, 0]
array([1.  , 1.25, 1.75, 2.  ], dtype=float32)
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor
from kviz.ops.array import getitem, pad, repeat_elements
from kviz.ops.conv_utils import normalize_tuple
from kviz.ops.core import Primitive, apply, dtype_of, op
from kviz.ops.math import cast

__all__ = [
    "upsample", "resize_images", "resize_volumes", "spatial_padding", "temporal_padding",
    "spatial_2d_padding", "spatial_3d_padding", "crop",
]  # fmt: skip

INTERPOLATIONS = ("nearest", "bilinear")


def _v(x):
    return x.data if isinstance(x, Tensor) else x


def _axes(x, nd, data_format):
    rank = np.ndim(_v(x))
    if nd is None:
        nd = rank - 2
    if nd < 1 or rank != nd + 2:
        raise ValueError(
            f"expected an input of rank {nd + 2} (batch, {nd} spatial axes, channels); "
            f"received input shape {np.shape(_v(x))}"
        )
    first = config.normalize_data_format(data_format) == "channels_first"
    return nd, tuple(range(2, nd + 2)) if first else tuple(range(1, nd + 1))


# ---------------------------------------------------------------------------- upsampling
def linear_weights(n_in, n_out):
    """``(n_out, n_in)`` matrix of TF2 half-pixel bilinear resizing along one axis."""
    w = np.zeros((n_out, n_in))
    scale = n_in / n_out
    for i in range(n_out):
        src = (i + 0.5) * scale - 0.5
        lo = math.floor(src)
        lerp = src - lo
        a, b = builtins.max(lo, 0), builtins.min(math.ceil(src), n_in - 1)
        w[i, a] += 1 - lerp
        w[i, b] += lerp
    return w


def _interp_fwd(x, weights=None, axis=0):
    w = weights.astype(x.dtype, copy=False)
    return np.moveaxis(np.tensordot(w, x, axes=([1], [axis])), 0, axis), None


def _interp_bwd(g, out, xs, r, p):
    w = p["weights"].astype(g.dtype, copy=False)
    return (np.moveaxis(np.tensordot(w.T, g, axes=([1], [p["axis"]])), 0, p["axis"]),)


_interp = Primitive("interpolate_axis", _interp_fwd, _interp_bwd)


@op
def upsample(x, size, data_format=None, interpolation="nearest"):
    """Enlarge every spatial axis by an integer factor (``size``: int or one per axis)."""
    nd, axes = _axes(x, None, data_format)
    size = normalize_tuple(size, nd, "size")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"`interpolation` argument should be one of {list(INTERPOLATIONS)}. "
            f"Received: {interpolation!r}"
        )
    if dtype_of(_v(x)).kind != "f" and interpolation != "nearest":
        x = cast(x, config.floatx())
    for axis, factor in zip(axes, size, strict=True):
        if factor == 1:
            continue
        if interpolation == "nearest":
            x = repeat_elements(x, factor, axis)
        else:
            n = np.shape(_v(x))[axis]
            x = apply(_interp, (x,), {"weights": linear_weights(n, n * factor), "axis": axis})
    return x


@op
def resize_images(x, height_factor, width_factor, data_format=None, interpolation="nearest"):
    """Keras ``K.resize_images`` (4-D input)."""
    _axes(x, 2, data_format)
    return upsample(x, (height_factor, width_factor), data_format, interpolation)


@op
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format=None):
    """Keras ``K.resize_volumes`` (5-D input, nearest)."""
    _axes(x, 3, data_format)
    return upsample(x, (depth_factor, height_factor, width_factor), data_format)


# ------------------------------------------------------------------------ padding/cropping
def _pairs(value, nd, name):
    """An int, a pair per axis, or ``nd`` pairs / ints as ``nd`` (before, after) pairs."""
    if isinstance(value, (int, np.integer)):
        return (normalize_tuple(value, 2, name, allow_zero=True),) * nd
    value = tuple(value)
    if nd == 1 and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        return (normalize_tuple(value, 2, name, allow_zero=True),)
    if len(value) != nd:
        raise ValueError(
            f"`{name}` should have {nd} elements (one per spatial axis). Received: {value!r}"
        )
    out = []
    for v in value:
        out.append(normalize_tuple(v, 2, f"{name} entry", allow_zero=True))
    return tuple(out)


@op
def spatial_padding(x, padding, data_format=None):
    """Zeros around the spatial axes: ``padding`` is one int, or a (before, after) pair or one
    int per axis."""
    nd, axes = _axes(x, None, data_format)
    pairs = _pairs(padding, nd, "padding")
    widths = [(0, 0)] * (nd + 2)
    for axis, pair in zip(axes, pairs, strict=True):
        widths[axis] = pair
    return pad(x, widths)


@op
def temporal_padding(x, padding=(1, 1)):
    """Keras ``K.temporal_padding``: zeros before/after the time axis of ``(N, T, C)``."""
    _axes(x, 1, None)
    return spatial_padding(x, (tuple(padding),), "channels_last")


@op
def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Keras ``K.spatial_2d_padding``."""
    _axes(x, 2, data_format)
    return spatial_padding(x, padding, data_format)


@op
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Keras ``K.spatial_3d_padding``."""
    _axes(x, 3, data_format)
    return spatial_padding(x, padding, data_format)


@op
def crop(x, cropping, data_format=None):
    """Remove ``(before, after)`` cells from each spatial axis (same forms as ``padding``)."""
    nd, axes = _axes(x, None, data_format)
    pairs = _pairs(cropping, nd, "cropping")
    shape = np.shape(_v(x))
    index = [builtins.slice(None)] * (nd + 2)
    for axis, (a, b) in zip(axes, pairs, strict=True):
        if a + b >= shape[axis]:
            raise ValueError(
                f"cropping {(a, b)} removes all {shape[axis]} cells of axis {axis} "
                f"(input shape {tuple(shape)})"
            )
        index[axis] = builtins.slice(a, shape[axis] - b)
    return getitem(x, tuple(index))
