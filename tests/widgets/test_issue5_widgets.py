"""Issue #5: the public names it lists, and LivePlot details the other widget tests leave out
(the progress bar's ETA while ``fit`` runs, the confusion matrix at *each* epoch end, the
exploding-gradient warning reaching the widget)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import kviz as keras
from kviz.callbacks import Callback
from kviz.widgets import live_plot as lp_mod


def _params(fn):
    return [
        (p.name, p.default)
        for p in inspect.signature(fn).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def test_public_names_and_their_signatures():
    """The names the issue promises, with the arguments (and defaults) it writes."""
    import kviz.utils
    import kviz.viz
    import kviz.widgets

    assert callable(kviz.utils.plot_model) and callable(kviz.utils.model_to_dot)
    assert kviz.utils.vis_utils.plot_model is kviz.utils.plot_model
    assert kviz.utils.vis_utils.model_to_dot is kviz.utils.model_to_dot
    E = inspect.Parameter.empty
    assert _params(kviz.viz.graph)[0] == ("model", E)
    assert _params(kviz.viz.activations)[:3] == [("model", E), ("x", E), ("layers", None)]
    assert _params(kviz.viz.kernel_images)[:2] == [("model", E), ("layer", E)]
    got = _params(kviz.viz.maximize_activation)
    assert got[:3] == [("model", E), ("layer", E), ("filter_index", E)]
    assert "steps" in dict(got)
    assert _params(kviz.viz.saliency)[:3] == [("model", E), ("x", E), ("class_index", E)]
    assert _params(kviz.viz.grad_cam)[:4] == [
        ("model", E),
        ("x", E),
        ("class_index", E),
        ("layer_name", None),
    ]
    assert _params(kviz.viz.plot_history)[0] == ("history", E)
    for name in ("graph", "activations", "kernel_images", "maximize_activation", "saliency"):
        assert name in kviz.viz.__all__
    assert {"grad_cam", "plot_history"} <= set(kviz.viz.__all__)
    assert set(kviz.widgets.__all__) == {
        "ModelGraph",
        "LivePlot",
        "ActivationViewer",
        "FilterViewer",
    }
    from kviz.widgets import ActivationViewer, FilterViewer, LivePlot, ModelGraph

    assert _params(ModelGraph)[0] == ("model", E)
    assert _params(ActivationViewer)[:2] == [("model", E), ("x", E)]
    assert _params(FilterViewer)[:2] == [("model", E), ("layer", None)]
    assert issubclass(LivePlot, Callback) and _params(LivePlot)[0][0] == "metrics"
    assert kviz.viz.plot_history is kviz.viz.history.plot_history


# ------------------------------------------------------------------------------ LivePlot
class ManualClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Recorder(Callback):
    """Moves the fake clock 0.1 s per batch (before LivePlot's hook) and, after it, records
    the widget's progress and confusion matrix."""

    def __init__(self, clock, plot, when):
        super().__init__()
        self.clock, self.plot, self.when = clock, plot, when
        self.progress, self.confusion_epochs = [], []

    def on_train_batch_end(self, batch, logs=None):
        if self.when == "before":
            self.clock.now += 0.1
        else:
            self.progress.append(dict(self.plot.widget.progress))

    def on_epoch_end(self, epoch, logs=None):
        if self.when == "after" and self.plot.widget.confusion:
            self.confusion_epochs.append(self.plot.widget.confusion["epoch"])


@pytest.fixture
def shown(monkeypatch):
    calls = []
    monkeypatch.setattr(lp_mod, "_display", lambda b, i: calls.append(("display", i, b)))
    monkeypatch.setattr(lp_mod, "_update_display", lambda b, i: calls.append(("update", i, b)))
    return calls


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def _model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.layers.Dense(6, activation="relu", input_shape=(4,), name="hidden"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return m


def test_progress_bar_has_an_eta_while_fit_runs_and_confusion_at_every_epoch_end(shown):
    x, y = _data(40)
    xv, yv = _data(12, seed=1)
    clock = ManualClock()
    plot = lp_mod.LivePlot(
        mode="widget", clock=clock, update_interval=0.0, validation_data=(xv, yv),
        confusion_matrix=True,
    )  # fmt: skip
    plot.widget.send = lambda content, buffers=None: None
    before, after = Recorder(clock, plot, "before"), Recorder(clock, plot, "after")
    _model().fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[before, plot, after])
    mid = [p for p in after.progress if 0 < p["fraction"] < 1]
    assert len(mid) == 3 * 5 - 1
    # 5 batches an epoch at 0.1 s each: after batch 2 of epoch 1, 0.3 s of that epoch and
    # 2 + 3 batches of the fit remain
    p = after.progress[5 + 1]
    assert p["epoch"] == 1 and p["step"] == 2 and p["steps"] == 5
    assert p["epoch_eta"] == pytest.approx(0.3) and p["eta"] == pytest.approx(0.8)
    assert "ETA 0s (fit 1s)" in p["text"] and p["text"].startswith("Epoch 2/3 - 2/5")
    assert all(q["eta"] is not None and q["eta"] >= 0 for q in mid)
    etas = [q["eta"] for q in mid]
    assert etas == sorted(etas, reverse=True)  # counts down
    assert after.confusion_epochs == [0, 1, 2]


def test_exploding_gradients_warning_reaches_the_widget(shown):
    x, y = _data(16)
    keras.utils.set_random_seed(0)
    big = keras.initializers.Constant(3.0)
    m = keras.Sequential(
        [
            keras.layers.Dense(8, input_shape=(4,), kernel_initializer=big, name="big1"),
            keras.layers.Dense(8, kernel_initializer=big, name="big2"),
            keras.layers.Dense(3, kernel_initializer=big, name="big3"),
        ]
    )
    m.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")  # the weights stay as they are
    plot = lp_mod.LivePlot(mode="widget", validation_data=(x, y), histograms=True)
    plot.widget.send = lambda content, buffers=None: None
    m.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[plot])
    kinds = {w["kind"] for w in plot.widget.warnings}
    assert "exploding" in kinds, plot.widget.warnings
    assert all(w["message"] for w in plot.widget.warnings)
