"""``SeparableConv1D`` (alias ``SeparableConvolution1D``): depthwise then pointwise convolution
over ``(batch, steps, channels)``; ``padding='causal'`` is allowed.

>>> import numpy as np
>>> SeparableConv1D(4, 3, padding='causal')(np.ones((1, 6, 2), 'float32')).shape
(1, 6, 4)
"""

from __future__ import annotations

from kviz.layers.convolutional.base_separable import SeparableConv, separable_args


class SeparableConv1D(SeparableConv):
    paddings = ("valid", "same", "causal")

    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = separable_args(
            "SeparableConv1D", 1, filters, kernel_size, args, kwargs
        )
        super().__init__(1, filters, kernel_size, **kwargs)


SeparableConvolution1D = SeparableConv1D
