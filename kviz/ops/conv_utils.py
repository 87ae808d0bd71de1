"""Geometry of convolutions and pooling (Keras's ``conv_utils``): argument normalisation,
output lengths and the zero padding each ``padding`` mode implies.

Rules (TensorFlow's, which Keras 2 uses), with ``k_eff = (k - 1) * dilation + 1``:

* ``'valid'``: ``out = floor((n - k_eff) / s) + 1``, no padding;
* ``'same'``: ``out = ceil(n / s)``; ``pad = max((out - 1) * s + k_eff - n, 0)`` zero cells,
  ``pad // 2`` before and the rest (the extra one) after;
* ``'causal'`` (Conv1D): ``k_eff - 1`` zero cells before, none after; ``out = ceil(n / s)``.

>>> conv_output_length(28, 3, 'valid', 1)
26
>>> padding_before(6, 3, 2, 1, 'same')  # out 3, total pad 1: 0 before, 1 after
0
>>> deconv_output_length(7, 3, 'same', stride=2)
14
"""

from __future__ import annotations

import numpy as np

from kviz import config

__all__ = [
    "normalize_tuple",
    "normalize_padding",
    "normalize_data_format",
    "conv_output_length",
    "padding_before",
    "deconv_output_length",
    "geometry",
    "check_output_size",
]


def normalize_tuple(value, n, name, allow_zero=False):
    """An int or an iterable of ``n`` ints as a tuple of ``n`` ints (Keras's message on error)."""
    kind = "non-negative" if allow_zero else "positive"
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} integers. Received: {value!r}"
            ) from None
        if len(values) != n:
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} integers. Received: {value!r}"
            )
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(
                    f"The `{name}` argument must be a tuple of {n} integers. Received: "
                    f"{value!r} including element {v!r} of type {type(v).__name__}"
                )
        values = tuple(int(v) for v in values)
    bad = [v for v in values if v < 0 or (v == 0 and not allow_zero)]
    if bad:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} {kind} integers. "
            f"Received {name}={value!r} including {bad[0]} that does not satisfy the requirement."
        )
    return values


def normalize_padding(value, allowed=("valid", "same")):
    """``padding`` lower-cased and checked (Keras 1's ``'full'`` gets its own message)."""
    padding = str(value).lower() if value is not None else value
    if padding not in allowed:
        hint = ""
        if padding == "full":
            hint = " (Keras 1's border_mode='full' has no Keras 2 equivalent)"
        raise ValueError(
            f"The `padding` argument must be a string, one of {', '.join(map(repr, allowed))}. "
            f"Received: {value!r}{hint}"
        )
    return padding


def normalize_data_format(value):
    return config.normalize_data_format(value)


def _effective(k, dilation):
    return (k - 1) * dilation + 1


def conv_output_length(n, k, padding, stride, dilation=1):
    """Output length of a convolution or pooling window along one axis (None stays None)."""
    if n is None:
        return None
    if padding == "valid":
        return (n - _effective(k, dilation)) // stride + 1
    return (n + stride - 1) // stride  # same / causal


def padding_before(n, k, stride, dilation, padding):
    """Zero cells before the first input cell along one axis."""
    if padding == "valid":
        return 0
    k_eff = _effective(k, dilation)
    if padding == "causal":
        return k_eff - 1
    out = (n + stride - 1) // stride
    return max((out - 1) * stride + k_eff - n, 0) // 2


def deconv_output_length(n, k, padding, output_padding=None, stride=1, dilation=1):
    """Output length of a transposed convolution along one axis (Keras's formula)."""
    if n is None:
        return None
    k_eff = _effective(k, dilation)
    if output_padding is None:
        if padding == "valid":
            return n * stride + max(k_eff - stride, 0)
        if padding == "full":
            return n * stride - (stride + k_eff - 2)
        return n * stride  # same
    pad = {"same": k_eff // 2, "valid": 0, "full": k_eff - 1}[padding]
    return (n - 1) * stride + k_eff - 2 * pad + output_padding


def check_output_size(out, spatial, ksize, strides, padding, dilation, what="conv"):
    """Raise a ValueError naming the input, kernel and strides when an output size is < 1."""
    if any(o is not None and o < 1 for o in out):
        raise ValueError(
            f"{what}: the output would have a zero or negative size {tuple(out)}: input spatial "
            f"shape {tuple(spatial)}, kernel/pool size {tuple(ksize)}, strides {tuple(strides)}, "
            f"dilation_rate {tuple(dilation)}, padding={padding!r}. Use a larger input, a smaller "
            "kernel or strides, or padding='same'."
        )


def geometry(spatial, ksize, strides, dilation, padding, what="conv"):
    """``(out, pad)``: output sizes and zero cells before, per spatial axis (checked >= 1)."""
    out = tuple(
        conv_output_length(n, k, padding, s, d)
        for n, k, s, d in zip(spatial, ksize, strides, dilation, strict=True)
    )
    check_output_size(out, spatial, ksize, strides, padding, dilation, what)
    pad = tuple(
        padding_before(n, k, s, d, padding)
        for n, k, s, d in zip(spatial, ksize, strides, dilation, strict=True)
    )
    return out, pad
