"""``ActivityRegularization``: the identity, adding ``l1 * sum|x| + l2 * sum(x^2)`` (divided
by the batch size, as tf.keras) to the layer's losses.

>>> import numpy as np
>>> layer = ActivityRegularization(l1=0.5)
>>> out = layer(np.array([[1.0, -2.0]], 'float32'))
>>> float(layer.losses[0])
1.5
"""

from __future__ import annotations

from kviz import regularizers
from kviz.layers.base import Layer


class ActivityRegularization(Layer):
    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
