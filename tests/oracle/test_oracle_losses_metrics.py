"""kviz.losses and kviz.metrics against tf-keras 2.21.

Every loss function (and its from_logits / label-smoothing variants) and every loss class (all
reductions, with and without sample weights) must give tf-keras's values at 1e-5. Every metric
function, and every stateful metric class over several ``update_state`` calls with sample
weights, must give tf-keras's results after each call (AUC at 1e-4). Configs must match too.
"""

from __future__ import annotations

import numpy as np
import pytest

from kviz import losses as kl
from kviz import metrics as km

pytestmark = pytest.mark.keras_oracle

TOL = 1e-5
AUC_TOL = 1e-4
N, C = 8, 4


def _rng(seed=0):
    return np.random.default_rng(seed)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


def _data(seed=0, n=N, c=C):
    """Named arrays for every kind of target/prediction."""
    r = _rng(seed)
    logits = (r.normal(size=(n, c)) * 2).astype("float32")
    labels = r.integers(0, c, n)
    d = {
        "reg_t": r.normal(size=(n, c)).astype("float32"),
        "reg_p": r.normal(size=(n, c)).astype("float32"),
        "pos_t": r.uniform(0, 3, (n, c)).astype("float32"),
        "pos_p": r.uniform(0.05, 3, (n, c)).astype("float32"),
        "bin_t": (r.random((n, c)) > 0.5).astype("float32"),
        "pm1_t": np.where(r.random((n, c)) > 0.5, 1.0, -1.0).astype("float32"),
        "prob": r.uniform(0.01, 0.99, (n, c)).astype("float32"),
        "logits": logits,
        "softmax": _softmax(logits),
        "softmax2": _softmax(r.normal(size=(n, c)).astype("float32")),
        "onehot": np.eye(c, dtype="float32")[labels],
        "labels": labels.astype("int64"),
        "labels_col": labels.reshape(-1, 1).astype("int64"),
        "extreme": np.where(r.random((n, c)) > 0.5, 0.0, 1.0).astype("float32"),
        "sw": r.uniform(0, 2, n).astype("float32"),
        "sw_col": r.uniform(0, 2, (n, 1)).astype("float32"),
        "sw_elem": r.uniform(0, 2, (n, c)).astype("float32"),
    }
    d["extreme"][:, 0] = 1.0  # no all-zero rows (0/0 when renormalising)
    return d


# (function name, y_true key, y_pred key, kwargs)
LOSS_FN_CASES = [
    ("mean_squared_error", "reg_t", "reg_p", {}),
    ("mean_absolute_error", "reg_t", "reg_p", {}),
    ("mean_absolute_percentage_error", "reg_t", "reg_p", {}),
    ("mean_squared_logarithmic_error", "pos_t", "reg_p", {}),
    ("squared_hinge", "bin_t", "reg_p", {}),
    ("squared_hinge", "pm1_t", "reg_p", {}),
    ("hinge", "bin_t", "reg_p", {}),
    ("hinge", "pm1_t", "reg_p", {}),
    ("categorical_hinge", "onehot", "reg_p", {}),
    ("log_cosh", "reg_t", "reg_p", {}),
    ("huber", "reg_t", "pos_p", {}),
    ("huber", "reg_t", "pos_p", {"delta": 0.5}),
    ("categorical_crossentropy", "onehot", "softmax", {}),
    ("categorical_crossentropy", "onehot", "extreme", {}),
    ("categorical_crossentropy", "softmax2", "softmax", {}),
    ("categorical_crossentropy", "onehot", "softmax", {"label_smoothing": 0.1}),
    ("categorical_crossentropy", "onehot", "logits", {"from_logits": True}),
    ("categorical_crossentropy", "onehot", "logits", {"from_logits": True, "label_smoothing": 0.2}),
    ("sparse_categorical_crossentropy", "labels", "softmax", {}),
    ("sparse_categorical_crossentropy", "labels_col", "softmax", {}),
    ("sparse_categorical_crossentropy", "labels", "logits", {"from_logits": True}),
    ("binary_crossentropy", "bin_t", "prob", {}),
    ("binary_crossentropy", "bin_t", "extreme", {}),
    ("binary_crossentropy", "bin_t", "prob", {"label_smoothing": 0.2}),
    ("binary_crossentropy", "bin_t", "logits", {"from_logits": True}),
    ("binary_crossentropy", "bin_t", "logits", {"from_logits": True, "label_smoothing": 0.1}),
    ("kl_divergence", "softmax2", "softmax", {}),
    ("kld", "onehot", "softmax", {}),
    ("kullback_leibler_divergence", "softmax2", "softmax", {}),
    ("poisson", "pos_t", "pos_p", {}),
    ("cosine_similarity", "reg_t", "reg_p", {}),
    ("cosine_similarity", "reg_t", "reg_p", {"axis": 0}),
    ("mse", "reg_t", "reg_p", {}),
    ("mae", "reg_t", "reg_p", {}),
    ("mape", "reg_t", "reg_p", {}),
    ("msle", "pos_t", "pos_p", {}),
    ("logcosh", "reg_t", "reg_p", {}),
]


