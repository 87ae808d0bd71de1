"""Stateful metrics: :class:`Metric` accumulates over ``update_state`` calls and reports with
``result()`` (tf.keras 2 semantics, computed with NumPy in the metric's dtype).

>>> import numpy as np
>>> m = Mean()
>>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
>>> float(m.result())
2.0
>>> m.reset_state(); float(m.result())
0.0
"""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor, Variable
from kviz.errors import format_shape
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import to_snake_case, unique_name


class MetricValue(np.ndarray):
    """What ``result()`` returns: a NumPy array (usually 0-d) that also has tf's ``.numpy()``."""

    def numpy(self):
        return np.asarray(self)


def as_result(x, dtype):
    return np.asarray(x, dtype=dtype).view(MetricValue)


def to_numpy(x, dtype=None, what="value"):
    """A concrete NumPy array from an array-like or a Tensor (``.data``)."""
    if isinstance(x, KerasTensor):
        raise TypeError(
            f"Metrics compute on concrete values, but the {what} is the symbolic tensor "
            f"{x.name} (shape {format_shape(x.shape)}). Pass the metric to model.compile(metrics=[...]) "
            "or call it on arrays."
        )
    x = x.data if isinstance(x, Tensor) else x
    x = np.asarray(x)
    return x if dtype is None else x.astype(dtype, copy=False)


def squeeze_or_expand(y_pred, y_true=None, sample_weight=None):
    """tf.keras ``squeeze_or_expand_dimensions`` on NumPy arrays.

    A trailing dim of 1 is dropped from ``y_pred``/``y_true`` when their ranks differ by one;
    ``sample_weight`` is squeezed or expanded by one dim to match ``y_pred``'s rank.
    """
    if y_true is not None:
        pr, tr = y_pred.ndim, y_true.ndim
        if pr - tr == 1 and y_pred.shape[-1] == 1:
            y_pred = y_pred[..., 0]
        elif tr - pr == 1 and y_true.shape[-1] == 1:
            y_true = y_true[..., 0]
    if sample_weight is None or sample_weight.ndim == 0:
        return y_pred, y_true, sample_weight
    if sample_weight.ndim - y_pred.ndim == 1 and sample_weight.shape[-1] == 1:
        sample_weight = sample_weight[..., 0]
    elif y_pred.ndim - sample_weight.ndim == 1:
        sample_weight = sample_weight[..., None]
    return y_pred, y_true, sample_weight


def align_targets(y_true, y_pred):
    """``(n,)`` targets with ``(n, 1)`` outputs get a trailing 1 (and the reverse), so that
    metric functions compare sample by sample (Keras 2.2 expanded the targets this way)."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1:] == (1,):
        return y_true[..., None]
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1:] == (1,):
        return y_true[..., 0]
    return y_true


class Metric:
    """Base class of stateful metrics.

    Subclasses create state with :meth:`add_weight` in ``__init__`` and implement
    ``update_state(...)`` and ``result()``. ``m(y_true, y_pred)`` updates and returns the
    result. ``reset_state()`` (Keras 2.2/TF<2.5: ``reset_states()``) zeroes the state.
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._dtype = np.dtype(dtype or config.floatx()).name
        self._variables: list[Variable] = []
        self.stateful = True
        self.built = True
        self.trainable = False

    @property
    def dtype(self):
        return self._dtype

    def add_weight(self, name, shape=(), dtype=None, initializer="zeros", **kwargs):
        """A non-trainable state Variable (``'zeros'`` or ``'ones'``, or a callable(shape))."""
        dtype = dtype or self._dtype
        shape = tuple(shape or ())
        if callable(initializer):
            value = np.asarray(initializer(shape), dtype=dtype)
        elif initializer in ("zeros", None):
            value = np.zeros(shape, dtype=dtype)
        elif initializer == "ones":
            value = np.ones(shape, dtype=dtype)
        else:
            raise ValueError(f"add_weight: unsupported initializer {initializer!r}")
        v = Variable(value, name=f"{name}:0", dtype=dtype, trainable=False)
        self._variables.append(v)
        return v

    @property
    def variables(self):
        return list(self._variables)

    weights = non_trainable_weights = non_trainable_variables = variables

    @property
    def trainable_weights(self):
        return []

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    def reset_states(self):
        """Keras 2.2 / early tf.keras 2 name of :meth:`reset_state`."""
        return self.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("Must be implemented in subclasses.")

    def result(self):
        raise NotImplementedError("Must be implemented in subclasses.")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _broadcastable(weights, values) -> bool:
    """tf ``broadcast_weights``: a scalar, or the same rank with each dim 1 or equal."""
    if weights.ndim == 0:
        return True
    return weights.ndim == values.ndim and all(
        w in (1, v) for w, v in zip(weights.shape, values.shape, strict=True)
    )


