"""Keras 2 HDF5 files: full models (``model.save('m.h5')``) and weights (``save_weights``).

Layout (tf.keras 2.x, which Keras 2.2 and tf-keras 2.21 read and write)::

    /                         attrs keras_version, backend, model_config, training_config
    /model_weights            attrs layer_names, backend, keras_version
    /model_weights/<layer>    attr weight_names (e.g. ['dense/kernel:0', 'dense/bias:0'])
    /model_weights/<layer>/<weight name>       the arrays ('/' in a name nests groups)
    /model_weights/top_level_model_weights     the model's own weights (usually none)
    /optimizer_weights        attr weight_names; the optimizer state arrays

A weights-only file has the ``model_weights`` layout at its root. Attributes over 64,512 bytes
are split into ``layer_names0``, ``layer_names1``...; both ``bytes`` and ``str`` attributes are
read. A file without ``keras_version`` comes from Keras 1: its weights are converted
(:mod:`kviz.saving.legacy_weights`).

Loading checks everything (counts, shapes, readable datasets) before it assigns any weight, so
a failed load leaves the model unchanged.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from kviz import registry
from kviz.models.graph_config import KERAS_VERSION, model_from_config
from kviz.saving import h5_io, optimizer_state
from kviz.saving import training_config as training_config_lib
from kviz.saving.legacy_weights import legacy_weights, preprocess_weights_for_loading

BACKEND = "tensorflow"

SUBCLASSED_H5_MESSAGE = (
    "Saving the model to HDF5 format requires the model to be a Functional model or a "
    "Sequential model. It does not work for subclassed models, because such models are defined "
    "via the body of a Python method, which isn't safely serializable. Consider saving to the "
    "Keras 3 format (`model.save('model.keras')` also needs a config, so override "
    "`get_config()`) or using `save_weights`."
)


def json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable: {obj!r}")


def dumps(value):
    return json.dumps(value, default=json_default)


def is_graph_model(model) -> bool:
    return bool(getattr(model, "_is_graph_network", False)) or type(model).__name__ == "Sequential"


def model_config_dict(model):
    """``{'class_name', 'config'}`` of a functional or Sequential model."""
    from kviz.models.graph_config import serialize_layer

    return serialize_layer(model)


# =========================================================================== writing
def _unique_names(weights):
    """Weight names for the file; duplicates (possible in custom layers) get a suffix."""
    names, used = [], set()
    for i, w in enumerate(weights):
        name = getattr(w, "name", None) or f"param_{i}"
        if name in used:
            stem, colon, tail = name.rpartition(":")
            base = stem if colon else name
            j = 1
            while f"{base}_{j}{colon}{tail}" in used:
                j += 1
            name = f"{base}_{j}{colon}{tail}"
        used.add(name)
        names.append(name)
    return names


def _save_subset(group, weights):
    names = _unique_names(weights)
    h5_io.write_attr_list(group, "weight_names", names)
    for name, w in zip(names, weights, strict=True):
        h5_io.write_dataset(group, name, np.asarray(w.data))


def save_weights_to_hdf5_group(f, model):
    """Write ``model``'s weights into the group ``f`` (Keras 2 layout)."""
    layers = list(model.layers)
    h5_io.write_attr_list(f, "layer_names", [layer.name for layer in layers])
    f.attrs["backend"] = BACKEND.encode("utf8")
    f.attrs["keras_version"] = str(KERAS_VERSION).encode("utf8")
    # sorted by name so that group names grow strictly (avoids prefix issues, as Keras does)
    for layer in sorted(layers, key=lambda x: x.name):
        _save_subset(f.create_group(layer.name), legacy_weights(layer))
    own = list(model._trainable_weights) + list(model._non_trainable_weights)
    _save_subset(f.create_group("top_level_model_weights"), own)


