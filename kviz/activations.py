"""Activation functions, looked up by name as in ``tf.keras.activations`` (Keras 2).

Every activation is built from :mod:`kviz.ops`, so it works on NumPy arrays (returns an array),
on tape Tensors inside a :class:`~kviz.autodiff.GradientTape` (differentiable) and on symbolic
KerasTensors (adds a graph node).

>>> import numpy as np
>>> from kviz import activations
>>> activations.relu(np.array([-1.0, 0.5, 3.0], 'float32'))
array([0. , 0.5, 3. ], dtype=float32)
>>> activations.get('softmax') is activations.softmax
True
>>> activations.get(None) is activations.linear
True
>>> activations.serialize(activations.tanh)
'tanh'
"""

from __future__ import annotations

import numpy as np

from kviz import ops, registry

__all__ = [
    "relu",
    "elu",
    "selu",
    "softmax",
    "softplus",
    "softsign",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "linear",
    "exponential",
    "swish",
    "gelu",
    "mish",
    "get",
    "serialize",
    "deserialize",
]


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: ``x`` above ``threshold``, ``alpha * (x - threshold)`` below,
    capped at ``max_value``.

    >>> relu(np.array([-2.0, 1.0, 8.0], 'float32'), alpha=0.5, max_value=6.0)
    array([-1.,  1.,  6.], dtype=float32)
    """
    return ops.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    >>> elu(np.array([-1.0, 2.0]), alpha=1.0).round(4)
    array([-0.6321,  2.    ])
    """
    return ops.elu(x, alpha)


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalising constants
    ``alpha = 1.6732632...`` and ``scale = 1.0507009...``.

    >>> float(selu(np.array(1.0)))
    1.0507009873554805
    """
    return ops.selu(x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``. Inputs must have rank >= 2 (as in Keras).

    >>> softmax(np.zeros((1, 4), 'float32'))
    array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
    >>> softmax(np.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: Cannot apply softmax to a tensor that is 1D. Received input: [0. 0. 0.]
    """
    shape = x.shape if hasattr(x, "shape") else np.shape(x)
    if len(shape) <= 1:
        shown = x.data if hasattr(x, "_op") else x
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {shown}")
    return ops.softmax(x, axis=axis)


def softplus(x):
    """``log(exp(x) + 1)``, computed stably.

    >>> softplus(np.array([0.0], 'float32'))
    array([0.6931472], dtype=float32)
    """
    return ops.softplus(x)


def softsign(x):
    """``x / (abs(x) + 1)``.

    >>> softsign(np.array([-1.0, 3.0]))
    array([-0.5 ,  0.75])
    """
    return ops.softsign(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``.

    >>> sigmoid(np.array([0.0], 'float32'))
    array([0.5], dtype=float32)
    """
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid ``clip(0.2 * x + 0.5, 0, 1)`` (Keras 2's definition).

    >>> hard_sigmoid(np.array([-3.0, 0.0, 1.0, 3.0]))
    array([0. , 0.5, 0.7, 1. ])
    """
    return ops.hard_sigmoid(x)


def tanh(x):
    """Hyperbolic tangent.

    >>> tanh(np.array([0.0], 'float32'))
    array([0.], dtype=float32)
    """
    return ops.tanh(x)


def linear(x):
    """The identity; ``activation=None`` means this one. Returns ``x`` itself.

    >>> x = np.ones(2)
    >>> linear(x) is x
    True
    """
    return x


def exponential(x):
    """``exp(x)``.

    >>> exponential(np.array([0.0], 'float32'))
    array([1.], dtype=float32)
    """
    return ops.exponential(x)


def swish(x):
    """``x * sigmoid(x)`` (also known as SiLU).

    >>> swish(np.array([0.0, 1.0])).round(4)
    array([0.    , 0.7311])
    """
    return ops.swish(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit: ``x * P(X <= x)`` for a standard normal ``X``; with
    ``approximate=True`` the tanh approximation.

    >>> gelu(np.array([1.0])).round(4)
    array([0.8413])
    >>> gelu(np.array([1.0]), approximate=True).round(4)
    array([0.8412])
    """
    return ops.gelu(x, approximate=approximate)


def mish(x):
    """``x * tanh(softplus(x))`` (in tf.keras 2 as well).

    >>> mish(np.array([1.0])).round(4)
    array([0.8651])
    """
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


# Names tf.keras 2 also accepts as strings (they come from tf.nn there).
def leaky_relu(x, alpha=0.2):
    """``x`` if ``x >= 0`` else ``alpha * x`` (``tf.nn.leaky_relu``, default ``alpha=0.2``)."""
    return ops.relu(x, alpha=alpha)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return ops.relu(x, max_value=6.0)


def log_softmax(x, axis=-1):
    """``x - log(sum(exp(x)))`` along ``axis``."""
    return ops.log_softmax(x, axis=axis)


silu = swish

_ACTIVATIONS = {
    f.__name__: f
    for f in (
        relu,
        elu,
        selu,
        softmax,
        softplus,
        softsign,
        sigmoid,
        hard_sigmoid,
        tanh,
        linear,
        exponential,
        swish,
        gelu,
        mish,
        leaky_relu,
        relu6,
        log_softmax,
    )
}
_ALIASES = {"silu": swish}
_MODULE_OBJECTS = {**_ACTIVATIONS, **_ALIASES}


def _unknown(name) -> ValueError:
    return ValueError(
        f"Unknown activation function '{name}' cannot be deserialized. Valid names are: "
        f"{sorted(_MODULE_OBJECTS)}. For a custom activation, pass it in `custom_objects` or "
        "use a `kviz.utils.custom_object_scope`."
    )


def serialize(activation):
    """The name of a built-in or named activation; a ``{'class_name', 'config'}`` dict for an
    object with ``get_config`` (such as an activation layer).

    >>> serialize(relu)
    'relu'
    """
    if activation is None:
        return None
    name = getattr(activation, "__name__", None)
    if name is not None and _MODULE_OBJECTS.get(name) is activation:
        return name
    if hasattr(activation, "get_config"):
        return registry.serialize_keras_object(activation)
    if callable(activation) and name is not None and name != "<lambda>":
        return name  # a custom function, found again by name through custom objects
    raise ValueError(f"Unknown activation function '{activation}' cannot be serialized.")


def deserialize(name, custom_objects=None):
    """The activation called ``name`` (custom objects and scopes first), or an object from a
    ``{'class_name', 'config'}`` dict.

    >>> deserialize('sigmoid') is sigmoid
    True
    >>> deserialize("foo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown activation function 'foo' cannot be deserialized. Valid names are: ...
    """
    if isinstance(name, dict) and name.get("class_name") == "function":
        name = name.get("config")  # tf.keras 2.13+ format for plain functions
    if isinstance(name, str):
        fn = registry.lookup(name, _MODULE_OBJECTS, custom_objects)
        if fn is None or not callable(fn):
            raise _unknown(name)
        if isinstance(fn, type):
            fn = fn()
        return fn
    if isinstance(name, dict):
        try:
            return registry.deserialize_keras_object(
                name, _MODULE_OBJECTS, custom_objects, "activation function"
            )
        except ValueError as e:
            if "Unknown" in str(e):
                raise _unknown(name.get("class_name")) from None
            raise
    raise TypeError(f"Could not interpret activation function identifier: {name!r}")


def get(identifier):
    """``None`` -> :func:`linear`; a name or config -> the activation; a callable -> itself.

    >>> get('relu') is relu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")