def _id(case):
    name, t, p, kw = case
    return f"{name}-{t}-{p}-" + ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", LOSS_FN_CASES, ids=[_id(c) for c in LOSS_FN_CASES])
def test_loss_functions(tk, case):
    name, t, p, kw = case
    d = _data()
    ours = getattr(kl, name)(d[t], d[p], **kw)
    ref = getattr(tk.losses, name)(d[t], d[p], **kw).numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)


# (class name, ctor kwargs, y_true key, y_pred key)
LOSS_CLASS_CASES = [
    ("MeanSquaredError", {}, "reg_t", "reg_p"),
    ("MeanAbsoluteError", {}, "reg_t", "reg_p"),
    ("MeanAbsolutePercentageError", {}, "reg_t", "reg_p"),
    ("MeanSquaredLogarithmicError", {}, "pos_t", "pos_p"),
    ("BinaryCrossentropy", {}, "bin_t", "prob"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin_t", "logits"),
    ("CategoricalCrossentropy", {}, "onehot", "softmax"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.3}, "onehot", "logits"),
    ("SparseCategoricalCrossentropy", {}, "labels", "softmax"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "labels", "logits"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "labels", "softmax"),
    ("Hinge", {}, "pm1_t", "reg_p"),
    ("SquaredHinge", {}, "bin_t", "reg_p"),
    ("CategoricalHinge", {}, "onehot", "reg_p"),
    ("Huber", {}, "reg_t", "pos_p"),
    ("Huber", {"delta": 2.0}, "reg_t", "pos_p"),
    ("LogCosh", {}, "reg_t", "reg_p"),
    ("KLDivergence", {}, "softmax2", "softmax"),
    ("Poisson", {}, "pos_t", "pos_p"),
    ("CosineSimilarity", {}, "reg_t", "reg_p"),
    ("CosineSimilarity", {"axis": 0}, "reg_t", "reg_p"),
]
REDUCTIONS = ["auto", "sum_over_batch_size", "sum", "none"]
WEIGHTS = [None, "sw", "sw_col", "scalar"]


# Per-sample weights do not apply to a loss reduced over the batch axis (axis=0).
LOSS_CLASS_PARAMS = [
    (case, reduction, weights)
    for case in LOSS_CLASS_CASES
    for reduction in REDUCTIONS
    for weights in WEIGHTS
    if not (weights in ("sw", "sw_col") and case[1].get("axis") == 0)
]


@pytest.mark.parametrize(
    "case, reduction, weights",
    LOSS_CLASS_PARAMS,
    ids=[f"{c[0]}-{c[1]}-{r}-{w}" for c, r, w in LOSS_CLASS_PARAMS],
)
def test_loss_classes(tk, case, reduction, weights):
    name, kw, t, p = case
    d = _data(1)
    sw = None if weights is None else (2.5 if weights == "scalar" else d[weights])
    ours = getattr(kl, name)(reduction=reduction, **kw)(d[t], d[p], sample_weight=sw)
    ref = getattr(tk.losses, name)(reduction=reduction, **kw)(d[t], d[p], sample_weight=sw)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=TOL, atol=TOL)


