"""Affine image transforms in NumPy, matching ``scipy.ndimage.affine_transform``.

SciPy is not a kviz dependency, so the transforms behind ``ImageDataGenerator`` (rotation,
shift, shear, zoom) are done here: each output pixel ``o`` samples the input at
``M @ o + offset`` with nearest (``order=0``) or bilinear (``order=1``) interpolation and
SciPy's edge modes ``'constant'`` (``cval`` outside ``[0, n-1]``), ``'nearest'``,
``'reflect'`` (``d c b a | a b c d | d c b a``) and ``'wrap'`` (SciPy's: period ``n - 1``).
The results were checked against SciPy 1.17 for all four modes and both orders.
"""

from __future__ import annotations

import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _fold_index(idx, n, mode):
    if mode == "reflect":
        m = np.mod(idx, 2 * n)
        return np.where(m >= n, 2 * n - 1 - m, m)
    return np.clip(idx, 0, n - 1)  # nearest; also used after 'constant'/'wrap' coordinate maps


def _wrap_coordinate(x, n):
    if n <= 1:
        return np.zeros_like(x)
    period = n - 1
    x = np.where(x < 0, x + period * (np.trunc(-x / period) + 1), x)
    return np.where(x > n - 1, x - period * np.trunc(x / period), x)


def affine_transform_2d(image, matrix, offset, order=1, mode="constant", cval=0.0):
    """One 2-D channel: ``out[i, j] = image(M @ (i, j) + offset)`` (SciPy's convention)."""
    if mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}; got {mode!r}")
    if order not in (0, 1):
        raise ValueError(
            f"interpolation_order={order} is not supported (kviz implements 0 = nearest and "
            "1 = bilinear)"
        )
    image = np.asarray(image)
    h, w = image.shape
    ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    r = matrix[0, 0] * ii + matrix[0, 1] * jj + offset[0]
    c = matrix[1, 0] * ii + matrix[1, 1] * jj + offset[1]
    inside = None
    if mode == "constant":
        inside = (r >= 0) & (r <= h - 1) & (c >= 0) & (c <= w - 1)
    elif mode == "wrap":
        r, c = _wrap_coordinate(r, h), _wrap_coordinate(c, w)
    fold = "reflect" if mode == "reflect" else "nearest"
    if order == 0:
        ri = _fold_index(np.floor(r + 0.5).astype(np.int64), h, fold)
        ci = _fold_index(np.floor(c + 0.5).astype(np.int64), w, fold)
        out = image[ri, ci].astype(np.float64)
    else:
        r0, c0 = np.floor(r), np.floor(c)
        fr, fc = r - r0, c - c0
        r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
        ra, rb = _fold_index(r0, h, fold), _fold_index(r0 + 1, h, fold)
        ca, cb = _fold_index(c0, w, fold), _fold_index(c0 + 1, w, fold)
        out = (1 - fr) * ((1 - fc) * image[ra, ca] + fc * image[ra, cb]) + fr * (
            (1 - fc) * image[rb, ca] + fc * image[rb, cb]
        )
    if inside is not None:
        out = np.where(inside, out, cval)
    return out.astype(image.dtype) if np.issubdtype(image.dtype, np.floating) else out


def transform_matrix_offset_center(matrix, x, y):
    """Conjugate a 3x3 matrix so that it acts about the image centre."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def apply_affine_transform(
    x,
    theta=0,
    tx=0,
    ty=0,
    shear=0,
    zx=1,
    zy=1,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    order=1,
):
    """Keras's ``apply_affine_transform`` for one 3-D image (angles in degrees).

    ``tx``/``ty`` shift along rows/columns, ``zx``/``zy`` zoom, ``shear`` is an angle.
    """
    if sorted([row_axis, col_axis, channel_axis]) != [0, 1, 2]:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct and in 0..2")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    parts = []
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return x
    matrix = parts[0]
    for p in parts[1:]:
        matrix = matrix @ p
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    channels = [
        affine_transform_2d(
            ch, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval
        )
        for ch in x
    ]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def flip_axis(x, axis):
    """Reverse ``x`` along ``axis``."""
    return np.flip(np.asarray(x), axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own min/max."""
    x = np.rollaxis(x, channel_axis, 0)
    lo, hi = np.min(x), np.max(x)
    x = np.stack([np.clip(ch + intensity, lo, hi) for ch in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def apply_brightness_shift(x, brightness, scale=True):
    """Scale brightness by ``brightness`` with Pillow's ``ImageEnhance.Brightness``."""
    from kviz.preprocessing._image_utils import _pil, array_to_img, img_to_array

    image_enhance = _pil("ImageEnhance")
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    img = array_to_img(x, scale=local_scale or scale)
    x = img_to_array(image_enhance.Brightness(img).enhance(brightness))
    if not scale and local_scale:
        x = x / 255 * (x_max - x_min) + x_min
    return x


def _random_apply(x, rng_params, row_axis, col_axis, channel_axis, fill_mode, cval, order):
    return apply_affine_transform(
        x,
        **rng_params,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=order,
    )


def random_rotation(
    x,
    rg,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Rotate by a random angle in ``[-rg, rg]`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return _random_apply(
        x, {"theta": theta}, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order
    )


def random_shift(
    x,
    wrg,
    hrg,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Shift by random fractions ``[-hrg, hrg]`` of the height and ``[-wrg, wrg]`` of the width."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return _random_apply(
        x,
        {"tx": tx, "ty": ty},
        row_axis,
        col_axis,
        channel_axis,
        fill_mode,
        cval,
        interpolation_order,
    )


def random_shear(
    x,
    intensity,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Shear by a random angle in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return _random_apply(
        x, {"shear": shear}, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order
    )


def random_zoom(
    x,
    zoom_range,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    interpolation_order=1,
):
    """Zoom by random factors drawn from ``zoom_range = (lower, upper)``."""
    if len(zoom_range) != 2:
        raise ValueError(
            f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}"
        )
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return _random_apply(
        x,
        {"zx": zx, "zy": zy},
        row_axis,
        col_axis,
        channel_axis,
        fill_mode,
        cval,
        interpolation_order,
    )


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Shift all channels by one random intensity in ``[-intensity_range, intensity_range]``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """Scale brightness by a random factor in ``brightness_range``."""
    if len(brightness_range) != 2:
        raise ValueError(
            f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}"
        )
    return apply_brightness_shift(x, np.random.uniform(*brightness_range), scale)