def save_optimizer_weights_to_hdf5_group(f, optimizer):
    weights = list(optimizer.weights)
    if not weights:
        return
    group = f.create_group("optimizer_weights")
    names = _unique_names(weights)
    h5_io.write_attr_list(group, "weight_names", names)
    for name, w in zip(names, weights, strict=True):
        h5_io.write_dataset(group, name, np.asarray(w.data))


def write_model(f, model, include_optimizer=True):
    """Fill the open (empty) HDF5 file ``f`` with the full model."""
    f.attrs["keras_version"] = str(KERAS_VERSION).encode("utf8")
    f.attrs["backend"] = BACKEND.encode("utf8")
    f.attrs["model_config"] = dumps(model_config_dict(model)).encode("utf8")
    tc = training_config_lib.training_config(model) if include_optimizer else None
    if tc is not None:
        f.attrs["training_config"] = dumps(tc).encode("utf8")
    save_weights_to_hdf5_group(f.create_group("model_weights"), model)
    if tc is not None and getattr(model, "optimizer", None) is not None:
        save_optimizer_weights_to_hdf5_group(f, model.optimizer)
    f.flush()


def check_savable(model):
    if not is_graph_model(model):
        raise NotImplementedError(SUBCLASSED_H5_MESSAGE)
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data."
        )


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """``model.save('m.h5')``: an atomic write of the Keras 2 full-model file."""
    from kviz.saving.atomic import atomic_write

    check_savable(model)
    h5py = h5_io.h5py()

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            write_model(f, model, include_optimizer)

    return atomic_write(filepath, write, overwrite)


def save_weights_to_hdf5(model, filepath, overwrite=True):
    """``model.save_weights('w.h5')``: the Keras 2 weights layout at the file's root."""
    from kviz.saving.atomic import atomic_write

    _ = model.weights  # raises Keras's "not yet been created" error for an unbuilt model
    h5py = h5_io.h5py()

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            save_weights_to_hdf5_group(f, model)
            f.flush()

    return atomic_write(filepath, write, overwrite)


# =========================================================================== reading
def _version_and_backend(f):
    version = h5_io.read_str_attr(f, "keras_version")
    backend = h5_io.read_str_attr(f, "backend")
    return ("1" if version is None else str(version)), backend


def _read_values(g, path):
    names = h5_io.read_attr_list(g, "weight_names")
    return names, [h5_io.read_dataset(g, n, path) for n in names]


def _layer_group(f, name, path):
    if name not in f:
        raise h5_io.corrupt(path, f"the layer group {name!r} listed in 'layer_names' is missing")
    return f[name]


def _match_by_weight_names(params, names, values):
    """Reorder ``values`` to ``params`` when the saved names are exactly the weights' names
    (nested models whose trainable/non-trainable split changed); else keep the file order."""
    own = [p.name for p in params]
    if len(set(own)) == len(own) == len(names) == len(set(names)) and set(own) == set(names):
        by_name = dict(zip(names, values, strict=True))
        return [by_name[n] for n in own]
    return values


def _shape_error(param, value, k, layer_name, saved_name, path):
    return ValueError(
        f"Cannot assign value to variable ' {param.name}': Shape mismatch.The variable shape "
        f"{tuple(param.shape)}, and the assigned value shape {tuple(np.shape(value))} are "
        f"incompatible. (layer #{k}, named {layer_name!r} in the current model and "
        f"{saved_name!r} in the file {os.fspath(path)!r})"
    )


def _assign_all(pairs):
    for param, value in pairs:
        param.assign(np.asarray(value, dtype=param.dtype))


def _own_weights(model):
    return list(model._trainable_weights) + list(model._non_trainable_weights)


