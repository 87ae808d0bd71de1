"""Weight constraints, as ``tf.keras.constraints``: projections applied to a weight after each
optimizer update.

A constraint is called on a NumPy array (or a Variable, whose value is used) and returns a new
NumPy array of the same dtype; no gradient flows through it. ``epsilon`` is
``kviz.config.epsilon()``, as Keras uses ``K.epsilon()``.

>>> import numpy as np
>>> from kviz import constraints
>>> w = np.array([[3.0, 0.0], [4.0, 1.0]], 'float32')
>>> constraints.MaxNorm(2.0)(w).round(4)
array([[1.2, 0. ],
       [1.6, 1. ]], dtype=float32)
>>> constraints.get('non_neg')(np.array([-1.0, 2.0]))
array([0., 2.])
>>> constraints.serialize(constraints.UnitNorm(axis=1))
{'class_name': 'UnitNorm', 'config': {'axis': 1}}
"""

from __future__ import annotations

import numpy as np

from kviz import config, registry


def _array(w):
    w = w.data if hasattr(w, "_op") else w
    w = np.asarray(w)
    return w if w.dtype.kind == "f" else w.astype(config.floatx())


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=_axis(axis), keepdims=True))


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight (the identity here)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale the slices along ``axis`` whose L2 norm exceeds ``max_value``.

    For a Dense kernel ``(input_dim, units)`` the default ``axis=0`` constrains each unit's
    incoming weight vector.

    >>> MaxNorm(1.0)(np.array([[3.0], [4.0]])).round(4)
    array([[0.6],
           [0.8]])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (config.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero.

    >>> NonNeg()(np.array([-0.5, 0.5], 'float32'))
    array([0. , 0.5], dtype=float32)
    """

    def __call__(self, w):
        w = _array(w)
        return np.where(w >= 0, w, w.dtype.type(0))


class UnitNorm(Constraint):
    """Divide the slices along ``axis`` by their L2 norm (plus epsilon).

    >>> UnitNorm()(np.array([[3.0], [4.0]])).round(4)
    array([[0.6],
           [0.8]])
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        return (w / (config.epsilon() + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the norms of the slices along ``axis`` into ``[min_value, max_value]``:
    ``norm' = rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.

    >>> MinMaxNorm(min_value=1.0, max_value=2.0)(np.array([[0.3], [0.4]])).round(4)
    array([[0.6],
           [0.8]])
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = (
            self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        )
        return (w * (desired / (config.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class RadialConstraint(Constraint):
    """Make each 2-D kernel of a ``(height, width, channels, filters)`` conv weight constant on
    concentric square rings, reproducing tf.keras 2's algorithm exactly (square kernels).

    >>> w = np.arange(9, dtype='float32').reshape(3, 3, 1, 1)
    >>> RadialConstraint()(w)[:, :, 0, 0]
    array([[4., 4., 4.],
           [4., 0., 4.],
           [4., 4., 4.]], dtype=float32)
    """

    def __call__(self, w):
        w = _array(w)
        if w.ndim != 4:
            raise ValueError(
                f"The weight tensor must have rank 4. Received weight tensor with shape: {w.shape}"
            )
        height, width, channels, kernels = w.shape
        flat = w.reshape(height, width, channels * kernels)
        out = np.stack([self._kernel(flat[:, :, i]) for i in range(flat.shape[-1])], axis=-1)
        return out.reshape(w.shape).astype(w.dtype, copy=False)

    @staticmethod
    def _kernel(kernel):
        size = kernel.shape[0]
        start = size // 2
        value = kernel[start - 1, start - 1]
        new = np.full((1, 1) if size % 2 else (2, 2), value, dtype=kernel.dtype)
        for i in range(0 if size % 2 else 1, start):
            new = np.pad(new, 1, constant_values=kernel[start + i, start + i])
        return new


# snake_case aliases, as in tf.keras 2
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint
maxnorm = max_norm
nonneg = non_neg
unitnorm = unit_norm

_CLASSES = (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm, RadialConstraint)
_MODULE_OBJECTS = {c.__name__: c for c in _CLASSES}
_MODULE_OBJECTS.update(
    {
        "max_norm": MaxNorm,
        "non_neg": NonNeg,
        "unit_norm": UnitNorm,
        "min_max_norm": MinMaxNorm,
        "radial_constraint": RadialConstraint,
        "maxnorm": MaxNorm,
        "nonneg": NonNeg,
        "unitnorm": UnitNorm,
    }
)


def serialize(constraint):
    """``{'class_name': ..., 'config': ...}`` (None stays None)."""
    return registry.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """A constraint from a name or a ``{'class_name', 'config'}`` dict.

    >>> deserialize({'class_name': 'MaxNorm', 'config': {'max_value': 3, 'axis': 0}})
    MaxNorm(max_value=3, axis=0)
    >>> deserialize('foo')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown constraint: 'foo'. ...
    """
    if config is None:
        return None
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret constraint function identifier: {config}")
    name = config["class_name"]
    obj = registry.lookup(name, _MODULE_OBJECTS, custom_objects)
    if obj is None:
        raise ValueError(
            f"Unknown constraint: '{name}'. Please ensure you are using a "
            "`kviz.utils.custom_object_scope` and that this object is included in the scope. "
            f"Built-in constraints: {sorted(_MODULE_OBJECTS)}"
        )
    if not isinstance(obj, type):
        return obj  # a custom function
    return obj.from_config(dict(config.get("config") or {}))


def get(identifier):
    """``None`` -> None; a name or config dict -> a constraint; a callable -> itself.

    >>> get('max_norm')
    MaxNorm(max_value=2, axis=0)
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint function identifier: {identifier}")
