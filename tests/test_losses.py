"""kviz.losses: values against NumPy formulas, gradients against finite differences (float64),
symbolic use, reductions and sample weights, config round trips, lookup by name and errors."""

from __future__ import annotations

import numpy as np
import pytest
from harness import check_op

from kviz import config, losses
from kviz.autodiff import GradientTape, Tensor, Variable
from kviz.graph import KerasTensor
from kviz.registry import CustomObjectScope

EPS = 1e-7
N, C = 4, 3


def _rng(seed=0):
    return np.random.default_rng(seed)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _data(seed=0):
    r = _rng(seed)
    labels = r.integers(0, C, N)
    return {
        "reg_t": r.normal(size=(N, C)),
        "reg_p": r.normal(size=(N, C)),
        "mape_t": r.uniform(0.5, 2, (N, C)) * np.where(r.random((N, C)) > 0.5, 1, -1),
        "pos_t": r.uniform(0.1, 3, (N, C)),
        "pos_p": r.uniform(0.1, 3, (N, C)),
        "bin_t": (r.random((N, C)) > 0.5).astype("float64"),
        "pm1_t": np.where(r.random((N, C)) > 0.5, 1.0, -1.0),
        "prob": r.uniform(0.05, 0.95, (N, C)),
        "logits": r.normal(size=(N, C)) * 2,
        "softmax": _softmax(r.normal(size=(N, C))),
        "softmax2": _softmax(r.normal(size=(N, C))),
        "onehot": np.eye(C)[labels],
        "labels": labels,
    }


# ------------------------------------------------------------------- NumPy references
def _np_log_softmax(x):
    s = x - x.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def _np_cce(t, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        return -(t * _np_log_softmax(p)).sum(-1)
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -(t * np.log(p)).sum(-1)


def _np_bce(t, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return (np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))).mean(-1)
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p + EPS) + (1 - t) * np.log(1 - p + EPS)).mean(-1)


def _np_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _np_huber(t, p, delta=1.0):
    e = p - t
    return np.where(np.abs(e) <= delta, 0.5 * e**2, delta * np.abs(e) - 0.5 * delta**2).mean(-1)


def _np_cos(t, p, axis=-1):
    tn = t / np.sqrt(np.maximum((t**2).sum(axis, keepdims=True), 1e-12))
    pn = p / np.sqrt(np.maximum((p**2).sum(axis, keepdims=True), 1e-12))
    return -(tn * pn).sum(axis)


REFERENCES = {
    "mean_squared_error": lambda t, p: ((p - t) ** 2).mean(-1),
    "mean_absolute_error": lambda t, p: np.abs(p - t).mean(-1),
    "mean_absolute_percentage_error": lambda t, p: (
        100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)
    ),
    "mean_squared_logarithmic_error": lambda t, p: (
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2
    ).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - _np_hinge_labels(t) * p, 0) ** 2).mean(-1),
    "hinge": lambda t, p: np.maximum(1 - _np_hinge_labels(t) * p, 0).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
    "log_cosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "huber": _np_huber,
    "categorical_crossentropy": _np_cce,
    "sparse_categorical_crossentropy": lambda t, p: _np_cce(np.eye(p.shape[-1])[t], p),
    "binary_crossentropy": _np_bce,
    "kl_divergence": lambda t, p: (
        np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))
    ).sum(-1),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "cosine_similarity": _np_cos,
}

