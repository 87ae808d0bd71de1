"""``AveragePooling1D(pool_size=2, strides=None, padding='valid', data_format='channels_last')``
(alias ``AvgPool1D``): mean over windows of time steps (of the real steps, with ``'same'``
padding).

>>> import numpy as np
>>> AveragePooling1D(2, padding='same')(np.arange(5, dtype='float32').reshape(1, 5, 1))[0, :, 0]
array([0.5, 2.5, 4. ], dtype=float32)
"""

from __future__ import annotations

from kviz.layers.pooling._base import Pooling


class AveragePooling1D(Pooling):
    rank = 1
    mode = "avg"
    default_data_format = "channels_last"


AvgPool1D = AveragePooling1D
