"""The plain graph description of a model: what ``plot_model``, the SVG renderer and the
``ModelGraph`` widget all draw.

:func:`graph` reads a model through its public API (``layers``, ``inputs``, ``outputs``,
``count_params()``, ``trainable``, ``dtype``, ``activation``, ``weights``) and through the graph
nodes that calling layers created (``Node.input_tensors`` / ``output_tensors`` and each
tensor's ``_keras_history``). It never looks at private layer attributes, and it returns only
JSON-serializable values (dicts, lists, strings, numbers, booleans and None).

>>> from kviz.layers import Dense, Input
>>> from kviz.models import Model
>>> x = Input(shape=(4,), name='x')
>>> model = Model(x, Dense(2, name='out')(Dense(3, activation='relu', name='hidden')(x)))
>>> g = graph(model)
>>> [n['label'] for n in g['nodes']]
['x: InputLayer', 'hidden: Dense', 'out: Dense']
>>> [(e['source'], e['target']) for e in g['edges']]
[('x', 'hidden'), ('hidden', 'out')]
>>> g['nodes'][1]['output_shape'], g['nodes'][1]['activation'], g['nodes'][1]['params']
([None, 3], 'relu', 15)

The description
---------------
``{"name", "class_name", "nodes", "edges", "inputs", "outputs", "expand_nested", "complete",
"error"}``.

Each entry of ``nodes`` describes one layer (a layer called several times, a *shared* layer,
is still one node, with ``calls`` > 1 and one edge per call):

=================  ===========================================================================
``id``             unique string; a layer's name, prefixed ``"<model id>/"`` inside an expanded
                   nested model
``name``           the layer's name
``class_name``     ``"Dense"``, ``"InputLayer"``, ``"OpLambda"`` (an op such as ``K.mean``
                   applied to symbolic tensors), ``"Sequential"``, ``"Functional"``...
``kind``           ``"input"``, ``"layer"``, ``"op"`` or ``"model"``
``label``          ``"name: Class"``
``input_shape``    shapes as lists with ``None`` for unknown sizes (``[None, 784]``); a list of
``output_shape``   them for several tensors; ``"multiple"`` when the calls of a shared layer
                   disagree; ``None`` when not shown (``show_shapes=False``)
``dtype``          the layer's dtype (``"float32"``)
``activation``     the activation's name for layers that have one (``"relu"``), else None
``params``         ``count_params()`` (0 for unbuilt layers)
``trainable``      the layer's ``trainable`` flag
``weights``        ``[{"name", "shape", "dtype", "trainable"}]``
``is_model``       True for a nested model
``expanded``       True for a nested model drawn as a cluster of its own layers (then it has no
                   edges; its layers name it as their ``parent``)
``parent``         id of the expanded nested model holding this node, or None
``calls``          how many times the layer is called in this graph (> 1: a shared layer)
``wrapped``        ``{"name", "class_name"}`` of the layer inside a wrapper layer, else None
``status``         ``"ok"``; in :func:`partial_graph` also ``"error"`` or ``"not_reached"``
``error``          None, or ``{"type", "message", "explanation"}`` on the node that failed
=================  ===========================================================================

Each entry of ``edges`` is one tensor flowing into one call of a layer: ``{"source", "target",
"shared", "shape", "dtype", "call", "pending"}``. ``shared`` is True when either end is a
shared layer; ``call`` numbers the calls of the target; ``pending`` marks, in a partial graph,
connections that were never made because an earlier layer failed. Two tensors between the same
two layers (``Add()([x, x])``) give two edges; the renderers draw one arrow for them. Edges of
an expanded nested model go straight to its layers: into the ``InputLayer`` of the nested model
that receives the tensor, and out of the layer that computes the nested model's output.

``inputs`` and ``outputs`` are the ids of the nodes holding the model's input tensors and
computing its outputs.
"""

from __future__ import annotations

import re

from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.layers.base import Layer
from kviz.layers.input_layer import InputLayer
from kviz.models.functional import Model
from kviz.models.network import map_graph_network
from kviz.ops.core import OpLambda

NOT_BUILT_MESSAGE = (
    "This model has not yet been built. Build the model first by calling `build()` or by "
    "calling the model on a batch of data."
)