# (function, y_true key, y_pred key, params, differentiate y_true too?)
CASES = [
    ("mean_squared_error", "reg_t", "reg_p", {}, True),
    ("mean_absolute_error", "reg_t", "reg_p", {}, True),
    ("mean_absolute_percentage_error", "mape_t", "reg_p", {}, True),
    ("mean_squared_logarithmic_error", "pos_t", "pos_p", {}, True),
    ("squared_hinge", "bin_t", "reg_p", {}, False),
    ("squared_hinge", "pm1_t", "reg_p", {}, False),
    ("hinge", "bin_t", "reg_p", {}, False),
    ("hinge", "pm1_t", "reg_p", {}, False),
    ("categorical_hinge", "onehot", "reg_p", {}, True),
    ("log_cosh", "reg_t", "reg_p", {}, True),
    ("huber", "reg_t", "reg_p", {}, True),
    ("huber", "reg_t", "reg_p", {"delta": 0.3}, True),
    ("categorical_crossentropy", "onehot", "softmax", {}, True),
    ("categorical_crossentropy", "softmax2", "prob", {}, True),
    ("categorical_crossentropy", "onehot", "softmax", {"label_smoothing": 0.1}, True),
    ("categorical_crossentropy", "onehot", "logits", {"from_logits": True}, True),
    (
        "categorical_crossentropy",
        "onehot",
        "logits",
        {"from_logits": True, "label_smoothing": 0.2},
        True,
    ),
    ("sparse_categorical_crossentropy", "labels", "softmax", {}, False),
    ("binary_crossentropy", "bin_t", "prob", {}, True),
    ("binary_crossentropy", "bin_t", "prob", {"label_smoothing": 0.2}, True),
    ("binary_crossentropy", "bin_t", "logits", {"from_logits": True}, True),
    ("binary_crossentropy", "bin_t", "logits", {"from_logits": True, "label_smoothing": 0.1}, True),
    ("kl_divergence", "softmax2", "softmax", {}, True),
    ("poisson", "pos_t", "pos_p", {}, True),
    ("cosine_similarity", "reg_t", "reg_p", {}, True),
    ("cosine_similarity", "reg_t", "reg_p", {"axis": 0}, True),
]


def _case_id(c):
    return f"{c[0]}-{c[1]}-{c[2]}-" + ",".join(f"{k}={v}" for k, v in c[3].items())


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_loss_function_values_gradients_symbolic(case):
    """NumPy formula, float32, tape gradients vs float64 finite differences, symbolic graph."""
    name, t, p, params, grad_true = case
    d = _data()
    fn = getattr(losses, name)
    ref = REFERENCES[name]
    check_op(
        fn,
        [d[t], d[p]],
        params=params,
        reference=lambda yt, yp: ref(yt, yp, **params),
        atol=1e-7,
        rtol=1e-6,
        grad_inputs=None if grad_true else [1],
        none_batch=params.get("axis", -1) != 0,
    )


def test_sparse_crossentropy_from_logits_and_label_column():
    d = _data(1)
    check_op(
        losses.sparse_categorical_crossentropy,
        [d["labels"].reshape(-1, 1), d["logits"]],
        params={"from_logits": True},
        reference=lambda t, p: -np.take_along_axis(_np_log_softmax(p), t.astype(int), -1)[:, 0],
        none_batch=True,
    )


@pytest.mark.parametrize(
    "name",
    [
        "mse",
        "mae",
        "mape",
        "msle",
        "kld",
        "KLD",
        "kullback_leibler_divergence",
        "logcosh",
        "huber_loss",
        "cosine_proximity",
        "cosine",
        "bce",
        "MSE",
    ],
)
def test_aliases(name):
    fn = getattr(losses, name)
    assert losses.get(name) is fn
    assert fn.__name__ in REFERENCES


def test_keras_reference_numerics():
    # KERAS-REFERENCE 1.4: CCE at p=0 gives 16.118, tf.keras 2 BCE at p=0 gives 15.425
    y = np.array([[0.0, 1.0]], "float32")
    p = np.array([[1.0, 0.0]], "float32")
    assert float(losses.categorical_crossentropy(y, p)[0]) == pytest.approx(16.118, abs=1e-3)
    assert float(losses.binary_crossentropy(y[:, 1:], p[:, 1:])[0]) == pytest.approx(
        15.425, abs=1e-3
    )


def test_epsilon_comes_from_config():
    y, p = np.array([[1.0]], "float32"), np.array([[0.0]], "float32")
    old = config.epsilon()
    try:
        config.set_epsilon(1e-3)
        expected = -np.log(1e-3 + 1e-3)
        assert float(losses.binary_crossentropy(y, p)[0]) == pytest.approx(expected, rel=1e-5)
    finally:
        config.set_epsilon(old)


