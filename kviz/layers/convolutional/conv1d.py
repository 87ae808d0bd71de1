"""``Conv1D`` (alias ``Convolution1D``): temporal convolution over ``(batch, steps, channels)``.

Kernel ``(kernel_size, in_channels // groups, filters)``. ``padding='causal'`` pads
``dilation_rate * (kernel_size - 1)`` zeros before the sequence only, so output step ``t``
sees inputs ``<= t``. ``data_format`` defaults to ``'channels_last'`` (as tf.keras's Conv1D,
which does not follow ``image_data_format``). Keras 1's ``Convolution1D(nb_filter,
filter_length, subsample_length=, border_mode=, input_dim=, input_length=)`` is accepted.

>>> import numpy as np
>>> layer = Conv1D(2, 3, padding='causal', dilation_rate=2)
>>> layer(np.ones((1, 5, 4), 'float32')).shape
(1, 5, 2)
"""

from __future__ import annotations

from kviz.layers.convolutional._keras1 import conv_args
from kviz.layers.convolutional.base_conv import Conv


class Conv1D(Conv):
    paddings = ("valid", "same", "causal")

    def __init__(self, filters=None, kernel_size=None, *args, **kwargs):
        filters, kernel_size, kwargs = conv_args("Conv1D", 1, filters, kernel_size, args, kwargs)
        kwargs.setdefault("data_format", "channels_last")
        super().__init__(1, filters, kernel_size, **kwargs)


Convolution1D = Conv1D
