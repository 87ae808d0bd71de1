"""User callbacks (subclasses of ``kviz.callbacks.Callback``): hooks in Keras's order with
``self.model``/``self.params``, Keras's log keys, ``model.stop_training``, and the seed's
LossHistory class (Keras 2.2 names ``acc``/``val_acc`` read from ``metrics=['accuracy']`` logs)."""

from __future__ import annotations

import matplotlib
import pytest
from cb_helpers import classifier, data, fit

import kviz as keras
from kviz.callbacks import Callback, CallbackList, History

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def _add(self, name, *args):
        self.events.append((name, *args))

    def on_train_begin(self, logs=None):
        self._add("train_begin", self.model is not None, dict(self.params))

    def on_train_end(self, logs=None):
        self._add("train_end", sorted(logs or {}))

    def on_epoch_begin(self, epoch, logs=None):
        self._add("epoch_begin", epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._add("epoch_end", epoch, list(logs))

    def on_train_batch_begin(self, batch, logs=None):
        self._add("batch_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._add("batch_end", batch, list(logs))

    def on_test_begin(self, logs=None):
        self._add("test_begin")

    def on_test_batch_end(self, batch, logs=None):
        self._add("test_batch_end", batch)

    def on_test_end(self, logs=None):
        self._add("test_end", list(logs or {}))


TRAIN_EVENTS = ("train_begin", "train_end", "epoch_begin", "epoch_end", "batch_begin", "batch_end")


def test_hooks_in_order_with_model_params_and_keras_log_keys():
    rec = Recorder()
    model = classifier()
    fit(model, [rec], epochs=2)  # 30 training samples, batch 16: 2 steps
    assert rec.model is model
    train_events = [e for e in rec.events if e[0] in TRAIN_EVENTS]
    first = train_events[0]
    assert first[:2] == ("train_begin", True)
    params = first[2]
    assert {k: params[k] for k in ("verbose", "epochs", "steps")} == {
        "verbose": 0,
        "epochs": 2,
        "steps": 2,
    }
    batch_keys = ["loss", "accuracy"]  # running means, no 'batch'/'size' (TF2)
    epoch_keys = ["loss", "accuracy", "val_loss", "val_accuracy"]  # metrics, then val_ copies
    per_epoch = lambda e: [  # noqa: E731
        ("epoch_begin", e),
        ("batch_begin", 0),
        ("batch_end", 0, batch_keys),
        ("batch_begin", 1),
        ("batch_end", 1, batch_keys),
        ("epoch_end", e, epoch_keys),
    ]
    assert train_events[1:] == per_epoch(0) + per_epoch(1) + [("train_end", sorted(epoch_keys))]


def test_params_hold_tf_keras_keys_and_keras_2_2_extras():
    rec = Recorder()
    fit(classifier(), [rec], epochs=2)  # 40 samples, validation_split 0.25: 30 to train
    params = rec.events[0][2]
    assert params == {
        "verbose": 0,
        "epochs": 2,
        "steps": 2,  # tf.keras's keys, then Keras 2.2's (old callbacks read them)
        "samples": 30,
        "batch_size": 16,
        "do_validation": True,
        "metrics": ["loss", "accuracy", "val_loss", "val_accuracy"],
    }


def test_test_hooks_during_fit_validation():
    rec = Recorder()
    fit(classifier(), [rec], epochs=1, validation_split=0.25)
    names = [e[0] for e in rec.events]
    assert names.index("test_begin") < names.index("test_end") < names.index("epoch_end")


def test_stop_training_from_a_batch_hook():
    class StopAfterFirstBatch(Callback):
        def on_batch_end(self, batch, logs=None):  # the Keras 2 alias of on_train_batch_end
            self.model.stop_training = True

    rec = Recorder()
    history = fit(classifier(), [StopAfterFirstBatch(), rec], epochs=5)
    assert [e[:2] for e in rec.events if e[0] == "batch_end"] == [("batch_end", 0)]
    assert len(history.history["loss"]) == 1


def test_stop_training_from_epoch_end():
    class StopAtEpoch1(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = fit(classifier(), [StopAtEpoch1()], epochs=5)
    assert history.epoch == [0, 1]


def test_evaluate_and_predict_hooks():
    rec = Recorder()
    model = classifier()
    x, y = data()
    model.evaluate(x, y, batch_size=16, callbacks=[rec], verbose=0)
    assert rec.events == [
        ("test_begin",),
        ("test_batch_end", 0),
        ("test_batch_end", 1),
        ("test_batch_end", 2),
        ("test_end", ["loss", "accuracy"]),
    ]


def test_exports_and_callback_list():
    assert keras.callbacks.Callback is Callback
    assert keras.callbacks.History is History
    from kviz.engine import callbacks_base

    for name in ("Callback", "CallbackList", "History", "BaseLogger", "ProgbarLogger"):
        assert getattr(keras.callbacks, name) is getattr(callbacks_base, name)
    rec = Recorder()
    cbs = CallbackList([rec])
    cbs.on_epoch_end(0, {"loss": 1.0})
    assert rec.events == [("epoch_end", 0, ["loss"])]


# The seed's LossHistory (004: "用Callback画acc_loss曲线"), verbatim apart from the import.
class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs={}):  # noqa: B006 - the seed's code
        self.losses = {"batch": [], "epoch": []}
        self.accuracy = {"batch": [], "epoch": []}
        self.val_loss = {"batch": [], "epoch": []}
        self.val_acc = {"batch": [], "epoch": []}

    def on_batch_end(self, batch, logs={}):  # noqa: B006
        self.losses["batch"].append(logs.get("loss"))
        self.accuracy["batch"].append(logs.get("acc"))
        self.val_loss["batch"].append(logs.get("val_loss"))
        self.val_acc["batch"].append(logs.get("val_acc"))

    def on_epoch_end(self, batch, logs={}):  # noqa: B006
        self.losses["epoch"].append(logs.get("loss"))
        self.accuracy["epoch"].append(logs.get("acc"))
        self.val_loss["epoch"].append(logs.get("val_loss"))
        self.val_acc["epoch"].append(logs.get("val_acc"))

    def loss_plot(self, loss_type):
        iters = range(len(self.losses[loss_type]))
        plt.figure()
        plt.plot(iters, self.accuracy[loss_type], "r", label="train acc")
        plt.plot(iters, self.losses[loss_type], "g", label="train loss")
        if loss_type == "epoch":
            plt.plot(iters, self.val_acc[loss_type], "b", label="val acc")
            plt.plot(iters, self.val_loss[loss_type], "k", label="val loss")
        plt.grid(True)
        plt.xlabel(loss_type)
        plt.ylabel("acc-loss")
        plt.legend(loc="upper right")
        plt.show()


@pytest.mark.parametrize("metric", ["accuracy", "acc"])
def test_seed_loss_history(metric):
    history = LossHistory()
    model = classifier(metrics=[metric])
    h = fit(model, [history], epochs=3)
    assert history.losses["epoch"] == h.history["loss"]
    assert history.accuracy["epoch"] == h.history[metric] == h.history["acc"]
    assert history.val_acc["epoch"] == h.history["val_" + metric] == h.history["val_acc"]
    assert history.val_loss["epoch"] == h.history["val_loss"]
    assert all(v is not None for v in history.accuracy["batch"])
    assert len(history.losses["batch"]) == 6
    assert history.val_acc["batch"] == [None] * 6  # no validation values in batch logs
    history.loss_plot("epoch")
    history.loss_plot("batch")
    plt.close("all")
