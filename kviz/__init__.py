"""kviz: Keras-2 models on NumPy and Numba, with notebook widgets that show what a network does.

``import kviz as keras`` gives the Keras 2 module layout (``keras.layers.Dense``,
``keras.models.Sequential``, ``keras.backend``...). Submodules load on first use, so
``import kviz`` stays light: it loads neither Numba's CUDA support nor ipywidgets.

>>> import kviz as keras
>>> keras.__version__
'0.1.0'
>>> keras.layers.Dense(2).units
2
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "activations",
    "applications",
    "autodiff",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "regularizers",
    "saving",
    "utils",
    "viz",
    "widgets",
    "wrappers",
}

_NAMES = {
    "Model": "kviz.models",
    "Sequential": "kviz.models",
    "Input": "kviz.layers",
    "device": "kviz.config",  # ``with kviz.device('cuda'):`` (docs/cuda.md)
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"kviz.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'kviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))


# kviz.saving registers Model.save/save_weights/load_weights and kviz.models.load_model/
# save_model (kviz.models may not import it: it is a higher level). It loads kviz.models but
# not h5py, which is imported when a file is read or written.
from kviz import saving as _saving  # noqa: E402
