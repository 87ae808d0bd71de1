"""``UpSampling2D(size=(2, 2), data_format=None, interpolation='nearest')``: enlarge images by
integer factors, repeating pixels (``'nearest'``) or interpolating (``'bilinear'``, TF2's
half-pixel ``tf.image.resize``).

>>> import numpy as np
>>> UpSampling2D((2, 3))(np.ones((1, 2, 2, 1), 'float32')).shape
(1, 4, 6, 1)
"""

from __future__ import annotations

from kviz.layers.reshaping._upsampling_nd import UpSampling


class UpSampling2D(UpSampling):
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        cfg["interpolation"] = self.interpolation
        return cfg
