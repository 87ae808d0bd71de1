"""``Permute``: reorder the non-batch axes; ``dims`` is 1-based (``(2, 1)`` swaps them).

>>> import numpy as np
>>> Permute((2, 1))(np.zeros((5, 3, 4), 'float32')).shape
(5, 4, 3)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