# ------------------------------------------------------------------------------ helpers
def json_shape(shape):
    """A shape (or a nested structure of shapes) as JSON: tuples become lists."""
    if shape is None or isinstance(shape, str):
        return shape
    if isinstance(shape, dict):
        return {str(k): json_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return [json_shape(d) for d in shape]
    try:
        return int(shape)
    except (TypeError, ValueError):
        return str(shape)


def _same(values):
    first = values[0]
    return all(v == first for v in values[1:])


def _class_name(layer) -> str:
    cls = type(layer).__name__
    if cls == "Model" and _has_graph(layer):
        return "Functional"
    return cls


def _kind(layer) -> str:
    if isinstance(layer, InputLayer):
        return "input"
    if isinstance(layer, OpLambda):
        return "op"
    if isinstance(layer, Model):
        return "model"
    return "layer"


def _has_graph(model) -> bool:
    """True for a model with a graph of layers (functional, built Sequential)."""
    return bool(getattr(model, "_is_graph_network", False)) and bool(
        getattr(model, "outputs", None)
    )


def _activation_name(layer):
    act = getattr(layer, "activation", None)
    if act is None or isinstance(layer, Model):
        return None
    if isinstance(act, str):
        return act
    name = getattr(act, "name", None) or getattr(act, "__name__", None)
    return str(name if name is not None else act)


def _params(layer) -> int:
    if not getattr(layer, "built", True):
        return 0
    try:
        return int(layer.count_params())
    except Exception:  # an unbuilt sublayer, a layer without weights API
        return 0


def _weights(layer) -> list:
    try:
        weights = list(layer.weights)
        trainable = {id(w) for w in layer.trainable_weights}
    except Exception:
        return []
    out, seen = [], set()
    for w in weights:
        if id(w) in seen:
            continue
        seen.add(id(w))
        out.append(
            {
                "name": str(getattr(w, "name", "")),
                "shape": json_shape(tuple(getattr(w, "shape", ()))),
                "dtype": str(getattr(w, "dtype", "")),
                "trainable": id(w) in trainable,
            }
        )
    return out


def _dtype(layer, calls):
    dtype = getattr(layer, "dtype", None)
    if dtype is None and calls:
        outs = calls[0].output_tensors
        dtype = outs[0].dtype if outs else None
    return None if dtype is None else str(dtype)


def _wrapped(layer):
    inner = getattr(layer, "layer", None)
    if isinstance(layer, Model) or not isinstance(inner, Layer):
        return None
    return {"name": inner.name, "class_name": _class_name(inner)}


def _call_input_shape(layer, node):
    if isinstance(layer, InputLayer) or not node.input_tensors:
        outs = node.output_tensors
        return outs[0].shape if len(outs) == 1 else [t.shape for t in outs]
    if isinstance(layer, OpLambda):
        ts = node.input_tensors
        return ts[0].shape if len(ts) == 1 else [t.shape for t in ts]
    return node.input_shapes


def _call_output_shape(node):
    return node.output_shapes


def _shapes(layer, calls):
    if not calls:
        try:
            return json_shape(layer.input_shape), json_shape(layer.output_shape)
        except Exception:
            return None, None
    ins = [json_shape(_call_input_shape(layer, n)) for n in calls]
    outs = [json_shape(_call_output_shape(n)) for n in calls]
    return (ins[0] if _same(ins) else "multiple"), (outs[0] if _same(outs) else "multiple")


def layer_node(layer, node_id, calls=(), parent=None, show_shapes=True, multiplier=1) -> dict:
    """The description of one layer (see the module docstring)."""
    calls = list(calls)
    in_shape, out_shape = _shapes(layer, calls) if show_shapes else (None, None)
    name = layer.name
    cls = _class_name(layer)
    return {
        "id": node_id,
        "name": name,
        "class_name": cls,
        "kind": _kind(layer),
        "label": f"{name}: {cls}",
        "input_shape": in_shape,
        "output_shape": out_shape,
        "dtype": _dtype(layer, calls),
        "activation": _activation_name(layer),
        "params": _params(layer),
        "trainable": bool(getattr(layer, "trainable", False)),
        "weights": _weights(layer),
        "is_model": isinstance(layer, Model),
        "expanded": False,
        "parent": parent,
        "calls": max(len(calls), 1) * multiplier,
        "wrapped": _wrapped(layer),
        "status": "ok",
        "error": None,
    }


def _edge(source, target, tensor, call, shared, show_shapes, pending=False) -> dict:
    return {
        "source": source,
        "target": target,
        "shared": bool(shared),
        "shape": json_shape(tensor.shape) if (show_shapes and tensor is not None) else None,
        "dtype": tensor.dtype if tensor is not None else None,
        "call": call,
        "pending": pending,
    }


# ------------------------------------------------------------------------- the builder
class _Context:
    """One model's graph inside the description (the top model or an expanded nested one)."""

    def __init__(self, model, prefix, parent, multiplier):
        self.model = model
        self.prefix = prefix
        self.parent = parent
        self.multiplier = multiplier
        _, nodes_by_depth, layers, _ = map_graph_network(model.inputs, model.outputs)
        self.layers = layers
        self.graph_nodes = [
            n for d in sorted(nodes_by_depth, reverse=True) for n in nodes_by_depth[d]
        ]
        ids = {id(n) for n in self.graph_nodes}
        self.calls = {}
        for layer in layers:
            self.calls[id(layer)] = [n for n in layer._inbound_nodes if id(n) in ids]
        self.input_ids = {id(t) for t in model.inputs}
        self.ids = {}  # id(layer) -> node id
        self.children = {}  # id(nested model) -> _Context (expanded ones)

    def node_id(self, layer):
        return self.prefix + layer.name


class _Builder:
    def __init__(self, expand_nested, show_shapes):
        self.expand_nested = expand_nested
        self.show_shapes = show_shapes
        self.nodes = []
        self.edges = []
        self.by_id = {}

    def _add_node(self, entry):
        base, k = entry["id"], 1
        while entry["id"] in self.by_id:  # two layers with one name: keep ids unique
            k += 1
            entry["id"] = f"{base}#{k}"
        self.by_id[entry["id"]] = entry
        self.nodes.append(entry)
        return entry["id"]

    def add_model(self, model, prefix="", parent=None, multiplier=1, keep=None):
        ctx = _Context(model, prefix, parent, multiplier)
        for index, layer in enumerate(ctx.layers):
            if keep is not None and not keep(index, layer):
                continue
            calls = ctx.calls[id(layer)]
            entry = layer_node(
                layer, ctx.node_id(layer), calls, parent, self.show_shapes, multiplier
            )
            if self.expand_nested and isinstance(layer, Model) and _has_graph(layer):
                entry["expanded"] = True
                node_id = self._add_node(entry)
                ctx.ids[id(layer)] = node_id
                ctx.children[id(layer)] = self.add_model(
                    layer, node_id + "/", node_id, entry["calls"]
                )
            else:
                ctx.ids[id(layer)] = self._add_node(entry)
        self._add_edges(ctx)
        return ctx

    # -- wiring
    def producer(self, ctx, tensor):
        """Node id computing ``tensor`` in ``ctx`` (through expanded nested models), or None."""
        history = tensor._keras_history
        if history is None:
            return None
        op, _, tensor_index = history
        child = ctx.children.get(id(op))
        if child is not None:
            return self.producer(child, op.outputs[tensor_index])
        return ctx.ids.get(id(op))

    @staticmethod
    def _nested_targets(child, node):
        """(tensor, node id) pairs: each tensor fed to an expanded nested model's call and the
        node of the nested model that receives it."""
        model = child.model
        call_inputs = node.call_inputs
        if isinstance(call_inputs, dict):
            names = list(getattr(model, "input_names", []))
            tensors = [call_inputs.get(n) for n in names]
        else:
            tensors = nest.flatten(call_inputs)
        pairs = []
        for tensor, inner in zip(tensors, model.inputs, strict=False):
            if isinstance(tensor, KerasTensor):
                pairs.append((tensor, child.ids.get(id(inner._keras_history[0]))))
        return pairs

    def _add_edges(self, ctx):
        for layer in ctx.layers:
            for call, node in enumerate(ctx.calls[id(layer)]):
                if any(id(t) in ctx.input_ids for t in node.output_tensors):
                    continue  # the node holding a model input: nothing flows into it here
                child = ctx.children.get(id(layer))
                if child is not None:
                    pairs = self._nested_targets(child, node)
                else:
                    pairs = [(t, ctx.ids.get(id(layer))) for t in node.input_tensors]
                for tensor, target in pairs:
                    source = self.producer(ctx, tensor)
                    if source is None or target is None:
                        continue
                    if source not in self.by_id or target not in self.by_id:
                        continue
                    shared = self.by_id[source]["calls"] > 1 or self.by_id[target]["calls"] > 1
                    self.edges.append(_edge(source, target, tensor, call, shared, self.show_shapes))


# --------------------------------------------------------------------------- public API
def _layer_range_filter(layers, layer_range):
    """``keep(index, layer)`` for Keras's ``layer_range=[first, last]`` (names or regexes)."""
    if layer_range is None:
        return None
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(x, str) for x in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, lyr in enumerate(layers) if re.match(layer_range[0], lyr.name)]
    upper = [i for i, lyr in enumerate(layers) if re.match(layer_range[1], lyr.name)]
    if not lower or not upper:
        raise ValueError(
            "Passed layer_names do not match the layer names in the model. "
            f"Received: {layer_range}; layers: {[lyr.name for lyr in layers]}"
        )
    lo, hi = min(lower), max(upper)
    if lo > hi:
        raise ValueError(
            f"layer_range={layer_range!r}: the first layer ({layers[lo].name!r}) comes after the "
            f"last one ({layers[hi].name!r}) in the model."
        )
    return lambda index, layer: lo <= index <= hi


