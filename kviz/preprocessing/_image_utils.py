"""Image files <-> arrays (``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``).

Pillow is imported only when one of these functions runs (it is installed with matplotlib,
a kviz dependency); without it they raise an ImportError that says so.
"""

from __future__ import annotations

import importlib
import io
import os
import pathlib
import warnings

import numpy as np

from kviz import config

_INTERPOLATION = {
    "nearest": "NEAREST",
    "bilinear": "BILINEAR",
    "bicubic": "BICUBIC",
    "hamming": "HAMMING",
    "box": "BOX",
    "lanczos": "LANCZOS",
}


def _pil(module="Image"):
    try:
        return importlib.import_module(f"PIL.{module}")
    except ImportError as e:
        raise ImportError(
            "Loading and saving images needs Pillow (`pip install pillow`); it could not be "
            "imported."
        ) from e


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array (HWC, or CHW with ``channels_first``) to a PIL image.

    ``scale=True`` stretches the values to 0..255 first. 1, 3 or 4 channels give an
    ``L`` (or ``I`` for values above 255), ``RGB`` or ``RGBA`` image.
    """
    pil_image = _pil()
    data_format = data_format or config.image_data_format()
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(
            f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}"
        )
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid data_format: {data_format}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return pil_image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return pil_image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return pil_image.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil_image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image to a 3-D float array (HWC, or CHW with ``channels_first``)."""
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}")
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"Unsupported image shape: {x.shape}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a 3-D array as an image file (format from ``file_format`` or the file name)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn(
            "The JPG format does not support RGBA images, converting to RGB.", stacklevel=2
        )
        img = img.convert("RGB")
    if file_format in ("jpg",):
        file_format = "jpeg"
    img.save(path, format=file_format, **kwargs)


def load_img(
    path,
    grayscale=False,
    color_mode="rgb",
    target_size=None,
    interpolation="nearest",
    keep_aspect_ratio=False,
):
    """Open an image file as a PIL image in ``color_mode`` ('grayscale', 'rgb', 'rgba').

    ``target_size=(height, width)`` resizes with ``interpolation``; ``keep_aspect_ratio``
    crops the centre to the target's aspect ratio first.
    """
    pil_image = _pil()
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"', stacklevel=2)
        color_mode = "grayscale"
    if isinstance(path, io.BytesIO):
        img = pil_image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str, os.PathLike)):
        with open(path, "rb") as f:
            img = pil_image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    modes = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}
    if color_mode not in modes:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if img.mode not in modes[color_mode]:
        img = img.convert(modes[color_mode][0])
    if target_size is not None:
        size = (target_size[1], target_size[0])
        if img.size != size:
            if interpolation not in _INTERPOLATION:
                raise ValueError(
                    f"Invalid interpolation method {interpolation} specified. Supported methods "
                    f"are {', '.join(_INTERPOLATION)}"
                )
            resample = getattr(pil_image.Resampling, _INTERPOLATION[interpolation])
            box = None
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * size[1]) // size[0])
                crop_w = min(width, (height * size[0]) // size[1])
                top, left = (height - crop_h) // 2, (width - crop_w) // 2
                box = [left, top, left + crop_w, top + crop_h]
            img = img.resize(size, resample, box=box)
    return img
