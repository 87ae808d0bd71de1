"""The compile arguments of a model as saved in files, and back.

* :func:`training_config` gives Keras 2's ``training_config`` (the root attribute of ``.h5``
  files): ``loss``, ``metrics``, ``weighted_metrics``, ``loss_weights``, ``sample_weight_mode``
  and ``optimizer_config`` ``{class_name, config}``. Strings stay strings, functions become
  their names and loss/metric objects ``{class_name, config}`` dicts, as Keras 2.2 wrote them
  (tf.keras reads them).
* :func:`compile_args` turns a ``training_config`` from kviz, Keras 2.2, tf.keras (including
  ``"Custom>Adam"`` optimizers and ``MeanMetricWrapper`` metric objects) or a Keras 3
  ``compile_config`` into keyword arguments of ``model.compile``.
"""

from __future__ import annotations

import numpy as np

from kviz import losses as losses_mod
from kviz import metrics as metrics_mod
from kviz import optimizers as optimizers_mod
from kviz import registry

_BUILTIN_OPTIMIZERS = {"sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam"}


def _plain(value):
    """NumPy scalars/arrays/tuples -> JSON-friendly Python values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _serialize_nested(value, serialize):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {k: _serialize_nested(v, serialize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(v, serialize) for v in value]
    return _plain(serialize(value))


def optimizer_config(optimizer):
    return {"class_name": type(optimizer).__name__, "config": _plain(optimizer.get_config())}


def training_config(model):
    """Keras 2's ``training_config`` dict of a compiled model, else None."""
    cfg = getattr(model, "_compile_config", None)
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or cfg is None or optimizer is None:
        return None
    return {
        "loss": _serialize_nested(cfg.get("loss"), losses_mod.serialize),
        "metrics": _serialize_nested(cfg.get("metrics"), metrics_mod.serialize),
        "weighted_metrics": _serialize_nested(cfg.get("weighted_metrics"), metrics_mod.serialize),
        "loss_weights": _plain(cfg.get("loss_weights")),
        "sample_weight_mode": _plain(cfg.get("sample_weight_mode")),
        "optimizer_config": optimizer_config(optimizer),
    }


# ------------------------------------------------------------------------- reading
def strip_keras3_keys(value):
    """Drop Keras 3 / tf.keras 2.13+ serialization keys (``module``, ``registered_name``,
    ``shared_object_id``) from nested ``{class_name, config}`` dicts."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if "class_name" in value and k in ("module", "registered_name", "shared_object_id"):
                continue
            out[k] = strip_keras3_keys(v)
        return out
    if isinstance(value, list):
        return [strip_keras3_keys(v) for v in value]
    return value


def deserialize_optimizer(config, custom_objects=None):
    """An optimizer from a kviz, Keras 2.2, tf.keras (``Custom>Adam``) or Keras 3 config."""
    if isinstance(config, str):
        return optimizers_mod.get(config)
    config = strip_keras3_keys(config)
    class_name = str(config.get("class_name", ""))
    if class_name.startswith("Custom>") and class_name[7:].lower() in _BUILTIN_OPTIMIZERS:
        class_name = class_name[7:]
    inner = dict(config.get("config") or {})
    return optimizers_mod.deserialize(
        {"class_name": class_name, "config": inner}, custom_objects=custom_objects
    )


_KERAS3_REDUCTIONS = {"sum_over_batch_size": "sum_over_batch_size", "mean": "auto"}


def _fix_object_config(d):
    """Keras 3 loss/metric configs: drop ``dtype: None``, map reductions kviz lacks."""
    d = dict(d)
    cfg = d.get("config")
    if isinstance(cfg, dict):
        cfg = dict(cfg)
        if "reduction" in cfg and cfg["reduction"] in _KERAS3_REDUCTIONS:
            cfg["reduction"] = _KERAS3_REDUCTIONS[cfg["reduction"]]
        if cfg.get("dtype", 0) is None:
            cfg.pop("dtype")
        d["config"] = cfg
    return d


def _deserialize_nested(value, deserialize, custom_objects):
    if value is None:
        return value
    if isinstance(value, str):
        # custom functions are resolved now, while custom_objects are in scope; built-in names
        # stay strings (compile resolves them, e.g. 'accuracy' by the output shape)
        found = registry.lookup(value, {}, custom_objects)
        return value if found is None else found
    if isinstance(value, dict) and "class_name" in value:
        if value.get("class_name") == "function":  # a named function (Keras 3, tf.keras)
            return _deserialize_nested(value.get("config"), deserialize, custom_objects)
        return deserialize(_fix_object_config(value), custom_objects)
    if isinstance(value, dict):
        return {k: _deserialize_nested(v, deserialize, custom_objects) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deserialize_nested(v, deserialize, custom_objects) for v in value]
    return value


def compile_args(config, custom_objects=None):
    """``model.compile`` keyword arguments from a ``training_config`` / ``compile_config``."""
    config = strip_keras3_keys(dict(config))
    optimizer_cfg = config.get("optimizer_config", config.get("optimizer"))
    if optimizer_cfg is None:
        raise ValueError("the training configuration has no optimizer")
    args = {
        "optimizer": deserialize_optimizer(optimizer_cfg, custom_objects),
        "loss": _deserialize_nested(config.get("loss"), losses_mod.deserialize, custom_objects),
        "metrics": _deserialize_nested(
            config.get("metrics"), metrics_mod.deserialize, custom_objects
        ),
        "weighted_metrics": _deserialize_nested(
            config.get("weighted_metrics"), metrics_mod.deserialize, custom_objects
        ),
        "loss_weights": config.get("loss_weights"),
    }
    if config.get("sample_weight_mode") is not None:
        args["sample_weight_mode"] = config["sample_weight_mode"]
    return args
