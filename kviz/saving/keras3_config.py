"""Model configs in the Keras 3 dialect (``config.json`` of ``.keras`` files), both ways.

**Writing** (:func:`model_to_keras3`) mirrors what Keras 3.15 writes: every serialized object is
``{module, class_name, config, registered_name}``; layers add ``build_config``; an
``InputLayer`` has ``batch_shape``; ``dtype`` is a ``DTypePolicy`` object; functional models
list inbound nodes as ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__`` objects
whose ``keras_history`` numbers a nested model's calls from 0; the top level adds
``compile_config`` (optimizer, loss, metrics). Keras 2 spellings that Keras 3 rejects are
translated: ``LeakyReLU(alpha)`` -> ``negative_slope``; ``Embedding(input_length)`` dropped;
``ThresholdedReLU(theta)`` -> ``ReLU(threshold=theta)`` (Keras 3 has no ThresholdedReLU; the
two differ only at exactly ``x == theta``); Lambda functions as ``__lambda__`` objects; an
optimizer's ``decay`` as an ``InverseTimeDecay`` schedule (the same learning rates).

**Reading** (:func:`to_kviz_config`) turns Keras 3 configs (and tf.keras 2.13+ configs with
``module`` keys) into the Keras 2 configs that kviz's ``from_config`` reads. Keras 3 options
that kviz does not have are dropped when they hold their default value, and dropped with a
warning otherwise. Keras 2 configs pass through unchanged.
"""

from __future__ import annotations

import warnings

import numpy as np

from kviz.graph.keras_tensor import KerasTensor
from kviz.models.graph_config import serialize_layer
from kviz.saving import optimizer_state
from kviz.saving.training_config import strip_keras3_keys

KERAS3_VERSION = "3.15.1"  # the Keras 3 file format version kviz writes

_NESTED_MODULES = {
    "_initializer": "keras.initializers",
    "_regularizer": "keras.regularizers",
    "_constraint": "keras.constraints",
}

_MODEL_CLASSES = ("Functional", "Model", "Sequential")

# config entries holding a serialized layer (wrappers' layers, RNN cells)
_NESTED_LAYER_KEYS = ("layer", "forward_layer", "backward_layer", "cell")


def _is_graph_model(layer) -> bool:
    return bool(getattr(layer, "_is_graph_network", False))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def dtype_policy(name):
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": name},
        "registered_name": None,
    }


def _k3_object(d, module):
    return {
        "module": module,
        "class_name": d["class_name"],
        "config": _plain(d.get("config", {})),
        "registered_name": None,
    }


def _is_object(value) -> bool:
    return isinstance(value, dict) and "class_name" in value and "config" in value


# ============================================================================ writing
def _module_of(layer, class_name):
    module = type(layer).__module__
    if class_name == "Sequential":
        return "keras", None
    if class_name == "Functional":
        return "keras.src.models.functional", "Functional"
    if module.startswith("kviz.layers"):
        return "keras.layers", None
    return module, class_name  # a custom class: Keras 3 needs it registered or given


def _function_k3(value, kind, module):
    if kind == "lambda":
        code, defaults, closure = (list(value) + [None, None])[:3]
        return {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": defaults, "closure": closure},
        }
    if kind == "function":
        return {
            "module": module,
            "class_name": "function",
            "config": value,
            "registered_name": value,
        }
    return _plain(value)