def test_loss_class_elementwise_weights(tk):
    d = _data(2)
    ours = kl.MeanSquaredError()(d["reg_t"][..., None], d["reg_p"][..., None], d["sw_elem"])
    ref = tk.losses.MeanSquaredError()(d["reg_t"][..., None], d["reg_p"][..., None], d["sw_elem"])
    np.testing.assert_allclose(ours, ref.numpy(), rtol=TOL, atol=TOL)


def test_sequence_losses(tk):
    """Losses over (batch, time, features): per (sample, step) values."""
    r = _rng(3)
    t = r.normal(size=(3, 5, 4)).astype("float32")
    p = r.normal(size=(3, 5, 4)).astype("float32")
    labels = r.integers(0, 4, (3, 5))
    sm = _softmax(p)
    for ours, ref in [
        (kl.mse(t, p), tk.losses.mse(t, p)),
        (
            kl.sparse_categorical_crossentropy(labels, sm),
            tk.losses.sparse_categorical_crossentropy(labels, sm),
        ),
        (
            kl.CategoricalCrossentropy()(_softmax(t), sm),
            tk.losses.CategoricalCrossentropy()(_softmax(t), sm),
        ),
        (
            kl.MeanSquaredError()(t, p, r.random((3, 5))),
            tk.losses.MeanSquaredError()(t, p, r.random((3, 5))),
        ),
    ]:
        assert ours.shape == tuple(ref.shape)


@pytest.mark.parametrize("case", LOSS_CLASS_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_loss_configs(tk, case):
    name, kw, _, _ = case
    ours = getattr(kl, name)(**kw).get_config()
    ref = getattr(tk.losses, name)(**kw).get_config()
    assert ours == ref
    again = kl.deserialize(kl.serialize(getattr(kl, name)(**kw)))
    assert again.get_config() == ours


def test_loss_names_resolve_like_tf_keras(tk):
    for name in [
        "mse",
        "mae",
        "mape",
        "msle",
        "kld",
        "logcosh",
        "log_cosh",
        "huber_loss",
        "kullback_leibler_divergence",
        "binary_crossentropy",
        "categorical_hinge",
        "cosine_similarity",
        "poisson",
        "hinge",
        "squared_hinge",
    ]:
        assert kl.get(name).__name__ == tk.losses.get(name).__name__, name
    for name in ["MeanSquaredError", "Huber", "CategoricalCrossentropy"]:
        assert type(kl.get(name)).__name__ == type(tk.losses.get(name)).__name__
    with pytest.raises(ValueError, match="Unknown loss function: 'foo_loss'"):
        kl.get("foo_loss")
    with pytest.raises(ValueError, match="Unknown loss function: 'foo_loss'"):
        tk.losses.get("foo_loss")


# ---------------------------------------------------------------------------- metrics

METRIC_FN_CASES = [
    ("binary_accuracy", "bin_t", "prob", {}),
    ("binary_accuracy", "bin_t", "prob", {"threshold": 0.7}),
    ("categorical_accuracy", "onehot", "softmax", {}),
    ("sparse_categorical_accuracy", "labels", "softmax", {}),
    ("sparse_categorical_accuracy", "labels_col", "softmax", {}),
    ("top_k_categorical_accuracy", "onehot", "softmax", {"k": 2}),
    ("top_k_categorical_accuracy", "onehot", "softmax", {}),
    ("sparse_top_k_categorical_accuracy", "labels", "softmax", {"k": 2}),
    ("sparse_top_k_categorical_accuracy", "labels_col", "softmax", {"k": 3}),
    ("mean_squared_error", "reg_t", "reg_p", {}),
    ("mse", "reg_t", "reg_p", {}),
    ("mae", "reg_t", "reg_p", {}),
    ("mape", "reg_t", "reg_p", {}),
    ("msle", "pos_t", "pos_p", {}),
    ("hinge", "pm1_t", "reg_p", {}),
    ("squared_hinge", "bin_t", "reg_p", {}),
    ("categorical_hinge", "onehot", "reg_p", {}),
    ("logcosh", "reg_t", "reg_p", {}),
    ("kld", "softmax2", "softmax", {}),
    ("poisson", "pos_t", "pos_p", {}),
    ("binary_crossentropy", "bin_t", "prob", {}),
    ("categorical_crossentropy", "onehot", "softmax", {}),
    ("sparse_categorical_crossentropy", "labels", "softmax", {}),
]


@pytest.mark.parametrize("case", METRIC_FN_CASES, ids=[_id(c) for c in METRIC_FN_CASES])
def test_metric_functions(tk, case):
    name, t, p, kw = case
    d = _data(4)
    ours = getattr(km, name)(d[t], d[p], **kw)
    ref_fn = getattr(tk.metrics, name, None) or getattr(tk.losses, name)
    ref = ref_fn(d[t], d[p], **kw).numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=TOL, atol=TOL)


