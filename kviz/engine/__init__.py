"""The training engine: compile/fit/evaluate/predict, data adapters, callback protocol."""

from kviz.engine.callbacks_base import BaseLogger, Callback, CallbackList, History, ProgbarLogger
from kviz.engine.progbar import Progbar
from kviz.engine.sequence import Sequence
from kviz.engine.training import TrainingMixin

__all__ = [
    "BaseLogger",
    "Callback",
    "CallbackList",
    "History",
    "Progbar",
    "ProgbarLogger",
    "Sequence",
    "TrainingMixin",
]