def test_hinge_converts_only_binary_labels():
    p = np.array([[0.3, -0.2]])
    np.testing.assert_allclose(losses.hinge(np.array([[1.0, 0.0]]), p), [(0.7 + 0.8) / 2])
    np.testing.assert_allclose(losses.hinge(np.array([[1.0, 0.5]]), p), [(0.7 + 1.1) / 2])


def test_outputs_are_float32_for_float32_and_int_inputs():
    y_true = np.array([[0, 1], [1, 0]])
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]], "float32")
    for name in ["mse", "binary_crossentropy", "categorical_crossentropy", "hinge", "poisson"]:
        out = losses.get(name)(y_true, y_pred)
        assert out.dtype == np.float32 and out.shape == (2,), name
    assert losses.mse([[1.0, 2.0]], [[1.0, 4.0]]).dtype == np.float32  # lists -> floatx


# ------------------------------------------------------------------------------ shapes
def test_vector_targets_with_single_unit_outputs_stay_per_sample():
    y_true = np.array([0.0, 1.0, 1.0])
    y_pred = np.array([[0.5], [0.5], [1.0]])
    out = losses.mse(y_true, y_pred)
    np.testing.assert_allclose(out, [0.25, 0.25, 0.0])  # not a (3, 3) broadcast
    # (n, 1) targets with 1-D outputs: the targets are squeezed (as tf.keras); the last axis of
    # a 1-D output is the batch, so the "per-sample" value is the batch mean
    np.testing.assert_allclose(losses.mse(y_pred, y_true), 1 / 6)
    loss = losses.BinaryCrossentropy(reduction="none")(y_true, y_pred)
    assert loss.shape == (3,)


def test_custom_function_in_wrapper_is_aligned_too():
    def my_mse(t, p):
        return np.mean(np.square(np.asarray(p) - np.asarray(t)), axis=-1)

    w = losses.LossFunctionWrapper(my_mse, reduction="none")
    out = w(np.array([0.0, 1.0, 1.0]), np.array([[0.5], [0.5], [1.0]]))
    np.testing.assert_allclose(out, [0.25, 0.25, 0.0])


def test_incompatible_shapes_integer_labels_with_cce():
    y = np.zeros((5, 1))
    p = np.full((5, 10), 0.1)
    with pytest.raises(ValueError) as e:
        losses.categorical_crossentropy(y, p)
    msg = str(e.value)
    assert "(5, 1)" in msg and "(5, 10)" in msg
    assert "sparse_categorical_crossentropy" in msg and "to_categorical" in msg
    with pytest.raises(ValueError, match="Shapes \\(5, 1\\) and \\(5, 10\\) are incompatible"):
        losses.CategoricalCrossentropy()(y, p)


def test_incompatible_shapes_symbolic_names_unknown_dims():
    with pytest.raises(ValueError) as e:
        losses.mse(KerasTensor((None, 1)), KerasTensor((None, 10)))
    assert "(None, 1)" in str(e.value) and "(None, 10)" in str(e.value)
    with pytest.raises(ValueError, match="Dense\\(3"):
        losses.binary_crossentropy(np.zeros((4, 3)), np.full((4, 1), 0.5))


def test_sparse_with_one_hot_targets():
    with pytest.raises(ValueError, match="one-hot.*categorical_crossentropy"):
        losses.sparse_categorical_crossentropy(np.eye(3), np.full((3, 3), 1 / 3))


def test_sparse_label_out_of_range():
    with pytest.raises(ValueError, match="outside the valid range"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), np.full((2, 3), 1 / 3))


def test_categorical_crossentropy_single_unit_warns():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.full((2, 1), 0.5))


def test_bad_axis():
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        losses.categorical_crossentropy(np.eye(2), np.eye(2), axis=True)


# -------------------------------------------------------------------------- symbolic
def test_symbolic_function_is_one_node():
    t, p = KerasTensor((None, 3)), KerasTensor((None, 3))
    out = losses.categorical_crossentropy(t, p)
    assert isinstance(out, KerasTensor) and out.shape == (None,)
    op = out._keras_history[0]
    assert op.name.startswith("kviz.losses.categorical_crossentropy")
    assert op.get_config()["function"] == "kviz.losses.categorical_crossentropy"