def load_weights_from_hdf5_group(f, model, path="<file>"):
    """Topological loading: the model's layers that have weights, in order, get the saved
    layers that have weights, in order (layer names do not matter)."""
    version, backend = _version_and_backend(f)
    filtered_layers = [layer for layer in model.layers if legacy_weights(layer)]
    if not h5_io.has_attr_list(f, "layer_names"):
        raise h5_io.corrupt(path, "it has no 'layer_names' attribute (not a Keras weights file)")
    layer_names = h5_io.read_attr_list(f, "layer_names")
    saved = []
    for name in layer_names:
        g = _layer_group(f, name, path)
        if h5_io.read_attr_list(g, "weight_names"):
            saved.append(name)
    if len(saved) != len(filtered_layers):
        raise ValueError(
            "Layer count mismatch when loading weights from file. "
            f"Model expected {len(filtered_layers)} layers, found {len(saved)} saved layers."
        )
    pairs = []
    for k, (name, layer) in enumerate(zip(saved, filtered_layers, strict=True)):
        params = legacy_weights(layer)
        names, values = _read_values(f[name], path)
        values = preprocess_weights_for_loading(layer, values, version, backend)
        if len(values) != len(params):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current model, "
                f"{name} in the save file). Layer expects {len(params)} weight(s). Received "
                f"{len(values)} saved weight(s)"
            )
        if len(names) == len(values):
            values = _match_by_weight_names(params, names, values)
        for p, v in zip(params, values, strict=True):
            if tuple(p.shape) != tuple(np.shape(v)):
                raise _shape_error(p, v, k, layer.name, name, path)
        pairs += list(zip(params, values, strict=True))
    if "top_level_model_weights" in f:
        params = _own_weights(model)
        _, values = _read_values(f["top_level_model_weights"], path)
        if len(values) != len(params):
            raise ValueError(
                "Weight count mismatch for top-level weights when loading weights from file. "
                f"Model expects {len(params)} top-level weight(s). Received {len(values)} saved "
                "top-level weight(s)"
            )
        for p, v in zip(params, values, strict=True):
            if tuple(p.shape) != tuple(np.shape(v)):
                raise _shape_error(p, v, -1, model.name, "top_level_model_weights", path)
        pairs += list(zip(params, values, strict=True))
    _assign_all(pairs)


def load_weights_from_hdf5_group_by_name(f, model, skip_mismatch=False, path="<file>"):
    """Name-based loading: each saved layer goes to the model's layer of the same name; layers
    without a match are skipped. ``skip_mismatch`` turns count/shape mismatches into warnings."""
    version, backend = _version_and_backend(f)
    if not h5_io.has_attr_list(f, "layer_names"):
        raise h5_io.corrupt(path, "it has no 'layer_names' attribute (not a Keras weights file)")
    layer_names = h5_io.read_attr_list(f, "layer_names")
    index: dict = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, name in enumerate(layer_names):
        if name not in index:
            continue
        names, values_read = _read_values(_layer_group(f, name, path), path)
        for layer in index[name]:
            params = legacy_weights(layer)
            values = preprocess_weights_for_loading(layer, values_read, version, backend)
            if len(values) != len(params):
                msg = (
                    f"Layer #{k} (named {layer.name}) expects {len(params)} weight(s). Received "
                    f"{len(values)} saved weight(s)"
                )
                if skip_mismatch:
                    warnings.warn(
                        f"Skipping loading of weights for layer #{k} (named {layer.name}) due to "
                        f"mismatch in number of weights. {msg}",
                        stacklevel=3,
                    )
                    continue
                raise ValueError(
                    f"Weight count mismatch for layer #{k} (named {layer.name}). {msg}"
                )
            if len(names) == len(values):
                values = _match_by_weight_names(params, names, values)
            for p, v in zip(params, values, strict=True):
                expected, received = tuple(p.shape), tuple(np.shape(v))
                if expected != received:
                    detail = (
                        f"for weight {p.name}. Weight expects shape {expected}. Received saved "
                        f"weight with shape {received}"
                    )
                    if skip_mismatch:
                        warnings.warn(
                            f"Skipping loading weights for layer #{k} (named {layer.name}) due to "
                            f"mismatch in shape {detail}",
                            stacklevel=3,
                        )
                        continue
                    raise ValueError(f"Shape mismatch in layer #{k} (named {layer.name}) {detail}")
                pairs.append((p, v))
    if "top_level_model_weights" in f:
        params = _own_weights(model)
        _, values = _read_values(f["top_level_model_weights"], path)
        if len(values) != len(params):
            msg = (
                f"Model expects {len(params)} top-level weight(s). Received {len(values)} saved "
                "top-level weight(s)"
            )
            if not skip_mismatch:
                raise ValueError(f"Weight count mismatch for top-level weights of model. {msg}")
            warnings.warn(
                "Skipping loading top-level weights for model due to mismatch in number of "
                f"weights. {msg}",
                stacklevel=3,
            )
        else:
            for p, v in zip(params, values, strict=True):
                if tuple(p.shape) != tuple(np.shape(v)):
                    if not skip_mismatch:
                        raise _shape_error(p, v, -1, model.name, "top_level_model_weights", path)
                    warnings.warn(
                        f"Skipping loading top-level weight {p.name} due to a shape mismatch",
                        stacklevel=3,
                    )
                    continue
                pairs.append((p, v))
    _assign_all(pairs)


