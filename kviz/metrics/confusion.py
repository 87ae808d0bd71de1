"""Confusion-matrix metrics: true/false positive/negative counts, Precision and Recall (AUC
is in :mod:`kviz.metrics.auc`), with tf.keras 2 numerics: a prediction strictly above a
threshold counts as positive; evenly spaced thresholds use tf's bucketing, with predictions
clipped to [0, 1].

>>> p = Precision()
>>> p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
>>> round(float(p.result()), 4)
0.6667
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.metrics.base import Metric, as_result, squeeze_or_expand, to_numpy

NEG_INF = -1e10
TRUE_POSITIVES = "true_positives"
FALSE_POSITIVES = "false_positives"
TRUE_NEGATIVES = "true_negatives"
FALSE_NEGATIVES = "false_negatives"


def _to_list(x):
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The thresholds as a list (``default_threshold`` when None); each must be in [0, 1]."""
    if thresholds is not None:
        bad = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in _to_list(default_threshold if thresholds is None else thresholds)]


def is_evenly_distributed_thresholds(thresholds) -> bool:
    """True for ``i / (n - 1)`` thresholds (n >= 3), where tf uses its bucketed update."""
    thresholds = np.asarray(thresholds)
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def _filter_top_k(x, k):
    """Keep the ``k`` largest values of the last axis (earlier index wins ties); the others
    become ``NEG_INF``."""
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=x.dtype)
    np.put_along_axis(mask, idx, 1, axis=-1)
    return x * mask + np.asarray(NEG_INF, x.dtype) * (1 - mask)


def _broadcast(w, shape, what):
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(
            f"{what} of shape {np.shape(w)} cannot be broadcast to the predictions' shape {shape}"
        ) from None


def update_confusion_matrix_variables(
    variables_to_update,
    y_true,
    y_pred,
    thresholds,
    top_k=None,
    class_id=None,
    sample_weight=None,
    multi_label=False,
    label_weights=None,
    thresholds_distributed_evenly=False,
):
    """Add this batch's (weighted) confusion counts per threshold to the given Variables.

    ``variables_to_update`` maps ``'true_positives'``, ``'false_positives'``,
    ``'true_negatives'``, ``'false_negatives'`` to Variables of shape ``(num_thresholds,)``
    (``(num_thresholds, num_labels)`` with ``multi_label``).
    """
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = to_numpy(y_true, dtype, "target")
    y_pred = to_numpy(y_pred, dtype, "prediction")
    if sample_weight is not None:
        sample_weight = to_numpy(sample_weight, dtype, "sample_weight")
    y_pred, y_true, sample_weight = squeeze_or_expand(y_pred, y_true, sample_weight)
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"Shapes {y_pred.shape} and {y_true.shape} are incompatible: the predictions and "
            "the targets of a confusion-matrix metric (Precision, Recall, AUC, TruePositives...) "
            "must have the same shape."
        )
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    thresholds = np.asarray(thresholds, dtype=dtype)
    weights = None
    if sample_weight is not None:
        weights = _broadcast(sample_weight, y_pred.shape, "sample_weight")
    if label_weights is not None and not multi_label:
        lw = _broadcast(np.asarray(label_weights, dtype)[None], y_pred.shape, "label_weights")
        weights = lw if weights is None else weights * lw

    if thresholds_distributed_evenly:
        counts = _counts_bucketed(y_true, y_pred, weights, thresholds, multi_label)
    else:
        counts = _counts_general(y_true, y_pred, weights, thresholds, multi_label)
    for key, var in variables_to_update.items():
        var.assign_add(counts[key].astype(var.dtype))


def _counts_general(y_true, y_pred, weights, thresholds, multi_label):
    if multi_label:
        preds, labels = y_pred[None], (y_true != 0)[None]
        thr = thresholds.reshape(-1, 1, 1)
        w = None if weights is None else weights[None]
    else:
        preds, labels = y_pred.reshape(1, -1), (y_true != 0).reshape(1, -1)
        thr = thresholds.reshape(-1, 1)
        w = None if weights is None else weights.reshape(1, -1)
    pred_pos = preds > thr
    label_pos = np.broadcast_to(labels, pred_pos.shape)

    def count(cond):
        c = cond.astype(y_pred.dtype)
        if w is not None:
            c = c * w
        return c.sum(axis=1)

    return {
        TRUE_POSITIVES: count(label_pos & pred_pos),
        FALSE_POSITIVES: count(~label_pos & pred_pos),
        TRUE_NEGATIVES: count(~label_pos & ~pred_pos),
        FALSE_NEGATIVES: count(label_pos & ~pred_pos),
    }


