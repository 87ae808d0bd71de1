"""``Flatten``: ``(batch, d1, d2, ...)`` -> ``(batch, d1 * d2 * ...)`` in C order.

With ``data_format='channels_first'`` the input is first transposed to channels-last order
(as tf.keras does), so a model converted between formats keeps its Dense weights. The mask
is dropped.

>>> import numpy as np
>>> Flatten()(np.zeros((2, 3, 4), 'float32')).shape
(2, 12)
"""

from __future__ import annotations

import numpy as np

from kviz import config, ops
from kviz.layers.base import Layer, shape_of
from kviz.layers.input_spec import InputSpec


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        shape = shape_of(inputs)
        if self._channels_first and len(shape) > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        return ops.reshape(inputs, (shape[0], int(np.prod(shape[1:], dtype=int))))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest, dtype=int))
        return (input_shape[0] if input_shape else None, size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