def weights_root(f, path):
    """The group holding ``layer_names``: the file root or ``model_weights``."""
    if h5_io.has_attr_list(f, "layer_names"):
        return f
    if "model_weights" in f and h5_io.has_attr_list(f["model_weights"], "layer_names"):
        return f["model_weights"]
    return None


def load_weights_from_hdf5(model, filepath, by_name=False, skip_mismatch=False):
    """``model.load_weights('w.h5')`` for Keras 2 weight files and full-model files."""
    if skip_mismatch and not by_name:
        raise ValueError(
            "When calling model.load_weights, skip_mismatch can only be set to True when "
            "by_name is True."
        )
    with h5_io.open_h5(filepath, "weights") as f, h5_io.reading(filepath):
        root = weights_root(f, filepath)
        if root is None:
            raise h5_io.corrupt(
                filepath, "it holds neither 'layer_names' nor a 'model_weights' group"
            )
        if by_name:
            load_weights_from_hdf5_group_by_name(root, model, skip_mismatch, filepath)
        else:
            load_weights_from_hdf5_group(root, model, filepath)


# ------------------------------------------------------------------------- full model
def _check_config_classes(config, custom_objects, path):
    """Raise one ValueError naming every unknown layer class of a model config."""
    from kviz import layers as layers_mod
    from kviz.models.functional import Model
    from kviz.models.sequential import Sequential

    known = {k: v for k, v in vars(layers_mod).items() if isinstance(v, type)}
    known.update({"Model": Model, "Functional": Model, "Sequential": Sequential, "OpLambda": 1})
    unknown = []

    def visit(entry):
        if not isinstance(entry, dict) or "class_name" not in entry:
            return
        name = entry["class_name"]
        if registry.lookup(name, known, custom_objects) is None and name not in unknown:
            unknown.append(name)
        cfg = entry.get("config")
        layers = cfg.get("layers") if isinstance(cfg, dict) else cfg
        if isinstance(layers, list):
            for sub in layers:
                visit(sub)
        if isinstance(cfg, dict):
            for key in ("layer", "forward_layer", "backward_layer", "cell"):
                if isinstance(cfg.get(key), dict):
                    visit(cfg[key])

    visit(config)
    if unknown:
        names = ", ".join(f"'{n}'" for n in unknown)
        raise ValueError(
            f"Unknown layer: {names}. Please ensure you are using a "
            "`kviz.utils.custom_object_scope` and that this object is included in the scope, "
            "or pass it in `custom_objects` "
            f"(`load_model({os.fspath(path)!r}, custom_objects={{...}})`). See "
            "https://www.tensorflow.org/guide/keras/save_and_serialize#registering_the_custom_object"
        )


def model_from_saved_config(config, custom_objects, path):
    """Rebuild the architecture from a saved ``model_config`` (any supported dialect)."""
    from kviz.saving import keras3_config

    if not isinstance(config, dict) or "class_name" not in config:
        raise h5_io.corrupt(path, "its 'model_config' is not a {class_name, config} object")
    config = keras3_config.to_kviz_config(config)
    _check_config_classes(config, custom_objects, path)
    return model_from_config(config, custom_objects=custom_objects)


