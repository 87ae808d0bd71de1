"""``Cropping3D(cropping=((1, 1), (1, 1), (1, 1)), data_format=None)``: crop the three spatial axes
of volumes.

>>> import numpy as np
>>> Cropping3D(1)(np.ones((1, 3, 4, 5, 1), 'float32')).shape
(1, 1, 2, 3, 1)
"""

from __future__ import annotations

from kviz.layers.reshaping._pad_crop import Cropping


class Cropping3D(Cropping):
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
