"""TerminateOnNaN: stops at the first batch whose (running) loss is NaN or inf."""

from __future__ import annotations

import numpy as np
import pytest
from cb_helpers import classifier, data

from kviz.callbacks import Callback, TerminateOnNaN


class CountBatches(Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(batch)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_stops_at_the_nan_batch(capsys):
    x, y = data(64)
    x[40] = np.nan  # sample 40 is in batch 2 (batch_size 16, no shuffling)
    model = classifier()
    counter = CountBatches()
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        shuffle=False,
        verbose=0,
        callbacks=[TerminateOnNaN(), counter],
    )
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    assert counter.batches == [0, 1, 2]  # the epoch ends after the NaN batch
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])
    assert model.stop_training is True


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_stops_on_inf_loss(capsys):
    x, y = data(32)
    model = classifier()
    model.compile("sgd", "mse")
    y = y.copy()
    y[0, 0] = np.inf
    history = model.fit(
        x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, callbacks=[TerminateOnNaN()]
    )
    assert capsys.readouterr().out == "Batch 0: Invalid loss, terminating training\n"
    assert len(history.history["loss"]) == 1


def test_finite_loss_trains_normally(capsys):
    x, y = data()
    history = classifier().fit(x, y, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) == 3 and capsys.readouterr().out == ""
