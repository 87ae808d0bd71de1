"""``RepeatVector``: ``(batch, features)`` -> ``(batch, n, features)``.

>>> import numpy as np
>>> RepeatVector(3)(np.zeros((2, 4), 'float32')).shape
(2, 3, 4)
"""

from __future__ import annotations

import numbers

from kviz import ops
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, numbers.Integral) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(inputs, self.n)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
