"""``Conv2D`` (alias ``Convolution2D``): 2-D convolution over images.

Kernel ``(kernel_h, kernel_w, in_channels // groups, filters)``, bias ``(filters,)``. Inputs
are ``(batch, rows, cols, channels)`` or, with ``data_format='channels_first'``,
``(batch, channels, rows, cols)``. Keras 1's ``Convolution2D(nb_filter, nb_row, nb_col,
subsample=, border_mode=, dim_ordering='tf'/'th', init=, W_regularizer=, ...)`` is accepted
with a warning; ``Conv2D(32, 3, 3)`` means a 3x3 kernel (Keras 2.2's reading).

>>> import numpy as np
>>> layer = Conv2D(8, (3, 3), activation='relu', input_shape=(28, 28, 1))
>>> layer(np.zeros((2, 28, 28, 1), 'float32')).shape
(2, 26, 26, 8)
"""

from __future__ import annotations

from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv import Conv


class Conv2D(Conv):
    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = conv_args("Conv2D", 2, filters, kernel_size, args, kwargs)
        super().__init__(2, filters, kernel_size, **kwargs)


Convolution2D = Conv2D
