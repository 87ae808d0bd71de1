"""Progress output: one updating line per epoch in terminals and notebooks, final lines only
in logs; Keras's number formatting."""

import io
import sys
import types

import numpy as np

from kviz.engine.progbar import Progbar, dynamic_display_available
from kviz.layers import Dense
from kviz.models import Sequential


def test_dynamic_bar_rewrites_one_line():
    out = io.StringIO()
    bar = Progbar(50, stream=out, dynamic=True, interval=0.0)
    for i in range(1, 51):
        bar.update(i, [("loss", 1.0 / i)])
    text = out.getvalue()
    assert text.count("\n") == 1  # a single line, rewritten with carriage returns
    assert text.count("\r") > 1
    assert text.rstrip().endswith("loss: 0.0200")
    assert "50/50 [==============================]" in text


def test_throttled_updates():
    out = io.StringIO()
    bar = Progbar(1000, stream=out, dynamic=True, interval=10.0)
    for i in range(1, 1001):
        bar.update(i)
    assert out.getvalue().count("\r") <= 2


def test_non_dynamic_stream_prints_only_final_line():
    out = io.StringIO()
    bar = Progbar(5, stream=out, dynamic=False)
    for i in range(1, 6):
        bar.update(i, [("loss", 0.5)])
    assert out.getvalue().count("\n") == 1


def test_small_values_use_scientific_format():
    out = io.StringIO()
    bar = Progbar(1, stream=out, dynamic=False)
    bar.update(1, [("loss", 1.5e-4)])
    assert "loss: 1.5000e-04" in out.getvalue()


def test_notebook_kernel_counts_as_dynamic(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert dynamic_display_available(io.StringIO())


def test_fit_in_a_notebook_writes_one_line_per_epoch(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    model.fit(np.zeros((640, 2)), np.zeros((640, 1)), batch_size=8, epochs=2, verbose=1)
    out = capsys.readouterr().out
    lines = [ln for ln in out.split("\n") if ln.strip()]
    assert len(lines) == 4  # "Epoch 1/2", its bar, "Epoch 2/2", its bar
