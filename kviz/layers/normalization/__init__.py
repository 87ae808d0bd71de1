"""Normalization layers (Keras 2's ``keras.layers.normalization``)."""

from kviz.layers.normalization.batch_normalization import BatchNormalization
from kviz.layers.normalization.layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "LayerNormalization"]
