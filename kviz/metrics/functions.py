"""Metric functions: one value per sample, computed with NumPy (metrics need no gradients).

They accept arrays and Tensors (their ``.data`` is used) and, for use inside a model
definition, symbolic KerasTensors (one graph node). Shapes are checked as for the losses.

>>> import numpy as np
>>> y_true = np.array([[0., 1.], [1., 0.]], 'float32')
>>> y_pred = np.array([[0.3, 0.7], [0.4, 0.6]], 'float32')
>>> categorical_accuracy(y_true, y_pred)
array([1., 0.], dtype=float32)
>>> binary_accuracy(y_true, y_pred)
array([1., 0.], dtype=float32)
>>> sparse_categorical_accuracy(np.array([1, 1]), y_pred)
array([1., 1.], dtype=float32)
"""

from __future__ import annotations

import functools

import numpy as np

from kviz import config, ops
from kviz.losses import functions as _losses
from kviz.losses._utils import apply_fix, as_value, check_shapes, has_symbolic, raw, run_symbolic


def _np(x, dtype=None):
    x = np.asarray(raw(x))
    return x if dtype is None else x.astype(dtype, copy=False)


def _floatx():
    return np.dtype(config.floatx())


def metric_function(kind="dense"):
    """Decorator: shape check, shape fix, symbolic dispatch (as the loss functions)."""

    def deco(impl):
        name = impl.__name__

        def body(y_true, y_pred, *args, _fix=None, **kwargs):
            y_pred = as_value(y_pred)
            y_true = apply_fix(y_true, y_pred, _fix)
            return impl(y_true, y_pred, *args, **kwargs)

        body.__name__ = name

        @functools.wraps(impl)
        def public(y_true, y_pred, *args, **kwargs):
            fix = check_shapes(name, y_true, y_pred, kind)
            if has_symbolic(y_true, y_pred):
                return run_symbolic(
                    body, f"kviz.metrics.{name}", y_true, y_pred, *args, _fix=fix, **kwargs
                )
            return body(y_true, y_pred, *args, _fix=fix, **kwargs)

        return public

    return deco


@metric_function()
def accuracy(y_true, y_pred):
    """1.0 where ``y_pred == y_true`` elementwise, else 0.0 (no reduction)."""
    t, p = _np(y_true), _np(y_pred)
    if t.dtype != p.dtype:
        p = p.astype(t.dtype)
    return np.equal(t, p).astype(_floatx())


@metric_function()
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``y_true == (y_pred > threshold)``."""
    p = _np(y_pred)
    if p.dtype.kind != "f":
        p = p.astype(_floatx())
    p = (p > np.asarray(threshold, p.dtype)).astype(p.dtype)
    t = _np(y_true, p.dtype)
    return np.mean(np.equal(t, p).astype(_floatx()), axis=-1)


def _sparse_matches(t, p):
    """tf.keras ``sparse_categorical_matches``: ``t`` (integer labels) vs ``argmax(p)``."""
    org_shape = t.shape
    reshape = False
    if t.ndim == p.ndim:
        t = t[..., 0]
        reshape = True
    pred = np.argmax(p, axis=-1).astype(t.dtype)
    matches = np.equal(t, pred).astype(_floatx())
    return matches.reshape(org_shape) if reshape else matches


@metric_function()
def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot targets)."""
    return _sparse_matches(np.argmax(_np(y_true), axis=-1), _np(y_pred))


@metric_function(kind="sparse")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals ``argmax(y_pred)``."""
    matches = _sparse_matches(_np(y_true), _np(y_pred))
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def _top_k_matches(t, p, k):
    """tf ``in_top_k``: the label's score has fewer than ``k`` scores strictly above it (ties
    at the boundary count as in); a non-finite score is never in."""
    org_shape = t.shape
    if p.ndim > 2:
        p = p.reshape(-1, p.shape[-1])
    t = t.reshape(-1).astype("int64")
    n_classes = p.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"Received a label value outside the valid range of [0, {n_classes}): "
            f"{np.unique(t)[:10].tolist()}"
        )
    target = p[np.arange(len(t)), t]
    with np.errstate(invalid="ignore"):
        above = np.sum(p > target[:, None], axis=-1)
    ok = np.isfinite(target) & (above < k) & np.all(np.isfinite(p), axis=-1)
    return ok.astype(_floatx()).reshape(org_shape)


@metric_function()
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's class is among the ``k`` highest predictions."""
    return _top_k_matches(np.argmax(_np(y_true), axis=-1), _np(y_pred), k)


@metric_function(kind="sparse")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the ``k`` highest predictions (output shape is
    the label shape, as in tf.keras)."""
    return _top_k_matches(_np(y_true), _np(y_pred), k)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: +1 for identical directions
    (the metric sign; the loss :func:`kviz.losses.cosine_similarity` is its negative)."""
    out = _losses.cosine_similarity(y_true, y_pred, axis=axis)
    return ops.negative(out)
