"""Keras 3 weight files: ``model.weights.h5`` inside ``.keras`` archives and ``*.weights.h5``.

Keras 3 stores each object's own variables under a path made of *attribute and class* names,
not layer names::

    vars                                 the model's own variables (usually none); attr name
    layers/dense/vars/0, .../1           first Dense of model.layers (kernel, bias)
    layers/dense_1/vars/0                second Dense (counters per class, in tracking order)
    layers/sequential/layers/dense/...   a nested model's layers
    layers/lstm/cell/vars/0..2           a sublayer held in an attribute (here ``cell``)
    optimizer/vars/0..n                  iterations, learning rate, slots (Keras 3 order)

Each ``vars`` group has a ``name`` attribute with the object's real name. kviz walks its
models the way Keras 3 does (``model.layers`` for Sequential/functional models, attributes in
sorted order for other layers and subclassed models), so the paths agree; when a path is
missing or does not fit, loading falls back on the ``name`` attribute.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from kviz.layers.base import Layer
from kviz.saving import h5_io, optimizer_state

# kviz bookkeeping attributes that are not part of the tracked state
_SKIP_ATTRS = {
    "_layers",
    "_outer",
    "_graph_layers",
    "_stack",
    "_stack_outputs",
    "_input_layer",
    "_input_layers",
    "_output_layers",
    "_inbound_nodes",
    "_outbound_nodes",
    "optimizer",
}

# Keras 3 keeps these layers' weights in a ``cell`` sublayer; a kviz layer of that name that
# holds them itself is mapped onto that path.
_CELL_LAYERS = ("SimpleRNN", "LSTM", "GRU")


def keras3_snake_case(name: str) -> str:
    """Keras 3's ``to_snake_case`` (``PReLU`` -> ``p_re_lu``, ``Conv2D`` -> ``conv2d``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def _join(path, name):
    return f"{path}/{name}" if path else name


def own_variables(obj):
    return list(obj._trainable_weights) + list(obj._non_trainable_weights)


def _is_graph(obj) -> bool:
    return bool(getattr(obj, "_is_graph_network", False)) or type(obj).__name__ == "Sequential"


def _children(obj):
    if _is_graph(obj):
        return [("layers", list(obj.layers))]
    out = []
    for attr in sorted(vars(obj), key=_name_key):
        if attr.startswith("__") or attr in _SKIP_ATTRS:
            continue
        value = vars(obj)[attr]
        if isinstance(value, Layer) and value is not obj:
            out.append((attr, value))
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Layer) for v in value):
            out.append((attr, list(value)))
        elif isinstance(value, dict) and any(isinstance(v, Layer) for v in value.values()):
            out.append((attr, list(value.values())))
    return out


def walk(model):
    """``[(path, object, own variables)]`` in Keras 3's order (root first, ``path`` '')."""
    out, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        variables = own_variables(obj)
        if (
            variables
            and type(obj).__name__ in _CELL_LAYERS
            and not isinstance(getattr(obj, "cell", None), Layer)
        ):
            out.append((path, obj, []))
            out.append((_join(path, "cell"), obj, variables))
        else:
            out.append((path, obj, variables))
        for attr, child in _children(obj):
            if isinstance(child, Layer):
                visit(child, _join(path, attr))
            else:
                container(child, _join(path, attr))

    def container(items, path):
        used: dict = {}
        for item in items:
            if isinstance(item, Layer):
                visit(item, _join(path, _unique(keras3_snake_case(_class_name(item)), used)))
            elif isinstance(item, (list, tuple)):
                container(list(item), _join(path, _unique("container", used)))

    visit(model, "")
    return out


def _class_name(obj):
    """Keras 3's class name: kviz's functional ``Model`` is Keras 3's ``Functional``."""
    name = type(obj).__name__
    if name == "Model" and getattr(obj, "_is_graph_network", False):
        return "Functional"
    return name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _vars_path(path):
    return _join(path, "vars")


