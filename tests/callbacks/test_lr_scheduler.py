"""LearningRateScheduler: schedule(epoch, lr) with the schedule(epoch) fallback, the rate used by
the optimizer, 'lr' in the logs/History, float checks, messages."""

from __future__ import annotations

import numpy as np
import pytest
from cb_helpers import WeightsPerEpoch, classifier, fit, same_weights

from kviz import backend as K
from kviz.callbacks import Callback, LearningRateScheduler
from kviz.layers import Dense
from kviz.models import Sequential
from kviz.optimizers import SGD


class LrAtEpochBegin(Callback):
    def __init__(self):
        super().__init__()
        self.lrs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.lrs.append(float(K.get_value(self.model.optimizer.lr)))


def test_two_argument_schedule_sets_lr_and_logs_it():
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr))
        return lr * 0.5

    model = classifier(optimizer=SGD(learning_rate=0.1))
    probe = LrAtEpochBegin()
    history = fit(model, [LearningRateScheduler(schedule), probe], epochs=3)
    assert [e for e, _ in seen] == [0, 1, 2]
    assert all(isinstance(lr, float) for _, lr in seen)
    np.testing.assert_allclose([lr for _, lr in seen], [0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(probe.lrs, [0.05, 0.025, 0.0125], rtol=1e-6)
    lrs = history.history["lr"]
    assert all(isinstance(v, np.float32) for v in lrs)  # as tf.keras: K.get_value -> float32
    np.testing.assert_allclose(lrs, [0.05, 0.025, 0.0125], rtol=1e-6)
    assert sorted(history.history) == ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]


def test_one_argument_schedule_keras20():
    history = fit(classifier(), [LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], epochs=3)
    np.testing.assert_allclose(history.history["lr"], [0.01, 0.02, 0.03], rtol=1e-6)


def test_schedule_error_is_not_hidden_by_the_fallback():
    def schedule(epoch, lr):
        return lr + "x"  # a bug in the user's schedule: its TypeError must surface

    with pytest.raises(TypeError, match="unsupported operand"):
        fit(classifier(), [LearningRateScheduler(schedule)], epochs=1)


def test_callable_object_schedule():
    class Step:
        def __call__(self, epoch, lr):
            return 0.5 if epoch == 0 else 0.25

    history = fit(classifier(), [LearningRateScheduler(Step())], epochs=2)
    assert history.history["lr"] == [np.float32(0.5), np.float32(0.25)]


def test_rate_is_really_used_zero_freezes_weights():
    record = WeightsPerEpoch()
    model = classifier(optimizer=SGD(learning_rate=0.5))
    before = [w.copy() for w in model.get_weights()]
    fit(model, [LearningRateScheduler(lambda epoch, lr: 0.0), record], epochs=2)
    assert same_weights(record.weights[0], before) and same_weights(record.weights[1], before)


@pytest.mark.parametrize("value", [np.float64(0.01), np.float32(0.01), np.array(0.01)])
def test_numpy_floats_are_accepted(value):
    history = fit(classifier(), [LearningRateScheduler(lambda epoch: value)], epochs=1)
    assert history.history["lr"] == [np.float32(0.01)]


@pytest.mark.parametrize("value", [1, "0.1", None, np.int64(1), [0.1]])
def test_non_float_is_an_error(value):
    with pytest.raises(
        ValueError, match='The output of the "schedule" function should be float. Got: '
    ):
        fit(classifier(), [LearningRateScheduler(lambda epoch, lr: value)], epochs=1)


def test_verbose_message(capsys):
    fit(classifier(), [LearningRateScheduler(lambda epoch: 0.5 / (epoch + 1), verbose=1)], epochs=2)
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.5.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.25.\n"
    )


def test_initial_epoch_passes_absolute_epochs():
    seen = []
    fit(
        classifier(),
        [LearningRateScheduler(lambda epoch: seen.append(epoch) or 0.01)],
        epochs=4,
        initial_epoch=2,
    )
    assert seen == [2, 3]


def test_schedule_optimizer_is_refused():
    from kviz.optimizers.schedules import ExponentialDecay

    model = classifier(optimizer=SGD(learning_rate=ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(TypeError, match="learning rate is a number"):
        fit(model, [LearningRateScheduler(lambda epoch: 0.1)], epochs=1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the loss overflows, as in tf.keras
def test_tf_keras_docstring_example():
    # tf.keras's docstring: after 15 epochs the rate is 0.00607 (rounded to 5 places)
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * np.exp(-0.1)

    model = Sequential([Dense(10)])
    model.compile(SGD(), loss="mse")
    assert round(float(K.get_value(model.optimizer.lr)), 5) == 0.01
    model.fit(
        np.arange(100).reshape(5, 20),
        np.zeros((5, 10)),  # tf.keras broadcasts np.zeros(5); see test_early_stopping
        epochs=15,
        callbacks=[LearningRateScheduler(scheduler)],
        verbose=0,
    )
    assert round(float(K.get_value(model.optimizer.lr)), 5) == 0.00607
