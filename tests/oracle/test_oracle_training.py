"""kviz's training loop against tf-keras 2.21: losses, logs, History and progress output.

Both libraries get the same model (``oracle_utils.build_pair``: kviz's random weights copied into
tf-keras), the same data and the same optimizer (``tf_keras.optimizers.legacy``, the closest
tf-keras has to Keras 2.2's formulas; kviz's Keras 2.2 defaults are passed explicitly to tf-keras
where they differ, see test_oracle_optimizers.py). Everything runs with ``shuffle=False`` and no
random layers, so the two runs are deterministic and must agree to 1e-5:

1. per-step losses of ``train_on_batch`` and the weights after them, ``fit`` epoch losses,
   ``evaluate`` and ``predict``, for every optimizer, on a softmax classifier and an MSE
   regression;
2. log keys: ``history.history``, ``history.epoch``, ``history.params``, ``metrics_names``,
   the shape of ``evaluate``'s result and ``return_dict``, for string, function and object
   metrics, multi-output models and validation data;
3. the loss arithmetic: sample weights (1D, temporal), class weights, weighted metrics, loss
   weights, weight and activity regularizers;
4. the progress output of ``verbose=1`` and ``verbose=2`` (timings masked).

Differences, asserted on both sides here (the first two are in docs/keras-compat.md, the others
are Keras 2.2 behaviour kviz keeps):

* ``'accuracy'`` resolves as in Keras 2.2: with binary cross-entropy on a multi-unit output kviz
  logs *binary* accuracy, tf-keras (shapes only) *categorical* accuracy;
* log dicts and ``History.history`` answer the other accuracy spelling (``'acc'`` after
  ``metrics=['accuracy']``); the stored keys are tf-keras's;
* ``metrics_names`` is known right after ``compile`` (Keras 2.2); tf-keras returns ``[]`` until
  the first fit/evaluate; afterwards both agree;
* ``history.params`` has Keras 2.2's extra keys (``batch_size``, ``samples``, ``do_validation``,
  ``metrics``) besides tf-keras's ``verbose``, ``epochs``, ``steps``;
* two metrics with one name: tf-keras raises, kviz appends ``_1`` (Keras 2.2);
* a multi-output model takes one sample-weight array per output (a list or dict, Keras 2.2);
  tf-keras also broadcasts a single array to every output;
* ``predict``'s default is ``verbose=0`` (Keras 2.2); tf-keras's ``'auto'`` draws a bar;
* the progress bar: kviz prints only the final line of each bar when stdout is not a terminal
  or notebook; tf-keras always redraws (``\\b``/``\\r``) on POSIX. The final lines are compared.

Not compared: ``class_weight`` together with ``sample_weight`` (tf-keras 2.21 fails on it; kviz
multiplies them, as Keras 2.2 did), Dropout with a rate > 0 (random masks differ).
"""

from __future__ import annotations

import re

import numpy as np
import oracle_utils as ou
import pytest

import kviz

pytestmark = pytest.mark.keras_oracle

TOL = 1e-5
N = 20  # samples; batch_size=6 gives batches of 6, 6, 6, 2 (a short last batch)
BATCH = 6


# ------------------------------------------------------------------------------ helpers
def _data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8)).astype("float32")
    labels = rng.integers(0, 3, n)
    y_cls = np.eye(3, dtype="float32")[labels]
    y_reg = rng.standard_normal((n, 2)).astype("float32")
    return x, y_cls, y_reg, labels


