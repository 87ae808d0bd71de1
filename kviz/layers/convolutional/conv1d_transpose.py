"""``Conv1DTranspose`` (alias ``Convolution1DTranspose``): transposed 1-D convolution,
kernel ``(*kernel_size, filters, in_channels)``.

>>> import numpy as np
>>> Conv1DTranspose(2, 3, strides=2)(np.ones((1, 4, 3), 'float32')).shape
(1, 9, 2)
"""

from __future__ import annotations

from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv_transpose import ORDER, ConvTranspose


class Conv1DTranspose(ConvTranspose):
    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = conv_args(
            "Conv1DTranspose", 1, filters, kernel_size, args, kwargs, ORDER
        )
        super().__init__(1, filters, kernel_size, **kwargs)


Convolution1DTranspose = Conv1DTranspose
