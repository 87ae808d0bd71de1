"""Weight regularizers, as ``tf.keras.regularizers``: the penalty ``l1 * sum|x| + l2 * sum x^2``
(no factor 1/2) added to the loss.

The penalty is computed with :mod:`kviz.ops`, so inside a :class:`~kviz.autodiff.GradientTape`
it is differentiable with respect to a :class:`~kviz.autodiff.Variable`. Factors are stored in
``kviz.config.floatx()`` as Keras does, so ``L2(0.01).get_config()`` shows the float32 value.

>>> import numpy as np
>>> from kviz import regularizers
>>> reg = regularizers.L2(2.0)
>>> float(reg(np.ones((5, 5), 'float32')))
50.0
>>> regularizers.get('l1_l2').get_config()
{'l1': 0.009999999776482582, 'l2': 0.009999999776482582}
>>> regularizers.serialize(regularizers.L1L2(l1=0.5))
{'class_name': 'L1L2', 'config': {'l1': 0.5, 'l2': 0.0}}
"""

from __future__ import annotations

import math

import numpy as np

from kviz import config, ops, registry


def _check_penalty_number(x):
    if isinstance(x, bool) or not isinstance(x, (float, int, np.floating, np.integer)):
        raise ValueError(
            f"Value {x} is not a valid regularization penalty number, expected an int or float "
            "value."
        )
    if math.isinf(x) or math.isnan(x):
        raise ValueError(
            f"Value {x} is not a valid regularization penalty number, an infinite number or NaN "
            "are not valid values."
        )


def _floatx(x):
    return np.dtype(config.floatx()).type(x)


def _dtype_of(x):
    dtype = getattr(x, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(x).dtype


def _l1(x, factor):
    return ops.multiply(ops.sum(ops.abs(x)), factor)


def _l2(x, factor):
    return ops.multiply(ops.sum(ops.square(x)), factor)


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty; subclasses add ``get_config``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))``.

    >>> float(L1L2(l1=1.0, l2=1.0)(np.array([1.0, -2.0])))
    8.0
    """

    def __init__(self, l1=0.0, l2=0.0):
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        _check_penalty_number(l1)
        _check_penalty_number(l2)
        self.l1 = _floatx(l1)
        self.l2 = _floatx(l2)

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = _l1(x, self.l1)
        if self.l2:
            term = _l2(x, self.l2)
            penalty = term if penalty is None else ops.add(penalty, term)
        if penalty is None:
            return np.zeros((), dtype=_dtype_of(x))
        return penalty

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


class L1(Regularizer):
    """``l1 * sum(abs(x))``; ``l=`` is accepted for backward compatibility.

    >>> float(L1(0.5)(np.array([1.0, -3.0])))
    2.0
    """

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l1 = 0.01 if l1 is None else l1
        _check_penalty_number(l1)
        self.l1 = _floatx(l1)

    def __call__(self, x):
        return _l1(x, self.l1)

    def get_config(self):
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """``l2 * sum(square(x))``; ``l=`` is accepted for backward compatibility.

    >>> float(L2(0.5)(np.array([1.0, -3.0])))
    5.0
    """

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l2 = 0.01 if l2 is None else l2
        _check_penalty_number(l2)
        self.l2 = _floatx(l2)

    def __call__(self, x):
        return _l2(x, self.l2)

    def get_config(self):
        return {"l2": float(self.l2)}


def l1_l2(l1=0.01, l2=0.01):
    """An :class:`L1L2` regularizer with both factors (0.01 by default).

    >>> l1_l2(l1=0.5, l2=0.25).get_config()
    {'l1': 0.5, 'l2': 0.25}
    """
    return L1L2(l1=l1, l2=l2)


# tf.keras 2 aliases: ``l1(0.1)`` / ``l1(l=0.1)`` build an L1.
l1 = L1
l2 = L2

_MODULE_OBJECTS = {
    "Regularizer": Regularizer,
    "L1L2": L1L2,
    "L1": L1,
    "L2": L2,
    "l1": L1,
    "l2": L2,
    "l1_l2": l1_l2,
}


def serialize(regularizer):
    """``{'class_name': ..., 'config': ...}`` (None stays None)."""
    return registry.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """A regularizer from a name (``'l1'``, ``'l2'``, ``'l1_l2'``: factors 0.01) or a
    ``{'class_name', 'config'}`` dict.

    >>> deserialize('l2').get_config()
    {'l2': 0.009999999776482582}
    >>> deserialize('foo')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown regularizer: 'foo'. ...
    """
    if config is None:
        return None
    if config == "l1_l2":
        return L1L2(l1=0.01, l2=0.01)
    if isinstance(config, str):
        name, cfg = config, {}
    elif isinstance(config, dict) and "class_name" in config:
        name, cfg = config["class_name"], dict(config.get("config") or {})
    else:
        raise ValueError(f"Could not interpret regularizer identifier: {config}")
    obj = registry.lookup(name, _MODULE_OBJECTS, custom_objects)
    if obj is None:
        raise ValueError(
            f"Unknown regularizer: '{name}'. Please ensure you are using a "
            "`kviz.utils.custom_object_scope` and that this object is included in the scope. "
            f"Built-in regularizers: {sorted(_MODULE_OBJECTS)}"
        )
    if isinstance(obj, type):
        return obj.from_config(cfg) if hasattr(obj, "from_config") else obj(**cfg)
    if isinstance(config, str):
        return obj  # a custom function (``l1_l2`` is handled above)
    return obj(**cfg)


def get(identifier):
    """``None`` -> None; a name or config dict -> a regularizer; a callable -> itself.

    >>> get('l1').get_config()
    {'l1': 0.009999999776482582}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