def _classifier(keras, **dense_kwargs):
    return keras.models.Sequential(
        [
            keras.layers.Dense(16, activation="tanh", input_shape=(8,), **dense_kwargs),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def _regressor(keras):
    return keras.models.Sequential(
        [
            keras.layers.Dense(16, activation="tanh", input_shape=(8,)),
            keras.layers.Dense(2),
        ]
    )


def _two_outputs(keras):
    inp = keras.layers.Input((8,))
    hidden = keras.layers.Dense(16, activation="tanh")(inp)
    cls = keras.layers.Dense(3, activation="softmax", name="cls")(hidden)
    reg = keras.layers.Dense(2, name="reg")(hidden)
    return keras.models.Model(inp, [cls, reg])


def _sgd(tk, lr=0.1):
    return kviz.optimizers.SGD(lr=lr), tk.optimizers.legacy.SGD(learning_rate=lr)


def _compile_both(km, tm, opts, run_eagerly=True, **kwargs):
    """``compile`` with the same arguments; ``kwargs`` values may be ``lib -> value``
    callables (metric objects and functions must come from each library).

    tf-keras runs its train/test steps eagerly by default here: the same ``train_step`` code
    and kernels, without tracing a ``tf.function`` per model and batch shape (which would
    take most of this module's time). A few tests keep tf-keras's default graph mode."""

    def resolve(lib):
        return {
            k: (v(lib) if callable(v) and getattr(v, "_per_lib", False) else v)
            for k, v in kwargs.items()
        }

    km.compile(opts[0], **resolve(kviz))
    tm.compile(opts[1], run_eagerly=run_eagerly, **resolve(ou.import_tf_keras()))


def per_lib(fn):
    """Mark a ``lib -> value`` factory for :func:`_compile_both`."""
    fn._per_lib = True
    return fn


def _close(a, b, what):
    np.testing.assert_allclose(
        np.asarray(a, dtype="float64"),
        np.asarray(b, dtype="float64"),
        rtol=TOL,
        atol=TOL,
        err_msg=what,
    )


def _same_history(hk, ht):
    assert list(hk.history) == list(ht.history), (list(hk.history), list(ht.history))
    for key in ht.history:
        _close(hk.history[key], ht.history[key], f"history[{key!r}]")
    assert hk.epoch == ht.epoch


def _same_weights(km, tm, what="weights"):
    kw, tw = km.get_weights(), tm.get_weights()
    assert len(kw) == len(tw)
    for i, (a, b) in enumerate(zip(kw, tw, strict=True)):
        _close(a, b, f"{what} {i}")


def _zero_metric(y_true, y_pred):
    """A custom metric (its ``__name__`` is the log key); always 0 (formatted 0.0000e+00)."""
    return y_pred[:, 0] * 0.0


# ======================================================== 1. per-step losses, optimizers
# (id, kviz class, kviz kwargs, tf-keras legacy kwargs)
OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}, {"learning_rate": 0.1}),
    (
        "sgd-momentum",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        {"learning_rate": 0.05, "momentum": 0.9},
    ),
    (
        "sgd-nesterov",
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
        {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True},
    ),
    ("rmsprop", "RMSprop", {"lr": 0.01}, {"learning_rate": 0.01}),
    ("adagrad", "Adagrad", {"lr": 0.05}, {"learning_rate": 0.05, "initial_accumulator_value": 0.0}),
    ("adadelta", "Adadelta", {}, {"learning_rate": 1.0}),
    ("adam", "Adam", {"lr": 0.01}, {"learning_rate": 0.01}),
    (
        "adam-amsgrad",
        "Adam",
        {"lr": 0.01, "amsgrad": True},
        {"learning_rate": 0.01, "amsgrad": True},
    ),
    ("adamax", "Adamax", {}, {"learning_rate": 0.002}),
    ("nadam", "Nadam", {}, {"learning_rate": 0.002}),
]

