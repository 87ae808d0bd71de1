"""``DepthwiseConv1D``: depthwise convolution over ``(batch, steps, channels)``.

>>> import numpy as np
>>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((1, 6, 2), 'float32')).shape
(1, 4, 4)
"""

from __future__ import annotations

from kviz.layers.convolutional.base_depthwise import DepthwiseConv


class DepthwiseConv1D(DepthwiseConv):
    def __init__(self, kernel_size=None, strides=1, padding="valid", depth_multiplier=1, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, **kwargs)
