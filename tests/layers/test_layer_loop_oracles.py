"""LayerNormalization, BatchNormalization and ConvLSTM2D against slow, obvious loops written from
the Keras definitions (float64), using the layers' own (random) weights.

The convolutions inside the ConvLSTM2D loop are ``conv_oracles.conv_loop`` (one output value at a
time); gate order i, f, c, o; the input kernel uses the layer's strides/padding/dilation, the
recurrent kernel 'same' padding with stride 1.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conv_oracles import conv_loop

from kviz import layers as L

RNG = np.random.default_rng(21)


def _set_random_weights(layer, positive_last=0):
    """Random weights; the last ``positive_last`` ones in [0.5, 1.5) (variances)."""
    weights = [RNG.standard_normal(w.shape) for w in layer.get_weights()]
    for i in range(len(weights) - positive_last, len(weights)):
        weights[i] = RNG.random(weights[i].shape) + 0.5
    layer.set_weights([w.astype(layer.dtype) for w in weights])
    return [w.astype("float64") for w in weights]


# ---------------------------------------------------------------------- LayerNormalization
def layer_norm_loop(x, axes, gamma, beta, epsilon):
    """Per sample (every index of the other axes): normalize the values over ``axes``; gamma
    and beta (sizes of ``axes`` in the order given) are read back in row-major order of the
    sorted axes, as tf.keras's reshape does."""
    axes = [a % x.ndim for a in axes]
    other = [i for i in range(x.ndim) if i not in axes]
    inner = sorted(axes)
    g = None if gamma is None else gamma.reshape([x.shape[a] for a in inner])
    b = None if beta is None else beta.reshape([x.shape[a] for a in inner])
    y = np.zeros_like(x)
    for o in itertools.product(*(range(x.shape[i]) for i in other)):
        cells = list(itertools.product(*(range(x.shape[a]) for a in inner)))

        def index(c, o=o):
            idx = [0] * x.ndim
            for i, v in zip(other, o, strict=True):
                idx[i] = v
            for a, v in zip(inner, c, strict=True):
                idx[a] = v
            return tuple(idx)

        values = [x[index(c)] for c in cells]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        for c in cells:
            out = (x[index(c)] - mean) / np.sqrt(var + epsilon)
            if g is not None:
                out = out * g[c]
            if b is not None:
                out = out + b[c]
            y[index(c)] = out
    return y


