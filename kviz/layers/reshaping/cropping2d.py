"""``Cropping2D(cropping=((0, 0), (0, 0)), data_format=None)``: drop rows and columns at the image
edges (same argument forms as ``ZeroPadding2D``).

>>> import numpy as np
>>> Cropping2D(((1, 1), (0, 2)))(np.ones((1, 4, 5, 1), 'float32')).shape
(1, 2, 3, 1)
"""

from __future__ import annotations

from kviz.layers.reshaping._pad_crop import Cropping


class Cropping2D(Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
