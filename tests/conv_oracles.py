"""Slow, obvious loop implementations of convolution, pooling and resizing: the oracles of
``tests/ops/test_conv.py``, ``tests/ops/test_pooling.py`` and the layer tests.

They compute output sizes and padding on their own (TensorFlow's rules, as written in
``shared/KERAS-REFERENCE.md`` §2.6), one output value at a time, in float64.

>>> import numpy as np
>>> conv_loop(np.ones((1, 4, 1)), np.ones((3, 1, 1)))[0, :, 0]
array([3., 3.])
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = [
    "geometry", "to_last", "to_first", "conv_loop", "depthwise_loop", "separable_loop",
    "deconv_length", "conv_transpose_loop", "pool_loop", "bilinear_loop",
]  # fmt: skip


def geometry(n, k, s, d, padding):
    """(out, pad_before) along one axis, from TensorFlow's rules."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        return (n - k_eff) // s + 1, 0
    out = -(-n // s)
    if padding == "causal":
        return out, k_eff - 1
    return out, max((out - 1) * s + k_eff - n, 0) // 2


def to_last(x):
    return np.moveaxis(x, 1, -1)


def to_first(x):
    return np.moveaxis(x, -1, 1)


def conv_loop(x, w, strides=1, padding="valid", dilation=1, groups=1, channels_first=False):
    """Channels-last (or first) convolution by the definition, one output value at a time."""
    if channels_first:
        x = to_last(x)
    nd = x.ndim - 2
    strides = (strides,) * nd if isinstance(strides, int) else strides
    dilation = (dilation,) * nd if isinstance(dilation, int) else dilation
    ks, cg, f = w.shape[:nd], w.shape[-2], w.shape[-1]
    geo = [geometry(x.shape[1 + i], ks[i], strides[i], dilation[i], padding) for i in range(nd)]
    out = [o for o, _ in geo]
    y = np.zeros((x.shape[0], *out, f))
    fg = f // groups
    for n in range(x.shape[0]):
        for o in itertools.product(*map(range, out)):
            for kk in itertools.product(*map(range, ks)):
                pos = [o[i] * strides[i] - geo[i][1] + kk[i] * dilation[i] for i in range(nd)]
                if not all(0 <= pos[i] < x.shape[1 + i] for i in range(nd)):
                    continue
                for ff in range(f):
                    g = ff // fg
                    y[(n, *o, ff)] += (
                        x[(n, *pos)][g * cg : (g + 1) * cg] @ w[(*kk, slice(None), ff)]
                    )
    return to_first(y) if channels_first else y


def depthwise_loop(x, w, strides=1, padding="valid", dilation=1, channels_first=False):
    """Depthwise convolution: output channel c * mult + m is channel c convolved with w[..., c, m]."""
    if channels_first:
        x = to_last(x)
    nd = x.ndim - 2
    cin, mult = w.shape[-2], w.shape[-1]
    outs = []
    for c in range(cin):
        for mm in range(mult):
            outs.append(
                conv_loop(
                    x[..., c : c + 1], w[..., c : c + 1, mm : mm + 1], strides, padding, dilation
                )
            )
    y = np.concatenate(outs, axis=-1)
    assert y.ndim == nd + 2
    return to_first(y) if channels_first else y


def deconv_length(n, k, padding, output_padding, s, d):
    k_eff = (k - 1) * d + 1
    if output_padding is None:
        return n * s + max(k_eff - s, 0) if padding == "valid" else n * s
    pad = k_eff // 2 if padding == "same" else 0
    return (n - 1) * s + k_eff - 2 * pad + output_padding


def conv_transpose_loop(
    x, w, strides=1, padding="valid", dilation=1, output_padding=None, out_size=None
):
    """Every input value scattered through the kernel (w: (*k, filters, in)), channels-last."""
    nd = x.ndim - 2
    strides = (strides,) * nd if isinstance(strides, int) else strides
    dilation = (dilation,) * nd if isinstance(dilation, int) else dilation
    opad = (
        (output_padding,) * nd
        if isinstance(output_padding, int) or output_padding is None
        else output_padding
    )
    ks, f = w.shape[:nd], w.shape[-2]
    if out_size is None:
        out_size = [
            deconv_length(x.shape[1 + i], ks[i], padding, opad[i], strides[i], dilation[i])
            for i in range(nd)
        ]
    pads = []
    for i in range(nd):
        k_eff = (ks[i] - 1) * dilation[i] + 1
        total = max((x.shape[1 + i] - 1) * strides[i] + k_eff - out_size[i], 0)
        pads.append(total // 2 if padding == "same" else 0)
    y = np.zeros((x.shape[0], *out_size, f))
    for n in range(x.shape[0]):
        for o in itertools.product(*(range(x.shape[1 + i]) for i in range(nd))):
            for kk in itertools.product(*map(range, ks)):
                pos = [o[i] * strides[i] - pads[i] + kk[i] * dilation[i] for i in range(nd)]
                if all(0 <= pos[i] < out_size[i] for i in range(nd)):
                    y[(n, *pos)] += w[kk] @ x[(n, *o)]
    return y


def separable_loop(x, dk, pk, strides=1, padding="valid", dilation=1, channels_first=False):
    """Depthwise loop then a pointwise (1x1) loop convolution."""
    y = depthwise_loop(x, dk, strides, padding, dilation, channels_first)
    return conv_loop(y, pk, channels_first=channels_first)


def pool_loop(x, pool_size, strides=None, padding="valid", mode="max", channels_first=False):
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    nd = x.ndim - 2
    ks = (pool_size,) * nd if isinstance(pool_size, int) else tuple(pool_size)
    strides = ks if strides is None else ((strides,) * nd if isinstance(strides, int) else strides)
    geo = []
    for n, k, s in zip(x.shape[1:-1], ks, strides):
        if padding == "valid":
            geo.append(((n - k) // s + 1, 0))
        else:
            out = -(-n // s)
            geo.append((out, max((out - 1) * s + k - n, 0) // 2))
    y = np.zeros((x.shape[0], *(o for o, _ in geo), x.shape[-1]))
    for n in range(x.shape[0]):
        for o in itertools.product(*(range(g[0]) for g in geo)):
            cells = []
            for kk in itertools.product(*map(range, ks)):
                pos = [o[i] * strides[i] - geo[i][1] + kk[i] for i in range(nd)]
                if all(0 <= pos[i] < x.shape[1 + i] for i in range(nd)):
                    cells.append(x[(n, *pos)])
            y[(n, *o)] = np.max(cells, axis=0) if mode == "max" else np.mean(cells, axis=0)
    return np.moveaxis(y, -1, 1) if channels_first else y


def bilinear_loop(x, factors):
    """TF2 ``tf.image.resize(..., 'bilinear')`` (half-pixel centers), one pixel at a time."""
    n, h, w, c = x.shape
    oh, ow = h * factors[0], w * factors[1]
    y = np.zeros((n, oh, ow, c))

    def src(i, size_in, size_out):
        f = (i + 0.5) * size_in / size_out - 0.5
        lo = math.floor(f)
        return max(lo, 0), min(math.ceil(f), size_in - 1), f - lo

    for i in range(oh):
        t, b, ly = src(i, h, oh)
        for j in range(ow):
            left, r, lx = src(j, w, ow)
            top = x[:, t, left] + (x[:, t, r] - x[:, t, left]) * lx
            bottom = x[:, b, left] + (x[:, b, r] - x[:, b, left]) * lx
            y[:, i, j] = top + (bottom - top) * ly
    return y
