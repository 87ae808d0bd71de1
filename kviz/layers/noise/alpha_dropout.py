"""``AlphaDropout(rate, noise_shape=None, seed=None)``: dropout that keeps SELU statistics.

In training, dropped units are set to SELU's negative saturation value
``-alpha * scale`` and the result goes through the affine map ``a * x + b`` that restores
the input's mean and variance (for zero-mean, unit-variance inputs). At inference, and for a
rate outside (0, 1), it is the identity. ``noise_shape`` (``None`` entries take the input's
size) shares one keep/drop decision along the axes where it is 1.

>>> import numpy as np
>>> layer = AlphaDropout(0.2, seed=0)
>>> x = np.ones((2, 3), 'float32')
>>> bool((layer(x) == x).all()), layer(x, training=True).shape
(True, (2, 3))
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.layers.base import Layer
from kviz.layers.noise._random import SeededLayerMixin, float_dtype, in_training, value_of

_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(SeededLayerMixin, Layer):
    """Alpha dropout for self-normalizing (SELU) networks."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, shape):
        if not self.noise_shape:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(
                f"AlphaDropout: noise_shape {self.noise_shape} must have the rank of the "
                f"inputs, which have shape {shape}"
            )
        return tuple(
            s if d is None else int(d) for d, s in zip(self.noise_shape, shape, strict=True)
        )

    def call(self, inputs, training=None):
        if not 0.0 < self.rate < 1.0 or not in_training(training):
            return inputs
        value = value_of(inputs)
        dtype = float_dtype(inputs)
        rate = float(self.rate)
        alpha_p = -_ALPHA * _SCALE
        noise_shape = self._get_noise_shape(value.shape)
        kept = (self._rng().random(noise_shape) >= rate).astype(dtype)
        kept = np.broadcast_to(kept, value.shape)
        # Affine transformation parameters that keep the mean and variance.
        a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * rate
        # x * kept + alpha_p * (1 - kept), then a * x + b; the gradient is a * kept.
        x = ops.add(ops.multiply(inputs, kept), (alpha_p * (1 - kept)).astype(dtype))
        return ops.add(ops.multiply(x, dtype.type(a)), dtype.type(b))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


__all__ = ["AlphaDropout"]
