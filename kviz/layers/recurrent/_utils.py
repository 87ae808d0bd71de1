"""Helpers shared by the recurrent layers and the wrappers: state sizes, Keras 1 arguments,
dropout masks, fused activation names and (de)serialization of nested layers."""

from __future__ import annotations

import numpy as np

from kviz import activations, config, registry
from kviz.autodiff.tensor import Tensor
from kviz.layers.base import Layer
from kviz.layers.legacy import convert_legacy_kwargs
from kviz.ops.rnn import rnn_activation_code

# Keras 1 -> Keras 2 argument names of the recurrent layers (Keras 2.2's
# ``legacy_recurrent_support``), plus the constraints of Keras 1's W/U/b naming.
LEGACY_RNN_KWARGS = {
    "output_dim": "units",
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation",
    "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
    "consume_less": "implementation",
}
_CONSUME_LESS = {"cpu": 0, "mem": 1, "gpu": 2}


def convert_legacy_rnn_kwargs(name, kwargs):
    """Keras 1 recurrent arguments -> Keras 2 (warning once), as Keras 2.2 did.

    ``forget_bias_init='one'`` becomes ``unit_forget_bias=True`` (any other value is ignored
    with a warning); ``input_dim``/``input_length`` become ``input_shape``.
    """
    import warnings

    kwargs = dict(kwargs)
    if "forget_bias_init" in kwargs:
        value = kwargs.pop("forget_bias_init")
        if value == "one":
            kwargs["unit_forget_bias"] = True
        else:
            warnings.warn(
                "The `forget_bias_init` argument has been ignored. Use `unit_forget_bias=True` "
                "instead to initialize with ones.",
                stacklevel=3,
            )
    kwargs = convert_legacy_kwargs(
        name,
        kwargs,
        LEGACY_RNN_KWARGS,
        values={"implementation": lambda v: _CONSUME_LESS.get(v, v)},
    )
    if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
        if "input_dim" in kwargs or "input_length" in kwargs:
            kwargs["input_shape"] = (
                kwargs.pop("input_length", None),
                kwargs.pop("input_dim", None),
            )
    else:
        kwargs.pop("input_length", None)
    return kwargs


# ------------------------------------------------------------------------------ state sizes
def state_sizes(state_size):
    """A cell's ``state_size`` as a list: one int, or one shape tuple, per state.

    An int is one state; a list/tuple holds one entry per state (ints, or shape tuples for
    the states of convolutional cells).
    """
    if isinstance(state_size, (list, tuple)):
        return [s if isinstance(s, int) else tuple(s) for s in state_size]
    return [int(state_size)]


def state_shape(size):
    """The shape of one state without the batch axis."""
    return (int(size),) if isinstance(size, (int, np.integer)) else tuple(size)


def zero_states(state_size, batch, dtype):
    return [np.zeros((batch,) + state_shape(s), dtype=dtype) for s in state_sizes(state_size)]


# --------------------------------------------------------------------------- activations
def fused_name(fn):
    """The kernel name of a kviz activation (``activations.tanh`` -> ``'tanh'``), else ``fn``.

    The fused sequence ops understand a handful of activations by name; anything else
    (another activation, a user function) is passed on as a callable: the generic path.
    """
    name = getattr(fn, "__name__", None)
    if name is not None and rnn_activation_code(name) is not None:
        try:
            if activations.get(name) is fn:
                return name
        except ValueError:
            pass
    return fn


# -------------------------------------------------------------------------- dropout masks
def in_training(training) -> bool:
    if training is None:
        training = config.learning_phase()
    if isinstance(training, Tensor):
        training = training.data
    return bool(np.asarray(training))


def dropout_mask(shape, rate, dtype):
    """An inverted-dropout mask: 0 with probability ``rate``, else ``1 / (1 - rate)``."""
    keep = config.rng().random(shape) >= rate
    return (keep / (1.0 - rate)).astype(dtype)


# ------------------------------------------------------------------------- nested layers
def _layer_classes():
    out, stack = {}, [Layer]
    while stack:
        cls = stack.pop()
        out.setdefault(cls.__name__, cls)
        stack.extend(cls.__subclasses__())
    if "Model" in out:
        out.setdefault("Functional", out["Model"])
    return out


def deserialize_layer(config_dict, custom_objects=None):
    """A layer (or cell, or model) from ``{'class_name', 'config'}``: custom objects and
    scopes first, then every class derived from ``Layer`` (models included)."""
    if isinstance(config_dict, Layer):
        return config_dict
    name = config_dict["class_name"]
    cls = registry.lookup(name, _layer_classes(), custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown layer: '{name}'. Please ensure you are using a "
            "`kviz.utils.custom_object_scope` and that this object is included in the scope, "
            "or pass it in `custom_objects`."
        )
    cfg = dict(config_dict["config"])
    try:
        layer = cls.from_config(cfg, custom_objects=custom_objects)
    except TypeError as e:
        if "custom_objects" not in str(e):
            raise
        layer = cls.from_config(cfg)
    build_config = config_dict.get("build_config") or {}
    if build_config.get("input_shape") is not None:
        record_build_shape(layer, build_config["input_shape"])  # written back by get_config
    return layer


def serialize_layer(layer):
    """``{'class_name', 'config'}`` of a nested layer, plus tf.keras's ``build_config`` when
    the owner built it (:func:`record_build_shape`)."""
    if not hasattr(layer, "get_config"):
        raise ValueError(f"Cannot serialize {layer!r}: it has no get_config()")
    out = {"class_name": _class_name(layer), "config": layer.get_config()}
    shape = getattr(layer, "_nested_build_shape", None)
    if shape is not None:
        out["build_config"] = {"input_shape": list(shape)}
    return out


def record_build_shape(layer, shape):
    """Remember the input shape a wrapper/RNN built ``layer`` with (for ``build_config``)."""
    if isinstance(layer, Layer):
        object.__setattr__(layer, "_nested_build_shape", tuple(shape))


def _class_name(layer):
    if getattr(layer, "_is_graph_network", False) and type(layer).__name__ == "Model":
        return "Functional"
    return type(layer).__name__


def prefix_weight_names(layer, prefix, old_prefix=None):
    """Rename the weights of ``layer`` as tf.keras names nested weights: ``prefix/...``.

    With ``old_prefix`` the leading ``old_prefix/`` is replaced instead of kept.
    """
    for w in layer.weights:
        name = w.name
        if old_prefix is not None and name.startswith(old_prefix + "/"):
            name = name[len(old_prefix) + 1 :]
        if not name.startswith(prefix + "/"):
            w.name = f"{prefix}/{name}"
