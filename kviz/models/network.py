"""Graph bookkeeping for functional models: which layers and nodes a model holds, in
Keras's order (layers by decreasing depth, ties broken by traversal order from the outputs).

The order matters: ``model.layers``, ``summary()`` rows and the layer order of saved weight
files all follow it, exactly as Keras does.
"""

from __future__ import annotations

import collections

from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor


def map_graph_network(inputs, outputs):
    """Return ``(nodes_in_run_order, nodes_by_depth, layers, layers_by_depth)``.

    Raises Keras's ``Graph disconnected`` ValueError when an output needs an input that is
    not among ``inputs``.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth = []
    layer_indices: dict = {}

    def build_map(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"The tensor {tensor.name} at layer {layer.name} is part of a cycle.")
        if layer not in layer_indices:
            layer_indices[layer] = len(layer_indices)
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            for t in node.input_tensors:
                build_map(t)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for t in outputs:
        _check_keras_tensor(t, "output")
        build_map(t)

    node_depth: dict = {}
    layer_depth: dict = {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(node.operation, 0))
        layer_depth[node.operation] = depth
        node_depth[id(node)] = depth
        if any(id(t) in input_ids for t in node.output_tensors):
            continue
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    for t in inputs:
        layer = t._keras_history[0]
        if layer not in layer_depth:
            layer_depth[layer] = 0
            layer_indices[layer] = -1
            node = t.node
            node_depth[id(node)] = 0
            nodes_in_decreasing_depth.append(node)

    nodes_by_id = {id(n): n for n in nodes_in_decreasing_depth}
    nodes_by_depth = collections.defaultdict(list)
    for nid, depth in node_depth.items():
        nodes_by_depth[depth].append(nodes_by_id[nid])
    layers_by_depth = collections.defaultdict(list)
    for layer, depth in layer_depth.items():
        layers_by_depth[depth].append(layer)

    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        group = sorted(layers_by_depth[depth], key=lambda lyr: layer_indices[lyr])
        layers.extend(group)

    # Check connectivity and compute the execution order (parents first).
    computable = set(input_ids)
    run_order = []
    seen_layers = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if any(id(t) in input_ids for t in node.output_tensors):
                seen_layers.append(node.operation.name)
                continue
            if not node.input_tensors:
                t = node.output_tensors[0]
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                    f'"{node.operation.name}". The following previous layers were accessed '
                    f"without issue: {seen_layers}"
                )
            for t in node.input_tensors:
                if id(t) not in computable:
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                        f'"{t._keras_history[0].name}". The following previous layers were '
                        f"accessed without issue: {seen_layers}"
                    )
            computable.update(id(t) for t in node.output_tensors)
            run_order.append(node)
            seen_layers.append(node.operation.name)
    for t in outputs:
        if id(t) not in computable:
            raise ValueError(
                f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                f'"{t._keras_history[0].name}". The following previous layers were accessed '
                f"without issue: {seen_layers}"
            )
    return run_order, dict(nodes_by_depth), layers, dict(layers_by_depth)


def _check_keras_tensor(t, what):
    if not isinstance(t, KerasTensor) or t._keras_history is None:
        raise TypeError(
            f"Model {what}s must be symbolic tensors made by kviz layers (the result of "
            f"`Input()` or of calling a layer); received {t!r} of type {type(t).__name__}"
        )


def normalize_io(structure, what):
    """Flatten a model's inputs/outputs (a tensor, list/tuple, or dict) and validate them."""
    flat = nest.flatten(structure)
    if not flat:
        raise ValueError(f"A Model needs at least one {what}; received {structure!r}")
    for t in flat:
        _check_keras_tensor(t, what)
    return flat
