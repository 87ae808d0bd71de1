"""Keras 2 loss functions: one value per sample (the mean over the last axis, unless said).

Each is built from :mod:`kviz.ops`, so it works on arrays, on Tensors inside a
:class:`~kviz.autodiff.GradientTape` (differentiable), and on symbolic KerasTensors (one graph
node). Shapes are checked first: mismatched targets raise a ValueError that says what was
received and what to do. Numerics follow tf.keras 2 (epsilon from :func:`kviz.config.epsilon`).

>>> import numpy as np
>>> y_true = np.array([[0., 1.], [1., 1.]], 'float32')
>>> y_pred = np.array([[0.5, 1.], [1., 0.]], 'float32')
>>> mean_squared_error(y_true, y_pred)
array([0.125, 0.5  ], dtype=float32)
>>> mean_absolute_error(y_true, y_pred)
array([0.25, 0.5 ], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import config, ops
from kviz.backend import losses as _K
from kviz.losses._utils import (
    cast_like,
    float_pred,
    loss_function,
    raw,
    shape_of,
    warn_single_unit,
)
from kviz.ops.nn import fused_categorical_crossentropy


def _pair(y_true, y_pred):
    y_pred = float_pred(y_pred)
    return cast_like(y_true, y_pred), y_pred


def _eps(like):
    return np.asarray(config.epsilon(), dtype=raw(like).dtype)


# ------------------------------------------------------------------------- regression


@loss_function()
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_pred - y_true), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


@loss_function()
def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_pred - y_true), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)


@loss_function()
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    denom = ops.maximum(ops.abs(y_true), _eps(y_pred))
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), denom))
    return ops.multiply(ops.mean(diff, axis=-1), np.asarray(100.0, raw(y_pred).dtype))


@loss_function()
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = _eps(y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, eps), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, eps), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


@loss_function()
def huber(y_true, y_pred, delta=1.0):
    """Quadratic ``0.5 * e**2`` for ``|e| <= delta``, linear ``delta * |e| - 0.5 * delta**2``
    beyond; mean over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    dtype = raw(y_pred).dtype
    delta = np.asarray(delta, dtype=dtype)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(ops.square(error), np.asarray(0.5, dtype))
    linear = ops.subtract(ops.multiply(abs_error, delta), np.asarray(0.5 * delta * delta, dtype))
    small = np.asarray(raw(abs_error)) <= delta
    return ops.mean(ops.where(small, quadratic, linear), axis=-1)


@loss_function()
def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed stably as
    ``x + softplus(-2x) - log(2)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    dtype = raw(y_pred).dtype
    lc = ops.subtract(
        ops.add(x, ops.softplus(ops.multiply(x, np.asarray(-2.0, dtype)))),
        np.asarray(np.log(2.0), dtype),
    )
    return ops.mean(lc, axis=-1)


@loss_function()
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(
        ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, _eps(y_pred))))),
        axis=-1,
    )


@loss_function()
def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[eps, 1]``."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = config.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


@loss_function()
def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for identical
    directions, 0 for orthogonal ones (the tf.keras 2 sign, and Keras 2.2's
    ``cosine_proximity``). The metric :func:`kviz.metrics.cosine_similarity` is positive."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = ops.l2_normalize(y_true, axis=axis)
    p = ops.l2_normalize(y_pred, axis=axis)
    return ops.negative(ops.sum(ops.multiply(t, p), axis=axis))


# ---------------------------------------------------------------------------- hinges


def _maybe_convert_labels(y_true):
    """0/1 labels become -1/1 (only when every label is 0 or 1, as tf.keras does)."""
    t = np.asarray(raw(y_true))
    if np.all((t == 0) | (t == 1)):
        return ops.subtract(ops.multiply(y_true, 2.0), 1.0)
    return y_true


@loss_function()
def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; labels -1/1 (0/1 are converted)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


@loss_function()
def squared_hinge(y_true, y_pred):
    """``mean(square(max(1 - y_true * y_pred, 0)), axis=-1)``; labels -1/1 (0/1 converted)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    margin = ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)
    return ops.mean(ops.square(margin), axis=-1)


@loss_function()
def categorical_hinge(y_true, y_pred):
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)`` over the last axis (one-hot targets)."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


# ----------------------------------------------------------------------- crossentropy


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )


@loss_function()
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y_true * log(p))`` over ``axis`` for one-hot (or soft) targets.

    Probabilities are renormalised to sum to 1 and clipped to ``[eps, 1 - eps]``;
    ``from_logits=True`` applies a log-softmax instead. ``label_smoothing`` mixes the targets
    with the uniform distribution: ``y * (1 - s) + s / num_classes``.
    """
    _check_axis(axis)
    warn_single_unit("categorical_crossentropy", y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        dtype = raw(y_pred).dtype
        s = np.asarray(label_smoothing, dtype)
        n = np.asarray(np.shape(raw(y_true))[axis], dtype)
        y_true = ops.add(ops.multiply(y_true, 1 - s), s / n)
    if not from_logits and axis in (-1, len(shape_of(y_pred)) - 1):
        # the plain case as one primitive (the same values and gradients, less dispatch)
        fused = fused_categorical_crossentropy(y_true, y_pred, config.epsilon())
        if fused is not None:
            return fused
    return _K.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@loss_function(kind="sparse")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Cross-entropy with integer class labels (shape ``y_pred.shape[:-1]``, or with a
    trailing 1). ``ignore_class``: labels equal to it give a loss of 0 (the
    :class:`~kviz.losses.SparseCategoricalCrossentropy` class then averages over the others).
    """
    y_pred = float_pred(y_pred)
    if ignore_class is None:
        return _K.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=from_logits, axis=axis
        )
    t = np.asarray(raw(y_true)).astype("int64")
    valid = t != int(ignore_class)
    out = _K.sparse_categorical_crossentropy(
        np.where(valid, t, 0), y_pred, from_logits=from_logits, axis=axis
    )
    if valid.ndim == np.ndim(raw(out)) + 1:
        valid = valid[..., 0]
    return ops.where(valid, out, np.zeros((), raw(out).dtype))


@loss_function()
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``-[y log(p + eps) + (1 - y) log(1 - p + eps)]`` with ``p``
    clipped to ``[eps, 1 - eps]`` (tf.keras 2 numerics: p=0 for y=1 gives 15.425).
    ``from_logits=True`` uses the stable logistic form. ``label_smoothing`` squeezes targets
    towards 0.5: ``y * (1 - s) + 0.5 * s``."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        s = np.asarray(label_smoothing, raw(y_pred).dtype)
        y_true = ops.add(ops.multiply(y_true, 1 - s), 0.5 * s)
    return ops.mean(_K.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)
