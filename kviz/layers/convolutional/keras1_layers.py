"""Keras 1 convolution layers that became options of Keras 2 ones (Keras 2.2 converted them).

* ``Deconvolution2D(nb_filter, nb_row, nb_col, output_shape, ...)`` -> ``Conv2DTranspose``
  (``output_shape`` is dropped: Keras 2 computes it);
* ``AtrousConvolution1D/2D(..., atrous_rate=r)`` -> ``Conv1D/Conv2D(dilation_rate=r)``.

They are functions returning the Keras 2 layer, so models serialize with the Keras 2 class
names (as Keras 2.2 saved them).

>>> import warnings
>>> with warnings.catch_warnings(record=True):
...     layer = AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2))
>>> type(layer).__name__, layer.dilation_rate, layer.kernel_size
('Conv2D', (2, 2), (3, 3))
"""

from __future__ import annotations

import warnings

from kviz.layers.convolutional.conv1d import Conv1D
from kviz.layers.convolutional.conv2d import Conv2D
from kviz.layers.convolutional.conv2d_transpose import Conv2DTranspose


def _renamed(old, new):
    warnings.warn(
        f"The `{old}` layer has been deprecated. Use instead the `{new}` layer.",
        UserWarning,
        stacklevel=3,
    )


def Deconvolution2D(*args, **kwargs):  # noqa: N802 - Keras 1 class name
    """Keras 1 ``Deconvolution2D``: a ``Conv2DTranspose``."""
    _renamed("Deconvolution2D", "Conv2DTranspose")
    args = list(args)
    if len(args) >= 4 and isinstance(args[3], (tuple, list)):
        del args[3]  # output_shape
    kwargs.pop("output_shape", None)
    return Conv2DTranspose(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):  # noqa: N802 - Keras 1 class name
    """Keras 1 ``AtrousConvolution1D``: a dilated ``Conv1D``."""
    _renamed("AtrousConvolution1D", "Conv1D")
    return Conv1D(*args, **kwargs)


def AtrousConvolution2D(*args, **kwargs):  # noqa: N802 - Keras 1 class name
    """Keras 1 ``AtrousConvolution2D``: a dilated ``Conv2D``."""
    _renamed("AtrousConvolution2D", "Conv2D")
    return Conv2D(*args, **kwargs)
