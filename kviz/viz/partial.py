"""The graph of a model that cannot be built: the layers that worked, the one that failed (with
the error explained in plain words) and the ones never reached.

A shape mistake in ``Sequential([...])`` raises before there is any model to draw.
:func:`partial_graph` takes the list of layers and the input shape instead, calls the layers one
after the other on a symbolic input, and stops at the first one that raises.

>>> from kviz.layers import Dense, Permute
>>> g = partial_graph([Dense(4, name='d'), Permute((2, 1), name='p'), Dense(2, name='o')], (8,))
>>> [(n['id'], n['status']) for n in g['nodes']]
[('d_input', 'ok'), ('d', 'ok'), ('p', 'error'), ('o', 'not_reached')]
>>> g['complete'], g['error']['node']
(False, 'p')
>>> print(g['error']['explanation'].splitlines()[0])
Layer 'p' (Permute) cannot take the output of 'd' (Dense).
"""

from __future__ import annotations

import math

from kviz.errors import format_shape
from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor
from kviz.layers.base import Layer
from kviz.layers.input_layer import InputLayer
from kviz.models.functional import Model
from kviz.viz.graph import _Builder, _description, _edge, graph, json_shape, layer_node


def describe_shape(shape) -> str:
    """``(None, 28, 28, 1)`` -> ``'a batch of 28×28×1 arrays'`` (plain words for a shape)."""
    dims = tuple(shape)[1:]
    if not dims:
        return "a batch of single numbers"
    sizes = "×".join("?" if d is None else str(d) for d in dims)
    if len(dims) == 1:
        return f"a batch of vectors of {sizes} values"
    if len(dims) == 2:
        return f"a batch of {sizes} tables (for example sequences of vectors)"
    if len(dims) == 3:
        return f"a batch of {sizes} arrays (for example images with channels)"
    return f"a batch of {sizes} arrays"


def _values(shape):
    dims = tuple(shape)[1:]
    if any(d is None for d in dims):
        return None
    return math.prod(dims)


def _reshape_example(shape, need):
    """``', for example Reshape((28, 28, 1))'`` for a batch of 784-vectors into 4 dimensions."""
    dims = list(tuple(shape)[1:])
    if any(d is None for d in dims):
        return ""
    if len(dims) == 1 and need == 4:
        side = math.isqrt(dims[0])
        if side * side == dims[0]:
            return f", for example Reshape(({side}, {side}, 1))"
    target = dims + [1] * (need - 1 - len(dims))
    if len(target) == need - 1:
        return ", for example Reshape(" + format_shape(tuple(target)) + ")"
    return ""


def _spec_problem(layer, shape):
    """What the layer's ``input_spec`` says is wrong with ``shape`` (plain words), or None."""
    specs = getattr(layer, "input_spec", None)
    if specs is None:
        return None
    spec = specs[0] if isinstance(specs, (list, tuple)) else specs
    if spec is None:
        return None
    ndim = len(shape)
    values = _values(shape)
    flat = f" ({values} values per sample)" if values else ""

    def rank_words(n):
        return f"{n} dimensions (the batch plus {n - 1} more)"

    want = getattr(spec, "ndim", None)
    lo = getattr(spec, "min_ndim", None)
    hi = getattr(spec, "max_ndim", None)
    if (want is not None and ndim != want) or (lo is not None and ndim < lo):
        need = want if want is not None else lo
        if need > ndim:
            return (
                f"It needs inputs with {'at least ' if want is None else ''}{rank_words(need)}, "
                f"but this tensor has only {ndim}.\n"
                f"Hint: add a Reshape layer before it to give each sample the missing "
                f"dimension(s){flat}{_reshape_example(shape, need)}."
            )
        return (
            f"It needs inputs with exactly {rank_words(need)}, but this tensor has {ndim}.\n"
            f"Hint: add a Flatten layer before it to turn each sample into one vector{flat}, "
            "or a pooling layer that removes the extra dimensions."
        )
    if hi is not None and ndim > hi:
        return (
            f"It accepts inputs with at most {rank_words(hi)}, but this tensor has {ndim}.\n"
            f"Hint: add a Flatten layer before it to turn each sample into one vector{flat}."
        )
    for axis, value in (getattr(spec, "axes", None) or {}).items():
        if value is None or not -ndim <= axis < ndim:
            continue
        got = shape[axis]
        if got is not None and got != value:
            where = "last axis" if axis == -1 else f"axis {axis}"
            return (
                f"It was already built for inputs whose {where} has size {value} (its weights "
                f"have that size), but this tensor's {where} has size {got}.\n"
                "Hint: a layer object can only be reused on inputs of the same size. Create a "
                f"new layer here, or make the previous layer output {value} values."
            )
    return None


def _class_problem(layer, shape):
    """Hints for layers whose mistakes are common and easy to explain."""
    if type(layer).__name__ == "Reshape":
        try:
            target = tuple(layer.get_config()["target_shape"])
        except Exception:
            return None
        have = _values(shape)
        known = [d for d in target if d not in (None, -1)]
        want = math.prod(known) if known else None
        if have is not None and want is not None and -1 not in target and have != want:
            return (
                f"Reshape keeps the number of values per sample: each sample here has {have} "
                f"values, but the target shape {format_shape(target)} holds {want}.\n"
                "Hint: choose a target shape whose sizes multiply to "
                f"{have}, or use -1 for one size to let Reshape compute it."
            )
    return None


