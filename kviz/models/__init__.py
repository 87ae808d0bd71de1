"""Models: ``Sequential``, functional ``Model``, and architecture (de)serialization."""

from kviz.models import hooks as _hooks
from kviz.models.cloning import clone_model
from kviz.models.functional import Functional, Model
from kviz.models.graph_config import model_from_config, model_from_json, model_from_yaml
from kviz.models.sequential import Sequential

__all__ = [
    "clone_model",
    "Functional",
    "Model",
    "Sequential",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "load_model",
    "save_model",
]


def __getattr__(name):
    # load_model/save_model live in kviz.saving (a higher level), which registers them in
    # kviz.models.hooks when imported (``import kviz`` does that).
    if name in ("load_model", "save_model"):
        return _hooks.saving_function(name)
    raise AttributeError(f"module 'kviz.models' has no attribute {name!r}")
