"""Shared machinery of the loss functions: value/shape helpers, target/output shape checks,
symbolic dispatch, and sample weighting with reductions (tf.keras 2 ``losses_utils``).

>>> import numpy as np
>>> compute_weighted_loss(np.array([1.0, 3.0], 'float32'), np.array([1.0, 0.0]))
array(0.5, dtype=float32)
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from kviz import config, ops
from kviz.autodiff.tensor import Tensor
from kviz.errors import format_shape
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import unique_name


class Reduction:
    """How :class:`~kviz.losses.Loss` reduces per-sample losses (``tf.keras.losses.Reduction``).

    * ``'auto'`` / ``'sum_over_batch_size'``: weighted sum divided by the number of elements;
    * ``'sum'``: weighted sum;
    * ``'none'``: the weighted per-sample losses.
    """

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


# ------------------------------------------------------------------------------ values


def raw(x):
    """The NumPy value behind a Tensor; anything else unchanged."""
    return x.data if isinstance(x, Tensor) else x


def shape_of(x) -> tuple:
    """Static shape, with None for the unknown dims of symbolic tensors."""
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(np.shape(raw(x)))


def as_value(x, dtype=None):
    """Arrays and Tensors pass through; lists and Python numbers become arrays (floatx)."""
    if isinstance(x, (Tensor, np.ndarray, np.generic, KerasTensor)):
        return x
    return np.asarray(x, dtype=dtype or config.floatx())


def float_pred(y_pred):
    """``y_pred`` as a float array/Tensor (integers become floatx)."""
    y_pred = as_value(y_pred)
    if np.dtype(raw(y_pred).dtype).kind != "f":
        return ops.cast(y_pred, config.floatx())
    return y_pred


def cast_like(y_true, y_pred):
    """``y_true`` cast to the float dtype of ``y_pred`` (as ``tf.cast(y_true, y_pred.dtype)``)."""
    y_true = as_value(y_true, raw(y_pred).dtype)
    if raw(y_true).dtype != raw(y_pred).dtype:
        y_true = ops.cast(y_true, raw(y_pred).dtype.name)
    return y_true


# ------------------------------------------------------------------------- shape checks


def _compatible(a, b) -> bool:
    return len(a) == len(b) and all(
        x is None or y is None or x == y for x, y in zip(a, b, strict=True)
    )


def _hint(fn_name, ts, ps) -> str:
    t_last = ts[-1] if ts else None
    p_last = ps[-1] if ps else None
    if p_last is not None and p_last > 1 and (len(ts) == len(ps) - 1 or t_last == 1):
        return (
            f" The targets look like integer class labels while the model outputs {p_last} "
            "values per sample: use loss='sparse_categorical_crossentropy' (integer labels), "
            f"or one-hot encode the targets with kviz.utils.to_categorical(y, {p_last})."
        )
    if p_last == 1 and t_last is not None and t_last > 1 and len(ts) == len(ps):
        return (
            f" The model outputs 1 value per sample but the targets have {t_last} columns: "
            f"end the model with Dense({t_last}, ...) (softmax for one-hot classes), or give "
            "integer labels with sparse_categorical_crossentropy."
        )
    return (
        " The last layer's output shape must match the targets' shape (Keras 2.2 said: "
        "'Error when checking target: expected ... to have shape ...')."
    )


def check_shapes(fn_name, y_true, y_pred, kind="dense"):
    """Validate ``y_true`` against ``y_pred`` before computing; return the fix to apply to
    ``y_true``: None, ``'expand'`` (add a trailing 1), ``'squeeze'`` (drop a trailing 1) or
    ``'broadcast'`` (a scalar target).

    ``kind='dense'``: same shape, or a rank differing by one through a trailing dim of 1
    (``(n,)`` targets with ``(n, 1)`` outputs are expanded, as Keras 2.2 did, so the loss stays
    per sample). ``kind='sparse'``: integer labels of shape ``y_pred.shape[:-1]`` (or with a
    trailing 1).
    """
    ts, ps = shape_of(y_true), shape_of(y_pred)
    if kind == "sparse":
        if (len(ts) == len(ps) - 1 and _compatible(ts, ps[:-1])) or (
            len(ts) == len(ps) and ts[-1:] in ((1,), (None,)) and _compatible(ts[:-1], ps[:-1])
        ):
            return None
        hint = (
            " The targets look one-hot encoded: use loss='categorical_crossentropy', or pass "
            "integer labels (np.argmax(y, axis=-1))."
            if _compatible(ts, ps)
            else ""
        )
        raise ValueError(
            f"{fn_name}: expected integer targets of shape {format_shape(ps[:-1])} (or "
            f"{format_shape(ps[:-1] + (1,))}) for outputs of shape {format_shape(ps)}; "
            f"received targets of shape {format_shape(ts)}.{hint}"
        )
    if _compatible(ts, ps):
        return None
    if len(ts) == 0:
        return "broadcast"
    if len(ts) == len(ps) - 1 and ps[-1] == 1 and _compatible(ts, ps[:-1]):
        return "expand"
    if len(ts) == len(ps) + 1 and ts[-1] == 1 and _compatible(ts[:-1], ps):
        return "squeeze"
    raise ValueError(
        f"{fn_name}: y_true and y_pred have incompatible shapes (Shapes {format_shape(ts)} and "
        f"{format_shape(ps)} are incompatible): received targets (y_true) of shape "
        f"{format_shape(ts)} and predictions (y_pred) of shape {format_shape(ps)}."
        + _hint(fn_name, ts, ps)
    )


def apply_fix(y_true, y_pred, fix):
    if fix is None:
        return y_true
    if fix == "expand":
        return ops.expand_dims(as_value(y_true), -1)
    if fix == "squeeze":
        return ops.squeeze(as_value(y_true), -1)
    if fix == "broadcast":
        y_true = as_value(y_true, raw(y_pred).dtype)
        return ops.broadcast_to(y_true, np.shape(raw(y_pred)))
    raise ValueError(f"unknown shape fix {fix!r}")


# --------------------------------------------------------------------------- dispatch


def has_symbolic(*values) -> bool:
    return any(isinstance(v, KerasTensor) for v in values)


def run_symbolic(fn, symbol, *args, **kwargs):
    """Run ``fn`` as one graph node (an :class:`~kviz.ops.OpLambda` named ``symbol``)."""
    node = ops.OpLambda(fn, name=unique_name(symbol))
    node.symbol = symbol
    return node(*args, **kwargs)


def loss_function(kind="dense"):
    """Decorator for a built-in loss ``impl(y_true, y_pred, **params)``.

    The public function checks shapes first (symbolic shapes included, so errors name
    ``None`` dims), applies the shape fix, and runs as one graph node on KerasTensors.
    """

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
                    body, f"kviz.losses.{name}", y_true, y_pred, *args, _fix=fix, **kwargs
                )
            return body(y_true, y_pred, *args, _fix=fix, **kwargs)

        public.__kviz_loss__ = True
        return public

    return deco


def warn_single_unit(fn_name, y_pred):
    ps = shape_of(y_pred)
    if ps and ps[-1] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={format_shape(ps)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


# ----------------------------------------------------------------------- weighting


def _adjust_weight_rank(losses_ndim, sample_weight):
    """tf.keras ``squeeze_or_expand_dimensions`` for the sample weights."""
    w_ndim = np.ndim(raw(sample_weight))
    if w_ndim == 0:
        return sample_weight
    if w_ndim - losses_ndim == 1 and np.shape(raw(sample_weight))[-1] == 1:
        return ops.squeeze(sample_weight, -1)
    if losses_ndim - w_ndim == 1:
        return ops.expand_dims(sample_weight, -1)
    return sample_weight


def _weighted_loss(losses, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    losses = as_value(losses)
    if np.dtype(raw(losses).dtype).kind != "f":
        losses = ops.cast(losses, "float32")
    dtype = raw(losses).dtype
    if mask is not None:
        m = np.asarray(raw(mask)).astype(dtype)
        if reduction == Reduction.SUM_OVER_BATCH_SIZE and m.sum() > 0:
            m = m * (m.size / m.sum())
        sample_weight = (
            m
            if sample_weight is None
            else ops.multiply(
                _adjust_weight_rank(np.ndim(raw(losses)), cast_like(sample_weight, losses)), m
            )
        )
    if sample_weight is None:
        weighted = losses
    else:
        sample_weight = cast_like(sample_weight, losses)
        sample_weight = _adjust_weight_rank(np.ndim(raw(losses)), sample_weight)
        ls, ws = np.shape(raw(losses)), np.shape(raw(sample_weight))
        try:
            np.broadcast_shapes(ls, ws)
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {format_shape(ws)} cannot be broadcast to the "
                f"per-sample losses of shape {format_shape(ls)}; give one weight per sample "
                f"(shape {format_shape(ls[:1])}) or one per loss element."
            ) from None
        weighted = ops.multiply(losses, sample_weight)
    if reduction == Reduction.NONE:
        return weighted
    total = ops.sum(weighted)
    if reduction == Reduction.SUM:
        return total
    n = int(np.size(raw(weighted)))
    return ops.divide(total, np.asarray(n, dtype=dtype)) if n else ops.multiply(total, 0.0)


def compute_weighted_loss(losses, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weight per-sample ``losses`` and reduce them (tf.keras 2 semantics).

    ``'sum_over_batch_size'`` (and ``'auto'``) give ``sum(w * l) / number of elements`` (not
    ``/ sum(w)``; Keras 2.2 divided by the count of non-zero weights). ``sample_weight`` may be
    a scalar, one weight per sample, or one per loss element; a trailing dim of 1 is squeezed.
    ``mask`` (from ``ignore_class``) removes elements; the mean is then over the others.
    """
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    if has_symbolic(losses, sample_weight, mask):
        return run_symbolic(
            _weighted_loss,
            "kviz.losses.compute_weighted_loss",
            losses,
            sample_weight,
            mask,
            reduction=reduction,
        )
    return _weighted_loss(losses, sample_weight, mask, reduction=reduction)
