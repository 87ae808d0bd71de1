"""Keras-2 configuration of models: ``get_config``/``from_config``/``to_json`` structures.

Functional configs hold ``layers`` (each with ``inbound_nodes``), ``input_layers`` and
``output_layers``, as Keras 2 writes them, so real Keras can read kviz's JSON and kviz can
read Keras's (``class_name`` ``Functional`` from tf.keras, ``Model`` from Keras 2.2).
"""

from __future__ import annotations

import numpy as np

from kviz import __version__, registry
from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.ops.core import OpLambda

KERAS_VERSION = "2.21.0"  # the Keras-2 file/JSON format version kviz writes


def _all_classes(custom_objects=None):
    from kviz import layers as layers_mod
    from kviz.models.functional import Functional, Model
    from kviz.models.sequential import Sequential

    objs = {k: v for k, v in vars(layers_mod).items() if isinstance(v, type)}
    objs.update({"Model": Model, "Functional": Functional, "Sequential": Sequential})
    return objs


def deserialize_layer(config, custom_objects=None):
    """A layer (or nested model) from ``{'class_name': ..., 'config': ...}``."""
    if config.get("class_name") == "OpLambda":
        return _oplambda_from_config(config["config"])
    objs = _all_classes(custom_objects)
    cls = registry.lookup(config["class_name"], objs, custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown layer: '{config['class_name']}'. Please ensure you are using a "
            "`kviz.utils.custom_object_scope` and that this object is included in the scope, "
            "or pass it in `custom_objects`. See "
            "https://www.tensorflow.org/guide/keras/save_and_serialize#registering_the_custom_object"
        )
    cfg = config["config"]
    try:
        return cls.from_config(cfg, custom_objects=custom_objects)
    except TypeError as e:
        if "custom_objects" not in str(e):
            raise
        return cls.from_config(cfg)


def serialize_layer(layer):
    if isinstance(layer, OpLambda):
        return {"class_name": "OpLambda", "config": layer.get_config()}
    return {"class_name": _class_name(layer), "config": layer.get_config()}


def _class_name(layer):
    if getattr(layer, "_is_graph_network", False) and type(layer).__name__ == "Model":
        return "Functional"
    return type(layer).__name__


def _oplambda_from_config(cfg):
    from kviz import ops

    symbol = cfg["function"].rsplit(".", 1)[-1]
    fn = getattr(ops, symbol, None)
    if fn is None or not hasattr(fn, "__wrapped_op__"):
        raise ValueError(f"Unknown op in an OpLambda layer: {cfg['function']!r}")
    return OpLambda(fn.__wrapped_op__, name=cfg["name"])


# ------------------------------------------------------------------ argument encoding
def _encode(value, tensor_ref):
    if isinstance(value, KerasTensor):
        return {"__keras_tensor__": list(tensor_ref(value))}
    if isinstance(value, slice):
        return {
            "__slice__": [
                _encode(value.start, tensor_ref),
                _encode(value.stop, tensor_ref),
                _encode(value.step, tensor_ref),
            ]
        }
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, tensor_ref) for v in value]}
    if isinstance(value, list):
        return [_encode(v, tensor_ref) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, tensor_ref) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value


def _decode(value, tensor_lookup):
    if isinstance(value, dict):
        if "__keras_tensor__" in value:
            return tensor_lookup(value["__keras_tensor__"])
        if "__slice__" in value:
            return slice(*[_decode(v, tensor_lookup) for v in value["__slice__"]])
        if "__ellipsis__" in value:
            return Ellipsis
        if "__tuple__" in value:
            return tuple(_decode(v, tensor_lookup) for v in value["__tuple__"])
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {k: _decode(v, tensor_lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, tensor_lookup) for v in value]
    return value