def layer_config_to_keras3(class_name, config):
    """``(class_name, config)`` of a Keras 2 layer config in the Keras 3 dialect."""
    cfg = _plain(dict(config))
    if class_name == "InputLayer":
        out = {"batch_shape": cfg.pop("batch_input_shape", None)}
        out["dtype"] = cfg.pop("dtype", "float32")
        out["sparse"] = bool(cfg.pop("sparse", False))
        out["ragged"] = bool(cfg.pop("ragged", False))
        out["name"] = cfg.pop("name", None)
        out["optional"] = False
        return class_name, out
    cfg.pop("batch_input_shape", None)
    cfg.pop("batch_size", None)
    if isinstance(cfg.get("dtype"), str):
        cfg["dtype"] = dtype_policy(cfg["dtype"])
    _warn_hard_sigmoid(cfg, "writes", class_name)
    for key in _NESTED_LAYER_KEYS:
        if _is_object(cfg.get(key)):
            cfg[key] = _nested_layer_to_keras3(cfg[key])
    if isinstance(cfg.get("cells"), list):
        cfg["cells"] = [_nested_layer_to_keras3(c) if _is_object(c) else c for c in cfg["cells"]]
    if cfg.get("time_major") is False:
        cfg.pop("time_major")  # recurrent layers: Keras 3 has no time_major
    if "implementation" in cfg and ("units" in cfg or "filters" in cfg):
        cfg.pop("implementation")  # Keras 3 recurrent layers have no implementation modes
    for key, value in list(cfg.items()):
        if _is_object(value):
            for suffix, module in _NESTED_MODULES.items():
                if key.endswith(suffix):
                    cfg[key] = _k3_object(value, module)
    if class_name == "LeakyReLU" and "alpha" in cfg:
        cfg["negative_slope"] = cfg.pop("alpha")
    elif class_name == "Embedding":
        cfg.pop("input_length", None)
    elif class_name.startswith(("SeparableConv", "DepthwiseConv")) or class_name.endswith(
        "Transpose"
    ):
        if cfg.get("groups", 1) == 1:
            cfg.pop("groups", None)  # Keras 3 has no `groups` for these layers
        if class_name.startswith("SeparableConv"):
            for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
                cfg.pop(key, None)  # tf.keras writes Conv's entries; Keras 3 rejects them
    elif class_name.startswith("SpatialDropout"):
        cfg.pop("trainable", None)  # Keras 3's SpatialDropout takes rate, seed, name, dtype
        if cfg.get("noise_shape") is None:
            cfg.pop("noise_shape", None)
    elif class_name == "BatchNormalization":
        axis = cfg.get("axis")
        if isinstance(axis, list) and len(axis) == 1:
            cfg["axis"] = axis[0]  # Keras 3 takes one int (tf.keras writes [axis] once built)
    elif class_name == "ThresholdedReLU":
        theta = cfg.pop("theta", 1.0)
        cfg.update({"max_value": None, "negative_slope": 0.0, "threshold": theta})
        class_name = "ReLU"
    elif class_name == "Lambda":
        cfg["function"] = _function_k3(
            cfg.pop("function"), cfg.pop("function_type", "function"), cfg.pop("module", None)
        )
        shape = cfg.pop("output_shape", None)
        shape_type = cfg.pop("output_shape_type", "raw")
        shape_module = cfg.pop("output_shape_module", None)
        if shape is not None:
            cfg["output_shape"] = _function_k3(shape, shape_type, shape_module)
        cfg["arguments"] = _plain(cfg.get("arguments") or {})
    return class_name, cfg


def _warn_hard_sigmoid(cfg, verb, class_name):
    keys = [k for k, v in cfg.items() if k.endswith("activation") and v == "hard_sigmoid"]
    if keys:
        warnings.warn(
            f"{class_name} {cfg.get('name', '')!r}: {', '.join(keys)}='hard_sigmoid'. Keras 3 "
            "redefined hard_sigmoid (relu6(x + 3) / 6, slope 1/6) where Keras 2 and kviz use "
            f"clip(0.2 x + 0.5, 0, 1); kviz {verb} the name unchanged, so the two libraries "
            "compute different results for this layer.",
            stacklevel=6,
        )


def _nested_layer_to_keras3(d):
    """A layer serialized inside another layer's config (wrappers, RNN cells)."""
    from kviz import layers as layers_mod

    class_name, config = layer_config_to_keras3(d["class_name"], d.get("config") or {})
    builtin = isinstance(getattr(layers_mod, d["class_name"], None), type)
    return {
        "module": "keras.layers" if builtin else None,
        "class_name": class_name,
        "config": config,
        "registered_name": None if builtin else d["class_name"],
    }


