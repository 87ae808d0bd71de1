"""``MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format=None)`` (alias
``MaxPool2D``): maximum over windows of image pixels.

>>> import numpy as np
>>> MaxPooling2D()(np.ones((1, 5, 5, 3), 'float32')).shape
(1, 2, 2, 3)
"""

from __future__ import annotations

from kviz.layers.pooling._base import Pooling


class MaxPooling2D(Pooling):
    rank = 2
    mode = "max"


MaxPool2D = MaxPooling2D
