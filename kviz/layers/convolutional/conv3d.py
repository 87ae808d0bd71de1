"""``Conv3D`` (alias ``Convolution3D``): 3-D convolution over volumes.

Kernel ``(kernel_d, kernel_h, kernel_w, in_channels // groups, filters)``. Inputs are
``(batch, depth, rows, cols, channels)`` or channels-first. Keras 1's
``Convolution3D(nb_filter, kernel_dim1, kernel_dim2, kernel_dim3, subsample=, border_mode=,
dim_ordering=)`` is accepted with a warning.

>>> import numpy as np
>>> Conv3D(2, 2)(np.ones((1, 3, 4, 5, 1), 'float32')).shape
(1, 2, 3, 4, 2)
"""

from __future__ import annotations

from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv import Conv


class Conv3D(Conv):
    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = conv_args("Conv3D", 3, filters, kernel_size, args, kwargs)
        super().__init__(3, filters, kernel_size, **kwargs)


Convolution3D = Conv3D
