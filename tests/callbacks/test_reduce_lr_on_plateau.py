"""ReduceLROnPlateau: patience, factor, min_delta, cooldown, min_lr, mode, 'lr' in History,
the Keras 2.2 ``epsilon`` alias, messages and warnings."""

from __future__ import annotations

import numpy as np
import pytest
from cb_helpers import Scripted, classifier, fit

from kviz import backend as K
from kviz.callbacks import ReduceLROnPlateau
from kviz.optimizers import SGD


def run(values, monitor="val_loss", lr=0.1, **kwargs):
    model = classifier(optimizer=SGD(learning_rate=lr))
    cb = ReduceLROnPlateau(monitor=monitor, **kwargs)
    history = fit(model, [Scripted(monitor, values), cb], epochs=len(values))
    return history, model, cb


def f32(values):
    """The float32 rates tf.keras computes (lr * factor in float32)."""
    return [np.float32(v) for v in values]


def test_reduces_after_patience_and_logs_rate_before_reduction():
    history, model, _ = run([1.0, 1.0, 1.0, 1.0, 1.0, 1.0], factor=0.5, patience=2)
    # epoch 0 improves; epochs 1, 2 do not -> reduce at the end of epoch 2; again at epoch 4
    lr = np.float32(0.1)
    assert history.history["lr"] == [lr, lr, lr, lr * 0.5, lr * 0.5, lr * 0.25]
    assert all(isinstance(v, np.float32) for v in history.history["lr"])
    assert K.get_value(model.optimizer.lr) == lr * 0.25


def test_min_delta():
    # 0.95 is not an improvement over 1.0 with min_delta 0.1; 0.85 is
    history, _, _ = run([1.0, 0.95, 0.85, 0.84], factor=0.5, patience=1, min_delta=0.1)
    lr = np.float32(0.1)
    assert history.history["lr"] == [lr, lr, lr * 0.5, lr * 0.5]


def test_cooldown():
    history, _, _ = run([1.0] * 7, factor=0.5, patience=1, cooldown=2)
    lr = np.float32(0.1)
    # reduce at the end of epoch 1, then 2 epochs of cooldown (the second one already counts
    # as a waiting epoch again) -> reductions at the ends of epochs 1, 3 and 5
    assert history.history["lr"] == [lr, lr, lr / 2, lr / 2, lr / 4, lr / 4, lr / 8]


def test_min_lr():
    history, model, _ = run([1.0] * 5, factor=0.1, patience=1, min_lr=0.005)
    assert history.history["lr"][-1] == np.float32(0.005)
    assert K.get_value(model.optimizer.lr) == np.float32(0.005)


def test_mode_auto_maximizes_acc_names():
    assert ReduceLROnPlateau(monitor="val_acc").monitor_op(0.6, 0.5)
    assert not ReduceLROnPlateau(monitor="val_accuracy").monitor_op(0.5, 0.6)
    assert ReduceLROnPlateau(monitor="val_loss").monitor_op(0.5, 0.6)
    assert ReduceLROnPlateau(monitor="val_acc", mode="min").monitor_op(0.5, 0.6)
    history, model, _ = run([0.5, 0.6, 0.6, 0.6], monitor="val_accuracy", factor=0.5, patience=2)
    lr = np.float32(0.1)
    assert history.history["lr"] == [lr] * 4  # reduced at the end of the last epoch
    assert K.get_value(model.optimizer.lr) == lr / 2


def test_epsilon_is_min_delta_keras22():
    with pytest.warns(UserWarning, match="`epsilon` argument is deprecated"):
        cb = ReduceLROnPlateau(epsilon=0.25)
    assert cb.min_delta == 0.25


def test_factor_must_be_below_one():
    with pytest.raises(
        ValueError, match="ReduceLROnPlateau does not support a factor >= 1.0. Got 1.5"
    ):
        ReduceLROnPlateau(factor=1.5)


def test_verbose_message_text(capsys):
    run([1.0, 1.0], factor=0.5, patience=1, verbose=1)
    new_lr = max(np.float32(0.1) * 0.5, 0)
    assert capsys.readouterr().out == (
        f"\nEpoch 2: ReduceLROnPlateau reducing learning rate to {new_lr}.\n"
    )


def test_missing_monitor_warns_but_logs_lr():
    model = classifier()
    with pytest.warns(
        UserWarning, match="Learning rate reduction is conditioned on metric `val_loss`"
    ):
        history = fit(model, [ReduceLROnPlateau()], epochs=2, validation=False)
    assert history.history["lr"] == [np.float32(0.01)] * 2


def test_real_plateau_with_zero_learning_rate_progress():
    # lr so small the loss barely moves: every epoch after the first is a plateau (the rate
    # logged for an epoch is the one it trained with, before that epoch's reduction)
    model = classifier(optimizer=SGD(learning_rate=1e-9))
    history = fit(model, [ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)], epochs=4)
    np.testing.assert_allclose(history.history["lr"], [1e-9, 1e-9, 5e-10, 2.5e-10], rtol=1e-6)
