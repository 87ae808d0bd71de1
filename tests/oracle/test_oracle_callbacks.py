"""kviz's callbacks against tf-keras 2.21's: the same model, weights, data and optimizer in both
libraries, trained without shuffling, must stop at the same epoch (EarlyStopping), use the same
learning rates (ReduceLROnPlateau, LearningRateScheduler), write the same CSV header and
columns (CSVLogger), keep the same History keys and print the same messages.

Besides real fits, the monitored value is also *scripted* (a callback placed first overwrites it
at every epoch end in both libraries) to compare the decision rules on chosen sequences: ties,
min_delta, baseline, cooldown, min_lr, start_from_epoch.

The data is a noisy linear teacher (3 classes from 4 features), so the validation loss falls
for a few dozen epochs and then levels off; on this trajectory the libraries' losses agree to
~1e-7 and no stopping decision is closer than 1e-3, so the comparisons are exact.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import oracle_utils
import pytest

import kviz

pytestmark = pytest.mark.keras_oracle

FIT = dict(batch_size=8, shuffle=False, validation_split=0.25, verbose=0)


def teacher_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    w = rng.normal(size=(4, 3))
    y = np.eye(3, dtype="float32")[np.argmax(x @ w + rng.normal(size=(n, 3)), axis=1)]
    return x, y


def build(lib):
    return lib.models.Sequential(
        [
            lib.layers.Dense(8, activation="relu", input_shape=(4,)),
            lib.layers.Dense(3, activation="softmax"),
        ]
    )


@pytest.fixture
def pair(tk):
    """(kviz model, tf-keras model) with the same weights, compiled alike (SGD lr 0.3)."""
    km, tm = oracle_utils.build_pair(build)
    km.compile(kviz.optimizers.SGD(learning_rate=0.3), "categorical_crossentropy", ["accuracy"])
    tm.compile(
        tk.optimizers.legacy.SGD(learning_rate=0.3), "categorical_crossentropy", ["accuracy"]
    )
    return km, tm


def fit_both(pair, make_callbacks, tk, epochs, **kwargs):
    """Fit both models; ``make_callbacks(lib)`` builds each library's callback list."""
    km, tm = pair
    x, y = teacher_data()
    options = FIT | kwargs
    kh = km.fit(x, y, epochs=epochs, callbacks=make_callbacks(kviz), **options)
    th = tm.fit(x, y, epochs=epochs, callbacks=make_callbacks(tk), **options)
    return kh, th


