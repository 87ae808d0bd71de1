"""``GaussianDropout(rate, seed=None)``: multiply by 1-centered Gaussian noise while training.

In training, ``x * N(1, rate / (1 - rate))`` (standard deviation ``sqrt(rate / (1 - rate))``);
at inference, and for a rate outside (0, 1), it is the identity. Keras 1 called ``rate``
``p`` (accepted with a warning).

>>> import numpy as np
>>> layer = GaussianDropout(0.2)
>>> x = np.ones((2, 3), 'float32')
>>> bool((layer(x) == x).all()), bool((layer(x, training=True) == x).all())
(True, False)
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.layers.base import Layer
from kviz.layers.legacy import convert_legacy_kwargs
from kviz.layers.noise._random import SeededLayerMixin, float_dtype, in_training, value_of


class GaussianDropout(SeededLayerMixin, Layer):
    """Multiplicative 1-centered Gaussian noise, only when ``training`` is true."""

    def __init__(self, rate=None, seed=None, **kwargs):
        kwargs = convert_legacy_kwargs("GaussianDropout", kwargs, {"p": "rate"})
        rate = kwargs.pop("rate", rate)
        super().__init__(**kwargs)
        if rate is None:
            raise TypeError("GaussianDropout() missing 1 required positional argument: 'rate'")
        self.supports_masking = True
        self.rate = rate
        self.seed = seed

    def call(self, inputs, training=None):
        if not 0 < self.rate < 1 or not in_training(training):
            return inputs
        value = value_of(inputs)
        dtype = float_dtype(inputs)
        stddev = np.sqrt(self.rate / (1.0 - self.rate))
        noise = self._rng().normal(1.0, stddev, size=value.shape).astype(dtype)
        return ops.multiply(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


__all__ = ["GaussianDropout"]
