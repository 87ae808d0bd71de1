"""Training-loop semantics found by the tf-keras oracle (tests/oracle/test_oracle_training.py),
checked here without TensorFlow: metric log names and which metrics see sample weights,
``validation_split`` with sample and class weights, ``verbose='auto'``, and the progress bar's
number and time formats."""

import io

import numpy as np
import pytest

from kviz.engine import progbar as progbar_mod
from kviz.engine.progbar import Progbar
from kviz.layers import Dense, Input
from kviz.models import Model, Sequential


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def _mlp():
    return Sequential(
        [Dense(5, activation="tanh", input_shape=(4,)), Dense(3, activation="softmax")]
    )


def _two_outputs():
    inp = Input((4,))
    return Model(inp, [Dense(3, activation="softmax", name="cls")(inp), Dense(2, name="reg")(inp)])


# ------------------------------------------------------------------ weighted-metric names
@pytest.mark.parametrize(
    ("metrics", "weighted", "expected"),
    [
        # no clash: a weighted metric logs under its plain name (tf.keras)
        (None, ["accuracy"], ["loss", "accuracy"]),
        # a clash with an unweighted metric: 'weighted_' prefix
        (["accuracy"], ["accuracy"], ["loss", "accuracy", "weighted_accuracy"]),
        (["acc", "mse"], ["acc", "mae"], ["loss", "acc", "mse", "weighted_acc", "mae"]),
        # duplicates tf.keras refuses get Keras 2.2's _1 suffix
        (["accuracy", "accuracy"], None, ["loss", "accuracy", "accuracy_1"]),
    ],
)
def test_single_output_metric_names(metrics, weighted, expected):
    x, y = _data()
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy", metrics=metrics, weighted_metrics=weighted)
    assert model.metrics_names == expected  # known at compile time (Keras 2.2)
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    assert model.metrics_names == expected
    assert list(history.history) == expected + ["val_" + k for k in expected]


def test_multi_output_weighted_metric_names_put_the_output_first():
    x, y = _data()
    y2 = np.zeros((len(x), 2), "float32")
    model = _two_outputs()
    model.compile(
        "sgd",
        {"cls": "categorical_crossentropy", "reg": "mse"},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
        weighted_metrics={"cls": ["accuracy"], "reg": ["mse"]},
    )
    expected = [
        "loss",
        "cls_loss",
        "reg_loss",
        "cls_accuracy",
        "cls_weighted_accuracy",
        "reg_mae",
        "reg_mse",
    ]
    assert model.metrics_names == expected
    history = model.fit(x, [y, y2], epochs=1, verbose=0)
    assert list(history.history) == expected
    assert model.metrics_names == expected
    assert list(model.evaluate(x, [y, y2], verbose=0, return_dict=True)) == expected


def test_weighted_metric_uses_the_sample_weights():
    x, y = _data(20)
    w = np.linspace(0.0, 2.0, len(x)).astype("float32")
    model = _mlp()
    model.compile(
        "sgd", "categorical_crossentropy", metrics=["accuracy"], weighted_metrics=["accuracy"]
    )
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    hit = (model.predict(x).argmax(-1) == y.argmax(-1)).astype("float64")
    assert logs["accuracy"] == pytest.approx(hit.mean())
    assert logs["weighted_accuracy"] == pytest.approx((hit * w).sum() / w.sum())


def test_flat_weighted_metrics_list_is_for_every_output():
    x, y = _data()
    model = _mlp()  # one output, two weighted metrics (was read as one entry per output)
    model.compile("sgd", "categorical_crossentropy", weighted_metrics=["acc", "mae"])
    assert model.metrics_names == ["loss", "acc", "mae"]
    model = _two_outputs()
    model.compile("sgd", "mse", weighted_metrics=["mae"])
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_mae", "reg_mae"]


def test_nested_metrics_list_has_one_entry_per_output():
    x, y = _data()
    y2 = np.zeros((len(x), 2), "float32")
    model = _two_outputs()
    model.compile("sgd", "mse", metrics=[["mae"], ["mse", "mae"]])
    expected = ["loss", "cls_loss", "reg_loss", "cls_mae", "reg_mse", "reg_mae"]
    assert model.metrics_names == expected
    logs = model.evaluate(x, [y, y2], verbose=0, return_dict=True)
    assert list(logs) == expected
    assert logs["reg_mse"] == pytest.approx(logs["reg_loss"], rel=1e-6)


def test_one_metric_object_for_two_outputs_keeps_two_states():
    from kviz.metrics import MeanAbsoluteError

    x, _ = _data()
    rng = np.random.default_rng(1)
    ya, yb = rng.standard_normal((len(x), 3)), 5 + rng.standard_normal((len(x), 2))
    model = _two_outputs()
    metric = MeanAbsoluteError(name="m")
    model.compile("sgd", "mse", metrics=[metric])
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    pa, pb = model.predict(x)
    assert logs["cls_m"] == pytest.approx(np.abs(pa - ya).mean(), rel=1e-5)
    assert logs["reg_m"] == pytest.approx(np.abs(pb - yb).mean(), rel=1e-5)