def _counts_bucketed(y_true, y_pred, weights, thresholds, multi_label):
    """tf's optimized update for evenly spaced thresholds (``ceil(p * (n - 1)) - 1`` buckets
    with predictions clipped to [0, 1])."""
    n = len(thresholds)
    with_epsilon = bool(thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    dtype = y_pred.dtype
    w = np.ones((), dtype) if weights is None else weights.astype(dtype)
    y_pred = np.clip(y_pred, 0.0, 1.0).astype(dtype)
    y_true = (y_true != 0).astype(dtype)
    if not multi_label:
        w = np.broadcast_to(w, y_pred.shape).reshape(-1) if np.ndim(w) else w
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    true_labels = y_true * w
    false_labels = (1.0 - y_true) * w
    buckets = np.ceil(y_pred * dtype.type(n - 1)) - 1
    if with_epsilon:
        buckets = np.maximum(buckets, 0)
    buckets = buckets.astype(np.int64)
    keep = buckets >= 0
    if multi_label:
        labels = np.broadcast_to(np.arange(y_pred.shape[-1]), y_pred.shape)
        tp_b = np.zeros((n, y_pred.shape[-1]), np.float64)
        fp_b = np.zeros_like(tp_b)
        np.add.at(tp_b, (buckets[keep], labels[keep]), true_labels[keep])
        np.add.at(fp_b, (buckets[keep], labels[keep]), false_labels[keep])
        total_true, total_false = true_labels.sum(axis=0), false_labels.sum(axis=0)
    else:
        tp_b = np.bincount(buckets[keep], weights=true_labels[keep], minlength=n)[:n]
        fp_b = np.bincount(buckets[keep], weights=false_labels[keep], minlength=n)[:n]
        total_true, total_false = true_labels.sum(), false_labels.sum()
    tp = np.flip(np.cumsum(np.flip(tp_b, 0), axis=0), 0)
    fp = np.flip(np.cumsum(np.flip(fp_b, 0), axis=0), 0)
    return {
        TRUE_POSITIVES: tp,
        FALSE_POSITIVES: fp,
        TRUE_NEGATIVES: total_false - fp,
        FALSE_NEGATIVES: total_true - tp,
    }


def div_no_nan(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


# ------------------------------------------------------------------------------ counts


class _ConfusionMatrixConditionCount(Metric):
    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {self._condition: self.accumulator},
            y_true,
            y_pred,
            self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
        )

    def result(self):
        acc = self.accumulator.numpy()
        return as_result(acc[0] if len(self.thresholds) == 1 else acc, self._dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of positives predicted positive (``y_pred > threshold``, default 0.5)."""

    _condition = TRUE_POSITIVES


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of negatives predicted positive."""

    _condition = FALSE_POSITIVES


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of negatives predicted negative."""

    _condition = TRUE_NEGATIVES


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of positives predicted negative."""

    _condition = FALSE_NEGATIVES


class _PrecisionRecall(Metric):
    _second = None  # FALSE_POSITIVES for precision, FALSE_NEGATIVES for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_weight(TRUE_POSITIVES, shape=(n,))
        setattr(self, self._second, self.add_weight(self._second, shape=(n,)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {TRUE_POSITIVES: self.true_positives, self._second: getattr(self, self._second)},
            y_true,
            y_pred,
            self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self):
        tp = self.true_positives.numpy()
        r = div_no_nan(tp, tp + getattr(self, self._second).numpy())
        return as_result(r[0] if len(self.thresholds) == 1 else r, self._dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecall):
    """``TP / (TP + FP)``. ``thresholds``: one value (scalar result) or a list (one result
    each); ``top_k``: only the k highest predictions count as positive; ``class_id``: one
    column of a multi-class output."""

    _second = FALSE_POSITIVES


class Recall(_PrecisionRecall):
    """``TP / (TP + FN)`` (same options as :class:`Precision`)."""

    _second = FALSE_NEGATIVES