TASKS = {
    "softmax": (_classifier, "categorical_crossentropy", ["accuracy"]),
    "mse": (_regressor, "mse", ["mae"]),
}


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("case", OPTIMIZERS, ids=[c[0] for c in OPTIMIZERS])
def test_same_losses_weights_and_outputs(tk, case, task):
    _, cls, kviz_kwargs, tf_kwargs = case
    build, loss, metrics = TASKS[task]
    x, y_cls, y_reg, _ = _data()
    y = y_cls if task == "softmax" else y_reg
    km, tm = ou.build_pair(build)
    opts = (
        getattr(kviz.optimizers, cls)(**kviz_kwargs),
        getattr(tk.optimizers.legacy, cls)(**tf_kwargs),
    )
    # SGD and Adam also in tf-keras's default graph mode (tf.function train/test steps)
    _compile_both(
        km, tm, opts, run_eagerly=case[0] not in ("sgd", "adam"), loss=loss, metrics=metrics
    )

    # train_on_batch: [loss, metric] before each update, for 3 consecutive steps (batches of
    # fit's size, so that tf-keras traces its train function once for both)
    for step in range(3):
        batch = slice(step * BATCH, (step + 1) * BATCH)
        k_out, t_out = km.train_on_batch(x[batch], y[batch]), tm.train_on_batch(x[batch], y[batch])
        assert len(k_out) == len(t_out) == 2
        _close(k_out, t_out, f"train_on_batch step {step + 1}")
    _same_weights(km, tm, "weights after 3 train_on_batch steps")

    # fit: 2 epochs of 4 batches (the last one short), in order
    hk = km.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    ht = tm.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    _same_history(hk, ht)
    _same_weights(km, tm, "weights after fit")

    _close(km.evaluate(x, y, verbose=0), tm.evaluate(x, y, verbose=0), "evaluate")
    _close(km.test_on_batch(x, y), tm.test_on_batch(x, y), "test_on_batch")
    # tf-keras's predict itself is compared in the log-key and progress tests
    _close(km.predict(x, batch_size=BATCH), ou.tf_predict(tm, x)[0], "predict")


def test_string_optimizer_defaults(tk):
    """``optimizer='sgd'`` (lr 0.01) gives the same losses in both."""
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    km.compile("sgd", "categorical_crossentropy")
    tm.compile("sgd", "categorical_crossentropy")
    _same_history(
        km.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0),
        tm.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0),
    )


# ====================================================== 2. log keys and History structure
METRIC_SPECS = {
    "accuracy": ["accuracy"],
    "acc": ["acc"],
    "mse": ["mse"],
    "mae-crossentropy": ["mae", "crossentropy"],
    "function": [_zero_metric],
    "metric-object": per_lib(lambda lib: [lib.metrics.CategoricalAccuracy(name="cat_acc")]),
    "auc-object": per_lib(lambda lib: [lib.metrics.AUC(name="auc")]),
    "weighted-only": None,
}


@pytest.mark.parametrize("spec", list(METRIC_SPECS))
def test_single_output_log_keys(tk, spec):
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    kwargs = {"loss": "categorical_crossentropy", "metrics": METRIC_SPECS[spec]}
    if spec == "weighted-only":
        kwargs.update(metrics=None, weighted_metrics=["accuracy"])
    _compile_both(km, tm, _sgd(tk), **kwargs)

    # metrics_names before training: Keras 2.2 (kviz) knows them, tf-keras says []
    assert tm.metrics_names == []
    k_names_at_compile = km.metrics_names

    fit_kw = {
        "batch_size": BATCH,
        "epochs": 3,
        "initial_epoch": 1,
        "shuffle": False,
        "verbose": 0,
        "validation_split": 0.25,
    }
    hk, ht = km.fit(x, y, **fit_kw), tm.fit(x, y, **fit_kw)
    _same_history(hk, ht)
    assert hk.epoch == ht.epoch == [1, 2]
    assert km.metrics_names == tm.metrics_names == k_names_at_compile
    assert km.history is hk and tm.history is ht

    # params: tf-keras's keys are a subset of kviz's (Keras 2.2 adds more), same values
    assert set(ht.params) == {"verbose", "epochs", "steps"}
    assert set(ht.params) <= set(hk.params)
    assert {k: hk.params[k] for k in ht.params} == ht.params
    assert hk.params["samples"] == 15 and hk.params["batch_size"] == BATCH
    assert hk.params["do_validation"] is True

    k_eval, t_eval = km.evaluate(x, y, verbose=0), tm.evaluate(x, y, verbose=0)
    assert isinstance(k_eval, list) and isinstance(t_eval, list)
    _close(k_eval, t_eval, "evaluate")
    k_dict = km.evaluate(x, y, verbose=0, return_dict=True)
    t_dict = tm.evaluate(x, y, verbose=0, return_dict=True)
    assert list(k_dict) == list(t_dict) == tm.metrics_names
    _close(list(k_dict.values()), list(t_dict.values()), "evaluate(return_dict=True)")
    k_tob = km.train_on_batch(x, y, return_dict=True)
    t_tob = tm.train_on_batch(x, y, return_dict=True)
    assert list(k_tob) == list(t_tob)
    _close(list(k_tob.values()), list(t_tob.values()), "train_on_batch(return_dict=True)")


