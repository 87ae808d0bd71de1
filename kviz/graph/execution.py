"""Run a graph of nodes on concrete values (arrays, or Tensors inside a gradient tape).

This is what functional models and ``K.function`` use to compute outputs.

>>> # see tests/graph/test_execution.py for examples
"""

from __future__ import annotations

from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor


class ExecutionContext:
    __slots__ = ("training", "masks", "values")

    def __init__(self, training=None):
        self.training = training
        self.masks: dict[int, object] = {}
        self.values: dict[int, object] = {}


def nodes_in_order(outputs, stop_at=()) -> list:
    """The nodes needed to compute ``outputs``, parents first, stopping at ``stop_at`` tensors."""
    return _nodes_in_order(outputs, {id(t) for t in stop_at})


def _nodes_in_order(outputs, stop: set) -> list:
    order, visited = [], set()
    stack = []
    for t in reversed(nest.flatten(outputs)):
        if isinstance(t, KerasTensor) and id(t) not in stop and t._keras_history is not None:
            stack.append((t.node, False))
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for t in reversed(node.input_tensors):
            if id(t) in stop or t._keras_history is None:
                continue
            parent = t.node
            if id(parent) not in visited:
                stack.append((parent, False))
    return order


def _plan(node):
    """How :func:`run_nodes` feeds ``node`` (computed once per node, kept on it).

    ``(single_input, single_output)``: the node's only KerasTensor argument when it is called as
    ``op(tensor, **constant_kwargs)`` (the common case: no structure to rebuild), else None; its
    output when that is one KerasTensor, else None. (Tensors, not ids: a copied node's plan
    then refers to the copied tensors.)
    """
    plan = node.__dict__.get("_run_plan")
    if plan is None:
        single_input = None
        if (
            len(node.args) == 1
            and isinstance(node.args[0], KerasTensor)
            and not any(
                isinstance(v, (KerasTensor, list, tuple, dict)) for v in node.kwargs.values()
            )
        ):
            single_input = node.args[0]
        single_output = node.outputs if isinstance(node.outputs, KerasTensor) else None
        plan = node.__dict__["_run_plan"] = (single_input, single_output)
    return plan


def run_nodes(nodes, ctx: ExecutionContext):
    values = ctx.values
    for node in nodes:
        single_input, single_output = _plan(node)
        output_id = None if single_output is None else id(single_output)
        if output_id is not None:
            if output_id in values:
                continue
        elif all(id(t) in values for t in node.output_tensors):
            continue
        if single_input is not None:
            try:
                args = (values[id(single_input)],)
            except KeyError:
                raise_disconnected(single_input, node)
            kwargs = dict(node.kwargs)  # layers may edit the kwargs they receive
        else:

            def fetch(x, node=node):
                if isinstance(x, KerasTensor):
                    try:
                        return values[id(x)]
                    except KeyError:
                        raise_disconnected(x, node)
                return x

            args = tuple(nest.map_structure(fetch, a) for a in node.args)
            kwargs = {k: nest.map_structure(fetch, v) for k, v in node.kwargs.items()}
        outputs, masks = node.operation._run_node(node, args, kwargs, ctx)
        if output_id is not None and not isinstance(outputs, (list, tuple, dict)):
            values[output_id] = outputs
            if masks is not None:
                flat_masks = nest.flatten(masks)
                if len(flat_masks) == 1 and flat_masks[0] is not None:
                    ctx.masks[output_id] = flat_masks[0]
            continue
        flat_out = nest.flatten(outputs)
        flat_masks = nest.flatten(masks) if masks is not None else [None] * len(flat_out)
        if len(flat_masks) != len(flat_out):
            flat_masks = [None] * len(flat_out)
        for t, v, m in zip(node.output_tensors, flat_out, flat_masks, strict=False):
            values[id(t)] = v
            if m is not None:
                ctx.masks[id(t)] = m


def raise_disconnected(tensor, node):
    raise ValueError(
        f"Graph disconnected: cannot obtain value for tensor {tensor.name} (shape "
        f'{tensor.shape}) at layer "{node.operation.name}". It is not among the inputs '
        "given to the model or function, nor computed from them."
    )


def evaluate(outputs, feed: dict, training=None, masks=None):
    """Compute ``outputs`` (a structure of KerasTensors) given ``feed``: {id(KerasTensor): value}."""
    ctx = ExecutionContext(training)
    ctx.values.update(feed)
    if masks:
        ctx.masks.update(masks)
    run_nodes(_nodes_in_order(outputs, set(feed)), ctx)  # fed tensors cut off their ancestors
    return nest.map_structure(
        lambda t: ctx.values[id(t)] if isinstance(t, KerasTensor) else t, outputs
    )