def _description(model, builder, inputs, outputs, complete=True, error=None):
    return {
        "name": model.name if model is not None else None,
        "class_name": _class_name(model) if model is not None else None,
        "nodes": builder.nodes,
        "edges": builder.edges,
        "inputs": inputs,
        "outputs": outputs,
        "expand_nested": builder.expand_nested,
        "complete": complete,
        "error": error,
    }


def graph(model, expand_nested=False, show_shapes=True, layer_range=None) -> dict:
    """The plain, JSON-serializable description of ``model``'s graph (see the module docstring).

    ``expand_nested`` draws nested functional models as clusters of their own layers;
    ``show_shapes=False`` leaves the shapes out (``None``); ``layer_range=[first, last]`` keeps
    the layers from ``first`` to ``last`` (names or regular expressions, both included, in the
    order of the model's layers with a Sequential model's input layer first) and the edges
    between them.
    """
    if not isinstance(model, Model):
        raise TypeError(
            f"graph() expects a kviz Model (Sequential or functional); received {model!r} of "
            f"type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(NOT_BUILT_MESSAGE)
    builder = _Builder(bool(expand_nested), bool(show_shapes))
    if not _has_graph(model):
        # A subclassed model (or a Sequential with only an input): no graph of layers to read.
        inputs = list(getattr(model, "inputs", None) or [])
        if inputs and isinstance(model, Model) and inputs[0]._keras_history is not None:
            layer = inputs[0]._keras_history[0]
            calls = layer._inbound_nodes[:1]
            nid = builder._add_node(layer_node(layer, layer.name, calls, None, show_shapes))
            return _description(model, builder, [nid], [nid])
        nid = builder._add_node(layer_node(model, model.name, (), None, show_shapes))
        return _description(model, builder, [nid], [nid])
    _, _, layers, _ = map_graph_network(model.inputs, model.outputs)
    keep = _layer_range_filter(layers, layer_range)
    ctx = builder.add_model(model, keep=keep)
    inputs = [ctx.ids.get(id(t._keras_history[0])) for t in model.inputs]
    outputs = [builder.producer(ctx, t) for t in model.outputs]
    inputs = [i for i in dict.fromkeys(inputs) if i is not None]
    outputs = [o for o in dict.fromkeys(outputs) if o is not None]
    return _description(model, builder, inputs, outputs)


__all__ = ["NOT_BUILT_MESSAGE", "graph", "json_shape", "layer_node"]
