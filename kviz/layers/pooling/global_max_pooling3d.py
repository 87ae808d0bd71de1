"""``GlobalMaxPooling3D(data_format=None, keepdims=False)`` (alias ``GlobalMaxPool3D``): maximum
over the three spatial axes.

>>> import numpy as np
>>> GlobalMaxPooling3D()(np.ones((2, 2, 3, 4, 3), 'float32')).shape
(2, 3)
"""

from __future__ import annotations

from kviz.layers.pooling._base import GlobalPooling


class GlobalMaxPooling3D(GlobalPooling):
    rank = 3
    mode = "max"


GlobalMaxPool3D = GlobalMaxPooling3D
