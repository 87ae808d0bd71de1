"""``ZeroPadding2D(padding=(1, 1), data_format=None)``: zero rows and columns around images.
``padding``: an int, ``(rows, cols)`` symmetric amounts, or ``((top, bottom), (left, right))``;
Keras 1's dict ``{'top_pad': ...}`` and ``dim_ordering`` are accepted.

>>> import numpy as np
>>> ZeroPadding2D(((1, 0), (2, 2)))(np.ones((1, 3, 3, 1), 'float32')).shape
(1, 4, 7, 1)
"""

from __future__ import annotations

from kviz.layers.reshaping._pad_crop import ZeroPadding


class ZeroPadding2D(ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
