"""Graph nodes and the operations they call.

Every call of an :class:`Operation` (a layer, or an op applied to symbolic tensors) on
KerasTensors adds a :class:`Node`: the arguments with their KerasTensors, and the
KerasTensors it produced. Running a graph (:mod:`kviz.graph.execution`) replays nodes.
"""

from __future__ import annotations

from kviz.graph import nest
from kviz.graph.keras_tensor import KerasTensor


class Operation:
    """Base of everything that can appear as a node in a graph (layers, op lambdas)."""

    name: str

    def __init__(self, name: str):
        self.name = name
        self._inbound_nodes: list[Node] = []
        self._outbound_nodes: list[Node] = []

    def _run_node(self, node, args, kwargs, ctx):  # pragma: no cover - abstract
        """Compute the node's outputs from concrete ``args``/``kwargs``.

        ``ctx`` carries ``training`` and the ``masks`` dict of the execution.
        Returns ``(outputs, output_masks)`` with the node's output structure.
        """
        raise NotImplementedError


class Node:
    def __init__(self, operation: Operation, args, kwargs, outputs):
        self.operation = operation
        self.args = tuple(args)
        self.kwargs = dict(kwargs)
        self.outputs = outputs
        self.input_tensors = [
            x for x in nest.flatten([self.args, self.kwargs]) if isinstance(x, KerasTensor)
        ]
        self.output_tensors = [x for x in nest.flatten(outputs) if isinstance(x, KerasTensor)]
        self.index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (operation, self.index, i)
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(self)

    @property
    def parent_nodes(self):
        out = []
        for t in self.input_tensors:
            if t._keras_history is not None:  # tensors made outside any node have no parent
                op, idx, _ = t._keras_history
                out.append(op._inbound_nodes[idx])
        return out

    @property
    def call_inputs(self):
        """The first positional argument (a layer's ``inputs``)."""
        return self.args[0] if self.args else None

    @property
    def input_shapes(self):
        return nest.map_structure(
            lambda t: t.shape if isinstance(t, KerasTensor) else None, self.call_inputs
        )

    @property
    def output_shapes(self):
        return nest.map_structure(lambda t: t.shape, self.outputs)

    def __repr__(self):
        return f"<Node of {self.operation.name}#{self.index}>"
