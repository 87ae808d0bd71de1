"""``ReLU(max_value=None, negative_slope=0., threshold=0.)``: the rectified linear unit.

``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``, and
``negative_slope * (x - threshold)`` otherwise.

>>> import numpy as np
>>> ReLU(max_value=6.)(np.array([0.5, 3., 9.], 'float32'))
array([0.5, 3. , 6. ], dtype=float32)
>>> ReLU(negative_slope=0.5)(np.array([-2., 3.], 'float32'))
array([-1.,  3.], dtype=float32)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer


class ReLU(Layer):
    """Rectified linear unit with an optional cap, leak and threshold."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "negative_slope of a ReLU layer cannot be a negative value. "
                f"Received: {negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be a negative value. Received: {threshold}"
            )
        self.supports_masking = True
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        # ``alpha`` is the name of the leak slope in the activation function.
        return ops.relu(
            inputs,
            alpha=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_value": self.max_value,
                "negative_slope": self.negative_slope,
                "threshold": self.threshold,
            }
        )
        return config


__all__ = ["ReLU"]
