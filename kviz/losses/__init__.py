"""Loss functions and classes, looked up by name as in ``keras.losses`` (Keras 2 / tf.keras 2).

Functions return one loss per sample; classes (:class:`Loss` subclasses) weight and reduce them
to one number. Everything is built from :mod:`kviz.ops`: it works on arrays, on tape Tensors
(differentiable) and on symbolic KerasTensors.

>>> import numpy as np
>>> from kviz import losses
>>> losses.get('mse') is losses.mean_squared_error
True
>>> y = np.array([[0., 1.]], 'float32'); p = np.array([[0.2, 0.8]], 'float32')
>>> losses.categorical_crossentropy(y, p).round(4)
array([0.2231], dtype=float32)
>>> round(float(losses.CategoricalCrossentropy(label_smoothing=0.1)(y, p)), 4)
0.2925
>>> losses.serialize(losses.BinaryCrossentropy())['class_name']
'BinaryCrossentropy'
>>> losses.get('foo_loss')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: Unknown loss function: 'foo_loss'. ...
"""

from __future__ import annotations

from kviz import registry
from kviz.losses._utils import Reduction, check_shapes, compute_weighted_loss
from kviz.losses.classes import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from kviz.losses.functions import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)

# Keras aliases (tf.keras 2, and Keras 2.2's ``cosine_proximity`` / ``cosine``).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
bce = BCE = binary_crossentropy
cosine_proximity = cosine = cosine_similarity

_FUNCTIONS = {
    f.__name__: f
    for f in (
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        squared_hinge,
        hinge,
        categorical_hinge,
        log_cosh,
        huber,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        binary_crossentropy,
        kl_divergence,
        poisson,
        cosine_similarity,
    )
}
_ALIASES = {
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
    "huber_loss": huber_loss,
    "bce": bce,
    "BCE": BCE,
    "cosine_proximity": cosine_proximity,
    "cosine": cosine,
}
_CLASSES = {
    c.__name__: c
    for c in (
        Loss,
        LossFunctionWrapper,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        Huber,
        LogCosh,
        KLDivergence,
        Poisson,
        CosineSimilarity,
    )
}
_MODULE_OBJECTS = {**_FUNCTIONS, **_ALIASES, **_CLASSES}


def _unknown(name) -> ValueError:
    return ValueError(
        f"Unknown loss function: '{name}'. Please ensure you are using a "
        "`kviz.utils.custom_object_scope` and that this object is included in the scope, or "
        f"pass it in `custom_objects`. Valid loss names: {sorted(_FUNCTIONS) + sorted(_ALIASES)}; "
        f"classes: {sorted(c for c in _CLASSES if c not in ('Loss', 'LossFunctionWrapper'))}."
    )


def serialize(loss):
    """A built-in or named function -> its name; a :class:`Loss` -> ``{'class_name', 'config'}``
    (the Keras 2 ``training_config`` format).

    >>> serialize(mse)
    'mean_squared_error'
    >>> serialize(Huber(delta=2.0))
    {'class_name': 'Huber', 'config': {'reduction': 'auto', 'name': 'huber_loss', 'delta': 2.0, 'fn': 'huber'}}
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return registry.serialize_keras_object(loss)
    name = getattr(loss, "__name__", None)
    if name and name != "<lambda>":
        return name
    raise ValueError(f"Cannot serialize loss {loss!r}: give it a name (def ...) or a get_config()")


def deserialize(name, custom_objects=None):
    """A loss from a name (``'mse'``, ``'categorical_crossentropy'``, ``'Huber'``...) or from a
    ``{'class_name', 'config'}`` dict (Keras 2, or the tf.keras 2.13+/Keras 3 format where
    ``class_name`` is ``'function'``). Class names given as strings build a default instance.
    """
    if name is None:
        return None
    if isinstance(name, dict):
        if name.get("class_name") == "function":
            return deserialize(name.get("config"), custom_objects)
        if "class_name" not in name:
            raise ValueError(f"Improper config format for a loss: {name!r}")
        cls = registry.lookup(name["class_name"], _MODULE_OBJECTS, custom_objects)
        if cls is None:
            raise _unknown(name["class_name"])
        config = dict(name.get("config") or {})
        if not isinstance(cls, type):
            return cls
        if cls is LossFunctionWrapper and isinstance(config.get("fn"), (str, dict)):
            config["fn"] = deserialize(config["fn"], custom_objects)
        elif issubclass(cls, LossFunctionWrapper):
            config.pop("fn", None)
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    if isinstance(name, str):
        obj = registry.lookup(name, _MODULE_OBJECTS, custom_objects)
        if obj is None:
            raise _unknown(name)
        return obj() if isinstance(obj, type) else obj
    raise ValueError(f"Could not interpret loss function identifier: {name!r}")


def get(identifier):
    """``None`` -> None; a name or config -> the loss; a callable -> itself.

    >>> get('kld') is kl_divergence
    True
    >>> type(get('MeanAbsoluteError')).__name__
    'MeanAbsoluteError'
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier}")


def is_categorical_crossentropy(loss) -> bool:
    """True for ``categorical_crossentropy`` as a function, name or class instance."""
    if isinstance(loss, str):
        loss = get(loss)
    if isinstance(loss, LossFunctionWrapper):
        loss = loss.fn
    return loss is categorical_crossentropy


__all__ = sorted(
    [*_MODULE_OBJECTS]
    + [
        "Reduction",
        "check_shapes",
        "compute_weighted_loss",
        "get",
        "serialize",
        "deserialize",
        "is_categorical_crossentropy",
    ]
)
