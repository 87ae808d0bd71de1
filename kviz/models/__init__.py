"""Models: ``Sequential``, functional ``Model``, and architecture (de)serialization."""

from kviz.models.cloning import clone_model
from kviz.models.functional import Functional, Model
from kviz.models.graph_config import model_from_config, model_from_json
from kviz.models.sequential import Sequential

__all__ = [
    "clone_model",
    "Functional",
    "Model",
    "Sequential",
    "model_from_config",
    "model_from_json",
]
