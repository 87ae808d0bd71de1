"""``AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format=None)`` (alias
``AvgPool2D``): mean over windows of image pixels.

>>> import numpy as np
>>> AveragePooling2D((2, 2), strides=1)(np.ones((1, 4, 4, 2), 'float32')).shape
(1, 3, 3, 2)
"""

from __future__ import annotations

from kviz.layers.pooling._base import Pooling


class AveragePooling2D(Pooling):
    rank = 2
    mode = "avg"


AvgPool2D = AveragePooling2D
