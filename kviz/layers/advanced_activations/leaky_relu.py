"""``LeakyReLU(alpha=0.3)``: ``x`` for ``x >= 0``, ``alpha * x`` below.

>>> import numpy as np
>>> LeakyReLU()(np.array([-1., 2.], 'float32'))
array([-0.3,  2. ], dtype=float32)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit with slope ``alpha`` for negative inputs."""

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(
                "The alpha value of a Leaky ReLU layer cannot be None, Expected a float. "
                f"Received: {alpha}"
            )
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.relu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = float(self.alpha)
        return config


__all__ = ["LeakyReLU"]
