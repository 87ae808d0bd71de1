"""Core layers (Keras 2's ``keras.layers.core``): one layer per module."""

from kviz.layers.core.activation import Activation
from kviz.layers.core.activity_regularization import ActivityRegularization
from kviz.layers.core.dense import Dense
from kviz.layers.core.dropout import Dropout
from kviz.layers.core.flatten import Flatten
from kviz.layers.core.lambda_layer import Lambda
from kviz.layers.core.masking import Masking
from kviz.layers.core.permute import Permute
from kviz.layers.core.repeat_vector import RepeatVector
from kviz.layers.core.reshape import Reshape

__all__ = [
    "Activation",
    "ActivityRegularization",
    "Dense",
    "Dropout",
    "Flatten",
    "Lambda",
    "Masking",
    "Permute",
    "RepeatVector",
    "Reshape",
]
