"""``Concatenate(axis=-1)``: join a list of inputs along one axis.

All other dimensions must match (``None`` matches anything). Masks are concatenated too:
an unmasked input counts as all-true, and the result is reduced over the last axis, as in
Keras 2.

>>> import numpy as np
>>> Concatenate()([np.zeros((2, 1), 'float32'), np.ones((2, 3), 'float32')]).shape
(2, 4)
>>> Concatenate(axis=1).compute_output_shape([(None, 2, 5), (None, 3, 5)])
(None, 5, 5)

The function form ``concatenate(inputs, axis=-1, **kwargs)`` builds the layer and calls it.
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.layers.merge.base_merge import _Merge, value_of


class Concatenate(_Merge):
    """Concatenate a list of inputs along ``axis`` (default: the last one)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True
        self._reshape_required = False

    def _err(self, input_shape):
        return ValueError(
            "A `Concatenate` layer requires inputs with matching shapes except for the "
            f"concatenation axis. Received: input_shape={_shapes_repr(input_shape)}"
        )

    def _validate(self, input_shape):
        self._check_list(input_shape)
        if all(shape is None for shape in input_shape):
            return None
        ranks = {len(s) for s in input_shape if s is not None}
        if len(ranks) != 1:
            raise self._err(input_shape)
        (rank,) = ranks
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Invalid `axis` argument for a `Concatenate` layer: axis={self.axis} is out "
                f"of range for inputs of rank {rank}. Received: "
                f"input_shape={_shapes_repr(input_shape)}"
            )
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            dims = {s[i] for s in input_shape if s is not None and s[i] is not None}
            if len(dims) > 1:
                raise self._err(input_shape)
        return rank

    def build(self, input_shape):
        self._validate(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs.")
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        self._validate(input_shape)
        output_shape = list(input_shape[0])
        axis = self.axis % len(output_shape)
        for shape in input_shape[1:]:
            if output_shape[axis] is None or shape[axis] is None:
                output_shape[axis] = None
                break
            output_shape[axis] += shape[axis]
        return tuple(output_shape)

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
        if all(m is None for m in mask):
            return None
        # Give every mask the rank and shape of its input, then concatenate like the inputs.
        masks = []
        for x, m in zip(inputs, mask, strict=True):
            shape = np.shape(value_of(x))
            if m is None:
                masks.append(np.ones(shape, dtype=bool))
                continue
            m = value_of(m).astype(bool)
            while m.ndim < len(shape):
                m = m[..., None]
            masks.append(np.broadcast_to(m, shape))
        concatenated = np.concatenate(masks, axis=self.axis)
        return np.all(concatenated, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _shapes_repr(shapes):
    return "[" + ", ".join(str(None if s is None else tuple(s)) for s in shapes) + "]"


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to the ``Concatenate`` layer: ``Concatenate(axis)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


__all__ = ["Concatenate", "concatenate"]