def test_loss_only_returns_floats(tk):
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    _compile_both(km, tm, _sgd(tk), loss="categorical_crossentropy")
    hk = km.fit(x, y, epochs=1, shuffle=False, verbose=0, validation_data=(x[:5], y[:5]))
    ht = tm.fit(x, y, epochs=1, shuffle=False, verbose=0, validation_data=(x[:5], y[:5]))
    _same_history(hk, ht)
    assert km.metrics_names == tm.metrics_names == ["loss"]
    for k, t in [
        (km.evaluate(x, y, verbose=0), tm.evaluate(x, y, verbose=0)),
        (km.train_on_batch(x, y), tm.train_on_batch(x, y)),
        (km.test_on_batch(x, y), tm.test_on_batch(x, y)),
    ]:
        assert isinstance(k, float) and isinstance(t, float)
        _close(k, t, "loss-only result")
    assert km.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss"}
    assert tm.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss"}


def test_acc_alias_is_a_kviz_extra(tk):
    """Stored keys are the user's spelling in both; kviz also answers the other one."""
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    _compile_both(km, tm, _sgd(tk), loss="categorical_crossentropy", metrics=["accuracy"])
    hk = km.fit(x, y, epochs=1, verbose=0, validation_split=0.25, shuffle=False)
    ht = tm.fit(x, y, epochs=1, verbose=0, validation_split=0.25, shuffle=False)
    assert list(hk.history) == list(ht.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert hk.history["acc"] == hk.history["accuracy"]
    assert hk.history["val_acc"] == hk.history["val_accuracy"]
    assert "acc" not in ht.history


def test_accuracy_with_bce_on_several_units(tk):
    """The documented Keras 2.2 choice: BCE + 'accuracy' is binary accuracy in kviz, while
    tf-keras looks at shapes only and takes categorical accuracy. Each side is checked against
    its definition, and kviz's value against tf-keras's ``binary_accuracy``."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((N, 8)).astype("float32")
    y = (rng.random((N, 3)) < 0.4).astype("float32")  # multi-label targets
    y[np.arange(N), rng.integers(0, 3, N)] = 1.0  # at least one label per row

    def build(keras):
        return keras.models.Sequential(
            [
                keras.layers.Dense(16, activation="tanh", input_shape=(8,)),
                keras.layers.Dense(3, activation="sigmoid"),
            ]
        )

    km, tm = ou.build_pair(build)
    tm_binary = build(tk)
    tm_binary.set_weights(km.get_weights())
    km.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    tm.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    tm_binary.compile("sgd", "binary_crossentropy", metrics=["binary_accuracy"])
    k_loss, k_acc = km.evaluate(x, y, verbose=0)
    t_loss, t_acc = tm.evaluate(x, y, verbose=0)
    _, t_bin = tm_binary.evaluate(x, y, verbose=0)
    _close(k_loss, t_loss, "loss")

    p = km.predict(x)
    binary = np.mean((p > 0.5) == (y > 0.5))
    categorical = np.mean(p.argmax(-1) == y.argmax(-1))
    assert binary != pytest.approx(categorical)  # the data tells them apart
    assert k_acc == pytest.approx(binary) and k_acc == pytest.approx(t_bin)
    assert t_acc == pytest.approx(categorical)


def test_duplicate_metric_names(tk):
    """tf-keras refuses two metrics with one name; kviz numbers them (Keras 2.2)."""
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    _compile_both(
        km, tm, _sgd(tk), loss="categorical_crossentropy", metrics=["accuracy", "accuracy"]
    )
    with pytest.raises(ValueError, match="same name: accuracy"):
        tm.fit(x, y, epochs=1, verbose=0)
    history = km.fit(x, y, epochs=1, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "accuracy_1"]


MULTI_CASES = {
    "dicts": {
        "loss": {"cls": "categorical_crossentropy", "reg": "mse"},
        "metrics": {"cls": ["accuracy", "acc"], "reg": ["mae", "mse"]},
        "loss_weights": {"cls": 1.0, "reg": 0.5},
        "weighted_metrics": {"cls": ["accuracy"]},
    },
    "lists": {
        "loss": ["categorical_crossentropy", "mse"],
        "metrics": [["accuracy"], ["mse", "mae"]],
        "loss_weights": [0.3, 2.0],
        "weighted_metrics": ["mae"],
    },
    "broadcast": {
        "loss": "mse",
        "metrics": per_lib(lambda lib: [lib.metrics.MeanAbsoluteError(name="m"), "mse"]),
        "weighted_metrics": ["mse", _zero_metric],
    },
}


@pytest.mark.parametrize("case", list(MULTI_CASES))
def test_multi_output_logs(tk, case):
    x, y_cls, y_reg, _ = _data()
    rng = np.random.default_rng(4)
    w = rng.uniform(0.2, 2.0, N).astype("float32")
    km, tm = ou.build_pair(_two_outputs)
    _compile_both(km, tm, _sgd(tk), **MULTI_CASES[case])

    # one weight array per output (tf-keras also takes a single array for all outputs;
    # kviz, as Keras 2.2, asks for a list or a dict)
    fit_kw = {
        "batch_size": BATCH,
        "epochs": 2,
        "shuffle": False,
        "verbose": 0,
        "sample_weight": [w, w[::-1]],
        "validation_data": (x[:7], [y_cls[:7], y_reg[:7]], [w[:7], w[:7]]),
    }
    y = {"cls": y_cls, "reg": y_reg} if case == "dicts" else [y_cls, y_reg]
    hk, ht = km.fit(x, y, **fit_kw), tm.fit(x, y, **fit_kw)
    _same_history(hk, ht)
    assert km.metrics_names == tm.metrics_names
    assert km.metrics_names[:3] == ["loss", "cls_loss", "reg_loss"]
    assert list(hk.history) == km.metrics_names + ["val_" + n for n in km.metrics_names]
    _same_weights(km, tm)

    _close(
        km.evaluate(x, [y_cls, y_reg], verbose=0),
        tm.evaluate(x, [y_cls, y_reg], verbose=0),
        "evaluate",
    )
    k_dict = km.evaluate(x, y, verbose=0, return_dict=True, sample_weight=[w, w])
    t_dict = tm.evaluate(x, y, verbose=0, return_dict=True, sample_weight=[w, w])
    assert list(k_dict) == list(t_dict)
    _close(list(k_dict.values()), list(t_dict.values()), "evaluate(return_dict=True)")
    _close(km.train_on_batch(x, y), tm.train_on_batch(x, y), "train_on_batch")
    _close(km.test_on_batch(x, y), tm.test_on_batch(x, y), "test_on_batch")
    for a, b in zip(km.predict(x), ou.tf_predict(tm, x), strict=True):
        _close(a, b, "predict")


def test_multi_output_without_metrics_evaluates_to_a_list(tk):
    x, y_cls, y_reg, _ = _data()
    km, tm = ou.build_pair(_two_outputs)
    _compile_both(km, tm, _sgd(tk), loss=["categorical_crossentropy", "mse"])
    k_eval, t_eval = (
        km.evaluate(x, [y_cls, y_reg], verbose=0),
        tm.evaluate(x, [y_cls, y_reg], verbose=0),
    )
    assert isinstance(k_eval, list) and len(k_eval) == len(t_eval) == 3
    _close(k_eval, t_eval, "evaluate")
    assert km.metrics_names == tm.metrics_names == ["loss", "cls_loss", "reg_loss"]


def test_one_sample_weight_array_for_two_outputs(tk):
    """tf-keras broadcasts it; kviz asks for one array per output (Keras 2.2)."""
    x, y_cls, y_reg, _ = _data()
    w = np.linspace(0.5, 1.5, N).astype("float32")
    km, tm = ou.build_pair(_two_outputs)
    _compile_both(km, tm, _sgd(tk), loss=["categorical_crossentropy", "mse"])
    t_single = tm.evaluate(x, [y_cls, y_reg], sample_weight=w, verbose=0)
    _close(t_single, tm.evaluate(x, [y_cls, y_reg], sample_weight=[w, w], verbose=0), "tf")
    _close(km.evaluate(x, [y_cls, y_reg], sample_weight=[w, w], verbose=0), t_single, "kviz")
    with pytest.raises(ValueError, match="pass a list of arrays or a dict keyed by name"):
        km.evaluate(x, [y_cls, y_reg], sample_weight=w, verbose=0)


def test_predict_default_verbosity(tk, capsys):
    x, _, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    capsys.readouterr()
    km.predict(x)
    assert capsys.readouterr().out == ""  # Keras 2.2: verbose=0
    tm.predict(x)
    assert "1/1 [" in capsys.readouterr().out  # tf-keras: verbose='auto'


@pytest.mark.parametrize("freq", [2, [1, 3]])
def test_validation_freq_and_initial_epoch(tk, freq):
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    _compile_both(km, tm, _sgd(tk), loss="categorical_crossentropy", metrics=["acc"])
    kw = {
        "batch_size": BATCH,
        "epochs": 4,
        "initial_epoch": 1,
        "shuffle": False,
        "verbose": 0,
        "validation_data": (x[:8], y[:8]),
        "validation_freq": freq,
    }
    hk, ht = km.fit(x, y, **kw), tm.fit(x, y, **kw)
    _same_history(hk, ht)
    assert hk.epoch == [1, 2, 3]


# ========================================================= 3. numerics of the training loop
def _fit_pair(tk, build, compile_kwargs, x, y, lr=0.1, epochs=2, **fit_kwargs):
    km, tm = ou.build_pair(build)
    _compile_both(km, tm, _sgd(tk, lr), **compile_kwargs)
    kw = {"batch_size": BATCH, "epochs": epochs, "shuffle": False, "verbose": 0, **fit_kwargs}
    hk, ht = km.fit(x, y, **kw), tm.fit(x, y, **kw)
    _same_history(hk, ht)
    _same_weights(km, tm)
    return km, tm


CE_ACC = {
    "loss": "categorical_crossentropy",
    "metrics": ["accuracy"],
    "weighted_metrics": ["accuracy", "mse"],
}


def test_sample_weight_1d(tk):
    x, y, _, _ = _data()
    w = np.random.default_rng(5).uniform(0.0, 2.0, N).astype("float32")
    w[::4] = 0.0  # zeros count in the mean's denominator (tf.keras: sum(w * l) / N)
    km, tm = _fit_pair(
        tk, _classifier, CE_ACC, x, y, sample_weight=w, validation_data=(x[:9], y[:9], w[:9])
    )
    _close(
        km.evaluate(x, y, sample_weight=w, verbose=0),
        tm.evaluate(x, y, sample_weight=w, verbose=0),
        "weighted evaluate",
    )
    _close(
        km.train_on_batch(x, y, sample_weight=w),
        tm.train_on_batch(x, y, sample_weight=w),
        "weighted train_on_batch",
    )


def test_class_weight(tk):
    x, y, _, labels = _data()
    cw = {0: 1.0, 1: 3.0, 2: 0.25}
    km, tm = _fit_pair(
        tk, _classifier, CE_ACC, x, y, class_weight=cw, validation_data=(x[:9], y[:9])
    )  # val_loss: unweighted
    _close(
        km.train_on_batch(x, y, class_weight=cw),
        tm.train_on_batch(x, y, class_weight=cw),
        "train_on_batch(class_weight)",
    )


def test_class_weight_with_sparse_targets(tk):
    """(tf-keras 2.21 fails on class_weight *and* sample_weight together; kviz multiplies them,
    as Keras 2.2 did.)"""
    x, _, _, labels = _data()
    compile_kwargs = {
        "loss": "sparse_categorical_crossentropy",
        "metrics": ["accuracy"],
        "weighted_metrics": ["accuracy"],
    }
    for y in (labels, labels.reshape(-1, 1).astype("float32")):
        _fit_pair(tk, _classifier, compile_kwargs, x, y, class_weight={0: 2.0, 1: 0.5, 2: 1.0})


@pytest.mark.parametrize("weights", ["sample_weight", "class_weight"])
def test_validation_split_with_weights(tk, weights):
    """The split takes the last samples' sample weights along; class weights apply to the
    training part only (val_loss is unweighted)."""
    x, y, _, _ = _data()
    kw = (
        {"sample_weight": np.linspace(0.0, 2.0, N).astype("float32")}
        if weights == "sample_weight"
        else {"class_weight": {0: 0.2, 1: 1.0, 2: 4.0}}
    )
    _fit_pair(tk, _classifier, CE_ACC, x, y, validation_split=0.3, **kw)


def test_temporal_sample_weights(tk):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((12, 5, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, (12, 5))]
    w = rng.uniform(0.0, 2.0, (12, 5)).astype("float32")
    w[:, -1] = 0.0  # padding steps

    def build(keras):
        return keras.models.Sequential(
            [
                keras.layers.Dense(6, activation="tanh", input_shape=(5, 4)),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )

    compile_kwargs = {
        "loss": "categorical_crossentropy",
        "sample_weight_mode": "temporal",
        "metrics": ["accuracy"],
        "weighted_metrics": ["accuracy"],
    }
    km, tm = _fit_pair(tk, build, compile_kwargs, x, y, sample_weight=w, batch_size=5)
    _close(
        km.evaluate(x, y, sample_weight=w, verbose=0),
        tm.evaluate(x, y, sample_weight=w, verbose=0),
        "temporal evaluate",
    )


def test_loss_weights(tk):
    x, y_cls, y_reg, _ = _data()
    compile_kwargs = {
        "loss": ["categorical_crossentropy", "mse"],
        "loss_weights": [0.2, 3.0],
        "metrics": {"cls": "accuracy"},
    }
    km, tm = _fit_pair(tk, _two_outputs, compile_kwargs, x, [y_cls, y_reg])
    k_eval = km.evaluate(x, [y_cls, y_reg], verbose=0)
    _close(k_eval, tm.evaluate(x, [y_cls, y_reg], verbose=0), "evaluate")
    assert k_eval[0] == pytest.approx(0.2 * k_eval[1] + 3.0 * k_eval[2], rel=1e-5)


def test_regularization_losses(tk):
    """Weight penalties and activity penalties (the latter divided by the batch size, as
    tf.keras does) are in the training loss, the validation loss and evaluate's loss."""
    x, y, _, _ = _data()

    def build(keras):
        reg = keras.regularizers
        return keras.models.Sequential(
            [
                keras.layers.Dense(
                    16,
                    activation="tanh",
                    input_shape=(8,),
                    kernel_regularizer=reg.l2(0.01),
                    bias_regularizer=reg.l1(0.02),
                    activity_regularizer=reg.l2(0.05),
                ),
                keras.layers.Dropout(0.0),
                keras.layers.Dense(
                    3,
                    activation="softmax",
                    kernel_regularizer=reg.l1_l2(l1=0.01, l2=0.01),
                    activity_regularizer=reg.l1(0.02),
                ),
            ]
        )

    km, tm = _fit_pair(tk, build, CE_ACC, x, y, validation_split=0.25)
    _close(km.evaluate(x, y, verbose=0), tm.evaluate(x, y, verbose=0), "evaluate")
    _close(km.train_on_batch(x, y), tm.train_on_batch(x, y), "train_on_batch")


def test_regression_with_sample_weight_and_mae_metric(tk):
    x, _, y, _ = _data()
    w = np.random.default_rng(7).uniform(0.0, 3.0, N).astype("float32")
    _fit_pair(
        tk,
        _regressor,
        {"loss": "mae", "metrics": ["mse"], "weighted_metrics": ["mse"]},
        x,
        y,
        lr=0.05,
        epochs=3,
        sample_weight=w,
        validation_split=0.2,
    )


# ===================================================================== 4. progress output
_TIMING = re.compile(r"\b\d+(?:s|ms|us)(?:/(?:step|epoch))?\b")


def _final_lines(text):
    """What the terminal shows at the end: per line, the text after the last carriage return,
    without backspaces and trailing padding; timings masked."""
    lines = []
    for line in text.split("\n"):
        shown = line.split("\r")[-1].replace("\b", "").rstrip()
        if shown:
            lines.append(_TIMING.sub("T", shown))
    return lines


def _run_verbose(model, capsys, verbose, x, y, **fit_kwargs):
    capsys.readouterr()
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=3,
        initial_epoch=1,
        shuffle=False,
        verbose=verbose,
        **fit_kwargs,
    )
    fit_out = capsys.readouterr().out
    model.evaluate(x, y, batch_size=BATCH, verbose=verbose)
    eval_out = capsys.readouterr().out
    model.predict(x, batch_size=BATCH, verbose=verbose)
    pred_out = capsys.readouterr().out
    return [_final_lines(t) for t in (fit_out, eval_out, pred_out)]


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_output_matches_tf_keras(tk, capsys, verbose):
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    _compile_both(
        km,
        tm,
        _sgd(tk),
        run_eagerly=False,
        loss="categorical_crossentropy",
        metrics=["accuracy", _zero_metric],
    )
    k_out = _run_verbose(km, capsys, verbose, x, y, validation_split=0.25)
    t_out = _run_verbose(tm, capsys, verbose, x, y, validation_split=0.25)
    assert k_out == t_out

    fit_lines, eval_lines, pred_lines = k_out
    assert fit_lines[0] == "Epoch 2/3" and fit_lines[2] == "Epoch 3/3" and len(fit_lines) == 4
    if verbose == 1:
        assert re.fullmatch(
            r"3/3 \[={30}\] - T T - loss: \d\.\d{4} - accuracy: \d\.\d{4} - _zero_metric: "
            r"0\.0000e\+00 - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - "
            r"val__zero_metric: 0\.0000e\+00",
            fit_lines[1],
        ), fit_lines[1]
        assert re.fullmatch(r"4/4 \[={30}\] - T T", pred_lines[0]), pred_lines
    else:
        assert re.fullmatch(
            r"3/3 - T - loss: \d\.\d{4} - accuracy: \d\.\d{4} - _zero_metric: 0\.0000e\+00 - "
            r"val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - val__zero_metric: 0\.0000e\+00 - "
            r"T - T",
            fit_lines[1],
        ), fit_lines[1]
        assert re.fullmatch(r"4/4 - T - T - T", pred_lines[0]), pred_lines
    assert len(eval_lines) == 1 and eval_lines[0].startswith("4/4 ")


