"""Metrics, looked up by name as in ``keras.metrics`` (Keras 2 / tf.keras 2).

Metric functions return one value per sample (every loss function is also a metric);
:class:`Metric` classes keep state across batches (``update_state``, ``result``,
``reset_state``). Metrics are computed with NumPy and accept arrays or Tensors.

>>> import numpy as np
>>> from kviz import metrics
>>> metrics.get('mae') is metrics.mean_absolute_error
True
>>> m = metrics.get('AUC')
>>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
>>> round(float(m.result()), 4)
0.75
>>> metrics.get('foo')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: Unknown metric function: 'foo'. ...
"""

from __future__ import annotations

from kviz import registry
from kviz.losses import (
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_proximity,
    hinge,
    huber,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from kviz.metrics.auc import AUC
from kviz.metrics.base import Mean, MeanMetricWrapper, Metric, MetricValue, Reduce, Sum
from kviz.metrics.classes import (
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy,
    SquaredHinge,
    TopKCategoricalAccuracy,
)
from kviz.metrics.confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from kviz.metrics.functions import (
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    cosine_similarity,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from kviz.metrics.resolve import resolve_accuracy, resolve_accuracy_keras22, resolve_accuracy_tf2

acc = accuracy
cosine = cosine_proximity  # Keras 2.2 name (negative similarity, the loss)

_FUNCTIONS = {
    f.__name__: f
    for f in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        cosine_similarity,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        squared_hinge,
        hinge,
        categorical_hinge,
        log_cosh,
        huber,
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        kl_divergence,
        poisson,
    )
}
_ALIASES = {
    "acc": acc,
    "mse": mse,
    "MSE": MSE,
    "mae": mae,
    "MAE": MAE,
    "mape": mape,
    "MAPE": MAPE,
    "msle": msle,
    "MSLE": MSLE,
    "kld": kld,
    "KLD": KLD,
    "kullback_leibler_divergence": kullback_leibler_divergence,
    "logcosh": logcosh,
    "cosine_proximity": cosine_proximity,
    "cosine": cosine,
}
_CLASSES = {
    c.__name__: c
    for c in (
        Metric,
        Reduce,
        Sum,
        Mean,
        MeanMetricWrapper,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        RootMeanSquaredError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        LogCoshError,
        CosineSimilarity,
        AUC,
        Precision,
        Recall,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
    )
}
_MODULE_OBJECTS = {**_FUNCTIONS, **_ALIASES, **_CLASSES}
_ABSTRACT = ("Metric", "Reduce", "MeanMetricWrapper")


def _unknown(name) -> ValueError:
    return ValueError(
        f"Unknown metric function: '{name}'. Please ensure you are using a "
        "`kviz.utils.custom_object_scope` and that this object is included in the scope, or "
        "pass it in `custom_objects`. Valid metric names: "
        f"{sorted(_FUNCTIONS) + sorted(_ALIASES) + ['crossentropy', 'ce']}; classes: "
        f"{sorted(c for c in _CLASSES if c not in _ABSTRACT)}."
    )


def serialize(metric):
    """A function -> its name; a :class:`Metric` -> ``{'class_name', 'config'}``.

    >>> serialize(binary_accuracy)
    'binary_accuracy'
    >>> serialize(BinaryAccuracy(threshold=0.7))
    {'class_name': 'BinaryAccuracy', 'config': {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.7}}
    """
    if metric is None:
        return None
    if isinstance(metric, Metric):
        return registry.serialize_keras_object(metric)
    name = getattr(metric, "__name__", None)
    if name and name != "<lambda>":
        return name
    raise ValueError(f"Cannot serialize metric {metric!r}: give it a name or a get_config()")


def deserialize(config, custom_objects=None):
    """A metric from a name (function names and aliases; class names build a default
    instance) or from a ``{'class_name', 'config'}`` dict."""
    if config is None:
        return None
    if isinstance(config, dict):
        if config.get("class_name") == "function":
            return deserialize(config.get("config"), custom_objects)
        if "class_name" not in config:
            raise ValueError(f"Improper config format for a metric: {config!r}")
        cls = registry.lookup(config["class_name"], _MODULE_OBJECTS, custom_objects)
        if cls is None:
            raise _unknown(config["class_name"])
        if not isinstance(cls, type):
            return cls
        cfg = dict(config.get("config") or {})
        if cls is MeanMetricWrapper and isinstance(cfg.get("fn"), (str, dict)):
            cfg["fn"] = deserialize(cfg["fn"], custom_objects)
        return cls.from_config(cfg) if hasattr(cls, "from_config") else cls(**cfg)
    if isinstance(config, str):
        obj = registry.lookup(config, _MODULE_OBJECTS, custom_objects)
        if obj is None:
            raise _unknown(config)
        return obj() if isinstance(obj, type) else obj
    raise ValueError(f"Could not interpret metric identifier: {config!r}")


def get(identifier):
    """``None`` -> None; a name or config -> the metric; a callable -> itself.

    ``'accuracy'``/``'acc'`` give the elementwise :func:`accuracy` here; ``compile`` picks the
    binary/categorical/sparse version with :func:`resolve_accuracy`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


__all__ = sorted(
    [*_MODULE_OBJECTS]
    + [
        "MetricValue",
        "get",
        "serialize",
        "deserialize",
        "resolve_accuracy",
        "resolve_accuracy_keras22",
        "resolve_accuracy_tf2",
    ]
)
