"""Small image helpers shared by the "inside the layers" functions and viewers (NumPy only).

* :func:`normalize01` - rescale to ``[0, 1]`` (a constant array becomes ``0.5``);
* :func:`resize` - bilinear resizing of 1-D or 2-D maps with half-pixel centers (the rule of
  ``tf.image.resize(..., 'bilinear')``);
* :func:`gaussian_blur` - separable Gaussian blur over chosen axes;
* :func:`tile` - lay out equally sized images in a grid with gutters;
* :func:`colorize` - map values in ``[0, 1]`` to RGB with a matplotlib colormap (imported on
  first use);
* :func:`to_png` - PNG bytes of a gray or RGB image (zlib, no imaging library needed).

>>> import numpy as np
>>> normalize01(np.array([2., 4., 6.]))
array([0. , 0.5, 1. ])
>>> resize(np.array([[0., 1.], [2., 3.]]), (4, 4))[0]
array([0.  , 0.25, 0.75, 1.  ])
>>> tile(np.ones((3, 2, 2)), cols=2, pad=1, fill=0.0).shape
(5, 5)
>>> to_png(np.zeros((2, 3)))[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import struct
import zlib

import numpy as np


def normalize01(a, axis=None):
    """``(a - min) / (max - min)`` over ``axis`` (all by default); constant parts give 0.5."""
    a = np.asarray(a, dtype="float64")
    lo = np.min(a, axis=axis, keepdims=True)
    hi = np.max(a, axis=axis, keepdims=True)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (a - lo) / safe, 0.5)


def _resize_axis(a, axis, size):
    n = a.shape[axis]
    if n == size:
        return a
    pos = (np.arange(size) + 0.5) * (n / size) - 0.5
    pos = np.clip(pos, 0, n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = pos - lo
    shape = [1] * a.ndim
    shape[axis] = size
    w = w.reshape(shape)
    return np.take(a, lo, axis=axis) * (1 - w) + np.take(a, hi, axis=axis) * w


def resize(a, size, axes=None):
    """Bilinear resize of ``a`` to ``size`` along ``axes`` (default: the last ``len(size)`` axes).

    Sample positions use half-pixel centers and are clamped at the borders, as
    ``tf.image.resize(images, size, method='bilinear')`` does.
    """
    a = np.asarray(a, dtype="float64")
    size = tuple(int(s) for s in np.atleast_1d(size))
    if axes is None:
        axes = tuple(range(a.ndim - len(size), a.ndim))
    if len(axes) != len(size):
        raise ValueError(f"resize: {len(size)} sizes for {len(axes)} axes ({size}, {axes})")
    for axis, s in zip(axes, size, strict=True):
        if s < 1:
            raise ValueError(f"resize: sizes must be >= 1; received {size}")
        a = _resize_axis(a, axis, s)
    return a


def gaussian_kernel(sigma):
    """A normalized 1-D Gaussian of standard deviation ``sigma`` (radius ``ceil(3 sigma)``)."""
    radius = max(1, int(np.ceil(3 * sigma)))
    t = np.arange(-radius, radius + 1, dtype="float64")
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def gaussian_blur(a, sigma, axes):
    """Blur ``a`` with a Gaussian of standard deviation ``sigma`` along each of ``axes``.

    Borders are padded by reflection. ``sigma <= 0`` returns ``a`` unchanged.
    """
    a = np.asarray(a, dtype="float64")
    if sigma <= 0:
        return a
    k = gaussian_kernel(sigma)
    r = len(k) // 2
    for axis in axes:
        n = a.shape[axis]
        pad = [(0, 0)] * a.ndim
        pad[axis] = (r, r)
        mode = "reflect" if n > r else "edge"
        p = np.pad(a, pad, mode=mode)
        out = np.zeros_like(a)
        for i, w in enumerate(k):
            out += w * np.take(p, np.arange(i, i + n), axis=axis)
        a = out
    return a


def tile(images, cols=None, pad=1, fill=1.0):
    """Lay ``images`` (``(n, h, w)`` or ``(n, h, w, c)``) out in a grid, ``pad`` pixels apart.

    ``cols`` defaults to ``ceil(sqrt(n))``; empty cells and gutters hold ``fill``.
    """
    images = np.asarray(images, dtype="float64")
    if images.ndim not in (3, 4):
        raise ValueError(f"tile needs (n, h, w) or (n, h, w, c) images; received {images.shape}")
    n, h, w = images.shape[:3]
    cols = max(1, int(cols or int(np.ceil(np.sqrt(max(n, 1))))))
    rows = max(1, int(np.ceil(n / cols)))
    shape = (rows * h + (rows - 1) * pad, cols * w + (cols - 1) * pad) + images.shape[3:]
    out = np.full(shape, fill, dtype="float64")
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = images[i]
    return out


def colorize(values, cmap="viridis"):
    """RGB (``... x 3``, floats in [0, 1]) of ``values`` in [0, 1] through a matplotlib colormap."""
    import matplotlib

    rgba = matplotlib.colormaps[cmap](np.clip(np.asarray(values, dtype="float64"), 0, 1))
    return rgba[..., :3]


def upscale(image, factor):
    """Nearest-neighbour enlargement of a 2-D (or 2-D x channels) image by an integer factor."""
    factor = max(1, int(factor))
    image = np.asarray(image)
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def to_png(image):
    """PNG bytes of ``image``: ``(h, w)`` gray or ``(h, w, 3|4)`` colour.

    Floats are read as ``[0, 1]`` (clipped); integers as ``0..255``.
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ValueError(f"to_png needs an (h, w), (h, w, 3) or (h, w, 4) image; got {a.shape}")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"to_png needs a non-empty image; received shape {a.shape}")
    if a.dtype.kind == "f":
        a = np.round(np.clip(np.nan_to_num(a), 0, 1) * 255)
    a = np.clip(a, 0, 255).astype(np.uint8)
    h, w = a.shape[:2]
    color = 0 if a.ndim == 2 else {3: 2, 4: 6}[a.shape[2]]
    rows = a.reshape(h, -1)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


__all__ = [
    "colorize",
    "gaussian_blur",
    "gaussian_kernel",
    "normalize01",
    "resize",
    "tile",
    "to_png",
    "upscale",
]
