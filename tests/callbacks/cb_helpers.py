"""Shared pieces of the callback tests: a small classifier, its data, and callbacks that script
or record what the callback under test sees."""

from __future__ import annotations

import numpy as np

from kviz.callbacks import Callback
from kviz.layers import Dense
from kviz.models import Sequential


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def classifier(optimizer="sgd", metrics=("accuracy",)):
    model = Sequential(
        [Dense(8, activation="relu", input_shape=(4,)), Dense(3, activation="softmax")]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=list(metrics))
    return model


def fit(model, callbacks, epochs=5, validation=True, **kwargs):
    x, y = data()
    kwargs.setdefault("batch_size", 16)
    if validation:
        kwargs.setdefault("validation_split", 0.25)
    return model.fit(x, y, epochs=epochs, verbose=0, callbacks=callbacks, **kwargs)


class Scripted(Callback):
    """Overwrite ``logs[key]`` at every epoch end with ``values[epoch]`` (placed before the
    callback under test, which then sees the scripted value)."""

    def __init__(self, key, values):
        super().__init__()
        self.key = key
        self.values = list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class WeightsPerEpoch(Callback):
    """The model's weights at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
