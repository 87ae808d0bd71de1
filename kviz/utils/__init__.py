"""Public utilities of Keras 2's ``keras.utils``.

``to_categorical``, ``normalize``, ``get_file``, ``Sequence``, ``Progbar``,
``CustomObjectScope`` / ``custom_object_scope``, ``get_custom_objects``,
``register_keras_serializable``, ``serialize_keras_object`` / ``deserialize_keras_object``,
``set_random_seed``, ``pad_sequences`` and the image helpers (``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``). The Keras 2 module paths ``kviz.utils.np_utils``,
``kviz.utils.generic_utils`` and ``kviz.utils.data_utils`` work too.

>>> import kviz as keras
>>> keras.utils.to_categorical([1, 0], 2).tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import random as _random

from kviz import config as _config
from kviz.preprocessing.image import array_to_img, img_to_array, load_img, save_img
from kviz.utils import data_utils, generic_utils, np_utils, vis_utils
from kviz.utils.data_utils import Sequence, get_file, pad_sequences, validate_file
from kviz.utils.generic_utils import (
    CustomObjectScope,
    Progbar,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    register_keras_serializable,
    serialize_keras_object,
)
from kviz.utils.np_utils import normalize, to_categorical
from kviz.utils.vis_utils import model_to_dot, plot_model


def set_random_seed(seed):
    """Seed Python's ``random``, NumPy's global generator and kviz's own (as Keras does)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    _random.seed(seed)
    _config.set_random_seed(seed)


__all__ = [
    "CustomObjectScope",
    "Progbar",
    "Sequence",
    "array_to_img",
    "custom_object_scope",
    "data_utils",
    "deserialize_keras_object",
    "generic_utils",
    "get_custom_objects",
    "get_file",
    "img_to_array",
    "load_img",
    "model_to_dot",
    "normalize",
    "np_utils",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "save_img",
    "serialize_keras_object",
    "set_random_seed",
    "to_categorical",
    "validate_file",
    "vis_utils",
]
