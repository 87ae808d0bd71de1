"""``clone_model``: the same architecture with fresh layers (and freshly initialized weights).

>>> from kviz.layers import Dense
>>> from kviz.models import Sequential
>>> model = Sequential([Dense(3, input_shape=(2,))])
>>> clone = clone_model(model)
>>> clone.layers[0] is model.layers[0], clone.output_shape
(False, (None, 3))
"""

from __future__ import annotations

from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.layers.input_layer import Input, InputLayer
from kviz.models.functional import Model
from kviz.models.graph_config import deserialize_layer, serialize_layer
from kviz.models.sequential import Sequential
from kviz.ops.core import OpLambda


def _default_clone(layer):
    if isinstance(layer, OpLambda):
        return OpLambda(layer.fn)
    return deserialize_layer(serialize_layer(layer))


def clone_model(model, input_tensors=None, clone_function=None):
    """Clone a Sequential or functional model. Weights are not copied (as in Keras)."""
    clone_function = clone_function or _default_clone
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if not isinstance(model, Model) or not model._is_graph_network:
        raise ValueError(
            "Expected `model` argument to be a functional `Model` instance, but got a "
            f"subclassed model instead: {model!r}"
        )
    return _clone_functional(model, input_tensors, clone_function)


def _clone_sequential(model, input_tensors, clone_function):
    layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is not None:
        x = nest.flatten(input_tensors)[0]
        clone = Sequential(name=model.name)
        if not isinstance(x._keras_history[0], InputLayer):
            out = x
            for layer in layers:
                out = layer(out)
            return Model(x, out, name=model.name)
        clone.add(x)
        for layer in layers:
            clone.add(layer)
        return clone
    clone = Sequential(name=model.name)
    if model.built and model._input_layer is not None:
        il = model._input_layer
        clone.add(InputLayer(batch_input_shape=il._batch_input_shape, dtype=il.dtype, name=il.name))
    for layer in layers:
        clone.add(layer)
    return clone


def _clone_functional(model, input_tensors, clone_function):
    tensor_map = {}
    new_layers = {}
    if input_tensors is not None:
        given = nest.flatten(input_tensors)
        if len(given) != len(model.inputs):
            raise ValueError(
                f"clone_model: the model has {len(model.inputs)} inputs but "
                f"{len(given)} input_tensors were given"
            )
        for old, new in zip(model.inputs, given, strict=True):
            if not isinstance(new, KerasTensor):
                new = Input(tensor=new)
            tensor_map[id(old)] = new
    else:
        for old in model.inputs:
            layer = old._keras_history[0]
            new = Input(batch_shape=old.shape, dtype=old.dtype, name=layer.name)
            tensor_map[id(old)] = new

    def mapped(x):
        return tensor_map[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._run_order:
        layer = node.operation
        if id(layer) not in new_layers:
            new_layers[id(layer)] = clone_function(layer)
        new_layer = new_layers[id(layer)]
        args = tuple(nest.map_structure(mapped, a) for a in node.args)
        kwargs = {k: nest.map_structure(mapped, v) for k, v in node.kwargs.items()}
        outputs = new_layer(*args, **kwargs)
        for old, new in zip(node.output_tensors, nest.flatten(outputs), strict=True):
            tensor_map[id(old)] = new
    inputs = nest.map_structure(mapped, model._nested_inputs)
    outputs = nest.map_structure(mapped, model._nested_outputs)
    return Model(inputs, outputs, name=model.name)
