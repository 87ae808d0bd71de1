"""``Activation``: apply an activation function elementwise (keeps the mask).

>>> import numpy as np
>>> Activation('relu')(np.array([[-1.0, 2.0]], 'float32'))
array([[0., 2.]], dtype=float32)
"""

from __future__ import annotations

from kviz import activations
from kviz.layers.base import Layer


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
