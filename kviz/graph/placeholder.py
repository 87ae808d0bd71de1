"""Placeholders: graph inputs that are not layers (``K.placeholder``, ``K.learning_phase()``).

>>> p = placeholder_tensor((None, 3), 'float32', 'x')
>>> p.shape
(None, 3)
"""

from __future__ import annotations

from kviz import config
from kviz.graph.keras_tensor import KerasTensor
from kviz.graph.naming import unique_name
from kviz.graph.node import Node, Operation


class Placeholder(Operation):
    """An operation with no inputs: its one output must be fed when the graph runs."""

    trainable = False
    built = True
    weights = trainable_weights = non_trainable_weights = property(lambda self: [])

    def _run_node(self, node, args, kwargs, ctx):
        raise ValueError(
            f"You must feed a value for placeholder tensor '{self.name}' (shape "
            f"{node.outputs.shape}): pass it among the inputs of K.function or the model."
        )


def placeholder_tensor(shape, dtype, name=None, tensor_cls=KerasTensor):
    op = Placeholder(name or unique_name("placeholder"))
    tensor = tensor_cls(shape, dtype, name=op.name)
    Node(op, (), {}, tensor)
    return tensor


class LearningPhaseTensor(KerasTensor):
    """``K.learning_phase()``: feed 0 (test) or 1 (train) through ``K.function``.

    Used as a Python value it reads the current global learning phase.
    """

    def __bool__(self):
        return bool(config.learning_phase())

    def __int__(self):
        return int(config.learning_phase())

    def __index__(self):
        return int(config.learning_phase())

    def __eq__(self, other):
        if isinstance(other, (int, bool)):
            return int(config.learning_phase()) == int(other)
        return self is other

    __hash__ = KerasTensor.__hash__


_LEARNING_PHASE = None


def learning_phase_tensor():
    global _LEARNING_PHASE
    if _LEARNING_PHASE is None:
        _LEARNING_PHASE = placeholder_tensor(
            (), "bool", "keras_learning_phase", LearningPhaseTensor
        )
    return _LEARNING_PHASE
