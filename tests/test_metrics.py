"""kviz.metrics: metric functions against NumPy formulas, stateful metrics over several
batches with sample weights, confusion-matrix metrics and AUC, configs, lookup, errors, and the
rules that resolve 'accuracy' / 'crossentropy'."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import losses, metrics
from kviz.autodiff import Variable
from kviz.graph import KerasTensor
from kviz.registry import CustomObjectScope


def _rng(seed=0):
    return np.random.default_rng(seed)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


def _batch(seed=0, n=6, c=4):
    r = _rng(seed)
    labels = r.integers(0, c, n)
    return {
        "labels": labels,
        "onehot": np.eye(c, dtype="float32")[labels],
        "probs": _softmax(r.normal(size=(n, c)) * 2),
        "bin_t": (r.random((n, c)) > 0.5).astype("float32"),
        "prob": r.uniform(0, 1, (n, c)).astype("float32"),
        "reg_t": r.normal(size=(n, c)).astype("float32"),
        "reg_p": r.normal(size=(n, c)).astype("float32"),
        "w": r.uniform(0, 2, n).astype("float32"),
    }


# ---------------------------------------------------------------------------- functions
def test_binary_accuracy():
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    p = np.array([[0.9, 0.6, 0.4], [0.1, 0.5, 0.51]])
    np.testing.assert_allclose(metrics.binary_accuracy(y, p), [1 / 3, 1.0])
    np.testing.assert_allclose(metrics.binary_accuracy(y, p, threshold=0.3), [2 / 3, 2 / 3])
    assert metrics.binary_accuracy(y, p).dtype == np.float32


def test_categorical_and_sparse_accuracy():
    d = _batch(1)
    expected = (np.argmax(d["probs"], -1) == d["labels"]).astype("float32")
    np.testing.assert_array_equal(metrics.categorical_accuracy(d["onehot"], d["probs"]), expected)
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy(d["labels"], d["probs"]), expected
    )
    col = metrics.sparse_categorical_accuracy(d["labels"][:, None], d["probs"])
    np.testing.assert_array_equal(col, expected)  # (n, 1) labels give (n,) values
    floats = metrics.sparse_categorical_accuracy(d["labels"].astype("float32"), d["probs"])
    np.testing.assert_array_equal(floats, expected)


def test_top_k_accuracy_with_ties():
    p = np.array([[0.3, 0.3, 0.3, 0.1], [0.5, 0.2, 0.2, 0.1], [0.1, 0.1, 0.4, 0.4]], "float32")
    labels = np.array([2, 2, 0])
    # tf in_top_k: in when fewer than k scores are strictly larger
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, p, k=1), [1, 0, 0]
    )
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, p, k=2), [1, 1, 0]
    )
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, p, k=3), [1, 1, 1]
    )
    onehot = np.eye(4)[labels]
    np.testing.assert_array_equal(metrics.top_k_categorical_accuracy(onehot, p, k=2), [1, 1, 0])
    assert metrics.top_k_categorical_accuracy(onehot, p).tolist() == [1, 1, 1]  # k=5 default
    col = metrics.sparse_top_k_categorical_accuracy(labels[:, None], p, k=2)
    assert col.shape == (3, 1)  # the label shape, as tf.keras
    p_nan = p.copy()
    p_nan[0, 3] = np.nan
    assert metrics.sparse_top_k_categorical_accuracy(labels, p_nan, k=2)[0] == 0


def test_accuracy_is_elementwise():
    out = metrics.accuracy(np.array([[1, 2], [3, 4]]), np.array([[1.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(out, [[1, 0], [1, 1]])


def test_loss_functions_are_metrics():
    for name in [
        "mse",
        "mae",
        "mape",
        "msle",
        "mean_squared_error",
        "mean_absolute_error",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "logcosh",
        "log_cosh",
        "kld",
        "kl_divergence",
        "kullback_leibler_divergence",
        "poisson",
        "huber",
    ]:
        fn = metrics.get(name)
        assert fn is getattr(losses, name), name


def test_cosine_similarity_metric_is_positive():
    y = np.array([[1.0, 0.0], [1.0, 1.0]])
    p = np.array([[2.0, 0.0], [-1.0, -1.0]])
    np.testing.assert_allclose(metrics.cosine_similarity(y, p), [1.0, -1.0])
    np.testing.assert_allclose(metrics.cosine_proximity(y, p), [-1.0, 1.0])  # Keras 2.2 sign
    np.testing.assert_allclose(metrics.CosineSimilarity()(y, p), 0.0, atol=1e-6)


def test_functions_accept_tensors_and_lists():
    d = _batch(2)
    v = Variable(d["probs"])
    np.testing.assert_array_equal(
        metrics.categorical_accuracy(d["onehot"], v),
        metrics.categorical_accuracy(d["onehot"], d["probs"]),
    )
    m = metrics.CategoricalAccuracy()
    m.update_state(Variable(d["onehot"]), v, sample_weight=Variable(d["w"]))
    assert 0 <= float(m.result()) <= 1
    assert metrics.binary_accuracy([[1, 0]], [[0.7, 0.2]]).tolist() == [1.0]


def test_functions_on_symbolic_tensors():
    out = metrics.binary_accuracy(KerasTensor((None, 3)), KerasTensor((None, 3)))
    assert isinstance(out, KerasTensor) and out.shape == (None,)
    out = metrics.sparse_categorical_accuracy(KerasTensor((None,), "int64"), KerasTensor((None, 5)))
    assert out.shape == (None,)


def test_function_shape_errors():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy.*to_categorical"):
        metrics.categorical_accuracy(np.zeros((4, 1)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="one-hot"):
        metrics.sparse_categorical_accuracy(np.eye(3), np.ones((3, 3)))
    with pytest.raises(ValueError, match="valid range"):
        metrics.sparse_top_k_categorical_accuracy(np.array([0, 7]), np.ones((2, 3)), k=1)


# --------------------------------------------------------------------------- base class
def test_mean_sum_weights_reset_and_call():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 3.0])
    m.update_state(np.array([[5.0, 7.0]]), sample_weight=[0.5])
    expected = (1 + 9 + 0.5 * 12) / (4 + 0.5 * 2)
    assert float(m.result()) == pytest.approx(expected)
    assert m.result().numpy() == pytest.approx(expected)
    assert m.result().dtype == np.float32 and m.result().shape == ()
    m.reset_states()
    assert float(m.result()) == 0.0
    assert float(m([2.0, 4.0])) == 3.0
    s = metrics.Sum()
    s.update_state(np.ones((2, 3)), sample_weight=[1.0, 2.0])
    assert float(s.result()) == 9.0
    assert [v.name for v in m.variables] == ["total:0", "count:0"]
    assert m.trainable_weights == [] and len(m.weights) == 2


def test_mean_reduces_values_to_the_weight_rank():
    m = metrics.Mean()
    values = np.arange(12.0).reshape(2, 3, 2)  # per-sample means 2.5 and 8.5
    m.update_state(values, sample_weight=[1.0, 3.0])
    assert float(m.result()) == pytest.approx((2.5 + 3 * 8.5) / 4)
    with pytest.raises(ValueError, match="sample_weight"):
        m.update_state(np.ones(4), sample_weight=np.ones(3))


def test_metric_names_dtype_and_unique_defaults():
    assert metrics.Mean().name == "mean"
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert [metrics.AUC().name for _ in range(3)] == ["auc", "auc_1", "auc_2"]
    assert metrics.Precision(name="p").name == "p"
    assert metrics.Mean(dtype="float64").dtype == "float64"
    assert metrics.MeanMetricWrapper(losses.mse).name == "mean_metric_wrapper"


def test_custom_metric_subclass_tf2_style():
    class PositiveCount(metrics.Metric):
        def __init__(self, name="positive_count", **kw):
            super().__init__(name=name, **kw)
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign_add(np.sum(np.asarray(y_pred) > 0))

        def result(self):
            return self.count.numpy()

    m = PositiveCount()
    m.update_state(None, [1.0, -1.0, 2.0])
    m.update_state(None, [3.0])
    assert float(m.result()) == 3.0
    m.reset_state()
    assert float(m.result()) == 0.0
    with pytest.raises(NotImplementedError):
        metrics.Metric().result()


def test_metrics_refuse_symbolic_tensors():
    with pytest.raises(TypeError, match="concrete values"):
        metrics.Mean().update_state(KerasTensor((None, 1)))


# ---------------------------------------------------------------- wrapper classes
WRAPPERS = [
    (metrics.BinaryAccuracy, {}, "bin_t", "prob", lambda t, p: ((p > 0.5) == t).mean(-1)),
    (
        metrics.BinaryAccuracy,
        {"threshold": 0.2},
        "bin_t",
        "prob",
        lambda t, p: ((p > 0.2) == t).mean(-1),
    ),
    (metrics.CategoricalAccuracy, {}, "onehot", "probs", lambda t, p: t.argmax(-1) == p.argmax(-1)),
    (metrics.SparseCategoricalAccuracy, {}, "labels", "probs", lambda t, p: t == p.argmax(-1)),
    (metrics.MeanSquaredError, {}, "reg_t", "reg_p", lambda t, p: ((t - p) ** 2).mean(-1)),
    (metrics.MeanAbsoluteError, {}, "reg_t", "reg_p", lambda t, p: np.abs(t - p).mean(-1)),
    (metrics.Hinge, {}, "bin_t", "reg_p", lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).mean(-1)),
    (metrics.CategoricalCrossentropy, {}, "onehot", "probs", lambda t, p: -(t * np.log(p)).sum(-1)),
    (
        metrics.SparseCategoricalCrossentropy,
        {},
        "labels",
        "probs",
        lambda t, p: -np.log(p[np.arange(len(t)), t.astype(int)]),
    ),
]


@pytest.mark.parametrize("cls,kw,t,p,ref", WRAPPERS, ids=lambda x: getattr(x, "__name__", ""))
def test_wrapper_classes_over_batches(cls, kw, t, p, ref):
    m = cls(**kw)
    num = den = 0.0
    for seed, weighted in [(3, False), (4, True), (5, True)]:
        d = _batch(seed)
        w = d["w"] if weighted else np.ones(len(d["w"]))
        m.update_state(d[t], d[p], sample_weight=d["w"] if weighted else None)
        per = ref(d[t].astype("float64"), d[p].astype("float64"))
        num += float((per * w).sum())
        den += float(w.sum())
        assert float(m.result()) == pytest.approx(num / den, rel=1e-5, abs=1e-6)


def test_root_mean_squared_error():
    m = metrics.RootMeanSquaredError()
    m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    assert float(m.result()) == pytest.approx(0.5)
    m.update_state([[2.0, 2.0]], [[0.0, 0.0]], sample_weight=[0.5])
    assert float(m.result()) == pytest.approx(np.sqrt((1 + 0.5 * 8) / (4 + 0.5 * 2)))


def test_vector_targets_with_single_unit_outputs():
    m = metrics.BinaryAccuracy()
    m.update_state(
        np.array([1.0, 0.0, 1.0]), np.array([[0.8], [0.7], [0.1]]), sample_weight=[1, 1, 2]
    )
    assert float(m.result()) == pytest.approx(1 / 4)


def test_sparse_crossentropy_metric_ignore_class():
    y = np.array([0, 1, 2, 1])
    p = _softmax(_rng(7).normal(size=(4, 3)))
    m = metrics.SparseCategoricalCrossentropy(ignore_class=1)
    m.update_state(y, p)
    per = -np.log(p[np.arange(4), y])
    assert float(m.result()) == pytest.approx(per[[0, 2]].mean(), rel=1e-5)


# ----------------------------------------------------------------- confusion matrix
def test_confusion_counts():
    y = np.array([0, 1, 1, 0, 1], "float32")
    p = np.array([0.2, 0.8, 0.4, 0.6, 0.5], "float32")  # 0.5 is not > 0.5: negative
    w = np.array([1.0, 2.0, 1.0, 3.0, 0.5])
    assert float(metrics.TruePositives()(y, p)) == 1
    assert float(metrics.FalsePositives()(y, p)) == 1
    assert float(metrics.TrueNegatives()(y, p)) == 1
    assert float(metrics.FalseNegatives()(y, p)) == 2
    assert float(metrics.FalseNegatives()(y, p, sample_weight=w)) == 1.5
    tp = metrics.TruePositives(thresholds=[0.0, 0.45, 0.9])(y, p)
    np.testing.assert_array_equal(tp, [3, 2, 0])


def test_precision_recall_thresholds_top_k_class_id():
    y = np.array([[0, 1, 1, 0], [1, 0, 1, 0]], "float32")
    p = np.array([[0.9, 0.8, 0.3, 0.1], [0.7, 0.2, 0.6, 0.65]], "float32")
    # threshold 0.5: predicted [1,1,0,0],[1,0,1,1] -> tp 3, fp 2, fn 1
    assert float(metrics.Precision()(y, p)) == pytest.approx(3 / 5)
    assert float(metrics.Recall()(y, p)) == pytest.approx(3 / 4)
    np.testing.assert_allclose(metrics.Precision(thresholds=[0.25, 0.75])(y, p), [4 / 6, 1 / 2])
    # top_k=1: only the row maximum counts: [0.9 -> label 0], [0.7 -> label 1]
    assert float(metrics.Precision(top_k=1)(y, p)) == pytest.approx(1 / 2)
    assert float(metrics.Recall(top_k=2)(y, p)) == pytest.approx(2 / 4)
    # class_id=2: column 2 only: preds [0.3, 0.6], labels [1, 1]
    assert float(metrics.Recall(class_id=2)(y, p)) == pytest.approx(1 / 2)
    assert float(metrics.Precision(class_id=3)(y, p)) == 0.0  # no positive label: 0, not nan


def test_precision_accumulates_with_weights():
    m = metrics.Precision()
    m.update_state([1, 0, 1], [0.9, 0.8, 0.2], sample_weight=[1.0, 3.0, 1.0])
    assert float(m.result()) == pytest.approx(1 / 4)
    m.update_state([[1], [1]], [[0.7], [0.9]])
    assert float(m.result()) == pytest.approx(3 / 6)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_threshold_range_errors():
    with pytest.raises(ValueError, match="Threshold values must be in \\[0, 1\\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="same shape"):
        metrics.Precision().update_state(np.ones((2, 3)), np.ones((2, 2)))


def _exact_auc(y, s):
    pos, neg = s[y == 1], s[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return greater / (len(pos) * len(neg))


def test_auc_roc_approaches_the_exact_area():
    r = _rng(8)
    y = (r.random(300) > 0.6).astype("float32")
    s = np.clip(0.35 * y + r.normal(0.3, 0.2, 300), 0, 1).astype("float32")
    m = metrics.AUC(num_thresholds=2001)
    m.update_state(y[:150], s[:150])
    m.update_state(y[150:], s[150:])
    assert float(m.result()) == pytest.approx(_exact_auc(y, s), abs=2e-3)
    coarse = metrics.AUC(num_thresholds=3)
    coarse.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    # thresholds -eps, 0.5, 1+eps: ROC points (1,1), (0,0.5), (0,0): trapezoid 0.75
    assert float(coarse.result()) == pytest.approx(0.75)


def test_auc_pr_and_summation_methods():
    y = np.array([0, 0, 1, 1], "float32")
    s = np.array([0.1, 0.4, 0.35, 0.8], "float32")
    values = {}
    for method in ["interpolation", "minoring", "majoring"]:
        m = metrics.AUC(curve="PR", summation_method=method, num_thresholds=50)
        m.update_state(y, s)
        values[method] = float(m.result())
    assert values["minoring"] <= values["interpolation"] <= values["majoring"]
    roc = {}
    for method in ["minoring", "majoring"]:
        m = metrics.AUC(summation_method=method, num_thresholds=50)
        m.update_state(y, s)
        roc[method] = float(m.result())
    assert roc["minoring"] == pytest.approx(0.75) and roc["majoring"] == pytest.approx(0.75)


def test_auc_multi_label_and_label_weights():
    r = _rng(9)
    y = (r.random((40, 2)) > 0.5).astype("float32")
    s = np.clip(0.3 * y + r.random((40, 2)) * 0.7, 0, 1).astype("float32")
    per_label = []
    for j in range(2):
        m = metrics.AUC(num_thresholds=500)
        m.update_state(y[:, j], s[:, j])
        per_label.append(float(m.result()))
    ml = metrics.AUC(num_thresholds=500, multi_label=True)
    ml.update_state(y, s)
    assert float(ml.result()) == pytest.approx(np.mean(per_label), abs=1e-6)
    lw = metrics.AUC(num_thresholds=500, multi_label=True, label_weights=[3.0, 1.0])
    lw.update_state(y, s)
    assert float(lw.result()) == pytest.approx((3 * per_label[0] + per_label[1]) / 4, abs=1e-6)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(np.ones((2, 2, 2)), np.ones((2, 2, 2)))


def test_auc_from_logits_and_errors():
    y = np.array([0, 1, 1, 0], "float32")
    logits = np.array([-2.0, 1.0, 0.5, 0.2], "float32")
    a, b = metrics.AUC(from_logits=True), metrics.AUC()
    a.update_state(y, logits)
    b.update_state(y, 1 / (1 + np.exp(-logits)))
    assert float(a.result()) == pytest.approx(float(b.result()))
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation method"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="non-negative"):
        metrics.AUC(label_weights=[-1.0])


# ------------------------------------------------------------------------------ config
ALL_CLASSES = [
    (metrics.Mean, {}),
    (metrics.Sum, {}),
    (metrics.Accuracy, {}),
    (metrics.BinaryAccuracy, {"threshold": 0.7}),
    (metrics.CategoricalAccuracy, {}),
    (metrics.SparseCategoricalAccuracy, {}),
    (metrics.TopKCategoricalAccuracy, {"k": 3}),
    (metrics.SparseTopKCategoricalAccuracy, {"k": 2}),
    (metrics.MeanSquaredError, {}),
    (metrics.MeanAbsoluteError, {}),
    (metrics.MeanAbsolutePercentageError, {}),
    (metrics.MeanSquaredLogarithmicError, {}),
    (metrics.RootMeanSquaredError, {}),
    (metrics.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}),
    (metrics.CategoricalCrossentropy, {"label_smoothing": 0.2}),
    (metrics.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 0}),
    (metrics.Hinge, {}),
    (metrics.SquaredHinge, {}),
    (metrics.CategoricalHinge, {}),
    (metrics.KLDivergence, {}),
    (metrics.Poisson, {}),
    (metrics.LogCoshError, {}),
    (metrics.CosineSimilarity, {"axis": 1}),
    (metrics.TruePositives, {"thresholds": [0.2, 0.6]}),
    (metrics.FalsePositives, {}),
    (metrics.TrueNegatives, {"thresholds": 0.3}),
    (metrics.FalseNegatives, {}),
    (metrics.Precision, {"thresholds": [0.3, 0.6], "class_id": 1}),
    (metrics.Recall, {"top_k": 2}),
    (metrics.AUC, {"num_thresholds": 50, "curve": "PR", "summation_method": "minoring"}),
    (metrics.AUC, {"thresholds": [0.1, 0.5, 0.7], "multi_label": True, "num_labels": 2}),
    (metrics.AUC, {"label_weights": [1.0, 2.0], "from_logits": True}),
]


@pytest.mark.parametrize("cls,kw", ALL_CLASSES, ids=lambda x: getattr(x, "__name__", ""))
def test_config_round_trips(cls, kw):
    m = cls(name="my_metric", **kw)
    cfg = m.get_config()
    assert cfg["name"] == "my_metric" and cfg["dtype"] == "float32"
    for k, v in kw.items():
        assert cfg[k] == v, k
    again = cls.from_config(dict(cfg))
    assert type(again) is cls and again.get_config() == cfg
    ser = metrics.serialize(m)
    assert ser == {"class_name": cls.__name__, "config": cfg}
    assert metrics.deserialize(ser).get_config() == cfg
    assert metrics.get(ser).get_config() == cfg


def test_auc_config_keys():
    cfg = metrics.AUC(name="auc").get_config()
    assert cfg == {
        "name": "auc",
        "dtype": "float32",
        "num_thresholds": 200,
        "curve": "ROC",
        "summation_method": "interpolation",
        "multi_label": False,
        "num_labels": None,
        "label_weights": None,
        "from_logits": False,
    }
    assert metrics.AUC(thresholds=[0.5, 0.2]).get_config()["thresholds"] == [0.2, 0.5]


def test_mean_metric_wrapper_round_trip_with_custom_function():
    def half_mae(y_true, y_pred, scale=0.5):
        return losses.mae(y_true, y_pred) * scale

    m = metrics.MeanMetricWrapper(half_mae, name="half", scale=0.25)
    cfg = metrics.serialize(m)
    assert cfg["config"] == {"name": "half", "dtype": "float32", "scale": 0.25, "fn": "half_mae"}
    again = metrics.deserialize(cfg, custom_objects={"half_mae": half_mae})
    assert float(again([[0.0, 0.0]], [[1.0, 3.0]])) == pytest.approx(0.5)
    with CustomObjectScope({"half_mae": half_mae}):
        assert metrics.get("half_mae") is half_mae


def test_get_serialize_functions():
    assert metrics.get(None) is None
    assert metrics.get("acc") is metrics.accuracy
    assert metrics.get("accuracy") is metrics.accuracy
    assert metrics.get("top_k_categorical_accuracy") is metrics.top_k_categorical_accuracy
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.serialize(metrics.sparse_categorical_accuracy) == "sparse_categorical_accuracy"
    assert metrics.deserialize({"class_name": "function", "config": "mae"}) is losses.mae
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get(3)


def test_unknown_metric_names_valid_ones():
    with pytest.raises(ValueError) as e:
        metrics.get("foo")
    msg = str(e.value)
    assert msg.startswith("Unknown metric function: 'foo'.")
    for name in ("binary_accuracy", "mse", "AUC", "Precision", "crossentropy"):
        assert name in msg
    with pytest.raises(ValueError, match="Unknown metric function: 'Foo'"):
        metrics.deserialize({"class_name": "Foo", "config": {}})


# ------------------------------------------------------------------------------ resolve
RULES = [
    # loss, output shape, target shape, keras 2.2 pick, tf2 pick
    ("binary_crossentropy", (None, 1), (None, 1), "binary", "binary"),
    ("binary_crossentropy", (None, 3), (None, 3), "binary", "categorical"),
    ("categorical_crossentropy", (None, 3), (None, 3), "categorical", "categorical"),
    ("categorical_crossentropy", (None, 1), (None, 1), "binary", "binary"),
    ("sparse_categorical_crossentropy", (None, 10), (None, 1), "sparse", "sparse"),
    ("sparse_categorical_crossentropy", (None, 10), (None,), "sparse", "sparse"),
    ("mse", (None, 10), (None, 1), "categorical", "sparse"),
    ("mse", (None, 4), (None, 4), "categorical", "categorical"),
    ("sparse_categorical_crossentropy", (None, 1), (None, 1), "binary", "binary"),
]
ACC = {
    "binary": "binary_accuracy",
    "sparse": "sparse_categorical_accuracy",
    "categorical": "categorical_accuracy",
}
CE = {
    "binary": "binary_crossentropy",
    "sparse": "sparse_categorical_crossentropy",
    "categorical": "categorical_crossentropy",
}


@pytest.mark.parametrize("loss,out,target,k22,tf2", RULES)
def test_resolve_rules(loss, out, target, k22, tf2):
    for name in ("accuracy", "acc"):
        assert metrics.resolve_accuracy_keras22(name, loss, out, target).__name__ == ACC[k22]
        assert metrics.resolve_accuracy_tf2(name, loss, out, target).__name__ == ACC[tf2]
        assert metrics.resolve_accuracy(name, loss, out, target).__name__ == ACC[k22]
    for name in ("crossentropy", "ce"):
        assert metrics.resolve_accuracy_keras22(name, loss, out, target).__name__ == CE[k22]
        assert metrics.resolve_accuracy_tf2(name, loss, out, target).__name__ == CE[tf2]


def test_resolve_accepts_loss_objects_and_functions():
    for loss in (losses.BinaryCrossentropy(from_logits=True), losses.binary_crossentropy, "bce"):
        assert metrics.resolve_accuracy("acc", loss, (None, 5)).__name__ == "binary_accuracy"
    sparse = losses.SparseCategoricalCrossentropy()
    assert metrics.resolve_accuracy("acc", sparse, (None, 5)) is metrics.sparse_categorical_accuracy
    assert metrics.resolve_accuracy("mae", "mse", (None, 5)) is metrics.mean_absolute_error
    assert (
        "loss-aware" in metrics.resolve_accuracy.__doc__
        or "Keras 2.2" in metrics.resolve_accuracy.__doc__
    )
