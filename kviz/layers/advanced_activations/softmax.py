"""``Softmax(axis=-1)``: the softmax activation as a layer, with mask support.

Where a mask is given (``True`` = keep), masked positions get ``-1e9`` added before the
softmax (the float16 minimum for float16), so they receive (almost) zero probability, as in
tf.keras. ``axis`` may be a list of axes: the softmax then normalizes over all of them.

>>> import numpy as np
>>> Softmax()(np.zeros((1, 4), 'float32'))
array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
>>> Softmax()(np.zeros((1, 4), 'float32'), mask=np.array([[1, 1, 0, 0]], bool))
array([[0.5, 0.5, 0. , 0. ]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import ops
from kviz.autodiff.tensor import Tensor
from kviz.layers.base import Layer


def _large_compatible_negative(dtype):
    """-1e9, or the most negative float16 where -1e9 would overflow."""
    if np.dtype(dtype) == np.float16:
        return float(np.finfo(np.float16).min)
    return -1e9


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a list of ints)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            value = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
            m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
            # A mask with fewer axes than the inputs (e.g. a per-timestep mask) covers the
            # trailing axes as well.
            while m.ndim < value.ndim:
                m = m[..., None]
            adder = (1.0 - m.astype(value.dtype)) * _large_compatible_negative(value.dtype)
            inputs = ops.add(inputs, adder.astype(value.dtype))
        if isinstance(self.axis, list):
            if len(self.axis) > 1:
                return ops.exp(
                    ops.subtract(inputs, ops.logsumexp(inputs, axis=self.axis, keepdims=True))
                )
            return ops.softmax(inputs, axis=self.axis[0])
        return ops.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


__all__ = ["Softmax"]