def scripted(lib, key, values):
    """A callback of ``lib`` setting ``logs[key] = values[epoch]`` at every epoch end."""

    class Scripted(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs[key] = values[epoch]

    return Scripted()


def assert_same_history(kh, th, rtol=1e-5):
    assert list(kh.history) == list(th.history)
    assert kh.epoch == th.epoch
    for key in th.history:
        np.testing.assert_allclose(
            np.asarray(kh.history[key], "float64"),
            np.asarray(th.history[key], "float64"),
            rtol=rtol,
            atol=1e-6,
            err_msg=key,
        )


# ------------------------------------------------------------------------- EarlyStopping
@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 3, "min_delta": 1e-3},
        {"patience": 3, "min_delta": 1e-3, "restore_best_weights": True},
        {"monitor": "val_accuracy", "patience": 5},
        {"monitor": "loss", "patience": 0, "min_delta": 0.05},
    ],
)
def test_early_stopping_real_fit_same_stopping_epoch(pair, tk, kwargs):
    stops = {}

    def callbacks(lib):
        stops[lib] = lib.callbacks.EarlyStopping(**kwargs)
        return [stops[lib]]

    kh, th = fit_both(pair, callbacks, tk, epochs=60)
    ks, ts = stops[kviz], stops[tk]
    assert len(th.history["loss"]) < 60  # it did stop early
    assert len(kh.history["loss"]) == len(th.history["loss"])
    assert (ks.stopped_epoch, ks.best_epoch, ks.wait) == (ts.stopped_epoch, ts.best_epoch, ts.wait)
    assert ks.best == pytest.approx(ts.best, rel=1e-5)
    assert_same_history(kh, th)
    km, tm = pair
    for a, b in zip(km.get_weights(), tm.get_weights(), strict=True):  # restored or last
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "values, kwargs",
    [
        ([1.0, 0.9, 0.95, 0.8, 0.7, 0.6], {}),
        ([1.0, 1.0, 1.0, 1.0], {"patience": 1}),
        ([1.0, 0.9, 0.95, 0.96, 0.5, 0.4, 0.3], {"patience": 2}),
        ([1.0, 0.95, 0.85, 0.84, 0.83], {"min_delta": 0.1, "patience": 1}),
        ([0.9, 0.95, 0.97, 0.99, 0.3], {"patience": 2, "baseline": 0.5}),
        ([0.9, 0.8, 0.7, 0.6, 0.5], {"patience": 1, "baseline": 0.5}),
        ([5.0, 6.0, 7.0, 8.0, 9.0, 1.0], {"start_from_epoch": 2}),
        ([1.0, 0.5, 0.7, 0.8, 0.1], {"patience": 1, "restore_best_weights": True}),
        ([1.0, 0.2, 0.7, 0.8], {"patience": 10, "restore_best_weights": True}),
        ([0.5, 0.6, 0.6, 0.6], {"monitor": "val_accuracy", "patience": 1}),
        ([0.5, 0.6, 0.6, 0.6], {"monitor": "val_auc", "patience": 1}),
        ([0.5, 0.6, 0.6, 0.6], {"monitor": "val_loss", "mode": "max", "patience": 1}),
    ],
)
def test_early_stopping_scripted_rules_and_messages(pair, tk, capsys, values, kwargs):
    monitor = kwargs.pop("monitor", "val_loss")
    stops = {}

    def callbacks(lib):
        stops[lib] = lib.callbacks.EarlyStopping(monitor=monitor, verbose=1, **kwargs)
        return [scripted(lib, monitor, values), stops[lib]]

    km, tm = pair
    x, y = teacher_data()
    kh = km.fit(x, y, epochs=len(values), callbacks=callbacks(kviz), **FIT)
    k_out = capsys.readouterr().out
    th = tm.fit(x, y, epochs=len(values), callbacks=callbacks(tk), **FIT)
    t_out = capsys.readouterr().out
    assert len(kh.history["loss"]) == len(th.history["loss"])
    ks, ts = stops[kviz], stops[tk]
    assert (ks.stopped_epoch, ks.best_epoch, ks.best) == (ts.stopped_epoch, ts.best_epoch, ts.best)
    assert k_out == t_out


# --------------------------------------------------------------------- ReduceLROnPlateau
def test_reduce_lr_on_plateau_real_fit_same_lr_sequence(pair, tk):
    def callbacks(lib):
        return [lib.callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_delta=1e-3)]

    kh, th = fit_both(pair, callbacks, tk, epochs=50)
    assert kh.history["lr"] == th.history["lr"]  # float32 values, exactly
    assert len(set(th.history["lr"])) > 2  # it did reduce, more than once
    assert_same_history(kh, th)


@pytest.mark.parametrize(
    "values, kwargs",
    [
        ([1.0] * 6, {"factor": 0.5, "patience": 2}),
        ([1.0, 0.95, 0.85, 0.84, 0.7], {"factor": 0.5, "patience": 1, "min_delta": 0.1}),
        ([1.0] * 8, {"factor": 0.5, "patience": 1, "cooldown": 2}),
        ([1.0] * 6, {"factor": 0.1, "patience": 1, "min_lr": 0.005}),
        ([0.5, 0.6, 0.6, 0.6, 0.6], {"monitor": "val_accuracy", "factor": 0.5, "patience": 2}),
        ([0.5, 0.6, 0.6, 0.6, 0.6], {"monitor": "val_loss", "mode": "max", "patience": 1}),
    ],
)
def test_reduce_lr_on_plateau_scripted_rules_and_messages(pair, tk, capsys, values, kwargs):
    monitor = kwargs.pop("monitor", "val_loss")

    def callbacks(lib):
        cb = lib.callbacks.ReduceLROnPlateau(monitor=monitor, verbose=1, **kwargs)
        return [scripted(lib, monitor, values), cb]

    km, tm = pair
    x, y = teacher_data()
    kh = km.fit(x, y, epochs=len(values), callbacks=callbacks(kviz), **FIT)
    k_out = capsys.readouterr().out
    th = tm.fit(x, y, epochs=len(values), callbacks=callbacks(tk), **FIT)
    t_out = capsys.readouterr().out
    assert kh.history["lr"] == th.history["lr"]
    assert k_out == t_out
    assert kviz.backend.get_value(km.optimizer.lr) == tk.backend.get_value(tm.optimizer.lr)


