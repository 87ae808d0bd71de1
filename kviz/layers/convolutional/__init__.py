"""Convolution layers (Keras 2's ``keras.layers.convolutional``): one layer per module.

``Conv1D/2D/3D``, ``SeparableConv1D/2D``, ``DepthwiseConv1D/2D``, ``Conv1D/2D/3DTranspose``
and their ``Convolution*`` aliases; Keras 1's ``Deconvolution2D`` and
``AtrousConvolution1D/2D``. As in Keras 2.2, the legacy module path also gives the resizing
layers (``UpSampling*``, ``ZeroPadding*``, ``Cropping*``, which live in
:mod:`kviz.layers.reshaping`).
"""

from kviz.layers.convolutional.conv1d import Conv1D, Convolution1D
from kviz.layers.convolutional.conv1d_transpose import Conv1DTranspose, Convolution1DTranspose
from kviz.layers.convolutional.conv2d import Conv2D, Convolution2D
from kviz.layers.convolutional.conv2d_transpose import Conv2DTranspose, Convolution2DTranspose
from kviz.layers.convolutional.conv3d import Conv3D, Convolution3D
from kviz.layers.convolutional.conv3d_transpose import Conv3DTranspose, Convolution3DTranspose
from kviz.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from kviz.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from kviz.layers.convolutional.keras1_layers import (
    AtrousConvolution1D,
    AtrousConvolution2D,
    Deconvolution2D,
)
from kviz.layers.convolutional.separable_conv1d import SeparableConv1D, SeparableConvolution1D
from kviz.layers.convolutional.separable_conv2d import SeparableConv2D, SeparableConvolution2D
from kviz.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
    "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    "DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose",
    "Conv3DTranspose", "Convolution1DTranspose", "Convolution2DTranspose",
    "Convolution3DTranspose", "Deconvolution2D", "AtrousConvolution1D", "AtrousConvolution2D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
]  # fmt: skip
