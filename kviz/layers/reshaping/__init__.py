"""Reshaping layers that resize the spatial axes (tf.keras's ``keras.layers.reshaping``): one
layer per module. Keras 2.2 had them in ``keras.layers.convolutional``, which re-exports them.
"""

from kviz.layers.reshaping.cropping1d import Cropping1D
from kviz.layers.reshaping.cropping2d import Cropping2D
from kviz.layers.reshaping.cropping3d import Cropping3D
from kviz.layers.reshaping.up_sampling1d import UpSampling1D
from kviz.layers.reshaping.up_sampling2d import UpSampling2D
from kviz.layers.reshaping.up_sampling3d import UpSampling3D
from kviz.layers.reshaping.zero_padding1d import ZeroPadding1D
from kviz.layers.reshaping.zero_padding2d import ZeroPadding2D
from kviz.layers.reshaping.zero_padding3d import ZeroPadding3D

__all__ = [
    "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
]  # fmt: skip