# ------------------------------------------------------------------ LearningRateScheduler
@pytest.mark.parametrize(
    "schedule",
    [
        lambda epoch, lr: lr * 0.9,
        lambda epoch: 0.3 / (1 + epoch),
        lambda epoch, lr: lr if epoch < 3 else lr * float(np.exp(-0.1)),
    ],
)
def test_learning_rate_scheduler_same_lr_sequence(pair, tk, capsys, schedule):
    def callbacks(lib):
        return [lib.callbacks.LearningRateScheduler(schedule, verbose=1)]

    km, tm = pair
    x, y = teacher_data()
    kh = km.fit(x, y, epochs=6, callbacks=callbacks(kviz), **FIT)
    k_out = capsys.readouterr().out
    th = tm.fit(x, y, epochs=6, callbacks=callbacks(tk), **FIT)
    t_out = capsys.readouterr().out
    assert kh.history["lr"] == th.history["lr"]
    assert all(type(v) is type(w) for v, w in zip(kh.history["lr"], th.history["lr"], strict=True))
    assert k_out == t_out
    assert_same_history(kh, th)


def test_learning_rate_scheduler_rejects_int_like_tf_keras(pair, tk):
    km, tm = pair
    x, y = teacher_data()
    messages = []
    for lib, model in ((kviz, km), (tk, tm)):
        with pytest.raises(ValueError) as info:
            cb = lib.callbacks.LearningRateScheduler(lambda epoch: 1)
            model.fit(x, y, epochs=1, callbacks=[cb], **FIT)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ----------------------------------------------------------------------------- CSVLogger
def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


@pytest.mark.filterwarnings("ignore:Learning rate reduction is conditioned")
@pytest.mark.parametrize("validation_freq", [1, 2])
def test_csv_logger_same_header_and_columns(pair, tk, tmp_path, validation_freq):
    def callbacks(lib):
        name = "kviz" if lib is kviz else "tf"
        return [
            lib.callbacks.ReduceLROnPlateau(patience=1, factor=0.5),
            lib.callbacks.CSVLogger(str(tmp_path / f"{name}.csv")),
        ]

    kh, th = fit_both(pair, callbacks, tk, epochs=5, validation_freq=validation_freq)
    k_rows, t_rows = read_csv(tmp_path / "kviz.csv"), read_csv(tmp_path / "tf.csv")
    assert k_rows[0] == t_rows[0]
    assert len(k_rows) == len(t_rows) == 6
    assert (tmp_path / "kviz.csv").read_bytes().count(b"\r\n") == 6
    assert (tmp_path / "tf.csv").read_bytes().count(b"\r\n") == 6
    header = t_rows[0]
    for k_row, t_row in zip(k_rows[1:], t_rows[1:], strict=True):
        for name, a, b in zip(header, k_row, t_row, strict=True):
            if name in ("epoch", "lr") or b == "NA":
                assert a == b, name  # same text
            else:
                assert float(a) == pytest.approx(float(b), rel=1e-5, abs=1e-6), name


