"""EarlyStopping: tf.keras's patience / min_delta / baseline / start_from_epoch rules, mode
'auto', restore_best_weights (also without an early stop), messages and warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from cb_helpers import Scripted, WeightsPerEpoch, classifier, fit, same_weights

from kviz.callbacks import EarlyStopping
from kviz.layers import Dense
from kviz.models import Sequential
from kviz.optimizers import SGD


def run(values, epochs=None, monitor="val_loss", **kwargs):
    """Fit with ``monitor`` scripted to ``values``; returns (history, callback)."""
    stop = EarlyStopping(monitor=monitor, **kwargs)
    history = fit(classifier(), [Scripted(monitor, values), stop], epochs=epochs or len(values))
    return history, stop


@pytest.mark.parametrize(
    "values, kwargs, epochs_run",
    [
        # patience=0: the first epoch without improvement stops (never epoch 0)
        ([1.0, 0.9, 0.95, 0.8, 0.7], {}, 3),
        ([1.0, 1.0, 1.0], {}, 2),  # equal is not an improvement
        # patience=2: two epochs in a row without improvement
        ([1.0, 0.9, 0.95, 0.96, 0.5, 0.4], {"patience": 2}, 4),
        ([1.0, 0.9, 0.95, 0.85, 0.96, 0.97, 0.5], {"patience": 2}, 6),
        # min_delta: an improvement must be larger than min_delta
        ([1.0, 0.95, 0.85, 0.84], {"min_delta": 0.1, "patience": 1}, 2),
        ([1.0, 0.85, 0.7, 0.65, 0.6], {"min_delta": -0.1, "patience": 1}, 4),  # abs(min_delta)
        # baseline: improving on the best but not on the baseline does not reset the wait
        ([0.9, 0.95, 0.97, 0.99], {"patience": 2, "baseline": 0.5}, 2),
        ([0.9, 0.95, 0.97, 0.99], {"patience": 2}, 3),
        ([0.9, 0.8, 0.7, 0.6, 0.5], {"patience": 1, "baseline": 0.5}, 5),  # improving: never stops
        # start_from_epoch: the first epochs are not monitored at all
        ([5.0, 6.0, 7.0, 8.0, 9.0], {"start_from_epoch": 2}, 4),
        ([5.0, 6.0, 7.0, 8.0, 9.0], {}, 2),
    ],
)
def test_stopping_epoch(values, kwargs, epochs_run):
    history, stop = run(values, **kwargs)
    assert len(history.history["loss"]) == epochs_run
    assert stop.stopped_epoch == (epochs_run - 1 if epochs_run < len(values) else 0)


def test_mode_auto_maximizes_accuracy_and_auc_names():
    # TF2 rule: the name *ends* with acc/accuracy/auc (Keras 2.2: 'acc' anywhere in the name)
    assert EarlyStopping(monitor="val_accuracy").monitor_op is np.greater
    assert EarlyStopping(monitor="val_acc").monitor_op is np.greater
    assert EarlyStopping(monitor="auc").monitor_op is np.greater
    assert EarlyStopping(monitor="val_loss").monitor_op is np.less
    assert EarlyStopping(monitor="acc_loss").monitor_op is np.less
    assert EarlyStopping(monitor="val_loss", mode="max").monitor_op is np.greater
    assert EarlyStopping(monitor="val_acc", mode="min").monitor_op is np.less
    with pytest.warns(UserWarning, match="EarlyStopping mode foo is unknown, fallback to auto"):
        assert EarlyStopping(monitor="val_acc", mode="foo").monitor_op is np.greater


def test_maximized_monitor_stops_when_it_stops_rising():
    history, stop = run([0.5, 0.6, 0.6, 0.9], monitor="val_accuracy")
    assert len(history.history["loss"]) == 3 and stop.best == 0.6


def test_val_acc_monitor_reads_val_accuracy_logs():
    # compiled with 'accuracy' (TF2 log name), monitored with the Keras 2.2 name
    stop = EarlyStopping(monitor="val_acc", patience=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(classifier(metrics=["accuracy"]), [stop], epochs=2)
    assert 0.0 <= stop.best <= 1.0


def test_restore_best_weights_after_early_stop():
    record = WeightsPerEpoch()
    stop = EarlyStopping(patience=1, restore_best_weights=True)
    model = classifier()
    history = fit(model, [Scripted("val_loss", [1.0, 0.5, 0.7, 0.8, 0.1]), record, stop], epochs=5)
    assert len(history.history["loss"]) == 3
    assert stop.best_epoch == 1
    assert same_weights(model.get_weights(), record.weights[1])
    assert not same_weights(record.weights[1], record.weights[2])


def test_restore_best_weights_without_early_stop_tf2():
    # TF2: weights are restored at the end of training even when it ran to the last epoch
    record = WeightsPerEpoch()
    stop = EarlyStopping(patience=10, restore_best_weights=True)
    model = classifier()
    fit(model, [Scripted("val_loss", [1.0, 0.2, 0.7, 0.8]), record, stop], epochs=4)
    assert stop.stopped_epoch == 0
    assert same_weights(model.get_weights(), record.weights[1])


def test_no_restore_keeps_last_weights():
    record = WeightsPerEpoch()
    model = classifier()
    stop = EarlyStopping(patience=1)
    fit(model, [Scripted("val_loss", [1.0, 0.5, 0.7, 0.8]), record, stop], epochs=4)
    assert same_weights(model.get_weights(), record.weights[-1])


def test_verbose_messages(capsys):
    stop = EarlyStopping(patience=1, verbose=1, restore_best_weights=True)
    fit(classifier(), [Scripted("val_loss", [1.0, 0.5, 0.7, 0.8, 0.1]), stop], epochs=5)
    out = capsys.readouterr().out
    assert out == (
        "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_silent_by_default(capsys):
    fit(classifier(), [Scripted("val_loss", [1.0, 2.0, 3.0]), EarlyStopping()], epochs=3)
    assert capsys.readouterr().out == ""


def test_missing_monitor_warns_and_training_goes_on():
    stop = EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning) as record:
        history = fit(classifier(), [stop], epochs=3, validation=False)
    messages = [str(w.message) for w in record]
    assert (
        "Early stopping conditioned on metric `val_loss` which is not available. "
        "Available metrics are: loss,accuracy"
    ) in messages
    assert len(history.history["loss"]) == 3


def test_state_is_reset_by_a_new_fit():
    stop = EarlyStopping(patience=0)
    model = classifier()
    fit(model, [Scripted("val_loss", [1.0, 2.0, 3.0]), stop], epochs=3)
    assert stop.stopped_epoch == 1
    history = fit(model, [Scripted("val_loss", [3.0, 2.0, 1.0]), stop], epochs=3)
    assert len(history.history["loss"]) == 3 and stop.stopped_epoch == 0 and stop.best == 1.0


def test_tf_keras_docstring_example():
    # tf.keras's EarlyStopping docstring: "Only 4 epochs are run." (tf.keras takes the targets
    # as np.zeros(5) and broadcasts them; kviz refuses (5,) targets for a (None, 10) output, so
    # they are given as zeros of the output's shape: the same loss values)
    callback = EarlyStopping(monitor="loss", patience=3)
    model = Sequential([Dense(10)])
    model.compile(SGD(), loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the loss overflows, as in TF
        history = model.fit(
            np.arange(100).reshape(5, 20),
            np.zeros((5, 10)),
            epochs=10,
            batch_size=1,
            callbacks=[callback],
            verbose=0,
        )
    assert len(history.history["loss"]) == 4