def test_symbolic_loss_class_gives_scalar():
    out = losses.MeanSquaredError()(KerasTensor((None, 3)), KerasTensor((None, 3)))
    assert isinstance(out, KerasTensor) and out.shape == ()
    none = losses.Huber(reduction="none")(KerasTensor((None, 3)), KerasTensor((None, 3)))
    assert none.shape == (None,)


# ------------------------------------------------------------------------- reductions
CLASSES = [
    ("MeanSquaredError", {}, "reg_t", "reg_p", "mean_squared_error"),
    ("MeanAbsoluteError", {}, "reg_t", "reg_p", "mean_absolute_error"),
    ("MeanAbsolutePercentageError", {}, "mape_t", "reg_p", "mean_absolute_percentage_error"),
    ("MeanSquaredLogarithmicError", {}, "pos_t", "pos_p", "mean_squared_logarithmic_error"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "bin_t", "prob", "binary_crossentropy"),
    ("BinaryCrossentropy", {"from_logits": True}, "bin_t", "logits", "binary_crossentropy"),
    ("CategoricalCrossentropy", {}, "onehot", "softmax", "categorical_crossentropy"),
    (
        "CategoricalCrossentropy",
        {"from_logits": True},
        "onehot",
        "logits",
        "categorical_crossentropy",
    ),
    ("SparseCategoricalCrossentropy", {}, "labels", "softmax", "sparse_categorical_crossentropy"),
    ("Hinge", {}, "pm1_t", "reg_p", "hinge"),
    ("SquaredHinge", {}, "bin_t", "reg_p", "squared_hinge"),
    ("CategoricalHinge", {}, "onehot", "reg_p", "categorical_hinge"),
    ("Huber", {"delta": 0.5}, "reg_t", "reg_p", "huber"),
    ("LogCosh", {}, "reg_t", "reg_p", "log_cosh"),
    ("KLDivergence", {}, "softmax2", "softmax", "kl_divergence"),
    ("Poisson", {}, "pos_t", "pos_p", "poisson"),
    ("CosineSimilarity", {}, "reg_t", "reg_p", "cosine_similarity"),
]


