"""Core layers (Keras 2's ``keras.layers.core``): one layer per module."""

from kviz.layers.core.dense import Dense
from kviz.layers.core.lambda_layer import Lambda

__all__ = ["Dense", "Lambda"]
