"""``SpatialDropout2D(rate, data_format=None)``: while training, drop whole feature maps (channels)
instead of single values: the dropout mask has shape ``(batch, 1, 1, channels)`` (``(batch,
channels, 1, 1)`` channels-first), so adjacent, strongly correlated values are kept or dropped
together. The identity at inference. Keras 1's ``p`` and ``dim_ordering`` are accepted.

Its config also holds ``data_format`` for 2D/3D (tf.keras forgets to write it, and then
reloads a channels-first layer as channels-last); tf.keras reads the key fine.

>>> import numpy as np
>>> x = np.ones((4, 5, 5, 3), 'float32')
>>> y = SpatialDropout2D(0.5)(x, training=True)
>>> all(np.unique(y[i, ..., c]).size == 1 for i in range(4) for c in range(3))
True
"""

from __future__ import annotations

from kviz.layers.regularization._spatial_dropout import SpatialDropout


class SpatialDropout2D(SpatialDropout):
    rank = 2

    def __init__(self, rate=None, data_format=None, **kwargs):
        super().__init__(rate, data_format, **kwargs)