@pytest.mark.parametrize("case", CLASSES, ids=[f"{c[0]}-{c[1]}" for c in CLASSES])
@pytest.mark.parametrize("reduction", ["auto", "sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("weights", [None, "per_sample", "column", "scalar"])
def test_class_reductions_and_sample_weights(case, reduction, weights):
    cls, kw, t, p, fn = case
    d = _data(2)
    per_sample = getattr(losses, fn)(d[t], d[p], **kw)
    w = {
        None: None,
        "per_sample": np.array([0.5, 0.0, 2.0, 1.0]),
        "column": np.array([[0.5], [0.0], [2.0], [1.0]]),
        "scalar": 3.0,
    }[weights]
    out = getattr(losses, cls)(reduction=reduction, **kw)(d[t], d[p], sample_weight=w)
    wv = 1.0 if w is None else np.reshape(w, (-1,)) if np.ndim(w) else w
    weighted = per_sample * wv
    expected = {
        "none": weighted,
        "sum": weighted.sum(),
        "auto": weighted.sum() / N,  # TF2: / number of elements, not / sum(w)
        "sum_over_batch_size": weighted.sum() / N,
    }[reduction]
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


def test_elementwise_weights_on_sequence_losses():
    r = _rng(3)
    t, p = r.normal(size=(2, 5, 3)), r.normal(size=(2, 5, 3))
    w = r.random((2, 5))
    per_step = ((p - t) ** 2).mean(-1)
    out = losses.MeanSquaredError()(t, p, sample_weight=w)
    np.testing.assert_allclose(out, (per_step * w).sum() / 10, rtol=1e-10)
    out = losses.MeanSquaredError()(t, p, sample_weight=np.array([1.0, 0.0]))
    np.testing.assert_allclose(out, per_step[0].sum() / 10, rtol=1e-10)


def test_bad_sample_weight_shape():
    with pytest.raises(ValueError, match="sample_weight of shape \\(3,\\)"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.ones((4, 2)), sample_weight=np.ones(3))


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid Reduction Key: mean"):
        losses.MeanSquaredError(reduction="mean")
    assert set(losses.Reduction.all()) == {"auto", "none", "sum", "sum_over_batch_size"}


def test_ignore_class_averages_over_the_other_labels():
    y = np.array([0, 1, 2, 1])
    p = _softmax(_rng(4).normal(size=(4, 3)))
    per = _np_cce(np.eye(3)[y], p)
    keep = y != 1
    loss = losses.SparseCategoricalCrossentropy(ignore_class=1)
    np.testing.assert_allclose(loss(y, p), per[keep].mean(), rtol=1e-6)
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy(ignore_class=1, reduction="none")(y, p),
        np.where(keep, per, 0.0),
        rtol=1e-6,
    )
    fn = losses.sparse_categorical_crossentropy(y, p, ignore_class=1)
    np.testing.assert_allclose(fn, np.where(keep, per, 0.0), rtol=1e-6)


# ------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("case", CLASSES, ids=[f"{c[0]}-{c[1]}" for c in CLASSES])
def test_class_gradients(case):
    cls, kw, t, p, _ = case
    d = _data(5)
    sw = np.array([0.5, 1.0, 2.0, 0.25])
    check_op(
        lambda yt, yp: getattr(losses, cls)(**kw)(yt, yp, sample_weight=sw),
        [d[t], d[p]],
        grad_inputs=[1],
        none_batch=False,  # the sample weights are a constant of batch size 4
    )


def test_tape_gradient_of_a_loss_on_variables():
    y = np.array([[0.0, 1.0]], "float32")
    w = Variable(np.array([[0.2, 0.8]], "float32"))
    with GradientTape() as tape:
        loss = losses.CategoricalCrossentropy()(y, w)
    assert isinstance(loss, Tensor)
    (g,) = tape.gradient(loss, [w])
    # d/dp of -log(p1 / (p0 + p1)) at (0.2, 0.8): (1 / (p0 + p1), 1 / (p0 + p1) - 1 / p1)
    np.testing.assert_allclose(g, [[1.0, 1.0 - 1.25]], rtol=1e-5)


# ------------------------------------------------------------------------------ config
CONFIG_CASES = [
    (
        losses.MeanSquaredError(),
        {"reduction": "auto", "name": "mean_squared_error", "fn": "mean_squared_error"},
    ),
    (
        losses.Huber(delta=2.0, reduction="sum"),
        {"reduction": "sum", "name": "huber_loss", "delta": 2.0, "fn": "huber"},
    ),
    (
        losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        {
            "reduction": "auto",
            "name": "binary_crossentropy",
            "from_logits": True,
            "label_smoothing": 0.1,
            "axis": -1,
            "fn": "binary_crossentropy",
        },
    ),
    (
        losses.SparseCategoricalCrossentropy(ignore_class=0),
        {
            "reduction": "auto",
            "name": "sparse_categorical_crossentropy",
            "from_logits": False,
            "ignore_class": 0,
            "fn": "sparse_categorical_crossentropy",
        },
    ),
    (
        losses.CosineSimilarity(axis=1, name="cos"),
        {"reduction": "auto", "name": "cos", "axis": 1, "fn": "cosine_similarity"},
    ),
]


@pytest.mark.parametrize("loss,expected", CONFIG_CASES, ids=lambda x: type(x).__name__)
def test_get_config(loss, expected):
    assert loss.get_config() == expected


@pytest.mark.parametrize("case", CLASSES, ids=[f"{c[0]}-{c[1]}" for c in CLASSES])
def test_config_round_trips(case):
    cls, kw = case[0], case[1]
    obj = getattr(losses, cls)(reduction="sum", name="my_loss", **kw)
    cfg = obj.get_config()
    again = type(obj).from_config(dict(cfg))
    assert type(again) is type(obj) and again.get_config() == cfg
    ser = losses.serialize(obj)
    assert ser == {"class_name": cls, "config": cfg}
    assert losses.deserialize(ser).get_config() == cfg
    assert losses.get(ser).get_config() == cfg
    d = _data(6)
    np.testing.assert_allclose(again(d[case[2]], d[case[3]]), obj(d[case[2]], d[case[3]]))


def test_serialize_functions_and_new_format():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.serialize(None) is None
    assert (
        losses.deserialize({"class_name": "function", "config": "mse", "module": "builtins"})
        is losses.mse
    )
    new = {
        "module": "keras.losses",
        "class_name": "Huber",
        "registered_name": None,
        "config": {"reduction": "auto", "name": "huber_loss", "delta": 3.0, "fn": "huber"},
    }
    assert losses.deserialize(new).get_config()["delta"] == 3.0
    with pytest.raises(ValueError, match="Cannot serialize"):
        losses.serialize(lambda t, p: t)


def test_function_wrapper_round_trip_with_custom_objects():
    def my_loss(y_true, y_pred, scale=1.0):
        return losses.mse(y_true, y_pred) * scale

    w = losses.LossFunctionWrapper(my_loss, name="mine", scale=2.0)
    cfg = losses.serialize(w)
    assert cfg == {
        "class_name": "LossFunctionWrapper",
        "config": {"reduction": "auto", "name": "mine", "scale": 2.0, "fn": "my_loss"},
    }
    with CustomObjectScope({"my_loss": my_loss}):
        again = losses.deserialize(cfg)
        assert losses.get("my_loss") is my_loss
    assert again.fn is my_loss and again._fn_kwargs == {"scale": 2.0}
    again2 = losses.deserialize(cfg, custom_objects={"my_loss": my_loss})
    assert again2.fn is my_loss


def test_get():
    assert losses.get(None) is None
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("Poisson"), losses.Poisson)
    assert losses.get(losses.hinge) is losses.hinge
    obj = losses.Hinge()
    assert losses.get(obj) is obj
    with pytest.raises(ValueError, match="Could not interpret loss function identifier"):
        losses.get(42)


