"""``UpSampling3D(size=(2, 2, 2), data_format=None)``: repeat voxels along the three spatial
axes.

>>> import numpy as np
>>> UpSampling3D(2)(np.ones((1, 1, 2, 3, 1), 'float32')).shape
(1, 2, 4, 6, 1)
"""

from __future__ import annotations

from kviz.layers.reshaping._upsampling_nd import UpSampling


class UpSampling3D(UpSampling):
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)
