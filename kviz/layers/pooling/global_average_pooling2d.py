"""``GlobalAveragePooling2D(data_format=None, keepdims=False)`` (alias ``GlobalAvgPool2D``): mean
over rows and columns.

>>> import numpy as np
>>> GlobalAveragePooling2D()(np.ones((2, 4, 4, 3), 'float32')).shape
(2, 3)
"""

from __future__ import annotations

from kviz.layers.pooling._base import GlobalPooling


class GlobalAveragePooling2D(GlobalPooling):
    rank = 2
    mode = "avg"


GlobalAvgPool2D = GlobalAveragePooling2D
