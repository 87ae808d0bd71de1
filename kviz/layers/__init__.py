"""All kviz layers, under their Keras 2 names (``from kviz.layers import Dense, Input``).

Legacy module paths work too: ``kviz.layers.core``, ``kviz.layers.merge``,
``kviz.layers.embeddings``, ``kviz.layers.advanced_activations``, ``kviz.layers.noise``.
"""

from kviz.layers.advanced_activations import *
from kviz.layers.base import InputSpec, Layer
from kviz.layers.convolutional import *
from kviz.layers.core import *
from kviz.layers.embeddings import *
from kviz.layers.input_layer import Input, InputLayer
from kviz.layers.merge import *
from kviz.layers.noise import *
from kviz.layers.normalization import *
from kviz.layers.pooling import *
from kviz.layers.recurrent import *
from kviz.layers.regularization import *
from kviz.layers.reshaping import *
from kviz.layers.wrappers import *


def serialize(layer):
    """``{'class_name': ..., 'config': ...}`` for a layer."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}