def _shapes(value):
    if isinstance(value, list):
        return [_shapes(v) for v in value]
    if isinstance(value, tuple) and (not value or isinstance(value[0], (int, type(None)))):
        return list(value)
    if isinstance(value, (tuple, list)):
        return [_shapes(v) for v in value]
    return value


def _build_config(layer):
    nodes = getattr(layer, "_inbound_nodes", None)
    if not nodes or type(layer).__name__ == "InputLayer":
        return None
    shapes = nodes[0].input_shapes
    if shapes is None:
        return None
    return {"input_shape": _shapes(shapes)}


def layer_to_keras3(layer):
    """One layer (or nested model) as a Keras 3 serialized object."""
    if _is_graph_model(layer) or type(layer).__name__ == "Sequential":
        class_name = "Sequential" if type(layer).__name__ == "Sequential" else "Functional"
        if class_name == "Functional" and type(layer).__name__ not in ("Model", "Functional"):
            class_name = type(layer).__name__
        module, registered = _module_of(layer, class_name)
        entry = {
            "module": module,
            "class_name": class_name,
            "config": model_config_to_keras3(layer),
            "registered_name": registered,
        }
        if class_name == "Sequential":
            entry["build_config"] = {"input_shape": _sequential_input_shape(layer)}
        else:
            entry["build_config"] = _build_config(layer) or {"input_shape": None}
        entry["compile_config"] = {}
        return entry
    ser = serialize_layer(layer)
    class_name, config = ser["class_name"], ser["config"]
    if class_name == "OpLambda":
        return {
            "module": "kviz.ops",
            "class_name": "OpLambda",
            "config": _plain(config),
            "registered_name": "OpLambda",
        }
    module, registered = _module_of(layer, class_name)
    class_name, config = layer_config_to_keras3(class_name, config)
    entry = {"module": module, "class_name": class_name, "config": config}
    entry["registered_name"] = registered
    build = _build_config(layer)
    if build is not None:
        entry["build_config"] = build
    return entry


def _sequential_input_shape(model):
    if getattr(model, "inputs", None):
        return list(model.inputs[0].shape)
    return None


def _network_nodes(model, layer):
    return [n for n in layer._inbound_nodes if id(n) in model._network_nodes]


def model_config_to_keras3(model):
    """The ``config`` of a Sequential or functional model in the Keras 3 dialect."""
    if type(model).__name__ == "Sequential":
        layers = []
        if model._input_layer is not None and model.built:
            layers.append(layer_to_keras3(model._input_layer))
        for layer in model.layers:
            layers.append(layer_to_keras3(layer))
        cfg = {
            "name": model.name,
            "trainable": model.trainable,
            "dtype": dtype_policy(model.dtype),
            "layers": layers,
        }
        if model.built:
            cfg["build_input_shape"] = _sequential_input_shape(model)
        return cfg
    return _functional_to_keras3(model)


def _functional_to_keras3(model):
    kept = {}  # id(node) -> index among the model's nodes of its layer (0-based, Keras 3)
    for layer in model.layers:
        for i, node in enumerate(_network_nodes(model, layer)):
            kept[id(node)] = i

    def tensor(t):
        op, node_index, tensor_index = t._keras_history
        node = op._inbound_nodes[node_index]
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(t.shape),
                "dtype": t.dtype,
                "keras_history": [op.name, kept.get(id(node), node_index), tensor_index],
            },
        }

    def encode(value, kviz_forms):
        if isinstance(value, KerasTensor):
            return tensor(value)
        if isinstance(value, dict):
            return {k: encode(v, kviz_forms) for k, v in value.items()}
        if isinstance(value, tuple) and kviz_forms:
            return {"__tuple__": [encode(v, kviz_forms) for v in value]}
        if isinstance(value, (list, tuple)):
            return [encode(v, kviz_forms) for v in value]
        if isinstance(value, slice):
            return {
                "class_name": "__slice__",
                "config": {
                    "start": encode(value.start, kviz_forms),
                    "stop": encode(value.stop, kviz_forms),
                    "step": encode(value.step, kviz_forms),
                },
            }
        if value is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(value, np.ndarray):
            return {
                "class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name},
            }
        if isinstance(value, np.generic):
            return value.item()
        return value

    layers = []
    for layer in model.layers:
        entry = layer_to_keras3(layer)
        entry["name"] = layer.name
        kviz_forms = entry.get("class_name") == "OpLambda"
        inbound = []
        for node in _network_nodes(model, layer):
            if not node.input_tensors:
                continue
            inbound.append(
                {
                    "args": encode(list(node.args), kviz_forms),
                    "kwargs": encode(dict(node.kwargs), kviz_forms),
                }
            )
        entry["inbound_nodes"] = inbound
        layers.append(entry)

    def ref(t):
        return tensor(t)["config"]["keras_history"]

    def io(structure):
        if isinstance(structure, dict):
            return {k: ref(v) for k, v in structure.items()}
        if isinstance(structure, (list, tuple)):
            return [ref(t) for t in structure]
        return ref(structure)

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": io(model._nested_inputs),
        "output_layers": io(model._nested_outputs),
    }


