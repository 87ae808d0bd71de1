"""``GlobalMaxPooling2D(data_format=None, keepdims=False)`` (alias ``GlobalMaxPool2D``): maximum
over rows and columns.

>>> import numpy as np
>>> GlobalMaxPooling2D(keepdims=True)(np.ones((2, 4, 4, 3), 'float32')).shape
(2, 1, 1, 3)
"""

from __future__ import annotations

from kviz.layers.pooling._base import GlobalPooling


class GlobalMaxPooling2D(GlobalPooling):
    rank = 2
    mode = "max"


GlobalMaxPool2D = GlobalMaxPooling2D
