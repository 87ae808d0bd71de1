"""Loss classes (tf.keras 2): a :class:`Loss` holds its options and a reduction, and calling it
gives one number for the batch.

>>> import numpy as np
>>> y_true = np.array([[0., 1.], [0., 0.]], 'float32')
>>> y_pred = np.array([[1., 1.], [1., 0.]], 'float32')
>>> MeanSquaredError()(y_true, y_pred)
array(0.5, dtype=float32)
>>> MeanSquaredError(reduction='sum')(y_true, y_pred, sample_weight=np.array([0.7, 0.3]))
array(0.5, dtype=float32)
>>> MeanSquaredError(reduction='none')(y_true, y_pred)
array([0.5, 0.5], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.losses import functions as F
from kviz.losses._utils import Reduction, compute_weighted_loss, raw, shape_of


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-sample losses.

    ``__call__(y_true, y_pred, sample_weight=None)`` weights them and reduces with
    ``reduction``: ``'auto'``/``'sum_over_batch_size'`` (``sum(w * l) / n``), ``'sum'`` or
    ``'none'``.
    """

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(y_true, y_pred)
        mask = self._valid_mask(y_true, y_pred)
        return compute_weighted_loss(losses, sample_weight, self._get_reduction(), mask=mask)

    def call(self, y_true, y_pred):
        raise NotImplementedError("Must be implemented in subclasses.")

    def _valid_mask(self, y_true, y_pred):
        """Elements to keep (None: all); used by ``ignore_class``."""
        return None

    def _get_reduction(self):
        return Reduction.SUM_OVER_BATCH_SIZE if self.reduction == Reduction.AUTO else self.reduction

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _fn_name(fn):
    return getattr(fn, "__name__", None)


def _align_custom(y_true, y_pred):
    """For user functions: ``(n,)`` targets with ``(n, 1)`` outputs get a trailing 1 (and
    the reverse), so that ``y_pred - y_true`` does not silently broadcast to ``(n, n)``."""
    ts, ps = shape_of(y_true), shape_of(y_pred)
    if len(ts) == len(ps) - 1 and ps and ps[-1] == 1 and ts == ps[:-1]:
        return ops.expand_dims(y_true if not isinstance(y_true, list) else np.asarray(y_true), -1)
    if len(ts) == len(ps) + 1 and ts and ts[-1] == 1 and ts[:-1] == ps:
        return ops.squeeze(y_true, -1)
    return y_true


class LossFunctionWrapper(Loss):
    """A :class:`Loss` around ``fn(y_true, y_pred, **kwargs)``.

    >>> LossFunctionWrapper(F.mean_absolute_error, name='mae').get_config()
    {'reduction': 'auto', 'name': 'mae', 'fn': 'mean_absolute_error'}
    """

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if not getattr(self.fn, "__kviz_loss__", False):
            y_true = _align_custom(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        for k, v in self._fn_kwargs.items():
            config[k] = np.asarray(raw(v)).tolist() if hasattr(v, "shape") else v
        config["fn"] = _fn_name(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            if isinstance(fn, (str, dict)):
                from kviz.losses import get

                fn = get(fn)
            return cls(fn, **config)
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors (``'mse'``)."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_error"):
        super().__init__(F.mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (``'mae'``)."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_error"):
        super().__init__(F.mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """``100 * mean(|(y - p) / y|)`` (``'mape'``)."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_percentage_error"):
        super().__init__(F.mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean of squared log errors (``'msle'``)."""

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_logarithmic_error"):
        super().__init__(F.mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy for 0/1 targets (one sigmoid unit per label).

    >>> BinaryCrossentropy(from_logits=True).get_config()['from_logits']
    True
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=Reduction.AUTO,
        name="binary_crossentropy",
    ):
        super().__init__(
            F.binary_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot targets (a softmax output)."""

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=Reduction.AUTO,
        name="categorical_crossentropy",
    ):
        super().__init__(
            F.categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels. With ``ignore_class``, those labels are left
    out and (for ``'auto'``/``'sum_over_batch_size'``) the mean is over the others."""

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction=Reduction.AUTO,
        name="sparse_categorical_crossentropy",
    ):
        super().__init__(
            F.sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _valid_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        t = np.asarray(raw(y_true))
        if t.ndim == len(shape_of(y_pred)) and t.ndim and t.shape[-1] == 1:
            t = t[..., 0]
        return t.astype("int64") != int(self.ignore_class)


class Hinge(LossFunctionWrapper):
    """Hinge loss for -1/1 (or 0/1) targets."""

    def __init__(self, reduction=Reduction.AUTO, name="hinge"):
        super().__init__(F.hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss for -1/1 (or 0/1) targets."""

    def __init__(self, reduction=Reduction.AUTO, name="squared_hinge"):
        super().__init__(F.squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """Hinge loss for one-hot targets."""

    def __init__(self, reduction=Reduction.AUTO, name="categorical_hinge"):
        super().__init__(F.categorical_hinge, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond."""

    def __init__(self, delta=1.0, reduction=Reduction.AUTO, name="huber_loss"):
        super().__init__(F.huber, reduction=reduction, name=name, delta=delta)


class LogCosh(LossFunctionWrapper):
    """``log(cosh(error))``: like MSE/2 for small errors, like MAE for large ones."""

    def __init__(self, reduction=Reduction.AUTO, name="log_cosh"):
        super().__init__(F.log_cosh, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence ``sum(y log(y / p))``."""

    def __init__(self, reduction=Reduction.AUTO, name="kl_divergence"):
        super().__init__(F.kl_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """Poisson loss ``mean(p - y log(p))`` for count targets."""

    def __init__(self, reduction=Reduction.AUTO, name="poisson"):
        super().__init__(F.poisson, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity (so that minimising it aligns the vectors)."""

    def __init__(self, axis=-1, reduction=Reduction.AUTO, name="cosine_similarity"):
        super().__init__(F.cosine_similarity, reduction=reduction, name=name, axis=axis)
