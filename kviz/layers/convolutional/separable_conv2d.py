"""``SeparableConv2D`` (alias ``SeparableConvolution2D``): depthwise then pointwise 2-D
convolution. Keras 1's ``SeparableConvolution2D(nb_filter, nb_row, nb_col, ...)`` is accepted.

>>> import numpy as np
>>> SeparableConv2D(8, (3, 3), padding='same')(np.ones((1, 6, 6, 3), 'float32')).shape
(1, 6, 6, 8)
"""

from __future__ import annotations

from kviz.layers.convolutional.base_separable import SeparableConv, separable_args


class SeparableConv2D(SeparableConv):
    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = separable_args(
            "SeparableConv2D", 2, filters, kernel_size, args, kwargs
        )
        super().__init__(2, filters, kernel_size, **kwargs)


SeparableConvolution2D = SeparableConv2D