# ============================================================================ writing
def write(f, model, include_optimizer=True):
    """Fill the open (empty) HDF5 file ``f`` with ``model``'s weights (and optimizer state)."""
    for path, obj, variables in walk(model):
        group = f.require_group(_vars_path(path))
        group.attrs["name"] = obj.name
        for i, v in enumerate(variables):
            h5_io.write_dataset(group, str(i), np.asarray(v.data))
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and getattr(model, "compiled", False):
        try:
            values = optimizer_state.keras3_values(optimizer, list(model.trainable_weights))
        except ValueError as e:
            warnings.warn(f"The optimizer state is not saved: {e}", stacklevel=4)
            return
        group = f.require_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        for i, value in enumerate(values):
            h5_io.write_dataset(group, str(i), value)


# ============================================================================ reading
def _vars_groups_by_name(f):
    """``{name attribute: vars group}`` for every ``vars`` group in the file."""
    found: dict = {}

    def visit(name, obj):
        name = h5_io.decode(name)
        if isinstance(name, str) and name.rsplit("/", 1)[-1] == "vars" and hasattr(obj, "keys"):
            owner = h5_io.read_str_attr(obj, "name")
            if owner is not None:
                found.setdefault(owner, []).append(obj)

    f.visititems(visit)
    return found


def _group_values(group, path):
    if group is None:
        return None
    keys = sorted((k for k in group.keys() if k.isdigit()), key=int)
    if [int(k) for k in keys] != list(range(len(keys))):
        raise h5_io.corrupt(path, f"the variables of {group.name!r} are not numbered 0..n-1")
    return [h5_io.read_dataset(group, k, path) for k in keys]


def _fits(variables, values):
    return (
        values is not None
        and len(values) == len(variables)
        and all(
            tuple(v.shape) == tuple(np.shape(x)) for v, x in zip(variables, values, strict=True)
        )
    )


def _mismatch_message(obj, variables, values):
    if values is None or len(values) != len(variables):
        received = 0 if values is None else len(values)
        return (
            f"Layer '{obj.name}' expected {len(variables)} variables, but received {received} "
            f"variables during loading. Expected: {[v.name for v in variables]}"
        )
    for v, x in zip(variables, values, strict=True):
        if tuple(v.shape) != tuple(np.shape(x)):
            return (
                "The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={tuple(v.shape)}, Received: "
                f"value.shape={tuple(np.shape(x))}. Target variable: {v.name} (layer "
                f"'{obj.name}')"
            )
    return ""


def read(f, model, path="<file>", skip_mismatch=False):
    """Load ``model``'s weights from the open Keras 3 weights file ``f``; every shape is checked
    before anything is assigned. Returns the optimizer values found (or None)."""
    by_name = None
    pairs = []
    for obj_path, obj, variables in walk(model):
        group_path = _vars_path(obj_path)
        group = f[group_path] if group_path in f else None
        values = _group_values(group, path)
        if not variables and not values:
            continue
        if not _fits(variables, values):
            if by_name is None:
                by_name = _vars_groups_by_name(f)
            candidates = by_name.get(obj.name, [])
            alternatives = [_group_values(g, path) for g in candidates]
            fitting = [a for a in alternatives if _fits(variables, a)]
            if len(fitting) == 1:
                values = fitting[0]
            else:
                msg = _mismatch_message(obj, variables, values)
                if skip_mismatch:
                    warnings.warn(
                        f"Skipping the weights of layer '{obj.name}': {msg}", stacklevel=4
                    )
                    continue
                raise ValueError(f"{msg} (file {path!r}, group {group_path!r})")
        pairs += list(zip(variables, values, strict=True))
    for variable, value in pairs:
        variable.assign(np.asarray(value, dtype=variable.dtype))
    if "optimizer/vars" in f:
        return _group_values(f["optimizer/vars"], path)
    return None


def restore_optimizer(model, values):
    """Set ``model.optimizer``'s state from Keras 3 ``optimizer/vars`` values (warns on failure)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not values:
        return
    try:
        optimizer_state.load_keras3_values(optimizer, list(model.trainable_weights), values)
    except (ValueError, KeyError, TypeError) as e:
        warnings.warn(f"{optimizer_state.FRESH_OPTIMIZER_WARNING} ({e})", stacklevel=4)
