"""``Conv3DTranspose`` (alias ``Convolution3DTranspose``): transposed 3-D convolution,
kernel ``(*kernel_size, filters, in_channels)``.

>>> import numpy as np
>>> Conv3DTranspose(2, 2, strides=2)(np.ones((1, 2, 2, 2, 1), 'float32')).shape
(1, 4, 4, 4, 2)
"""

from __future__ import annotations

from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv_transpose import ORDER, ConvTranspose


class Conv3DTranspose(ConvTranspose):
    _config_dilation = False  # tf.keras's Conv3DTranspose config has no dilation_rate

    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = conv_args(
            "Conv3DTranspose", 3, filters, kernel_size, args, kwargs, ORDER
        )
        super().__init__(3, filters, kernel_size, **kwargs)


Convolution3DTranspose = Conv3DTranspose
