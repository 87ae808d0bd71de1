"""``GlobalAveragePooling1D(data_format='channels_last', keepdims=False)`` (alias
``GlobalAvgPool1D``): mean over the time axis. With a mask (e.g. from
``Embedding(mask_zero=True)``) only the unmasked steps are averaged, as in tf.keras; the mask
stops here.

>>> import numpy as np
>>> x = np.array([[[1.], [3.], [100.]]], 'float32')
>>> GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]]))
array([[2.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from kviz import config, ops
from kviz.layers.pooling._base import GlobalPooling


class GlobalAveragePooling1D(GlobalPooling):
    rank = 1
    mode = "avg"
    default_data_format = "channels_last"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = 2 if self.data_format == "channels_first" else 1
        m = ops.cast(mask, _float_dtype(inputs))
        m = ops.expand_dims(m, 1 if self.data_format == "channels_first" else 2)
        total = ops.sum(ops.multiply(inputs, m), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(m, axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


def _float_dtype(x):
    dtype = np.asarray(x.data if hasattr(x, "_op") else x).dtype
    return dtype.name if dtype.kind == "f" else config.floatx()


GlobalAvgPool1D = GlobalAveragePooling1D