def test_progress_output_multi_output(tk, capsys):
    x, y_cls, y_reg, _ = _data()
    km, tm = ou.build_pair(_two_outputs)
    _compile_both(
        km,
        tm,
        _sgd(tk, 0.01),
        loss=["categorical_crossentropy", "mse"],
        metrics={"cls": "accuracy"},
        weighted_metrics={"reg": ["mae"]},
    )
    y = [y_cls, y_reg]
    for verbose in (1, 2):
        k_out = _run_verbose(
            km, capsys, verbose, x, y, validation_data=(x[:8], [y_cls[:8], y_reg[:8]])
        )
        t_out = _run_verbose(
            tm, capsys, verbose, x, y, validation_data=(x[:8], [y_cls[:8], y_reg[:8]])
        )
        assert k_out == t_out, verbose


def test_verbose_auto_is_one(tk, capsys):
    x, y, _, _ = _data()
    km, tm = ou.build_pair(_classifier)
    _compile_both(km, tm, _sgd(tk), loss="categorical_crossentropy", metrics=["accuracy"])
    k_out = _run_verbose(km, capsys, "auto", x, y)
    t_out = _run_verbose(tm, capsys, "auto", x, y)
    assert k_out == t_out
    assert k_out[1][0].startswith("4/4 [====")
