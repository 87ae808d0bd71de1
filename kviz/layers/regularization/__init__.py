"""Regularization layers of tf.keras's ``keras.layers.regularization`` that kviz keeps here:
``SpatialDropout1D/2D/3D`` (one layer per module). ``Dropout`` itself lives in
:mod:`kviz.layers.core` and the noise layers in :mod:`kviz.layers.noise`, as in Keras 2.2.
"""

from kviz.layers.regularization.spatial_dropout1d import SpatialDropout1D
from kviz.layers.regularization.spatial_dropout2d import SpatialDropout2D
from kviz.layers.regularization.spatial_dropout3d import SpatialDropout3D

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]
