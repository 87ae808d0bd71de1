"""``UpSampling1D(size=2)``: repeat each time step ``size`` times (Keras 1: ``length``).

>>> import numpy as np
>>> UpSampling1D(2)(np.array([[[1.], [2.]]], 'float32'))[0, :, 0]
array([1., 1., 2., 2.], dtype=float32)
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer
from kviz.layers.input_spec import InputSpec
from kviz.layers.legacy import convert_legacy_kwargs
from kviz.ops.conv_utils import normalize_tuple


class UpSampling1D(Layer):
    def __init__(self, size=2, **kwargs):
        kwargs = convert_legacy_kwargs("UpSampling1D", kwargs, {"length": "size"})
        size = kwargs.pop("size", size)
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 1, "size")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat_elements(inputs, self.size, 1)

    def compute_output_shape(self, input_shape):
        b, steps, c = tuple(input_shape)
        return (b, None if steps is None else steps * self.size, c)

    def get_config(self):
        cfg = super().get_config()
        cfg["size"] = self.size
        return cfg
