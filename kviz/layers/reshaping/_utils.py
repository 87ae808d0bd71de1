"""Argument helpers shared by the padding, cropping and upsampling layers.

>>> pairs(1, 2, 'padding')
((1, 1), (1, 1))
>>> pairs((1, 2), 2, 'padding')
((1, 1), (2, 2))
>>> pairs(((0, 1), (2, 3)), 2, 'cropping')
((0, 1), (2, 3))
"""

from __future__ import annotations

import numbers

from kviz.ops.conv_utils import normalize_tuple


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def pairs(value, n, name):
    """``n`` (before, after) pairs from an int, ``n`` ints, or ``n`` pairs (Keras's forms)."""
    if _is_int(value):
        return (normalize_tuple(value, 2, name, allow_zero=True),) * n
    try:
        items = tuple(value)
    except TypeError:
        items = None
    if n == 1 and items is not None and len(items) == 2 and all(map(_is_int, items)):
        return (normalize_tuple(items, 2, name, allow_zero=True),)
    if items is None or len(items) != n:
        kinds = ("one", "two", "three")[n - 1]
        raise ValueError(
            f"`{name}` should be either an int, a tuple of {n} ints (one symmetric value per "
            f"spatial dimension), or a tuple of {n} tuples of 2 ints (before, after) -- "
            f"{kinds} per spatial dimension. Received: {value!r}."
        )
    out = []
    for item in items:
        out.append(normalize_tuple(item, 2, name, allow_zero=True))
    return tuple(out)


def add(n, before, after):
    return None if n is None else n + before + after


def spatial_axes(rank, data_format):
    """Axes (of the full shape) of the ``rank`` spatial dimensions."""
    return (
        tuple(range(2, rank + 2)) if data_format == "channels_first" else tuple(range(1, rank + 1))
    )