# ------------------------------------------------------------------------ functional
def functional_config(model):
    node_index_map = {}  # (layer id, original node index) -> index within this model
    for layer in model.layers:
        kept = 1 if _skip_first_node(layer) else 0
        for i, node in enumerate(layer._inbound_nodes):
            if id(node) in model._network_nodes:
                node_index_map[(id(layer), i)] = kept
                kept += 1

    def tensor_ref(t):
        op, node_index, tensor_index = t._keras_history
        return [op.name, node_index_map.get((id(op), node_index), node_index), tensor_index]

    layer_configs = []
    for layer in model.layers:
        inbound = []
        for i, node in enumerate(layer._inbound_nodes):
            if (id(layer), i) not in node_index_map or not node.input_tensors:
                continue
            inbound.append(_node_entry(node, tensor_ref))
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound
        layer_configs.append(entry)

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": _io_refs(model._nested_inputs, tensor_ref),
        "output_layers": _io_refs(model._nested_outputs, tensor_ref),
    }


def _skip_first_node(layer):
    """Whether configs number this layer's nodes from 1 (Keras's convention for nested graph
    models: Keras 2 gave every network a node of its own, linking its inputs to its outputs,
    that configs leave out). kviz models have no such node, but the numbering must match so
    that Keras reads kviz's configs and kviz reads Keras's."""
    return bool(getattr(layer, "_is_graph_network", False))


def _io_refs(structure, tensor_ref):
    if isinstance(structure, dict):
        return {k: tensor_ref(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [tensor_ref(t) for t in structure]
    return [tensor_ref(structure)]


def _node_entry(node, tensor_ref):
    """Keras-2 inbound node: a list of ``[layer_name, node_index, tensor_index, kwargs]``.

    The first call argument's tensors become the entries; other call arguments go into the
    kwargs of the first entry (``OpLambda`` nodes keep theirs under ``__args__``).
    """
    first = node.args[0] if node.args else None
    extra_kwargs = _encode(dict(node.kwargs), tensor_ref)
    if isinstance(node.operation, OpLambda) or not _is_tensor_structure(first):
        args = _encode(list(node.args), tensor_ref)
        return [["__op_args__", 0, 0, {"args": args, "kwargs": extra_kwargs}]]
    flat = nest.flatten(first)
    entries = []
    for i, t in enumerate(flat):
        entries.append(tensor_ref(t) + [extra_kwargs if i == 0 else {}])
    if len(node.args) > 1:
        entries[0][3] = dict(entries[0][3], __args__=_encode(list(node.args[1:]), tensor_ref))
    return entries


def _is_tensor_structure(x):
    flat = nest.flatten(x)
    return (
        bool(flat) and all(isinstance(t, KerasTensor) for t in flat) and (not isinstance(x, dict))
    )


def functional_from_config(cls, config, custom_objects=None):
    from kviz.models.functional import Model

    created = {}
    pending = []
    # (layer name, node index in the config) -> index in layer._inbound_nodes; configs number
    # a nested model's nodes from 1 (see _skip_first_node)
    node_index_map = {}
    node_count = {}
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        name = entry.get("name", layer.name)
        created[name] = layer
        node_count[name] = 1 if _skip_first_node(layer) else 0
        pending.append((name, layer, list(entry.get("inbound_nodes", []))))

    def node_of(name, node_index):
        layer = created[name]
        if type(layer).__name__ == "InputLayer":
            return layer._inbound_nodes[0]
        index = node_index_map.get((name, node_index))
        return None if index is None else layer._inbound_nodes[index]

    def lookup(ref):
        return node_of(ref[0], ref[1]).output_tensors[ref[2]]

    def available(ref):
        return ref[0] in created and node_of(ref[0], ref[1]) is not None

    def refs_of(node_data):
        out = []
        for item in node_data:
            if item[0] == "__op_args__":
                out += _tensor_refs(item[3])
            else:
                out.append(item)
                out += _tensor_refs(item[3] if len(item) > 3 else {})
        return out

    progress = True
    while progress and any(nodes for _, _, nodes in pending):
        progress = False
        for name, layer, nodes in pending:
            while nodes and all(available(r) for r in refs_of(nodes[0])):
                _call_from_node_data(layer, nodes.pop(0), lookup)
                node_index_map[(name, node_count[name])] = len(layer._inbound_nodes) - 1
                node_count[name] += 1
                progress = True
    stuck = [layer.name for _, layer, nodes in pending if nodes]
    if stuck:
        raise ValueError(
            f"Cannot rebuild the model graph: the inputs of layers {stuck} are never produced "
            "(the configuration is incomplete or refers to unknown layers)"
        )
    inputs = _decode_io(config["input_layers"], lookup)
    outputs = _decode_io(config["output_layers"], lookup)
    target = cls if isinstance(cls, type) and issubclass(cls, Model) else Model
    return target(inputs=inputs, outputs=outputs, name=config.get("name"))


def _tensor_refs(value):
    out = []
    if isinstance(value, dict):
        if "__keras_tensor__" in value:
            return [value["__keras_tensor__"]]
        for v in value.values():
            out += _tensor_refs(v)
    elif isinstance(value, list):
        for v in value:
            out += _tensor_refs(v)
    return out


def _call_from_node_data(layer, node_data, lookup):
    if node_data and node_data[0][0] == "__op_args__":
        spec = node_data[0][3]
        args = _decode(spec["args"], lookup)
        kwargs = _decode(spec["kwargs"], lookup)
        return layer(*args, **kwargs)
    tensors = []
    kwargs = {}
    extra_args = []
    for i, item in enumerate(node_data):
        tensors.append(lookup(item))
        if i == 0 and len(item) > 3 and item[3]:
            kw = _decode(item[3], lookup)
            extra_args = kw.pop("__args__", [])
            kwargs = kw
    inputs = tensors[0] if len(tensors) == 1 else tensors
    return layer(inputs, *extra_args, **kwargs)


def _decode_io(refs, lookup):
    if isinstance(refs, dict):
        return {k: lookup(v) for k, v in refs.items()}
    if refs and not isinstance(refs[0], list):
        return lookup(refs)
    tensors = [lookup(r) for r in refs]
    return tensors[0] if len(tensors) == 1 else tensors


# --------------------------------------------------------------------------- top level
def model_to_dict(model):
    return {
        "class_name": _class_name(model),
        "config": model.get_config(),
        "keras_version": KERAS_VERSION,
        "backend": "tensorflow",
        "kviz_version": __version__,
    }


def model_from_config(config, custom_objects=None):
    """A model (or layer) from ``{'class_name': ..., 'config': ...}``."""
    if isinstance(config, list):
        raise TypeError(
            "`model_from_config` expects a dictionary, not a list. Received: "
            f"{str(config)[:80]}... Did you meant to use `Sequential.from_config(config)`?"
        )
    return deserialize_layer(config, custom_objects)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model's architecture (no weights) from :meth:`Model.to_json` output."""
    import json

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e})") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "model_from_json expects the JSON of a model: an object with 'class_name' and "
            f"'config'; received {str(json_string)[:80]!r}"
        )
    return model_from_config(config, custom_objects=custom_objects)


