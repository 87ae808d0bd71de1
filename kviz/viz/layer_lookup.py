"""Find layers of a model (nested models included) by name, path, index or object.

Layers inside a nested model are named by their path: ``'inner/conv'`` is layer ``conv`` of the
nested model ``inner``. A bare name (``'conv'``) also finds a nested layer when exactly one
layer of the whole tree carries it. An integer is a position in ``model.layers`` (as
``model.get_layer(index=...)``); a ``Layer`` object is looked up anywhere in the tree.

>>> from kviz import layers, models
>>> inner = models.Sequential([layers.Dense(3, input_shape=(4,), name='d')], name='inner')
>>> outer = models.Sequential([inner, layers.Dense(2, name='out')], name='outer')
>>> [ref.key for ref in walk(outer)]
['inner', 'inner/d', 'out']
>>> resolve(outer, 'd').key, resolve(outer, 1).key, resolve(outer, inner.layers[0]).key
('inner/d', 'out', 'inner/d')
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kviz.layers.base import Layer
from kviz.layers.input_layer import InputLayer
from kviz.models.functional import Model
from kviz.models.network import map_graph_network
from kviz.models.sequential import Sequential


class LayerRef(NamedTuple):
    """A layer found in a model tree.

    ``key``: its path (``'conv'`` or ``'inner/conv'``); ``layer``: the layer; ``owners``: the
    models from the outermost one to the one whose graph holds the layer directly.
    """

    key: str
    layer: Layer
    owners: tuple


def is_graph_model(layer) -> bool:
    """True for a functional or built Sequential model (a model with a graph to read)."""
    return isinstance(layer, Model) and bool(getattr(layer, "_is_graph_network", False))


def graph_model(model, x=None):
    """``model``, built when it is a Sequential without input shape and ``x`` is given.

    Raises a ValueError for models without a layer graph (subclassed models).
    """
    if not isinstance(model, Model):
        raise TypeError(f"Expected a kviz Model; received {type(model).__name__}")
    if not is_graph_model(model) and isinstance(model, Sequential) and x is not None:
        first = x[0] if isinstance(x, (list, tuple)) else x
        model.build((None,) + tuple(np.shape(first))[1:])
    if not is_graph_model(model):
        raise ValueError(
            f"Model {model.name!r} has no layer graph to look inside: use a Sequential model "
            "with a known input shape (input_shape=... on its first layer, or pass data) or a "
            "functional Model(inputs, outputs); subclassed models are not supported."
        )
    return model


def walk(model, prefix="", owners=()):
    """Every layer of ``model`` except input layers, nested models followed by their layers."""
    owners = owners + (model,)
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            continue
        key = prefix + layer.name
        yield LayerRef(key, layer, owners)
        if is_graph_model(layer):
            yield from walk(layer, key + "/", owners)


def _all_refs(model):
    refs = []
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            refs.append(LayerRef(layer.name, layer, (model,)))
    return refs + list(walk(model))


def layer_names(model) -> list[str]:
    """The keys :func:`resolve` accepts for ``model`` (input layers excluded)."""
    return [ref.key for ref in walk(model)]


def resolve(model, spec) -> LayerRef:
    """The :class:`LayerRef` for ``spec`` (a path/name, an index into ``model.layers``, or a layer)."""
    if isinstance(spec, LayerRef):
        return spec
    if isinstance(spec, Layer):
        for ref in _all_refs(model):
            if ref.layer is spec:
                return ref
        raise ValueError(
            f"Layer {spec.name!r} is not part of model {model.name!r}. Its layers are: "
            f"{layer_names(model)}"
        )
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        n = len(model.layers)
        if not -n <= spec < n:
            raise ValueError(
                f"Layer index {spec} is out of range: model {model.name!r} has {n} layers "
                f"(indices {-n}..{n - 1}): {[lyr.name for lyr in model.layers]}"
            )
        layer = model.layers[spec]
        return LayerRef(layer.name, layer, (model,))
    if isinstance(spec, str):
        refs = _all_refs(model)
        for ref in refs:
            if ref.key == spec:
                return ref
        same = [ref for ref in refs if ref.layer.name == spec]
        if len(same) == 1:
            return same[0]
        if len(same) > 1:
            raise ValueError(
                f"Layer name {spec!r} is ambiguous in model {model.name!r}; use one of the "
                f"paths {[ref.key for ref in same]}"
            )
        raise ValueError(
            f"No layer named {spec!r} in model {model.name!r}. Available layers: "
            f"{layer_names(model)}"
        )
    raise TypeError(
        "A layer is given by its name (nested layers as 'model/layer'), its index in "
        f"model.layers, or the Layer object; received {type(spec).__name__}"
    )


def node_in(model, layer):
    """The (first) node of ``layer`` inside ``model``'s graph."""
    _, nodes_by_depth, _, _ = map_graph_network(model.inputs, model.outputs)
    ours = {id(n) for nodes in nodes_by_depth.values() for n in nodes}
    for node in layer.inbound_nodes:
        if id(node) in ours:
            return node
    raise ValueError(f"Layer {layer.name!r} is not called in the graph of model {model.name!r}")


def output_tensor(ref: LayerRef):
    """The symbolic output of ``ref``'s layer in the graph of the model that holds it.

    For a layer with several outputs (``return_state=True``) the first one.
    """
    node = node_in(ref.owners[-1], ref.layer)
    return node.output_tensors[0]


def all_output_tensors(ref: LayerRef):
    """Every symbolic output of ``ref``'s layer in its model's graph (a list)."""
    return list(node_in(ref.owners[-1], ref.layer).output_tensors)


__all__ = [
    "LayerRef",
    "all_output_tensors",
    "graph_model",
    "is_graph_model",
    "layer_names",
    "node_in",
    "output_tensor",
    "resolve",
    "walk",
]
