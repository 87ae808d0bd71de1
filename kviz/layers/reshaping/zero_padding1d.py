"""``ZeroPadding1D(padding=1)``: zeros before and after the time axis of ``(batch, steps,
features)``; ``padding`` is an int or ``(before, after)``.

>>> import numpy as np
>>> ZeroPadding1D((1, 2))(np.ones((1, 3, 2), 'float32')).shape
(1, 6, 2)
"""

from __future__ import annotations

from kviz.layers.reshaping._pad_crop import ZeroPadding


class ZeroPadding1D(ZeroPadding):
    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)
