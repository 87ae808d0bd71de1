"""Symbolic graph: KerasTensors, nodes, the operations behind them, and graph execution."""

from kviz.graph.keras_tensor import KerasTensor, is_keras_tensor
from kviz.graph.naming import get_uid, reset_uids, to_snake_case, unique_name
from kviz.graph.node import Node, Operation

__all__ = [
    "KerasTensor",
    "Node",
    "Operation",
    "get_uid",
    "is_keras_tensor",
    "reset_uids",
    "to_snake_case",
    "unique_name",
]
