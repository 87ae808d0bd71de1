"""``MaxPooling3D(pool_size=(2, 2, 2), strides=None, padding='valid', data_format=None)`` (alias
``MaxPool3D``): maximum over windows of voxels.

>>> import numpy as np
>>> MaxPooling3D(padding='same')(np.ones((1, 3, 4, 5, 1), 'float32')).shape
(1, 2, 2, 3, 1)
"""

from __future__ import annotations

from kviz.layers.pooling._base import Pooling


class MaxPooling3D(Pooling):
    rank = 3
    mode = "max"


MaxPool3D = MaxPooling3D
