"""``SpatialDropout1D(rate)``: while training, drop whole feature maps
(channels) instead of single values: the dropout mask has shape ``(batch, 1, channels)``,
so adjacent, strongly correlated values are kept or dropped together. The identity at
inference. Keras 1's ``p`` are accepted.


>>> import numpy as np
>>> x = np.ones((4, 5, 3), 'float32')
>>> y = SpatialDropout1D(0.5)(x, training=True)
>>> all(np.unique(y[i, ..., c]).size == 1 for i in range(4) for c in range(3))
True
"""

from __future__ import annotations

from kviz.layers.regularization._spatial_dropout import SpatialDropout


class SpatialDropout1D(SpatialDropout):
    rank = 1

    def __init__(self, rate=None, **kwargs):
        super().__init__(rate, **kwargs)
