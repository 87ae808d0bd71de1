"""``GlobalAveragePooling3D(data_format=None, keepdims=False)`` (alias ``GlobalAvgPool3D``): mean
over the three spatial axes.

>>> import numpy as np
>>> GlobalAveragePooling3D()(np.ones((2, 2, 3, 4, 3), 'float32')).shape
(2, 3)
"""

from __future__ import annotations

from kviz.layers.pooling._base import GlobalPooling


class GlobalAveragePooling3D(GlobalPooling):
    rank = 3
    mode = "avg"


GlobalAvgPool3D = GlobalAveragePooling3D
