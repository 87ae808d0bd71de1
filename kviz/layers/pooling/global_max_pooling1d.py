"""``GlobalMaxPooling1D(data_format='channels_last', keepdims=False)`` (alias ``GlobalMaxPool1D``):
maximum over the time axis.

>>> import numpy as np
>>> GlobalMaxPooling1D()(np.ones((2, 5, 3), 'float32')).shape
(2, 3)
"""

from __future__ import annotations

from kviz.layers.pooling._base import GlobalPooling


class GlobalMaxPooling1D(GlobalPooling):
    rank = 1
    mode = "max"
    default_data_format = "channels_last"


GlobalMaxPool1D = GlobalMaxPooling1D
