"""Cross-entropies in ``K``: Keras 2 (tf.keras 2.x) numerics, differentiable, symbolic-ready.

>>> import numpy as np
>>> y = np.array([[0., 1.]], 'float32')
>>> p = np.array([[0.2, 0.8]], 'float32')
>>> round(float(categorical_crossentropy(y, p)[0]), 4)
0.2231
"""

from __future__ import annotations

import numpy as np

from kviz import config, ops


def _raw(x):
    return x.data if hasattr(x, "_op") else x


@ops.op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log(output))`` over ``axis``; outputs renormalised and clipped."""
    ts, os = np.shape(_raw(target)), np.shape(_raw(output))
    if ts != os:
        raise ValueError(
            f"Shapes {ts} and {os} are incompatible: categorical_crossentropy needs one-hot "
            "targets with the same shape as the output. For integer class labels use "
            "sparse_categorical_crossentropy, or convert them with kviz.utils.to_categorical."
        )
    if from_logits:
        return ops.negative(
            ops.sum(ops.multiply(target, ops.log_softmax(output, axis=axis)), axis=axis)
        )
    eps = config.epsilon()
    output = ops.divide(output, ops.sum(output, axis=axis, keepdims=True))
    output = ops.clip(output, eps, 1.0 - eps)
    return ops.negative(ops.sum(ops.multiply(target, ops.log(output)), axis=axis))


@ops.op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy with integer class targets (shape ``(n,)`` or ``(n, 1)``)."""
    out_shape = np.shape(_raw(output))
    t = np.asarray(_raw(target))
    if t.ndim == len(out_shape) and t.shape[-1] == 1:
        t = t[..., 0]
    if t.shape != out_shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy needs integer targets of shape "
            f"{out_shape[:-1]} (or with a trailing 1) for outputs of shape {out_shape}; "
            f"received targets of shape {np.shape(_raw(target))}. One-hot targets need "
            "categorical_crossentropy."
        )
    t = t.astype("int64")
    n_classes = out_shape[-1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"Received a label value of {int(t.max()) if t.max() >= n_classes else int(t.min())} "
            f"which is outside the valid range of [0, {n_classes}). Label values: "
            f"{np.unique(t)[:10].tolist()}"
        )
    if axis not in (-1, len(out_shape) - 1):
        raise ValueError("sparse_categorical_crossentropy supports only axis=-1")
    if from_logits:
        logp = ops.log_softmax(output, axis=-1)
    else:
        eps = config.epsilon()
        p = ops.divide(output, ops.sum(output, axis=-1, keepdims=True))
        logp = ops.log(ops.clip(p, eps, 1.0 - eps))
    picked = (
        ops.take_along_axis(logp, t[..., None], axis=-1)
        if hasattr(ops, "take_along_axis")
        else ops.sum(
            ops.multiply(logp, np.eye(n_classes, dtype=np.asarray(_raw(output)).dtype)[t]),
            axis=-1,
            keepdims=True,
        )
    )
    return ops.negative(ops.squeeze(picked, axis=-1))


@ops.op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (tf.keras 2 numerics: clip, then log(p + eps))."""
    ts, os = np.shape(_raw(target)), np.shape(_raw(output))
    if ts != os:
        raise ValueError(
            "binary_crossentropy: `target` and `output` must have the same shape; received "
            f"target {ts} and output {os}"
        )
    if from_logits:
        # max(x, 0) - x * z + log(1 + exp(-|x|))
        return ops.add(
            ops.subtract(ops.relu(output), ops.multiply(output, target)),
            ops.softplus(ops.negative(ops.abs(output))),
        )
    eps = config.epsilon()
    p = ops.clip(output, eps, 1.0 - eps)
    bce = ops.add(
        ops.multiply(target, ops.log(ops.add(p, eps))),
        ops.multiply(ops.subtract(1.0, target), ops.log(ops.add(ops.subtract(1.0, p), eps))),
    )
    return ops.negative(bce)
