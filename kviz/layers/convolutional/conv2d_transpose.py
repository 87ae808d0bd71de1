"""``Conv2DTranspose`` (alias ``Convolution2DTranspose``): transposed 2-D convolution,
kernel ``(*kernel_size, filters, in_channels)``.
Keras 1's ``Deconvolution2D`` is in :mod:`kviz.layers.convolutional.keras1_layers`.

>>> import numpy as np
>>> Conv2DTranspose(2, (3, 3), strides=2, output_padding=1)(np.ones((1, 3, 3, 1), 'float32')).shape
(1, 8, 8, 2)
"""

from __future__ import annotations

from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv_transpose import ORDER, ConvTranspose


class Conv2DTranspose(ConvTranspose):
    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = conv_args(
            "Conv2DTranspose", 2, filters, kernel_size, args, kwargs, ORDER
        )
        super().__init__(2, filters, kernel_size, **kwargs)


Convolution2DTranspose = Conv2DTranspose