def test_top_k_ties(tk):
    y_pred = np.array([[0.3, 0.3, 0.3, 0.1], [0.5, 0.2, 0.2, 0.1], [0.1, 0.1, 0.4, 0.4]], "float32")
    labels = np.array([2, 2, 0])
    for k in (1, 2, 3):
        ours = km.sparse_top_k_categorical_accuracy(labels, y_pred, k=k)
        ref = tk.metrics.sparse_top_k_categorical_accuracy(labels, y_pred, k=k).numpy()
        np.testing.assert_array_equal(ours, ref)


def test_cosine_similarity_metric_sign(tk):
    d = _data(5)
    ref = tk.metrics.CosineSimilarity()(d["reg_t"], d["reg_p"]).numpy()
    np.testing.assert_allclose(km.CosineSimilarity()(d["reg_t"], d["reg_p"]), ref, rtol=TOL)
    np.testing.assert_allclose(
        np.mean(km.cosine_similarity(d["reg_t"], d["reg_p"])), ref, rtol=TOL, atol=TOL
    )


# (class name, ctor kwargs, y_true key, y_pred key, tolerance)
METRIC_CLASS_CASES = [
    ("Accuracy", {}, "bin_t", "extreme", TOL),
    ("BinaryAccuracy", {}, "bin_t", "prob", TOL),
    ("BinaryAccuracy", {"threshold": 0.3}, "bin_t", "prob", TOL),
    ("CategoricalAccuracy", {}, "onehot", "softmax", TOL),
    ("SparseCategoricalAccuracy", {}, "labels", "softmax", TOL),
    ("SparseCategoricalAccuracy", {}, "labels_col", "softmax", TOL),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot", "softmax", TOL),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "labels", "softmax", TOL),
    ("MeanSquaredError", {}, "reg_t", "reg_p", TOL),
    ("MeanAbsoluteError", {}, "reg_t", "reg_p", TOL),
    ("MeanAbsolutePercentageError", {}, "reg_t", "reg_p", TOL),
    ("MeanSquaredLogarithmicError", {}, "pos_t", "pos_p", TOL),
    ("RootMeanSquaredError", {}, "reg_t", "reg_p", TOL),
    ("BinaryCrossentropy", {}, "bin_t", "prob", TOL),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin_t", "logits", TOL),
    ("CategoricalCrossentropy", {}, "onehot", "softmax", TOL),
    (
        "CategoricalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "onehot",
        "logits",
        TOL,
    ),
    ("SparseCategoricalCrossentropy", {}, "labels", "softmax", TOL),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "labels", "logits", TOL),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "labels", "softmax", TOL),
    ("Hinge", {}, "pm1_t", "reg_p", TOL),
    ("SquaredHinge", {}, "bin_t", "reg_p", TOL),
    ("CategoricalHinge", {}, "onehot", "reg_p", TOL),
    ("KLDivergence", {}, "softmax2", "softmax", TOL),
    ("Poisson", {}, "pos_t", "pos_p", TOL),
    ("LogCoshError", {}, "reg_t", "reg_p", TOL),
    ("CosineSimilarity", {}, "reg_t", "reg_p", TOL),
    ("TruePositives", {}, "bin_t", "prob", TOL),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.8]}, "bin_t", "prob", TOL),
    ("TrueNegatives", {"thresholds": 0.3}, "bin_t", "prob", TOL),
    ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "bin_t", "prob", TOL),
    ("Precision", {}, "bin_t", "prob", TOL),
    ("Precision", {"thresholds": 0.3}, "bin_t", "prob", TOL),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "bin_t", "prob", TOL),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "bin_t", "prob", TOL),
    ("Precision", {"top_k": 2}, "onehot", "softmax", TOL),
    ("Precision", {"class_id": 1}, "onehot", "softmax", TOL),
    ("Precision", {"top_k": 2, "class_id": 3}, "bin_t", "prob", TOL),
    ("Recall", {}, "bin_t", "prob", TOL),
    ("Recall", {"thresholds": [0.1, 0.4, 0.9]}, "bin_t", "prob", TOL),
    ("Recall", {"top_k": 1}, "onehot", "softmax", TOL),
    ("Recall", {"class_id": 2, "thresholds": 0.4}, "onehot", "softmax", TOL),
    ("AUC", {}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"curve": "PR"}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"num_thresholds": 7}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"num_thresholds": 11, "curve": "PR"}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"summation_method": "minoring"}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"summation_method": "majoring", "curve": "PR"}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"thresholds": [0.1, 0.3, 0.35, 0.7]}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"from_logits": True}, "bin_t", "logits", AUC_TOL),
    ("AUC", {"multi_label": True}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"multi_label": True, "curve": "PR", "num_labels": C}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 0.5, 2.0, 0.0]}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"label_weights": [1.0, 0.5, 2.0, 0.0]}, "bin_t", "prob", AUC_TOL),
    ("AUC", {"curve": "PR_GAIN"}, "bin_t", "prob", AUC_TOL),
]