@pytest.mark.parametrize(
    "kwargs,shape",
    [
        ({}, (3, 4)),
        ({"axis": 1}, (2, 3, 4)),
        ({"axis": [1, 2], "epsilon": 0.1}, (2, 3, 4)),
        ({"axis": [-1, -3]}, (2, 3, 2, 4)),
        ({"center": False}, (2, 5)),
        ({"scale": False, "center": False}, (2, 5)),
    ],
)
def test_layer_normalization_against_loop(kwargs, shape):
    layer = L.LayerNormalization(dtype="float64", **kwargs)
    x = RNG.standard_normal(shape) * 2 + 1
    layer(x)
    weights = _set_random_weights(layer)
    center, scale = kwargs.get("center", True), kwargs.get("scale", True)
    gamma = weights[0] if scale else None
    beta = weights[-1] if center else None
    axis = kwargs.get("axis", -1)
    axes = [axis] if isinstance(axis, int) else list(axis)
    ref = layer_norm_loop(x, axes, gamma, beta, kwargs.get("epsilon", 1e-3))
    np.testing.assert_allclose(layer(x), ref, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------- BatchNormalization
def batch_norm_loop(x, axes, gamma, beta, mean, var, epsilon):
    """Every value: gamma * (x - mean) / sqrt(var + epsilon) + beta of its channel(s)."""
    axes = sorted(a % x.ndim for a in axes)
    y = np.zeros_like(x)
    for idx in itertools.product(*(range(n) for n in x.shape)):
        k = tuple(idx[a] for a in axes)
        y[idx] = gamma[k] * (x[idx] - mean[k]) / np.sqrt(var[k] + epsilon) + beta[k]
    return y


def batch_stats_loop(x, axes):
    axes = sorted(a % x.ndim for a in axes)
    mean = np.zeros([x.shape[a] for a in axes])
    var = np.zeros_like(mean)
    for k in itertools.product(*(range(x.shape[a]) for a in axes)):
        values = [
            x[idx]
            for idx in itertools.product(*(range(n) for n in x.shape))
            if tuple(idx[a] for a in axes) == k
        ]
        mean[k] = sum(values) / len(values)
        var[k] = sum((v - mean[k]) ** 2 for v in values) / len(values)
    return mean, var


@pytest.mark.parametrize(
    "kwargs,shape",
    [
        ({}, (6, 3)),
        ({"axis": 1}, (4, 3, 2, 2)),
        ({}, (3, 2, 2, 4)),
        ({"axis": [1, 3], "momentum": 0.5}, (3, 2, 3, 2)),
        ({"center": False, "scale": False, "epsilon": 0.1}, (5, 2, 3)),
    ],
)
def test_batch_normalization_against_loop(kwargs, shape):
    layer = L.BatchNormalization(dtype="float64", **kwargs)
    x = RNG.standard_normal(shape) * 2 + 1
    layer(x)
    weights = _set_random_weights(layer, positive_last=1)
    axis = kwargs.get("axis", -1)
    axes = [axis] if isinstance(axis, int) else list(axis)
    kept = [x.shape[a % x.ndim] for a in sorted(a % x.ndim for a in axes)]
    center, scale = kwargs.get("center", True), kwargs.get("scale", True)
    gamma = weights[0].reshape(kept) if scale else np.ones(kept)
    beta = weights[int(scale)].reshape(kept) if center else np.zeros(kept)
    moving_mean, moving_var = (w.reshape(kept) for w in weights[-2:])
    eps = kwargs.get("epsilon", 1e-3)
    # inference: the moving statistics
    ref = batch_norm_loop(x, axes, gamma, beta, moving_mean, moving_var, eps)
    np.testing.assert_allclose(layer(x, training=False), ref, rtol=1e-10, atol=1e-10)
    # training: the batch statistics, and the moving ones updated with the momentum
    mean, var = batch_stats_loop(x, axes)
    ref = batch_norm_loop(x, axes, gamma, beta, mean, var, eps)
    np.testing.assert_allclose(layer(x, training=True), ref, rtol=1e-10, atol=1e-10)
    n = x.size // mean.size
    fused = x.ndim in (4, 5) and len(axes) == 1  # tf.keras's fused kernel: unbiased variance
    var_update = var * n / (n - 1) if fused else var
    m = kwargs.get("momentum", 0.99)
    np.testing.assert_allclose(
        layer.moving_mean.numpy().reshape(kept), moving_mean * m + mean * (1 - m), rtol=1e-10
    )
    np.testing.assert_allclose(
        layer.moving_variance.numpy().reshape(kept),
        moving_var * m + var_update * (1 - m),
        rtol=1e-10,
    )


# ------------------------------------------------------------------------------ ConvLSTM2D
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _hard_sigmoid(z):  # tf.keras 2
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


def conv_lstm2d_loop(x, kernel, recurrent_kernel, bias, kw):
    """(batch, time, rows, cols, channels) -> last output or the sequence of outputs."""
    f = recurrent_kernel.shape[-2]
    rec_act = _sigmoid if kw.get("recurrent_activation") == "sigmoid" else _hard_sigmoid
    strides, padding = kw.get("strides", 1), kw.get("padding", "valid")
    dilation = kw.get("dilation_rate", 1)
    steps = range(x.shape[1])
    if kw.get("go_backwards"):
        steps = reversed(steps)
    h = c = None
    outputs = []
    for t in steps:
        gx = [
            conv_loop(x[:, t], kernel[..., g * f : (g + 1) * f], strides, padding, dilation)
            + (0 if bias is None else bias[g * f : (g + 1) * f])
            for g in range(4)
        ]
        if h is None:
            h = np.zeros(gx[0].shape)
            c = np.zeros(gx[0].shape)
        gh = [conv_loop(h, recurrent_kernel[..., g * f : (g + 1) * f], padding="same")
              for g in range(4)]  # fmt: skip
        i = rec_act(gx[0] + gh[0])
        fg = rec_act(gx[1] + gh[1])
        c = fg * c + i * np.tanh(gx[2] + gh[2])
        o = rec_act(gx[3] + gh[3])
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1) if kw.get("return_sequences") else h


@pytest.mark.parametrize(
    "kw",
    [
        {"filters": 2, "kernel_size": 2, "recurrent_activation": "sigmoid"},
        {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True},
        {"filters": 3, "kernel_size": 2, "strides": 2, "go_backwards": True, "use_bias": False},
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same"},
    ],
)
def test_conv_lstm2d_against_loop(kw):
    layer = L.ConvLSTM2D(dtype="float64", **kw)
    x = RNG.standard_normal((2, 3, 5, 5, 2))
    layer(x)
    weights = _set_random_weights(layer)
    for w in weights:
        w *= 0.5
    layer.set_weights(weights)
    bias = weights[2] if kw.get("use_bias", True) else None
    ref = conv_lstm2d_loop(x, weights[0], weights[1], bias, kw)
    np.testing.assert_allclose(layer(x), ref, rtol=1e-10, atol=1e-10)
