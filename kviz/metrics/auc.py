"""AUC: the area under the ROC or precision-recall curve, from confusion counts at fixed
thresholds (tf.keras 2 numerics).

>>> auc = AUC(num_thresholds=3)
>>> auc.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
>>> round(float(auc.result()), 4)
0.75
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.metrics.base import Metric, as_result, to_numpy
from kviz.metrics.confusion import (
    FALSE_NEGATIVES,
    FALSE_POSITIVES,
    TRUE_NEGATIVES,
    TRUE_POSITIVES,
    div_no_nan,
    is_evenly_distributed_thresholds,
    parse_init_thresholds,
    update_confusion_matrix_variables,
)

_CURVES = {"roc": "ROC", "pr": "PR", "pr_gain": "PR_GAIN", "prgain": "PR_GAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC (default) or precision-recall curve, from confusion counts at
    ``num_thresholds`` thresholds (tf.keras 2 approximation).

    ``summation_method``: ``'interpolation'`` (trapezoids for ROC, Davis & Goadrich
    interpolation for PR), ``'minoring'`` or ``'majoring'``. ``multi_label=True``: one curve per
    label column, averaged (weighted by ``label_weights``). ``from_logits``: apply a sigmoid.
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        key = str(curve).lower()
        if key not in _CURVES:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]'
            )
        method = str(summation_method).lower()
        if method not in _SUMMATIONS:
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                '["interpolation", "majoring", "minoring"]'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(parse_init_thresholds(thresholds))
            self.num_thresholds = len(thresholds) + 2
            self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0])
            )
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.curve = _CURVES[key]
        self.summation_method = method
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            label_weights = np.asarray(label_weights, dtype=self._dtype)
            if np.any(label_weights < 0):
                raise ValueError("All values of `label_weights` must be non-negative.")
        self.label_weights = label_weights
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return self._thresholds.tolist()

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            vshape = (self.num_thresholds, self._num_labels)
        else:
            vshape = (self.num_thresholds,)
        self.true_positives = self.add_weight(TRUE_POSITIVES, shape=vshape)
        self.true_negatives = self.add_weight(TRUE_NEGATIVES, shape=vshape)
        self.false_positives = self.add_weight(FALSE_POSITIVES, shape=vshape)
        self.false_negatives = self.add_weight(FALSE_NEGATIVES, shape=vshape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_numpy(y_pred, self._dtype, "prediction")
        if not self._built:
            self._build(y_pred.shape)
        if self.multi_label or self.label_weights is not None:
            n_labels = np.shape(to_numpy(y_true))[-1:]
            expected = self._num_labels if self.multi_label else len(self.label_weights)
            if n_labels != (expected,):
                raise ValueError(
                    f"Number of labels is not consistent: targets of shape "
                    f"{np.shape(to_numpy(y_true))} for {expected} labels"
                )
        if self._from_logits:
            y_pred = (1.0 / (1.0 + np.exp(-y_pred.astype(np.float64)))).astype(self._dtype)
        update_confusion_matrix_variables(
            {
                TRUE_POSITIVES: self.true_positives,
                TRUE_NEGATIVES: self.true_negatives,
                FALSE_POSITIVES: self.false_positives,
                FALSE_NEGATIVES: self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def _by_label(self, values):
        """Sum over thresholds; with multi_label, average the labels (label_weights)."""
        if not self.multi_label:
            return np.sum(values)
        by_label = np.sum(values, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        lw = self.label_weights.astype(np.float64)
        return div_no_nan(np.sum(by_label * lw), np.sum(lw))

    def interpolate_pr_auc(self):
        """Davis & Goadrich interpolation of the PR curve between thresholds."""
        n = self.num_thresholds
        tp = self.true_positives.numpy().astype(np.float64)
        fp = self.false_positives.numpy().astype(np.float64)
        fn = self.false_negatives.numpy().astype(np.float64)
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = div_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both = (p[: n - 1] > 0) & (p[1:] > 0)
        safe_p_ratio = np.where(both, div_no_nan(p[: n - 1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore"):
            log_ratio = np.log(np.where(safe_p_ratio > 0, safe_p_ratio, 1.0))
        increment = div_no_nan(
            prec_slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0)
        )
        return self._by_label(increment)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return as_result(self.interpolate_pr_auc(), self._dtype)
        n = self.num_thresholds
        tp = self.true_positives.numpy().astype(np.float64)
        fp = self.false_positives.numpy().astype(np.float64)
        tn = self.true_negatives.numpy().astype(np.float64)
        fn = self.false_negatives.numpy().astype(np.float64)
        recall = div_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = div_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, div_no_nan(tp, tp + fp)
        else:  # PR_GAIN
            scale = div_no_nan(tp + fn, fp + tn)
            rec_gain = np.where(tp == 0, 0.0, 1.0 - scale * div_no_nan(fn, tp))
            prec_gain = np.where(tp == 0, 1.0, 1.0 - scale * div_no_nan(fp, tp))
            x, y = np.maximum(rec_gain, 0.0), prec_gain
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return as_result(self._by_label((x[: n - 1] - x[1:]) * heights), self._dtype)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        lw = self.label_weights
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if lw is None else lw.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1].tolist()
        return config
