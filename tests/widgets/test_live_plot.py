"""kviz.widgets.LivePlot: widget state after a short fit (no browser), throttling with a fake
clock, panel payloads, the final static image and the text fallback outside Jupyter."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

import kviz as keras
from kviz.callbacks import Callback
from kviz.widgets import LivePlot
from kviz.widgets import live_plot as lp_mod
from kviz.widgets.live_plot import LivePlotWidget, decode_points, encode_points

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class FakeClock:
    """Advances by ``step`` seconds each time it is read."""

    def __init__(self, step=0.1):
        self.now = 0.0
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


@pytest.fixture
def shown(monkeypatch):
    """Capture what LivePlot displays (instead of IPython's display machinery)."""
    calls = []
    monkeypatch.setattr(lp_mod, "_display", lambda b, i: calls.append(("display", i, b)))
    monkeypatch.setattr(lp_mod, "_update_display", lambda b, i: calls.append(("update", i, b)))
    return calls


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return x, y


def _model(metrics=("accuracy",)):
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.layers.Dense(8, activation="relu", input_shape=(4,), name="hidden"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    m.compile("adam", "categorical_crossentropy", metrics=list(metrics))
    return m


def _capture_sends(plot):
    sent = []
    plot.widget.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def test_liveplot_is_a_callback_and_fit_accepts_it():
    plot = LivePlot(mode="widget")
    assert isinstance(plot, Callback)
    assert isinstance(plot.widget, LivePlotWidget)
    assert plot.widget._esm.strip().startswith("//")  # the ES module file was read


def test_widget_state_after_fit(shown):
    x, y = _data()
    clock = FakeClock(0.1)
    plot = LivePlot(mode="widget", clock=clock, update_interval=0.3)
    sent = _capture_sends(plot)
    m = _model()
    m.fit(x, y, epochs=3, batch_size=8, verbose=0, validation_split=0.25, callbacks=[plot])
    w = plot.widget
    # every log key has a panel, validation series included
    assert w.panels == [
        {"title": "loss", "train": "loss", "val": "val_loss"},
        {"title": "accuracy", "train": "accuracy", "val": "val_accuracy"},
    ]
    # the checkpoint in the widget state holds every batch and epoch point
    data = decode_points(w.data_header, w.data_blob)
    steps = 36 // 8 + (36 % 8 > 0)  # 36 training samples after the split
    assert len(data["batch"]["loss"][1]) == 3 * steps
    assert len(data["batch"]["accuracy"][1]) == 3 * steps
    assert data["epoch"]["val_loss"][1] == pytest.approx([1.0, 2.0, 3.0])
    assert data["epoch"]["loss"][2] == pytest.approx(m.history.history["loss"], rel=1e-6)
    assert data["epoch"]["val_accuracy"][2] == pytest.approx(
        m.history.history["val_accuracy"], rel=1e-6
    )
    assert w.sent == {"batch": 2 * 3 * steps, "epoch": 4 * 3}
    # the live messages carry only new points, which add up to the whole log
    assert all(c["type"] == "points" for c, _ in sent)
    merged = {"batch": {}, "epoch": {}}
    for content, buffers in sent:
        part = decode_points(content["series"], buffers[0])
        for kind, series in part.items():
            for key, (start, xs, ys) in series.items():
                have = merged[kind].setdefault(key, ([], []))
                assert start == len(have[0])  # contiguous, never resent
                have[0].extend(xs)
                have[1].extend(ys)
    for kind in ("batch", "epoch"):
        for key, (_, xs, ys) in data[kind].items():
            assert merged[kind][key] == (xs, ys)
    # progress and status at the end
    assert w.status == "done"
    assert w.progress["fraction"] == 1.0 and w.progress["epochs"] == 3
    assert w.progress["steps"] == steps and w.progress["eta"] == 0.0
    # displayed once at train begin, then updated with the static image
    assert [c[0] for c in shown] == ["display", "update"]
    assert shown[0][1] == shown[1][1]
    final = shown[1][2]
    assert "application/vnd.jupyter.widget-view+json" in final
    png = base64.b64decode(final["image/png"])
    assert png.startswith(PNG_MAGIC) and png == plot.final_png
    assert final["image/png"] in final["text/html"]
    assert base64.b64decode(w.final_png) == png


class ManualClock:
    """Reads do not advance it; the Ticker callback moves it 50 ms per batch."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Ticker(Callback):
    def __init__(self, clock, dt):
        super().__init__()
        self.clock, self.dt = clock, dt

    def on_train_batch_end(self, batch, logs=None):
        self.clock.now += self.dt


def _timed_sends(plot, clock):
    sent = []
    plot.widget.send = lambda content, buffers=None: sent.append((clock.now, content))
    return sent


def test_updates_are_throttled_with_a_fake_clock(shown):
    x, y = _data(64)
    clock = ManualClock()
    plot = LivePlot(mode="widget", clock=clock, update_interval=0.5)
    sent = _timed_sends(plot, clock)
    _model().fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[Ticker(clock, 0.05), plot])
    batches = 2 * 16  # 1.6 s of fake time
    kinds = [{s["kind"] for s in c["series"]} for _, c in sent]
    at_epoch_end = [("epoch" in k) for k in kinds]
    assert sum(at_epoch_end) == 2  # every epoch end updates
    # an update during an epoch comes at least update_interval after the previous update
    for i in range(1, len(sent)):
        if not at_epoch_end[i]:
            assert sent[i][0] - sent[i - 1][0] >= 0.5 - 1e-9
    during = len(sent) - 2
    assert 2 <= during <= 1.6 / 0.5 + 1
    # ... and carries the points of all batches since the last one
    n_batch = sum(
        s["n"] for _, c in sent for s in c["series"] if s["key"] == "loss" and s["kind"] == "batch"
    )
    assert n_batch == batches
    # without throttling, one message per batch plus one per epoch end
    fast_clock = ManualClock()
    fast = LivePlot(mode="widget", clock=fast_clock, update_interval=0.0)
    sent_fast = _timed_sends(fast, fast_clock)
    _model().fit(
        x, y, epochs=2, batch_size=4, verbose=0, callbacks=[Ticker(fast_clock, 0.05), fast]
    )
    assert len(sent_fast) == batches + 2
    assert len(sent) < len(sent_fast) / 4


def test_metrics_argument_and_acc_spelling(shown):
    x, y = _data()
    plot = LivePlot(mode="widget", metrics=["acc"], clock=FakeClock())
    _model(metrics=("acc",)).fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[plot])
    assert [p["title"] for p in plot.widget.panels] == ["acc"]


def test_confusion_and_histogram_panels(shown):
    x, y = _data(40)
    xv, yv = _data(20, seed=3)
    plot = LivePlot(
        mode="widget",
        clock=FakeClock(),
        validation_data=(xv, yv),
        confusion_matrix=True,
        histograms=True,
        class_names=["a", "b", "c"],
        bins=10,
        max_epochs_kept=2,
    )
    m = _model()
    m.fit(x, y, epochs=3, batch_size=10, verbose=0, validation_data=(xv, yv), callbacks=[plot])
    w = plot.widget
    assert w.show == ["confusion", "histograms"]
    conf = w.confusion
    assert conf["epoch"] == 2 and conf["labels"] == ["a", "b", "c"]
    expected = keras.viz.confusion_matrix(yv, m.predict(xv, verbose=0))
    assert conf["matrix"] == expected.tolist()
    assert np.sum(conf["matrix"]) == 20
    hist = w.histograms
    assert hist["epochs"] == [1, 2]  # the last max_epochs_kept epochs
    layers = {layer["layer"]: layer for layer in hist["layers"]}
    assert set(layers) == {"hidden", "out"}
    hidden = layers["hidden"]
    assert hidden["weight"] == "kernel" and len(hidden["weights"]) == 2
    assert sum(hidden["weights"][-1]["counts"]) == 4 * 8
    assert len(hidden["gradients"][-1]["edges"]) == 11
    assert hidden["grad_norm"][-1] > 0 and hidden["dead_relu"][-1] is not None
    assert layers["out"]["dead_relu"][-1] is None  # softmax layer: no ReLU
    assert isinstance(w.warnings, list)
    # the final image has the extra panels
    assert plot.final_png.startswith(PNG_MAGIC)
    assert len(plot.figure().axes) == 2 + 3


def test_dead_relu_warning_reaches_the_widget(shown):
    x, y = _data(24)
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.layers.Dense(
                8,
                activation="relu",
                input_shape=(4,),
                name="dead",
                bias_initializer=keras.initializers.Constant(-50.0),
            ),  # fmt: skip
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    m.compile("sgd", "categorical_crossentropy")
    plot = LivePlot(mode="widget", clock=FakeClock(), validation_data=(x, y), histograms=True)
    m.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[plot])
    kinds = {(w["layer"], w["kind"]) for w in plot.widget.warnings}
    assert ("dead", "dead_relu") in kinds
    assert ("dead", "vanishing") in kinds  # dead units pass no gradient at all


def test_text_fallback_outside_jupyter_prints_epoch_lines(tmp_path):
    x, y = _data()
    out = io.StringIO()
    plot = LivePlot(stream=out, save_to=tmp_path / "curves.png")  # mode='auto', no kernel here
    _model().fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25, callbacks=[plot])
    assert plot.mode == "text" and plot.text_mode
    lines = out.getvalue().splitlines()
    epoch_lines = [ln for ln in lines if ln.startswith("Epoch ")]
    assert len(epoch_lines) == 2
    assert epoch_lines[0].startswith("Epoch 1/2 - ")
    for key in ("loss: ", "val_loss: ", "accuracy: ", "val_accuracy: "):
        assert key in epoch_lines[1]
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG_MAGIC)
    assert "saved to" in lines[-1]
    assert plot._widget is None  # no widget was created


def test_text_fallback_prints_confusion_matrix_and_warnings():
    x, y = _data(24)
    out = io.StringIO()
    plot = LivePlot(mode="text", stream=out, validation_data=(x, y), confusion_matrix=True)
    _model().fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[plot])
    text = out.getvalue()
    assert "confusion matrix (rows: true, columns: predicted)" in text
    assert plot.confusion.sum() == 24


def test_displaying_it_before_fit_reuses_the_display(shown):
    x, y = _data()
    plot = LivePlot(mode="widget", clock=FakeClock())
    plot._ipython_display_()
    assert plot.displayed and len(shown) == 1
    _model().fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[plot])
    assert [c[0] for c in shown] == ["display", "update"]


def test_a_second_fit_continues_the_x_axis(shown):
    x, y = _data(32)
    plot = LivePlot(mode="widget", clock=FakeClock())
    m = _model()
    m.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[plot])
    m.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[plot])
    assert plot.log.epoch["loss"][0] == [1.0, 2.0, 3.0]
    assert plot.widget.progress["epochs"] == 3
    plot2 = LivePlot(mode="widget", clock=FakeClock())
    m.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[plot2])
    m.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0, callbacks=[plot2])
    assert plot2.log.epoch["loss"][0] == [1.0, 2.0, 3.0, 4.0]


def test_encode_decode_round_trip():
    points = {
        "batch": {"loss": (3, [0.25, 0.5], [1.5, 1.25]), "empty": (0, [], [])},
        "epoch": {"val_loss": (0, [1.0], [0.75])},
    }
    header, blob = encode_points(points)
    assert [h["key"] for h in header] == ["loss", "val_loss"]
    back = decode_points(header, blob)
    assert back["batch"]["loss"] == (3, [0.25, 0.5], [1.5, 1.25])
    assert back["epoch"]["val_loss"] == (0, [1.0], [0.75])
    assert encode_points({"batch": {}, "epoch": {}}) == ([], b"")


def test_errors_at_construction():
    with pytest.raises(ValueError, match="mode"):
        LivePlot(mode="svg")
    with pytest.raises(ValueError, match="validation_data"):
        LivePlot(confusion_matrix=True)
    with pytest.raises(ValueError, match="validation_data"):
        LivePlot(histograms=True)
    with pytest.raises(ValueError, match="same number of samples"):
        LivePlot(validation_data=(np.ones((3, 2)), np.ones((4, 1))), confusion_matrix=True)
    with pytest.raises(ValueError, match="tuple"):
        LivePlot(validation_data=np.ones(3))
    with pytest.raises(ValueError, match="interval"):
        LivePlot(update_interval=-1)
    with pytest.raises(ValueError, match="bins"):
        LivePlot(bins=0)
    with pytest.raises(TypeError, match="metrics"):
        LivePlot(metrics=3)


@pytest.mark.parametrize("module", ["kviz.widgets.live_plot"])
def test_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_done_state_counts_the_epochs_that_ran_when_training_stops_early(shown):
    x, y = _data()
    plot = LivePlot(mode="widget", clock=FakeClock(0.1))
    stop_after_two = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(m, "stop_training", epoch >= 1)
    )
    m = _model()
    m.fit(x, y, epochs=10, batch_size=8, verbose=0, callbacks=[plot, stop_after_two])
    w = plot.widget
    assert w.status == "done"
    assert w.progress["fraction"] == 1.0
    assert w.progress["epochs_run"] == 2
    assert w.progress["planned"] == 10
    assert w.progress["stopped_early"] is True
    assert w.progress["text"] == "done: 2 epoch(s) (stopped early; 10 planned)"
    # a fit that runs all its epochs is not "stopped early"
    plot2 = LivePlot(mode="widget", clock=FakeClock(0.1))
    _model().fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[plot2])
    assert plot2.widget.progress["epochs_run"] == 2
    assert plot2.widget.progress["stopped_early"] is False
