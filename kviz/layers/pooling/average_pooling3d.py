"""``AveragePooling3D(pool_size=(2, 2, 2), strides=None, padding='valid', data_format=None)``
(alias ``AvgPool3D``): mean over windows of voxels.

>>> import numpy as np
>>> AveragePooling3D(2)(np.ones((1, 4, 4, 4, 1), 'float32')).shape
(1, 2, 2, 2, 1)
"""

from __future__ import annotations

from kviz.layers.pooling._base import Pooling


class AveragePooling3D(Pooling):
    rank = 3
    mode = "avg"


AvgPool3D = AveragePooling3D
