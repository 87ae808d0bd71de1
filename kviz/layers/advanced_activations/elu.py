"""``ELU(alpha=1.0)``: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

>>> import numpy as np
>>> ELU()(np.array([0., 1.], 'float32'))
array([0., 1.], dtype=float32)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer


class ELU(Layer):
    """Exponential linear unit."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(
                f"Alpha of an ELU layer cannot be None, expecting a float. Received: {alpha}"
            )
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = float(self.alpha)
        return config


__all__ = ["ELU"]
