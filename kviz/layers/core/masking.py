"""``Masking``: mark the timesteps whose features all equal ``mask_value`` as masked.

The output is the input with masked steps set to zero; the mask (``True`` = keep) goes to
the layers downstream (RNNs skip masked steps).

>>> import numpy as np
>>> x = np.array([[[1., 2.], [0., 0.], [3., 0.]]], 'float32')
>>> layer = Masking(0.0)
>>> layer.compute_mask(x)
array([[ True, False,  True]])
"""

from __future__ import annotations

from kviz import ops
from kviz.layers.base import Layer


class Masking(Layer):
    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def _keep(self, inputs, keepdims):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def call(self, inputs):
        keep = self._keep(inputs, keepdims=True)
        dtype = getattr(inputs, "dtype", None) or self.dtype
        return ops.multiply(inputs, ops.cast(keep, dtype))

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs, keepdims=False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