# ------------------------------------------------------------------------ compile
_K3_OPTIMIZER_KEYS = {
    "Adam": ("beta_1", "beta_2", "epsilon", "amsgrad"),
    "SGD": ("momentum", "nesterov"),
    "RMSprop": ("rho", "momentum", "epsilon", "centered"),
    "Adagrad": ("initial_accumulator_value", "epsilon"),
    "Adadelta": ("rho", "epsilon"),
    "Adamax": ("beta_1", "beta_2", "epsilon"),
    "Nadam": ("beta_1", "beta_2", "epsilon"),
}


def _schedule_k3(value):
    if _is_object(value):
        return {
            "module": "keras.optimizers.schedules",
            "class_name": value["class_name"],
            "config": _plain(value["config"]),
            "registered_name": None,
        }
    return value


def optimizer_to_keras3(optimizer):
    cfg = _plain(optimizer.get_config())
    kind = optimizer_state.base_name(optimizer)
    if kind is None:
        name = type(optimizer).__name__
        return {
            "module": type(optimizer).__module__,
            "class_name": name,
            "config": cfg,
            "registered_name": name,
        }
    lr = _schedule_k3(cfg.get("learning_rate", 0.001))
    decay = float(cfg.get("decay", 0.0) or 0.0)
    if decay > 0 and isinstance(lr, (int, float)):
        lr = {
            "module": "keras.optimizers.schedules",
            "class_name": "InverseTimeDecay",
            "config": {
                "initial_learning_rate": lr,
                "decay_steps": 1,
                "decay_rate": decay,
                "staircase": False,
                "name": "InverseTimeDecay",
            },
            "registered_name": None,
        }
    elif decay > 0:
        warnings.warn(
            f"The optimizer's decay={decay} on top of a learning-rate schedule has no Keras 3 "
            "equivalent; it is not written to the .keras file.",
            stacklevel=4,
        )
    if kind == "Nadam" and float(getattr(optimizer, "schedule_decay", 0.004)) != 0.004:
        warnings.warn(
            "Keras 3's Nadam has a fixed schedule_decay of 0.004; the .keras file cannot keep "
            f"schedule_decay={optimizer.schedule_decay}.",
            stacklevel=4,
        )
    out = {
        "name": cfg.get("name", kind),
        "learning_rate": lr,
        "weight_decay": None,
        "clipnorm": cfg.get("clipnorm"),
        "global_clipnorm": cfg.get("global_clipnorm"),
        "clipvalue": cfg.get("clipvalue"),
        "use_ema": False,
        "ema_momentum": 0.99,
        "ema_overwrite_frequency": None,
        "loss_scale_factor": None,
        "gradient_accumulation_steps": None,
    }
    for key in _K3_OPTIMIZER_KEYS[kind]:
        if key in cfg:
            out[key] = cfg[key]
    return {
        "module": "keras.optimizers",
        "class_name": kind,
        "config": out,
        "registered_name": None,
    }