def explain_error(layer, previous, shape, exc) -> str:
    """Plain-words explanation of why ``layer`` could not be called on a tensor of ``shape``
    produced by ``previous`` (a layer)."""
    cls = type(layer).__name__
    where = f"Layer '{layer.name}' ({cls})"
    if isinstance(previous, InputLayer):
        head = f"{where} cannot take the model's input ('{previous.name}')."
    elif previous is not None:
        head = f"{where} cannot take the output of '{previous.name}' ({type(previous).__name__})."
    else:
        head = f"{where} cannot take the model's input."
    shape_line = f"That tensor has shape {format_shape(shape)}: {describe_shape(shape)}."
    detail = _class_problem(layer, shape) or _spec_problem(layer, shape)
    if detail is None:
        detail = f"{cls} rejected it with: {exc}"
    return "\n".join([head, shape_line, detail])


def _error_entry(layer, previous, shape, exc, node_id):
    return {
        "node": node_id,
        "type": type(exc).__name__,
        "message": str(exc),
        "explanation": explain_error(layer, previous, shape, exc),
    }


def _input_shape_of(layers):
    for layer in layers[:1]:
        try:
            shape = layer.get_config().get("batch_input_shape")
        except Exception:
            shape = None
        if shape is not None:
            return tuple(shape)
    return None


def partial_graph(layers, input_shape=None, dtype=None, show_shapes=True) -> dict:
    """Build ``layers`` one after the other on an input of ``input_shape`` (without the batch
    axis, as Keras's ``input_shape=`` argument) and describe the graph as far as it goes.

    ``layers`` is a list of layers or a Sequential model. When ``input_shape`` is None, the first
    layer's ``input_shape``/``batch_input_shape`` argument is used. The result is a
    :func:`~kviz.viz.graph.graph` description in which the first layer that raised has
    ``status: "error"`` and an ``error`` entry ``{"type", "message", "explanation"}`` (the
    explanation in plain words, with a hint), the layers after it have
    ``status: "not_reached"`` (joined by ``pending`` edges), and the description's ``error``
    repeats the error with the failing ``node`` id; ``complete`` is False. When every layer
    works, ``complete`` is True and ``error`` is None.

    Calling the layers builds them (as ``Sequential`` would), so they keep their weights.
    """
    if isinstance(layers, Model):
        if layers.built and getattr(layers, "outputs", None):
            return graph(layers, show_shapes=show_shapes)
        layers = layers.layers
    elif isinstance(layers, Layer):
        layers = [layers]
    layers = list(layers)
    if layers and isinstance(layers[0], InputLayer):
        input_layer, layers = layers[0], layers[1:]
    else:
        if input_shape is None:
            batch_shape = _input_shape_of(layers)
            if batch_shape is None:
                raise ValueError(
                    "partial_graph() needs the input shape: pass input_shape=(...) (without the "
                    "batch axis), or give the first layer an input_shape= argument."
                )
        else:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_shape = (None, *tuple(input_shape))
        name = f"{layers[0].name}_input" if layers else "input"
        input_layer = InputLayer(batch_input_shape=batch_shape, dtype=dtype, name=name)

    builder = _Builder(False, bool(show_shapes))
    x = input_layer._inbound_nodes[0].outputs
    prev_id = builder._add_node(
        layer_node(input_layer, input_layer.name, input_layer._inbound_nodes[:1], None, show_shapes)
    )
    inputs, outputs = [prev_id], [prev_id]
    previous = input_layer
    error = None
    for layer in layers:
        if error is not None:
            entry = layer_node(layer, layer.name, (), None, False)
            entry["status"] = "not_reached"
            node_id = builder._add_node(entry)
            builder.edges.append(_edge(prev_id, node_id, None, 0, False, False, pending=True))
            prev_id = node_id
            continue
        try:
            y = layer(x)
            if len(nest.flatten(y)) != 1 or not isinstance(nest.flatten(y)[0], KerasTensor):
                raise ValueError(
                    "All layers in a Sequential model should have a single output tensor. For "
                    "multi-output layers, use the functional API."
                )
        except Exception as exc:  # the failing layer: the point of this function
            entry = layer_node(layer, layer.name, (), None, False)
            entry["status"] = "error"
            entry["input_shape"] = json_shape(x.shape) if show_shapes else None
            node_id = builder._add_node(entry)
            error = _error_entry(layer, previous, x.shape, exc, node_id)
            entry["error"] = {k: v for k, v in error.items() if k != "node"}
            builder.edges.append(_edge(prev_id, node_id, x, 0, False, show_shapes))
            prev_id = node_id
            continue
        node = y._keras_history[0]._inbound_nodes[y._keras_history[1]]
        node_id = builder._add_node(layer_node(layer, layer.name, [node], None, show_shapes))
        builder.edges.append(_edge(prev_id, node_id, x, 0, False, show_shapes))
        prev_id, previous, x = node_id, layer, y
        outputs = [node_id]
    g = _description(None, builder, inputs, outputs, complete=error is None, error=error)
    g["name"] = None
    g["class_name"] = "Sequential"
    return g


__all__ = ["describe_shape", "explain_error", "partial_graph"]