def _batches(t, p):
    """Three batches (different seeds and sizes), with no / per-sample / column weights."""
    out = []
    for seed, n, weights in [(10, 8, None), (11, 5, "sw"), (12, 6, "sw_col")]:
        d = _data(seed, n=n)
        out.append((d[t], d[p], None if weights is None else d[weights]))
    return out


def _class_id(c):
    return f"{c[0]}-" + ",".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("case", METRIC_CLASS_CASES, ids=[_class_id(c) for c in METRIC_CLASS_CASES])
def test_metric_classes(tk, case):
    name, kw, t, p, tol = case
    ours, ref = getattr(km, name)(**kw), getattr(tk.metrics, name)(**kw)
    for y_true, y_pred, sw in _batches(t, p):
        ours.update_state(y_true, y_pred, sample_weight=sw)
        ref.update_state(y_true, y_pred, sample_weight=sw)
        np.testing.assert_allclose(ours.result(), ref.result().numpy(), rtol=tol, atol=tol)
    ours.reset_state()
    ref.reset_state()
    np.testing.assert_allclose(ours.result(), ref.result().numpy(), rtol=tol, atol=tol)
    y_true, y_pred, sw = _batches(t, p)[1]
    np.testing.assert_allclose(
        ours(y_true, y_pred, sample_weight=sw),
        ref(y_true, y_pred, sample_weight=sw).numpy(),
        rtol=tol,
        atol=tol,
    )


@pytest.mark.parametrize("case", METRIC_CLASS_CASES, ids=[_class_id(c) for c in METRIC_CLASS_CASES])
def test_metric_configs(tk, case):
    name, kw = case[0], case[1]
    ours = getattr(km, name)(**kw).get_config()
    ref = getattr(tk.metrics, name)(**kw).get_config()
    ours.pop("name"), ref.pop("name")  # default names are uniquified (auc, auc_1...) in both
    if "label_weights" in ref and ref["label_weights"] is not None:
        ref["label_weights"] = np.asarray(ref["label_weights"]).tolist()
    assert ours == ref