def import_yaml(what):
    """PyYAML, imported when YAML is first used (a clear ImportError if it is missing)."""
    try:
        import yaml
    except ImportError:
        raise ImportError(
            f"{what} requires PyYAML (a kviz dependency): install it with `pip install pyyaml`."
        ) from None
    return yaml


def model_from_yaml(yaml_string, custom_objects=None):
    """Rebuild a model's architecture (no weights) from :meth:`Model.to_yaml` output (Keras 2.2).

    The text is read with ``yaml.safe_load``: YAML tags that would build Python objects
    (``!!python/object``...) are refused with a ValueError, never executed.

    >>> model_from_yaml("class_name: Sequential\\nconfig: {name: s, layers: []}").name
    's'
    """
    yaml = import_yaml("model_from_yaml()")
    try:
        config = yaml.safe_load(yaml_string)
    except yaml.YAMLError as e:
        raise ValueError(
            "model_from_yaml: the string is not a model's YAML that can be read safely (plain "
            "mappings, lists, strings and numbers only; tags that build Python objects, such "
            f"as the !!python/tuple of Keras 2.2's yaml.dump, are refused): {_yaml_problem(e)}"
        ) from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "model_from_yaml expects the YAML of a model: a mapping with 'class_name' and "
            f"'config'; received {str(yaml_string)[:80]!r}"
        )
    return model_from_config(config, custom_objects=custom_objects)


def _yaml_problem(error):
    """One line saying what PyYAML found wrong, and where."""
    problem = getattr(error, "problem", None)
    if not problem:
        text = str(error).strip()
        return text.splitlines()[0] if text else type(error).__name__
    context = getattr(error, "context", None)
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"{context + ': ' if context else ''}{problem}{where}"
