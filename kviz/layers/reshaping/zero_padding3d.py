"""``ZeroPadding3D(padding=(1, 1, 1), data_format=None)``: zeros around the three spatial axes of
volumes.

>>> import numpy as np
>>> ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 1), 'float32')).shape
(1, 4, 4, 4, 1)
"""

from __future__ import annotations

from kviz.layers.reshaping._pad_crop import ZeroPadding


class ZeroPadding3D(ZeroPadding):
    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