def test_default_metric_names(tk):
    for name in [
        "Accuracy",
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "MeanSquaredError",
        "MeanAbsoluteError",
        "RootMeanSquaredError",
        "BinaryCrossentropy",
        "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy",
        "KLDivergence",
        "LogCoshError",
        "CosineSimilarity",
        "Hinge",
        "Poisson",
        "Mean",
        "Sum",
    ]:
        assert getattr(km, name)().name == getattr(tk.metrics, name)().name, name
    for name in ["AUC", "Precision", "Recall", "TruePositives"]:
        ours = [getattr(km, name)().name for _ in range(2)]
        ref = [getattr(tk.metrics, name)().name for _ in range(2)]
        assert ours == ref, name


def test_mean_and_sum(tk):
    r = _rng(6)
    values = r.normal(size=(5, 3)).astype("float32")
    for sw in [None, r.random(5), r.random((5, 1)), r.random((5, 3)), 0.5]:
        for cls in ("Mean", "Sum"):
            ours, ref = getattr(km, cls)(), getattr(tk.metrics, cls)()
            ours.update_state(values, sample_weight=sw)
            ref.update_state(values, sample_weight=sw)
            ours.update_state(values[:2] * 3)
            ref.update_state(values[:2] * 3)
            np.testing.assert_allclose(ours.result(), ref.result().numpy(), rtol=TOL, atol=TOL)
    cube = r.normal(size=(5, 3, 2)).astype("float32")
    for sw in [r.random(5), r.random((5, 3)), r.random((1, 3, 1)), r.random((5, 1, 2))]:
        for cls in ("Mean", "Sum"):
            ours, ref = getattr(km, cls)(), getattr(tk.metrics, cls)()
            ours.update_state(cube, sample_weight=sw)
            ref.update_state(cube, sample_weight=sw)
            np.testing.assert_allclose(ours.result(), ref.result().numpy(), rtol=TOL, atol=TOL)


def test_metric_names_resolve_like_tf_keras(tk):
    for name in [
        "mse",
        "mae",
        "acc",
        "accuracy",
        "binary_accuracy",
        "categorical_accuracy",
        "top_k_categorical_accuracy",
        "logcosh",
        "cosine_similarity",
        "sparse_top_k_categorical_accuracy",
    ]:
        assert km.get(name).__name__ == tk.metrics.get(name).__name__, name
    for name in ["AUC", "Precision", "RootMeanSquaredError"]:
        assert type(km.get(name)).__name__ == type(tk.metrics.get(name)).__name__


def _tf_compiled_metric(tk, loss, units, y):
    """Which accuracy tf-keras's compile picks: evaluate a 1-layer model and return the
    value it reports, with the model's predictions."""
    model = tk.Sequential([tk.layers.Dense(units, activation="sigmoid", input_shape=(3,))])
    model.compile(loss=loss, metrics=["accuracy"])
    x = _rng(7).normal(size=(len(y), 3)).astype("float32")
    return model.evaluate(x, y, verbose=0)[1], model.predict(x, verbose=0)


@pytest.mark.parametrize(
    "loss,units,target",
    [
        ("binary_crossentropy", 3, "multi"),
        ("binary_crossentropy", 1, "bin"),
        ("categorical_crossentropy", 3, "onehot"),
        ("sparse_categorical_crossentropy", 3, "labels"),
        ("sparse_categorical_crossentropy", 3, "labels_col"),
        ("mse", 3, "onehot"),
    ],
)
def test_resolve_accuracy_tf2_matches_compile(tk, loss, units, target):
    r = _rng(8)
    y = {
        "multi": (r.random((16, 3)) > 0.5).astype("float32"),
        "bin": (r.random((16, 1)) > 0.5).astype("float32"),
        "onehot": np.eye(3, dtype="float32")[r.integers(0, 3, 16)],
        "labels": r.integers(0, 3, 16),
        "labels_col": r.integers(0, 3, (16, 1)),
    }[target]
    value, pred = _tf_compiled_metric(tk, loss, units, y)
    fn = km.resolve_accuracy_tf2("accuracy", loss, (None, units), (None,) + y.shape[1:])
    np.testing.assert_allclose(np.mean(fn(y, pred)), value, rtol=TOL, atol=TOL)
