"""``GaussianNoise(stddev, seed=None)``: add zero-centered Gaussian noise while training.

A regularization layer: in training, ``x + N(0, stddev**2)``; at inference it is the
identity. Keras 1 called ``stddev`` ``sigma`` (accepted with a warning).

>>> import numpy as np
>>> layer = GaussianNoise(0.1)
>>> x = np.ones((2, 3), 'float32')
>>> bool((layer(x) == x).all()), bool((layer(x, training=True) == x).all())
(True, False)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer
from kviz.layers.legacy import convert_legacy_kwargs
from kviz.layers.noise._random import SeededLayerMixin, float_dtype, in_training, value_of


class GaussianNoise(SeededLayerMixin, Layer):
    """Additive zero-centered Gaussian noise, only when ``training`` is true."""

    def __init__(self, stddev=None, seed=None, **kwargs):
        kwargs = convert_legacy_kwargs("GaussianNoise", kwargs, {"sigma": "stddev"})
        stddev = kwargs.pop("stddev", stddev)
        super().__init__(**kwargs)
        if stddev is None:
            raise TypeError("GaussianNoise() missing 1 required positional argument: 'stddev'")
        self.supports_masking = True
        self.stddev = stddev
        self.seed = seed

    def call(self, inputs, training=None):
        if not in_training(training):
            return inputs
        value = value_of(inputs)
        dtype = float_dtype(inputs)
        noise = self._rng().normal(0.0, self.stddev, size=value.shape).astype(dtype)
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


__all__ = ["GaussianNoise"]
