"""kviz.viz.history: grouping log keys into panels, the training log, throttling, plot_history."""

from __future__ import annotations

import numpy as np
import pytest

import kviz as keras
from kviz.viz.history import (
    Throttle,
    TrainingLog,
    format_seconds,
    metric_panels,
    plot_history,
    progress,
)


def _titles(panels):
    return [(p["title"], p["train"], p["val"]) for p in panels]


def test_panels_pair_train_and_val_keys_loss_first():
    keys = ["accuracy", "loss", "val_loss", "val_accuracy", "mae", "val_mae"]
    assert _titles(metric_panels(keys)) == [
        ("loss", "loss", "val_loss"),
        ("accuracy", "accuracy", "val_accuracy"),
        ("mae", "mae", "val_mae"),
    ]


def test_panels_keras22_acc_spelling_and_mixed_spellings():
    assert _titles(metric_panels(["loss", "acc", "val_loss", "val_acc"])) == [
        ("loss", "loss", "val_loss"),
        ("acc", "acc", "val_acc"),
    ]
    # acc and val_accuracy still name one metric
    assert _titles(metric_panels(["acc", "val_accuracy"])) == [("acc", "acc", "val_accuracy")]


def test_panels_skip_bookkeeping_and_keep_train_only_and_val_only_keys():
    panels = metric_panels(["batch", "size", "loss", "lr", "val_auc"])
    assert _titles(panels) == [("loss", "loss", None), ("lr", "lr", None), ("auc", None, "val_auc")]


def test_panels_multi_output_names():
    keys = ["loss", "out_a_loss", "out_b_loss", "val_loss", "val_out_a_loss", "val_out_b_loss"]
    assert [p["title"] for p in metric_panels(keys)] == ["loss", "out_a_loss", "out_b_loss"]


def test_panels_selected_by_metrics_with_acc_alias():
    keys = ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert _titles(metric_panels(keys, metrics=["acc"])) == [
        ("accuracy", "accuracy", "val_accuracy")
    ]
    assert _titles(metric_panels(keys, metrics="val_loss")) == [("loss", None, "val_loss")]
    with pytest.raises(ValueError, match="names no logged metric"):
        metric_panels(keys, metrics=["mse"])
    with pytest.raises(TypeError):
        metric_panels(keys, metrics=[3])


def test_training_log_batch_and_epoch_points_and_new_points():
    log = TrainingLog()
    log.begin(epochs=2, steps=4)
    for e in range(2):
        for b in range(4):
            log.add_batch(e, b, {"loss": 1.0 / (e * 4 + b + 1), "accuracy": 0.1 * b, "size": 8})
            if e == 0 and b == 1:
                first = log.take_new()
        log.add_epoch(
            e, {"loss": 0.5 - e * 0.1, "accuracy": 0.3, "val_loss": 0.6, "val_accuracy": 0.2}
        )
    assert first["batch"]["loss"] == (0, [0.25, 0.5], [1.0, 0.5])
    assert first["epoch"] == {}
    rest = log.take_new()
    start, xs, ys = rest["batch"]["loss"]
    assert start == 2 and len(xs) == 6 and xs[-1] == pytest.approx(2.0)
    assert rest["epoch"]["val_loss"] == (0, [1.0, 2.0], [0.6, 0.6])
    assert log.take_new() == {"batch": {}, "epoch": {}}
    assert log.points() == (16, 8)
    assert log.keys == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert log.as_history()["loss"] == pytest.approx([0.5, 0.4])
    snap = log.snapshot()
    assert snap["batch"]["loss"][0] == 0 and len(snap["batch"]["loss"][1]) == 8


def test_training_log_unknown_steps_learns_them_in_the_first_epoch():
    log = TrainingLog()
    log.begin(epochs=2, steps=None)
    for b in range(3):
        log.add_batch(0, b, {"loss": 1.0})
    log.add_batch(1, 0, {"loss": 1.0})
    assert log.batch["loss"][0] == pytest.approx([1 / 2, 2 / 3, 3 / 4, 1 + 1 / 3])


def test_training_log_skips_non_scalars():
    log = TrainingLog()
    log.begin(1, 1)
    log.add_batch(0, 0, {"loss": np.float32(0.5), "weird": np.ones(3), "name": "x"})
    assert list(log.batch) == ["loss"]


def test_throttle_with_a_fake_clock():
    now = [10.0]
    t = Throttle(0.25, clock=lambda: now[0])
    sent = []
    for i in range(20):  # 20 batches, 0.05 s apart -> 1 s
        if t.ready():
            sent.append(i)
        now[0] += 0.05
    assert sent == [0, 5, 10, 15]
    assert t.ready(force=True)
    with pytest.raises(ValueError):
        Throttle(-1)


def test_progress_and_eta():
    p = progress(epoch=0, epochs=2, step=0, steps=10, epoch_elapsed=0.0, total_elapsed=0.0)
    assert p["eta"] is None and p["epoch_fraction"] == 0.0
    p = progress(epoch=1, epochs=2, step=10, steps=10, epoch_elapsed=1.0, total_elapsed=2.0)
    assert p["fraction"] == 1.0 and p["eta"] == 0.0
    p = progress(epoch=0, epochs=3, step=4, steps=None, epoch_elapsed=1.0, total_elapsed=1.0)
    assert p["steps"] is None and p["epoch_eta"] is None
    assert format_seconds(59.6) == "1:00"


def test_plot_history_of_a_real_fit():
    rng = np.random.default_rng(0)
    x = rng.random((32, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    m = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
    m.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    history = m.fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.25)
    fig = plot_history(history)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "acc"]
    for ax in fig.axes:
        lines = ax.get_lines()
        assert len(lines) == 2
        assert list(lines[0].get_xdata()) == [1, 2, 3]
    fig2 = plot_history(history.history, metrics=["loss"], title="run 1")
    assert len([a for a in fig2.axes if a.get_visible()]) == 1
    assert fig2._suptitle.get_text() == "run 1"


def test_plot_history_of_a_training_log_draws_batch_curves():
    log = TrainingLog()
    log.begin(1, 2)
    log.add_batch(0, 0, {"loss": 1.0})
    log.add_batch(0, 1, {"loss": 0.5})
    log.add_epoch(0, {"loss": 0.5, "val_loss": 0.7})
    fig = plot_history(log, ncols=1)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels == ["train (batch)", "train", "val"]


def test_plot_history_errors():
    with pytest.raises(TypeError, match="History"):
        plot_history([1, 2, 3])
    with pytest.raises(ValueError, match="no metric values"):
        plot_history({})


def test_plot_history_from_kviz_viz():
    import kviz.viz

    assert kviz.viz.plot_history is plot_history


@pytest.mark.parametrize("module", ["kviz.viz.history", "kviz.viz.training_stats"])
def test_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
