"""``Reshape``: reshape every sample to ``target_shape`` (one entry may be -1).

>>> import numpy as np
>>> Reshape((3, -1))(np.zeros((2, 12), 'float32')).shape
(2, 3, 4)
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.layers.base import Layer, shape_of


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        self.target_shape = tuple(int(d) if d is not None else -1 for d in target_shape)
        if sum(1 for d in self.target_shape if d < 0) > 1:
            raise ValueError(
                "There must be at most one unknown dimension in output_shape. Received: "
                f"output_shape={list(self.target_shape)}."
            )

    def _fix_unknown_dimension(self, input_shape, output_shape):
        """``output_shape`` with its -1 replaced so that the total size is unchanged."""
        output_shape = list(output_shape)
        msg = (
            "total size of new array must be unchanged, input_shape = "
            f"{list(input_shape)}, output_shape = {output_shape}"
        )
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                unknown = index
            else:
                known *= dim
        original = int(np.prod(input_shape, dtype=int))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(msg)
        return output_shape

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + tuple(
            self._fix_unknown_dimension(input_shape[1:], self.target_shape)
        )

    def call(self, inputs):
        shape = shape_of(inputs)
        target = self._fix_unknown_dimension(shape[1:], self.target_shape)
        return ops.reshape(inputs, (shape[0], *target))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
