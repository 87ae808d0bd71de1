"""Symbolic tensors: the values that flow between layers while a model is being defined.

A :class:`KerasTensor` has a shape (``None`` for unknown dims), a dtype and a history:
the operation and node that produced it. It holds no data.

>>> from kviz.graph import KerasTensor
>>> t = KerasTensor((None, 3), 'float32', name='x')
>>> t.shape, t.ndim
((None, 3), 2)
"""

from __future__ import annotations

import numpy as np


class KerasTensor:
    __array_priority__ = 1000
    __array_ufunc__ = None

    def __init__(self, shape, dtype="float32", name=None, history=None, sparse=False):
        self._shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype).name
        self.name = name
        # (operation, node_index, tensor_index) as in Keras's `_keras_history`
        self._keras_history = history
        self.sparse = sparse

    @property
    def shape(self):
        return self._shape

    @property
    def _keras_shape(self):  # Keras 2.0-2.2 spelling used by old tutorials
        return self._shape

    @property
    def ndim(self):
        return len(self._shape)

    @property
    def node(self):
        op, node_index, _ = self._keras_history
        return op._inbound_nodes[node_index]

    def __len__(self):
        raise TypeError(
            "len() is not defined for a symbolic KerasTensor; use K.int_shape(x)[0] or x.shape"
        )

    def __iter__(self):
        if self._shape and self._shape[0] is not None:
            return iter([self[i] for i in range(self._shape[0])])
        raise TypeError(
            f"Cannot iterate over a symbolic tensor with shape {self._shape}: its first "
            "dimension is unknown"
        )

    def __bool__(self):
        raise TypeError(
            "Using a symbolic KerasTensor as a Python bool is not allowed; it has no value "
            "until the model runs. Use K.switch or a Lambda layer instead."
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"You are passing a symbolic KerasTensor ({self.name}, shape {self._shape}) to a "
            "NumPy function. Symbolic tensors have no value; use kviz.backend (K) functions, "
            "or wrap the NumPy code in a Lambda layer."
        )

    def __repr__(self):
        op = self._keras_history[0].name if self._keras_history else None
        return f"<KerasTensor: shape={self._shape} dtype={self.dtype} (created by layer '{op}')>"

    __hash__ = object.__hash__

    # operators are attached by kviz.ops.operators


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)