SUM, SUM_OVER_BATCH_SIZE, WEIGHTED_MEAN = "sum", "sum_over_batch_size", "weighted_mean"


class Reduce(Metric):
    """Accumulates ``values`` (optionally weighted) with a sum or a (weighted) mean."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if reduction not in (SUM, SUM_OVER_BATCH_SIZE, WEIGHTED_MEAN):
            raise ValueError(
                f'Reduction "{reduction}" not implemented. Expected "sum", "weighted_mean", or '
                '"sum_over_batch_size".'
            )
        self.reduction = reduction
        self.total = self.add_weight("total")
        if reduction != SUM:
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        values = to_numpy(values, what="metric value")
        if values.dtype == object:
            raise RuntimeError(
                f"The output of a metric function can only be a single array. Received: {values}"
            )
        values = values.astype(self._dtype, copy=False)
        if sample_weight is not None:
            sample_weight = to_numpy(sample_weight, self._dtype, "sample_weight")
            values, _, sample_weight = squeeze_or_expand(values, sample_weight=sample_weight)
            if _broadcastable(sample_weight, values):
                sample_weight = np.broadcast_to(sample_weight, values.shape)
            else:
                # weights for the leading dims only: reduce the values down to them (as tf)
                axes = tuple(range(sample_weight.ndim, values.ndim))
                values = values.sum(axis=axes) if self.reduction == SUM else values.mean(axis=axes)
            try:
                values = values * sample_weight
            except ValueError:
                raise ValueError(
                    f"{self.name}: sample_weight of shape {sample_weight.shape} does not "
                    f"match the values of shape {values.shape}"
                ) from None
        self.total.assign_add(np.sum(values, dtype=self._dtype))
        if self.reduction == SUM:
            return
        if self.reduction == WEIGHTED_MEAN and sample_weight is not None:
            n = np.sum(sample_weight, dtype=self._dtype)
        else:
            n = values.size
        self.count.assign_add(np.asarray(n, dtype=self._dtype))

    def result(self):
        total = self.total.numpy()
        if self.reduction == SUM:
            return as_result(total, self._dtype)
        count = self.count.numpy()
        return as_result(total / count if count != 0 else 0.0, self._dtype)


class Sum(Reduce):
    """The (weighted) sum of every value seen.

    >>> s = Sum(); s.update_state([1, 3, 5, 7]); float(s.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(SUM, name=name, dtype=dtype)


class Mean(Reduce):
    """The weighted mean ``sum(w * v) / sum(w)`` of every value seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(WEIGHTED_MEAN, name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """The weighted mean of ``fn(y_true, y_pred, **kwargs)`` (per-sample values).

    >>> from kviz.losses import mean_absolute_error
    >>> m = MeanMetricWrapper(mean_absolute_error, name='mae')
    >>> float(m([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_numpy(y_true, self._dtype, "target")
        y_pred = to_numpy(y_pred, self._dtype, "prediction")
        y_true = align_targets(y_true, y_pred)
        matches = to_numpy(self._fn(y_true, y_pred, **self._fn_kwargs), what="metric value")
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is not None:
            valid = y_true.astype("int64") != int(ignore)
            if valid.ndim == matches.ndim + 1 and valid.shape[-1] == 1:
                valid = valid[..., 0]
            valid = valid.astype(self._dtype)
            if sample_weight is None:
                sample_weight = valid
            else:
                sw = to_numpy(sample_weight, self._dtype, "sample_weight")
                _, _, sw = squeeze_or_expand(matches, sample_weight=sw)
                sample_weight = sw * valid
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        for k, v in self._fn_kwargs.items():
            config[k] = to_numpy(v).tolist() if hasattr(v, "shape") else v
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            if isinstance(fn, (str, dict)):
                from kviz.metrics import get

                fn = get(fn)
            return cls(fn, **config)
        return cls(**config)
