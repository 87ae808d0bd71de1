"""``MaxPooling1D(pool_size=2, strides=None, padding='valid', data_format='channels_last')`` (alias
``MaxPool1D``): maximum over windows of time steps.

>>> import numpy as np
>>> MaxPooling1D(2)(np.arange(6, dtype='float32').reshape(1, 6, 1))[0, :, 0]
array([1., 3., 5.], dtype=float32)
"""

from __future__ import annotations

from kviz.layers.pooling._base import Pooling


class MaxPooling1D(Pooling):
    rank = 1
    mode = "max"
    default_data_format = "channels_last"


MaxPool1D = MaxPooling1D