def _object_k3(value, module, kind_serialize):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {k: _object_k3(v, module, kind_serialize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_object_k3(v, module, kind_serialize) for v in value]
    ser = kind_serialize(value)
    if isinstance(ser, str):
        return ser
    cfg = dict(_plain(ser.get("config", {})))
    cfg.pop("fn", None)
    if cfg.get("reduction") == "auto":
        cfg["reduction"] = "sum_over_batch_size"
    cls = type(value)
    builtin = cls.__module__.startswith("kviz.")
    return {
        "module": module if builtin else cls.__module__,
        "class_name": ser["class_name"],
        "config": cfg,
        "registered_name": None if builtin else ser["class_name"],
    }


def compile_config_to_keras3(model):
    from kviz import losses as losses_mod
    from kviz import metrics as metrics_mod

    cfg = getattr(model, "_compile_config", None)
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or cfg is None or optimizer is None:
        return {}
    return {
        "optimizer": optimizer_to_keras3(optimizer),
        "loss": _object_k3(cfg.get("loss"), "keras.losses", losses_mod.serialize),
        "loss_weights": _plain(cfg.get("loss_weights")),
        "metrics": _object_k3(cfg.get("metrics"), "keras.metrics", metrics_mod.serialize),
        "weighted_metrics": _object_k3(
            cfg.get("weighted_metrics"), "keras.metrics", metrics_mod.serialize
        ),
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def model_to_keras3(model, include_compile=True):
    """The whole ``config.json`` object of a ``.keras`` file."""
    entry = layer_to_keras3(model)
    if type(model).__name__ != "Sequential":
        entry["build_config"] = {"input_shape": None}
    entry["compile_config"] = compile_config_to_keras3(model) if include_compile else {}
    return entry


# ============================================================================ reading
def _policy_name(value, where):
    if _is_object(value) and isinstance(value.get("config"), dict):
        name = value["config"].get("name", "float32")
    else:
        name = value
    if isinstance(name, str) and name.startswith("mixed_"):
        warnings.warn(
            f"{where}: the mixed-precision policy {name!r} is not supported by kviz; using "
            "float32.",
            stacklevel=5,
        )
        return "float32"
    return name


# Keras 3 config entries that Keras 2 (and kviz) layers, initializers... do not have. They are
# dropped when they hold these defaults; other values are kept, so that kviz's own "Keyword
# argument not understood" error names them.
_KERAS3_ONLY_DEFAULTS = {
    "quantization_config": (None,),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "synchronized": (False,),
    "renorm": (False,),
    "renorm_clipping": (None,),
    "rms_scaling": (False,),
    "optional": (False,),
    "input_axes": (None,),
    "output_axes": (None,),
    "seed": (None,),
}


def _drop_keras3_defaults(cfg):
    out = {}
    for key, value in cfg.items():
        defaults = _KERAS3_ONLY_DEFAULTS.get(key)
        if defaults is not None and any(value is d or value == d for d in defaults):
            continue
        out[key] = value
    if "renorm_momentum" in out and not out.get("renorm"):
        out.pop("renorm_momentum")
    return out


def _nested_object_to_kviz(value):
    """Initializers/regularizers/constraints: strip Keras 3 keys and Keras 3-only defaults."""
    value = strip_keras3_keys(value)
    cfg = value.get("config")
    if isinstance(cfg, dict):
        value = {"class_name": value["class_name"], "config": _drop_keras3_defaults(cfg)}
    return value


def _function_to_kviz(value):
    """A Keras 3 function object -> (value, kind, module) of kviz's Lambda config."""
    if isinstance(value, dict) and value.get("class_name") == "__lambda__":
        inner = value.get("config") or {}
        return [inner.get("code"), inner.get("defaults"), inner.get("closure")], "lambda", None
    if isinstance(value, dict) and value.get("class_name") == "function":
        return value.get("config"), "function", value.get("module")
    if isinstance(value, dict) and "class_name" in value:
        return value.get("class_name"), "function", value.get("module")
    return value, "raw", None


def layer_config_to_kviz(class_name, config, where=None):
    """``(class_name, config)`` of a Keras 3 layer config in the Keras 2 dialect kviz reads."""
    where = where or f"layer {config.get('name', class_name)!r}"
    cfg = dict(config)
    if "input_dtype" in cfg:  # Keras 1 layer configs
        dtype = cfg.pop("input_dtype")
        cfg.setdefault("dtype", dtype)
    if "dtype" in cfg and not isinstance(cfg["dtype"], str) and cfg["dtype"] is not None:
        cfg["dtype"] = _policy_name(cfg["dtype"], where)
    if class_name == "InputLayer":
        if "batch_shape" in cfg:
            cfg["batch_input_shape"] = cfg.pop("batch_shape")
        elif "shape" in cfg:
            shape = cfg.pop("shape")
            cfg["batch_input_shape"] = [cfg.pop("batch_size", None)] + list(shape or [])
        for key in ("sparse", "ragged"):
            if cfg.get(key) is None and key in cfg:
                cfg[key] = False
        if cfg.get("optional") is False:
            cfg.pop("optional")
        cfg.pop("input_tensor", None)
        return class_name, cfg
    if class_name == "LeakyReLU" and "negative_slope" in cfg and "alpha" not in cfg:
        cfg["alpha"] = cfg.pop("negative_slope")
    if class_name == "Lambda" and isinstance(cfg.get("function"), dict):
        fn, kind, module = _function_to_kviz(cfg["function"])
        cfg["function"], cfg["function_type"], cfg["module"] = fn, kind, module
        if "output_shape" in cfg:
            shape, kind, module = _function_to_kviz(cfg["output_shape"])
            cfg["output_shape"], cfg["output_shape_type"] = shape, kind
            cfg["output_shape_module"] = module
        if isinstance(cfg.get("arguments"), dict):
            cfg["arguments"] = strip_keras3_keys(cfg["arguments"])
        return class_name, cfg
    if isinstance(config.get("dtype"), dict):  # a Keras 3 config (dtype policy object)
        _warn_hard_sigmoid(cfg, "reads", class_name)
    for key, value in list(cfg.items()):
        if _is_object(value) and any(key.endswith(suffix) for suffix in _NESTED_MODULES):
            cfg[key] = _nested_object_to_kviz(value)
        elif _is_object(value) and key in _NESTED_LAYER_KEYS:
            cfg[key] = to_kviz_config(value)
    if isinstance(cfg.get("cells"), list):
        cfg["cells"] = [to_kviz_config(c) if _is_object(c) else c for c in cfg["cells"]]
    return class_name, _drop_keras3_defaults(cfg)


def _is_model_entry(entry) -> bool:
    cfg = entry.get("config")
    if entry.get("class_name") in _MODEL_CLASSES:
        return True
    return isinstance(cfg, dict) and isinstance(cfg.get("layers"), list) and ("input_layers" in cfg)


def _convert_arg(value, adjust):
    """Keras 3 call arguments -> kviz's encoding (tensors as ``{'__keras_tensor__': ref}``)."""
    if isinstance(value, dict):
        cls = value.get("class_name")
        cfg = value.get("config")
        if cls == "__keras_tensor__" and isinstance(cfg, dict):
            return {"__keras_tensor__": adjust(cfg["keras_history"])}
        if cls == "__slice__" and isinstance(cfg, dict):
            return {
                "__slice__": [
                    _convert_arg(cfg.get("start"), adjust),
                    _convert_arg(cfg.get("stop"), adjust),
                    _convert_arg(cfg.get("step"), adjust),
                ]
            }
        if cls == "__ellipsis__":
            return {"__ellipsis__": True}
        if cls in ("__numpy__", "__tensor__") and isinstance(cfg, dict):
            return {"__ndarray__": cfg.get("value"), "dtype": cfg.get("dtype", "float32")}
        if cls == "__tuple__" and isinstance(cfg, dict) and "value" in cfg:
            return {"__tuple__": [_convert_arg(v, adjust) for v in cfg["value"]]}
        return {k: _convert_arg(v, adjust) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert_arg(v, adjust) for v in value]
    return value


def _has_tensor(value) -> bool:
    if isinstance(value, dict):
        return "__keras_tensor__" in value or any(_has_tensor(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_tensor(v) for v in value)
    return False


def _node_to_kviz(node, adjust):
    """One Keras 3 inbound node ``{args, kwargs}`` -> a Keras 2 node (list of entries)."""
    args = _convert_arg(node.get("args", []), adjust)
    kwargs = _convert_arg(node.get("kwargs", {}) or {}, adjust)
    kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
    first = args[0] if args else None
    if isinstance(first, dict) and "__keras_tensor__" in first:
        tensors = [first]
    elif (
        isinstance(first, list)
        and first
        and all(isinstance(t, dict) and "__keras_tensor__" in t for t in first)
    ):
        tensors = first
    else:
        tensors = None
    if tensors is None or _has_tensor(kwargs) or _has_tensor(args[1:]):
        return [["__op_args__", 0, 0, {"args": args, "kwargs": kwargs}]]
    entries = [list(t["__keras_tensor__"]) + [{}] for t in tensors]
    extra = dict(kwargs)
    if len(args) > 1:
        extra["__args__"] = args[1:]
    entries[0][3] = extra
    return entries


def _functional_to_kviz(cfg, custom_objects=None):
    cfg = dict(cfg)
    entries = cfg.get("layers", [])
    keras3_nodes = any(isinstance(n, dict) for e in entries for n in (e.get("inbound_nodes") or []))
    model_names = {e.get("name") for e in entries if _is_model_entry(e)}

    def adjust(ref):
        ref = list(ref)
        if keras3_nodes and ref and ref[0] in model_names:
            ref[1] = int(ref[1]) + 1  # Keras 2 numbers a nested model's calls from 1
        return ref

    layers = []
    for e in entries:
        converted = to_kviz_config(e, custom_objects)
        converted["name"] = e.get("name", converted["config"].get("name"))
        nodes = e.get("inbound_nodes") or []
        converted["inbound_nodes"] = [
            _node_to_kviz(n, adjust) if isinstance(n, dict) else n for n in nodes
        ]
        layers.append(converted)
    cfg["layers"] = layers

    def io(refs):
        if isinstance(refs, dict):
            return {k: io(v) for k, v in refs.items()}
        if isinstance(refs, list) and refs and not isinstance(refs[0], (list, dict)):
            return adjust(refs)
        if isinstance(refs, list):
            return [io(r) for r in refs]
        return refs

    for key in ("input_layers", "output_layers"):
        if key in cfg:
            cfg[key] = io(cfg[key])
    return cfg


def to_kviz_config(entry, custom_objects=None):
    """A serialized layer/model in any supported dialect -> ``{'class_name', 'config'}`` in the
    Keras 2 dialect that kviz's ``from_config`` reads (nested models included)."""
    class_name = entry.get("class_name")
    cfg = entry.get("config")
    if class_name == "Functional" and entry.get("registered_name") not in (None, "Functional"):
        class_name = entry["registered_name"]
    if not isinstance(cfg, dict):  # Keras <= 2.1 Sequential: a bare list of layers
        if isinstance(cfg, list):
            cfg = {"layers": cfg}
        else:
            return {"class_name": class_name, "config": cfg}
    if class_name == "Sequential":
        cfg = dict(cfg)
        cfg["layers"] = [to_kviz_config(e, custom_objects) for e in cfg.get("layers", [])]
        cfg.pop("dtype", None)
        return {"class_name": class_name, "config": cfg}
    if _is_model_entry({"class_name": class_name, "config": cfg}):
        out = _functional_to_kviz(cfg, custom_objects)
        out.pop("dtype", None)
        return {"class_name": class_name, "config": out}
    if class_name == "OpLambda":
        return {"class_name": class_name, "config": cfg}
    class_name, cfg = layer_config_to_kviz(class_name, cfg)
    return {"class_name": class_name, "config": cfg}
