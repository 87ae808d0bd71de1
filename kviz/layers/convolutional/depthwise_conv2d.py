"""``DepthwiseConv2D``: depthwise 2-D convolution (``depthwise_kernel``
``(kh, kw, in_channels, depth_multiplier)``; the first half of a separable convolution).

>>> import numpy as np
>>> DepthwiseConv2D((3, 3), padding='same')(np.ones((2, 4, 4, 3), 'float32')).shape
(2, 4, 4, 3)
"""

from __future__ import annotations

from kviz.layers.convolutional.base_depthwise import DepthwiseConv


class DepthwiseConv2D(DepthwiseConv):
    def __init__(
        self, kernel_size=None, strides=(1, 1), padding="valid", depth_multiplier=1, **kwargs
    ):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, **kwargs)
