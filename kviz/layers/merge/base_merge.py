"""``_Merge``: the base of the Keras 2 merge layers (``Add``, ``Multiply``, ``Concatenate``...).

A merge layer takes a list of at least two tensors. Elementwise merges broadcast their inputs
as Keras 2 does: the non-batch dimensions are aligned from the right, a dimension of 1
stretches to match the other, and an input of lower rank gets new axes inserted after the batch
axis. The batch sizes must agree (``None`` matches anything). Output masks are the logical
``and`` of the input masks.

>>> import numpy as np
>>> from kviz.layers.merge import Add
>>> Add()([np.ones((2, 3), 'float32'), np.ones((2, 4, 3), 'float32')]).shape
(2, 4, 3)
>>> Add().compute_output_shape([(None, 1, 3), (None, 5, 1)])
(None, 5, 3)
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.autodiff.tensor import Tensor
from kviz.layers.base import Layer

NOT_A_LIST = "A merge layer should be called on a list of inputs."


def is_shape_list(input_shape) -> bool:
    """True for a list/tuple of shapes (``[(None, 3), (None, 3)]``), not for one shape."""
    return (
        isinstance(input_shape, (list, tuple))
        and len(input_shape) > 0
        and all(s is None or isinstance(s, (list, tuple)) for s in input_shape)
    )


def value_of(x):
    """The NumPy value behind an array or tape Tensor."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def ndim_of(x) -> int:
    return np.ndim(value_of(x))


class _Merge(Layer):
    """Generic merge layer for elementwise merge functions.

    Subclasses implement ``_merge_function(inputs)`` on a list of tensors of equal rank.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    # ------------------------------------------------------------------------- shapes
    def _merge_function(self, inputs):
        raise NotImplementedError

    @staticmethod
    def _compute_elemwise_op_output_shape(shape1, shape2):
        """The broadcast shape of two non-batch shapes (aligned from the right)."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return _Merge._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[: -len(shape2)])
        for i, j in zip(shape1[-len(shape2) :], shape2, strict=True):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1:
                output_shape.append(i)
            else:
                if i != j:
                    raise ValueError(
                        "Inputs have incompatible shapes. "
                        f"Received shapes {tuple(shape1)} and {tuple(shape2)}"
                    )
                output_shape.append(i)
        return tuple(output_shape)

    def _check_list(self, input_shape):
        """Raise the Keras errors for anything but a list of at least two shapes."""
        if not is_shape_list(input_shape):
            raise ValueError(NOT_A_LIST)
        if len(input_shape) < 2:
            raise ValueError(
                "A merge layer should be called on a list of at least 2 inputs. "
                f"Got {len(input_shape)} inputs."
            )

    def _check_batch_sizes(self, input_shape):
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                "Cannot merge tensors with different batch sizes. "
                f"Got tensors with shapes {_shapes_repr(input_shape)}"
            )
        return batch_sizes

    def _validate(self, input_shape):
        self._check_list(input_shape)
        self._check_batch_sizes(input_shape)
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            shape = None if shape is None else tuple(shape[1:])
            output_shape = self._compute_elemwise_op_output_shape(output_shape, shape)
        return output_shape

    def build(self, input_shape):
        # Used purely for shape validation: merge layers have no weights.
        self._validate(input_shape)
        ranks = {len(s) for s in input_shape if s is not None}
        self._reshape_required = None in input_shape or len(ranks) != 1
        super().build(input_shape)

    def _check_inputs(self, input_shapes):
        self._validate(input_shapes)

    def compute_output_shape(self, input_shape):
        output_shape = self._validate(input_shape)
        batch_sizes = self._check_batch_sizes(input_shape)
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        if output_shape is None:
            return None
        return (batch,) + tuple(output_shape)

    # ------------------------------------------------------------------------ calling
    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(NOT_A_LIST)
        inputs = list(inputs)
        ndims = [ndim_of(x) for x in inputs]
        if len(set(ndims)) > 1:
            # Lower-rank inputs get new axes after the batch axis until all ranks agree.
            max_ndim = max(ndims)
            reshaped = []
            for x, nd in zip(inputs, ndims, strict=True):
                for _ in range(max_ndim - nd):
                    x = ops.expand_dims(x, axis=1)
                reshaped.append(x)
            inputs = reshaped
        return self._merge_function(inputs)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
        if len(mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. "
                f"Received: inputs of length {len(inputs)}, and mask of length {len(mask)}"
            )
        masks = [value_of(m).astype(bool) for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = np.logical_and(out, m)
        return out


def _shapes_repr(shapes):
    return "[" + ", ".join(str(None if s is None else tuple(s)) for s in shapes) + "]"


__all__ = ["_Merge"]