def test_metric_objects_in_metrics_ignore_sample_weights():
    """Only weighted_metrics see the sample weights; a Metric object in ``metrics`` too."""
    from kviz.metrics import CategoricalAccuracy

    x, y = _data(20)
    w = np.linspace(0.0, 2.0, len(x)).astype("float32")
    model = _mlp()
    model.compile(
        "sgd",
        "categorical_crossentropy",
        metrics=[CategoricalAccuracy(name="plain")],
        weighted_metrics=[CategoricalAccuracy(name="weighted")],
    )
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    hit = (model.predict(x).argmax(-1) == y.argmax(-1)).astype("float64")
    assert logs["plain"] == pytest.approx(hit.mean())
    assert logs["weighted"] == pytest.approx((hit * w).sum() / w.sum())


# ------------------------------------------------------------ validation_split and weights
def test_validation_split_with_sample_weight_on_one_output():
    x, y = _data(20)
    w = np.linspace(0.0, 2.0, len(x)).astype("float32")
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    before = model.get_weights()
    history = model.fit(x, y, sample_weight=w, validation_split=0.25, epochs=1, verbose=0)
    # the validation loss used the last 5 samples with their weights: sum(w * l) / n
    model.set_weights(before)
    model.fit(x[:15], y[:15], sample_weight=w[:15], epochs=1, verbose=0)
    expected = model.evaluate(x[15:], y[15:], sample_weight=w[15:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)


def test_class_weight_does_not_weight_the_validation_split():
    x, y = _data(20)
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    before = model.get_weights()
    cw = {0: 0.1, 1: 1.0, 2: 5.0}
    history = model.fit(x, y, class_weight=cw, validation_split=0.25, epochs=1, verbose=0)
    model.set_weights(before)
    model.fit(x[:15], y[:15], class_weight=cw, epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[15:], y[15:], verbose=0), rel=1e-6
    )


def test_sample_weight_in_a_one_element_list():
    """Keras 2.2: one weight array per output, also for a single output."""
    x, y = _data(8)
    w = np.arange(8, dtype="float32")
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    a = model.evaluate(x, y, sample_weight=w, verbose=0)
    assert model.evaluate(x, y, sample_weight=[w], verbose=0) == pytest.approx(a)
    assert model.evaluate(x, y, sample_weight=list(w), verbose=0) == pytest.approx(a)


# ------------------------------------------------------------------------ verbose='auto'
def test_verbose_auto_means_a_progress_bar(capsys):
    x, y = _data()
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=4, verbose="auto")
    out = capsys.readouterr().out
    assert out.count("3/3 [==============================]") == 2
    assert history.params["verbose"] == 1
    model.evaluate(x, y, verbose="auto")
    assert "1/1 [==============================]" in capsys.readouterr().out
    model.predict(x, verbose="auto")
    assert "1/1 [==============================]" in capsys.readouterr().out


# ---------------------------------------------------------------- progress-bar formats
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.70281, "0.7028"),
        (-2.5, "-2.5000"),
        (0.0, "0.0000e+00"),  # tf.keras: zero is not > 1e-3
        (1e-3, "1.0000e-03"),
        (-5e-4, "-5.0000e-04"),
        (123.456789, "123.4568"),
    ],
)
def test_value_format(value, text):
    assert progbar_mod._format_value(value) == text


@pytest.mark.parametrize(
    ("seconds", "unit", "text"),
    [
        (0.0, "step", "0s/step"),
        (2.4, "step", "2s/step"),
        (0.0153, "step", "15ms/step"),
        (0.00087, "step", "870us/step"),
        (0.113, "epoch", "113ms/epoch"),
        (3.2, "epoch", "3s/epoch"),
        (0.0004, "epoch", "400us/epoch"),
    ],
)
def test_time_format(seconds, unit, text):
    assert progbar_mod._format_time(seconds, unit) == text


class _Clock:
    def __init__(self, t=100.0):
        self.t = t

    def __call__(self):
        return self.t


def test_verbose2_line_formats_epoch_time_like_tf_keras(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(progbar_mod.time, "time", clock)
    out = io.StringIO()
    bar = Progbar(3, verbose=2, stream=out, dynamic=False)
    clock.t += 1.5
    bar.update(3, [("loss", 0.5), ("accuracy", 0.0)], finalize=True)
    assert (
        out.getvalue() == "3/3 - 2s - loss: 0.5000 - accuracy: 0.0000e+00 - 2s/epoch - 500ms/step\n"
    )


def test_verbose1_final_line_and_unit_name(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(progbar_mod.time, "time", clock)
    out = io.StringIO()
    bar = Progbar(10, verbose=1, stream=out, dynamic=False, unit_name="sample")
    clock.t += 0.05
    bar.update(10, [("loss", 0.0)])
    assert out.getvalue() == (
        "10/10 [==============================] - 0s 5ms/sample - loss: 0.0000e+00\n"
    )