def test_csv_logger_append(pair, tk, tmp_path):
    km, tm = pair
    x, y = teacher_data()
    for lib, model, name in ((kviz, km, "kviz"), (tk, tm, "tf")):
        path = str(tmp_path / f"{name}.csv")
        model.fit(x, y, epochs=2, callbacks=[lib.callbacks.CSVLogger(path, append=True)], **FIT)
        model.fit(
            x,
            y,
            epochs=3,
            initial_epoch=2,
            callbacks=[lib.callbacks.CSVLogger(path, append=True)],
            **FIT,
        )
    k_rows, t_rows = read_csv(tmp_path / "kviz.csv"), read_csv(tmp_path / "tf.csv")
    assert [r[0] for r in k_rows] == [r[0] for r in t_rows] == ["epoch", "0", "1", "2"]
    assert k_rows[0] == t_rows[0]


# ------------------------------------------------------------------------ History keys
def test_history_keys_with_all_lr_callbacks(pair, tk):
    def callbacks(lib):
        return [
            lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr),
            lib.callbacks.ReduceLROnPlateau(patience=1),
            lib.callbacks.EarlyStopping(patience=100),
            lib.callbacks.TerminateOnNaN(),
        ]

    kh, th = fit_both(pair, callbacks, tk, epochs=3)
    assert (
        list(kh.history)
        == list(th.history)
        == [
            "loss",
            "accuracy",
            "val_loss",
            "val_accuracy",
            "lr",
        ]
    )
    assert_same_history(kh, th)


# ----------------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_names_and_messages(pair, tk, tmp_path, capsys):
    """File names and messages; the kviz side records the paths instead of writing files (the
    files themselves are tested in tests/callbacks)."""
    km, tm = pair
    x, y = teacher_data()
    k_paths = []
    km.save_weights = lambda path, overwrite=True, **kw: k_paths.append(path)
    outputs = []
    for lib, model, sub in ((kviz, km, "k"), (tk, tm, "t")):
        pattern = str(tmp_path / sub / "w.{epoch:02d}-{val_loss:.2f}.h5")
        cb = lib.callbacks.ModelCheckpoint(
            pattern, save_best_only=True, save_weights_only=True, verbose=1
        )
        model.fit(x, y, epochs=40, callbacks=[cb], **FIT)
        outputs.append(capsys.readouterr().out.replace(str(tmp_path / sub), "DIR"))
    t_files = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert sorted(re.sub(r".*/", "", p) for p in k_paths) == t_files
    # the same text, numbers equal to 1e-5 (the printed '.5f' values of losses that differ in
    # the 7th digit can round apart)
    number = re.compile(r"\d+\.\d{5}(?!\d)")
    assert number.sub("#", outputs[0]) == number.sub("#", outputs[1])
    np.testing.assert_allclose(
        [float(v) for v in number.findall(outputs[0])],
        [float(v) for v in number.findall(outputs[1])],
        atol=1.5e-5,
    )
    assert "did not improve from" in outputs[1] and "improved from inf to" in outputs[1]


# ------------------------------------------------------------------------------ API
def test_same_callback_classes_and_signatures(tk):
    import inspect

    names = [
        "BaseLogger",
        "CSVLogger",
        "Callback",
        "CallbackList",
        "EarlyStopping",
        "History",
        "LambdaCallback",
        "LearningRateScheduler",
        "ModelCheckpoint",
        "ProgbarLogger",
        "ReduceLROnPlateau",
        "RemoteMonitor",
        "TensorBoard",
        "TerminateOnNaN",
    ]
    for name in names:
        assert hasattr(tk.callbacks, name)
        assert hasattr(kviz.callbacks, name)
    for name in names[4:]:
        if name in ("History", "ProgbarLogger"):
            continue
        t_params = inspect.signature(getattr(tk.callbacks, name)).parameters
        k_params = inspect.signature(getattr(kviz.callbacks, name)).parameters
        for p, tp in t_params.items():
            if tp.kind is tp.VAR_KEYWORD:
                continue
            assert p in k_params, f"{name}: {p}"
            assert k_params[p].default == tp.default, f"{name}.{p}"
        t_order = [p for p, v in t_params.items() if v.kind is not v.VAR_KEYWORD]
        assert list(k_params)[: len(t_order)] == t_order, name
