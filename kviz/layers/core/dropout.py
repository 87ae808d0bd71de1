"""``Dropout``: inverted dropout while training, the identity at inference.

In training each value is kept with probability ``1 - rate`` and scaled by ``1 / (1 - rate)``
(so the expected value is unchanged); ``predict``/``evaluate`` pass values through.
Keras 1's ``Dropout(p=...)`` is accepted.

>>> import numpy as np
>>> layer = Dropout(0.5)
>>> x = np.ones((2, 4), 'float32')
>>> bool((layer(x, training=False) == x).all())
True
>>> sorted(set(layer(x, training=True).ravel().tolist())) in ([0.0, 2.0], [0.0], [2.0])
True
"""

from __future__ import annotations

import numbers

import numpy as np

from kviz import config, ops
from kviz.layers.base import Layer
from kviz.layers.legacy import convert_legacy_kwargs


class Dropout(Layer):
    def __init__(self, rate=None, noise_shape=None, seed=None, **kwargs):
        kwargs = convert_legacy_kwargs("Dropout", kwargs, {"p": "rate"})
        rate = kwargs.pop("rate", rate)
        super().__init__(**kwargs)
        if rate is None:
            raise TypeError("Dropout() missing 1 required positional argument: 'rate'")
        if isinstance(rate, numbers.Real) and not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value {rate} received for `rate`, expected a value between 0 and 1."
            )
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True
        # A seeded layer draws a different mask at each call, reproducibly (as tf.keras).
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return ops.multiply(inputs, 0.0)
        rng = self._rng if self._rng is not None else config.rng()
        seed = int(rng.integers(0, 2**31 - 1))
        return ops.dropout(inputs, float(self.rate), noise_shape=self.noise_shape, seed=seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config
