"""``Cropping1D(cropping=(1, 1))``: drop steps at the start and end of the time axis.

>>> import numpy as np
>>> Cropping1D((1, 2))(np.ones((1, 5, 2), 'float32')).shape
(1, 2, 2)
"""

from __future__ import annotations

from kviz.layers.reshaping._pad_crop import Cropping


class Cropping1D(Cropping):
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)