def test_unknown_loss_names_valid_ones():
    with pytest.raises(ValueError) as e:
        losses.get("foo_loss")
    msg = str(e.value)
    assert msg.startswith("Unknown loss function: 'foo_loss'.")
    for name in (
        "mean_squared_error",
        "mse",
        "categorical_crossentropy",
        "Huber",
        "custom_object_scope",
    ):
        assert name in msg
    with pytest.raises(ValueError, match="Unknown loss function: 'FooLoss'"):
        losses.deserialize({"class_name": "FooLoss", "config": {}})


def test_custom_loss_subclass():
    class Scaled(losses.Loss):
        def __init__(self, scale=2.0, **kw):
            super().__init__(**kw)
            self.scale = scale

        def call(self, y_true, y_pred):
            return losses.mae(y_true, y_pred) * self.scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    obj = Scaled(scale=3.0, reduction="sum", name="scaled")
    np.testing.assert_allclose(obj(np.zeros((2, 2)), np.ones((2, 2))), 6.0)
    with CustomObjectScope({"Scaled": Scaled}):
        again = losses.deserialize(losses.serialize(obj))
    assert isinstance(again, Scaled) and again.scale == 3.0 and again.reduction == "sum"
    with pytest.raises(NotImplementedError):
        losses.Loss()(np.zeros(2), np.zeros(2))


def test_is_categorical_crossentropy():
    assert losses.is_categorical_crossentropy("categorical_crossentropy")
    assert losses.is_categorical_crossentropy(losses.CategoricalCrossentropy())
    assert not losses.is_categorical_crossentropy(losses.sparse_categorical_crossentropy)


def test_compute_weighted_loss_helper():
    out = losses.compute_weighted_loss(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0]))
    assert float(out) == pytest.approx(1.0)
    assert float(losses.compute_weighted_loss(np.array([1.0, 2.0]), reduction="sum")) == 3.0
    assert float(losses.compute_weighted_loss(np.zeros((0,)))) == 0.0