def restore_optimizer_from_h5(model, f, optimizer_class_name, path):
    if "optimizer_weights" not in f:
        return
    group = f["optimizer_weights"]
    try:
        names = h5_io.read_attr_list(group, "weight_names")
        values = [h5_io.read_dataset(group, n, path) for n in names]
    except ValueError:
        warnings.warn(optimizer_state.FRESH_OPTIMIZER_WARNING, stacklevel=4)
        return
    restore_optimizer_values(model, names, values, optimizer_class_name)


def restore_optimizer_values(model, names, values, optimizer_class_name=""):
    optimizer = model.optimizer
    var_list = list(model.trainable_weights)
    try:
        if optimizer_state.is_keras3_layout(names):
            optimizer_state.load_keras3_values(optimizer, var_list, values)
        elif optimizer_state.is_tf_keras_new_layout(names) or str(optimizer_class_name).startswith(
            "Custom>"
        ):
            optimizer_state.load_tf_keras_new_layout(optimizer, var_list, names, values)
        elif len(values) == 1 and len(names) == 1 and "iter" in names[0]:
            # an optimizer that never ran: only its iteration count was saved
            optimizer.iterations.assign(np.asarray(values[0], dtype=np.int64).reshape(()))
        else:
            optimizer_state.build(optimizer, var_list)
            optimizer.set_weights(values)
    except (ValueError, KeyError, TypeError) as e:
        warnings.warn(f"{optimizer_state.FRESH_OPTIMIZER_WARNING} ({e})", stacklevel=4)


def load_model_from_hdf5(filepath, custom_objects=None, compile=True):
    """``load_model('m.h5')``: architecture, weights, then (``compile=True``) the training
    configuration and the optimizer state."""
    with h5_io.open_h5(filepath, "model") as f:
        with h5_io.reading(filepath, "the model configuration"):
            config = h5_io.read_json_attr(f, "model_config", filepath)
            has_weights = weights_root(f, filepath) is not None
            has_model_weights = "model_weights" in f
            tc = h5_io.read_json_attr(f, "training_config", filepath) if compile else None
            version, _ = _version_and_backend(f)
        if config is None:
            if has_weights:
                raise ValueError(
                    f"No model config found in the file at {os.fspath(filepath)!r}: it holds "
                    "weights only (written by `save_weights`). Build the model in code and call "
                    "`model.load_weights(path)`."
                )
            raise ValueError(f"No model config found in the file at {os.fspath(filepath)!r}.")
        try:
            model = model_from_saved_config(config, custom_objects, filepath)
        except (TypeError, KeyError, ValueError) as e:
            if version != "1":
                _add_note(e, f"(while rebuilding the model saved in {os.fspath(filepath)!r})")
                raise
            raise ValueError(
                f"The file {os.fspath(filepath)!r} was written by Keras 1 and its model "
                f"configuration cannot be rebuilt by kviz ({type(e).__name__}: {e}). Build "
                "the model with the Keras 2 API and load the weights with "
                "`model.load_weights(path)`: Keras 1 weights are converted."
            ) from e
        if not has_model_weights:
            raise h5_io.corrupt(filepath, "it has a model config but no 'model_weights' group")
        with h5_io.reading(filepath):
            load_weights_from_hdf5_group(f["model_weights"], model, filepath)
        if not compile:
            return model
        if tc is None:
            warnings.warn(
                "No training configuration found in the save file, so the model was *not* "
                "compiled. Compile it manually.",
                stacklevel=3,
            )
            return model
        model.compile(**training_config_lib.compile_args(tc, custom_objects))
        opt_class = (tc.get("optimizer_config") or {}).get("class_name", "")
        with h5_io.reading(filepath, "the optimizer state"):
            restore_optimizer_from_h5(model, f, opt_class, filepath)
    return model


def _add_note(exc, note):
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(note)
