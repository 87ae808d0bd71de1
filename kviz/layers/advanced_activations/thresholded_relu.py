"""``ThresholdedReLU(theta=1.0)``: ``x`` for ``x > theta``, 0 otherwise.

>>> import numpy as np
>>> ThresholdedReLU()(np.array([0.5, 1., 2.], 'float32'))
array([0., 0., 2.], dtype=float32)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer


class ThresholdedReLU(Layer):
    """Thresholded rectified linear unit."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(
                "Theta of a Thresholded ReLU layer cannot be None, expecting a float. "
                f"Received: {theta}"
            )
        if theta < 0:
            raise ValueError(
                f"The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}"
            )
        self.supports_masking = True
        self.theta = float(theta)

    def call(self, inputs):
        keep = ops.greater(inputs, self.theta)
        return ops.multiply(inputs, ops.cast(keep, _float_dtype(inputs, self.dtype)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["theta"] = float(self.theta)
        return config


def _float_dtype(x, default):
    dtype = getattr(x, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "") == "f":
        return dtype.name
    return default


__all__ = ["ThresholdedReLU"]
