"""Helpers shared by the noise layers: the training flag and the random generator."""

from __future__ import annotations

import numpy as np

from kviz import config
from kviz.autodiff.tensor import Tensor


def in_training(training) -> bool:
    """``training`` as a bool; ``None`` means the global learning phase (0 = inference)."""
    if training is None:
        training = config.learning_phase()
    if isinstance(training, Tensor):
        training = training.data
    return bool(np.asarray(training))


def value_of(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def float_dtype(x):
    dtype = value_of(x).dtype
    return dtype if dtype.kind == "f" else np.dtype(config.floatx())


class SeededLayerMixin:
    """A per-layer generator when ``seed`` is given (reproducible), else kviz's global one."""

    def _rng(self):
        if self.seed is None:
            return config.rng()
        gen = self.__dict__.get("_seeded_rng")
        if gen is None:
            gen = np.random.default_rng(self.seed)
            object.__setattr__(self, "_seeded_rng", gen)
        return gen
