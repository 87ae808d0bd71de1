"""``kviz.wrappers.scikit_learn``: Keras 2's ``KerasClassifier``/``KerasRegressor`` (build_fn
forms, sk_params split between build_fn/fit/predict/evaluate, get/set_params, classes_, predict,
predict_proba, score) and their use by scikit-learn (clone, GridSearchCV, cross_val_score,
Pipeline). tf-keras has no wrappers any more, so scikit-learn is the judge here."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone, is_classifier, is_regressor  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import kviz  # noqa: E402
from kviz.callbacks import History  # noqa: E402
from kviz.layers import Dense  # noqa: E402
from kviz.models import Sequential  # noqa: E402
from kviz.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3)).astype("float32")
Y3 = np.array([0, 1, 2] * 8)  # three classes
Y_REG = (X @ np.array([1.0, -2.0, 0.5])).astype("float32")


def make_classifier(hidden=4, n_classes=3, loss="categorical_crossentropy", metrics=("accuracy",)):
    activation = "sigmoid" if n_classes == 1 else "softmax"
    model = Sequential(
        [
            Dense(hidden, activation="relu", input_shape=(3,)),
            Dense(n_classes, activation=activation),
        ]
    )
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


def make_regressor(hidden=4):
    model = Sequential([Dense(hidden, activation="relu", input_shape=(3,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


# -------------------------------------------------------------------------------- params
def test_sk_params_are_split_between_build_fn_and_fit():
    seen = {}

    def build(hidden=4):
        seen["hidden"] = hidden
        return make_classifier(hidden)

    clf = KerasClassifier(build, hidden=5, epochs=3, batch_size=8, verbose=0)
    history = clf.fit(X, Y3)
    assert isinstance(history, History)  # Keras 2 returns the History
    assert seen == {"hidden": 5}
    assert history.params["epochs"] == 3 and history.params["steps"] == 3  # 24 / 8
    assert clf.model.layers[0].units == 5
    # fit's keyword arguments override the sk_params
    assert clf.fit(X, Y3, epochs=1).params["epochs"] == 1


def test_illegal_parameters_raise_in_init_and_set_params():
    with pytest.raises(ValueError, match="nope is not a legal parameter"):
        KerasClassifier(make_classifier, nope=1)
    clf = KerasClassifier(make_classifier, hidden=3)
    with pytest.raises(ValueError, match=r"units is not a legal parameter.*'hidden'"):
        clf.set_params(units=3)
    assert clf.get_params() == {"build_fn": make_classifier, "hidden": 3}


def test_get_params_set_params_and_clone():
    sizes = [4, 4]
    clf = KerasClassifier(make_classifier, hidden=sizes, epochs=2)
    params = clf.get_params(deep=False)
    assert params == {"build_fn": make_classifier, "hidden": sizes, "epochs": 2}
    assert params["hidden"] is sizes  # the objects themselves: sklearn.clone checks identity
    assert clf.set_params(epochs=4, verbose=0) is clf
    assert clf.get_params()["epochs"] == 4
    twin = clone(clf)
    assert type(twin) is KerasClassifier and twin is not clf
    assert twin.get_params()["epochs"] == 4 and twin.get_params()["hidden"] == [4, 4]
    assert not hasattr(twin, "model")


def test_build_fn_forms():
    class Builder:
        def __call__(self, hidden=2):
            return make_classifier(hidden)

    class Holder:
        def build(self, hidden=2):
            return make_classifier(hidden)

    class Subclassed(KerasClassifier):
        def __call__(self, hidden=2):
            return make_classifier(hidden)

    for clf in (
        KerasClassifier(Builder(), hidden=6, epochs=1, verbose=0),  # callable object
        KerasClassifier(Holder().build, hidden=6, epochs=1, verbose=0),  # bound method
        Subclassed(hidden=6, epochs=1, verbose=0),  # build_fn=None: the subclass's __call__
    ):
        clf.fit(X, Y3)
        assert clf.model.layers[0].units == 6
    with pytest.raises(TypeError, match="has no build_fn"):
        KerasClassifier(epochs=1).fit(X, Y3)
    with pytest.raises(TypeError, match="must return a compiled kviz model"):
        KerasClassifier(lambda: "not a model").fit(X, Y3)


# ------------------------------------------------------------------------ classifier
def test_classifier_classes_predict_predict_proba_and_score():
    labels = np.array(["ant", "bee", "cat"])[Y3]
    clf = KerasClassifier(make_classifier, epochs=2, batch_size=8, verbose=0)
    clf.fit(X, labels)
    assert clf.classes_.tolist() == ["ant", "bee", "cat"] and clf.n_classes_ == 3
    pred = clf.predict(X)
    assert pred.shape == (24,) and set(pred) <= {"ant", "bee", "cat"}
    proba = clf.predict_proba(X)
    assert proba.shape == (24, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    accuracy = clf.score(X, labels)
    assert accuracy == pytest.approx(np.mean(pred == labels))


def test_classifier_targets_one_hot_column_and_sparse():
    clf = KerasClassifier(make_classifier, epochs=1, verbose=0)
    clf.fit(X, np.eye(3)[Y3])  # one-hot targets: classes 0..2
    assert clf.classes_.tolist() == [0, 1, 2]
    assert 0.0 <= clf.score(X, np.eye(3)[Y3]) <= 1.0
    clf.fit(X, (Y3 + 10).reshape(-1, 1))  # a column of labels
    assert clf.classes_.tolist() == [10, 11, 12]
    assert set(clf.predict(X)) <= {10, 11, 12}
    sparse = KerasClassifier(make_classifier, loss="sparse_categorical_crossentropy", epochs=1)
    sparse.set_params(verbose=0).fit(X, Y3)  # integer targets are kept for the sparse loss
    assert sparse.score(X, Y3) == pytest.approx(np.mean(sparse.predict(X) == Y3))
    with pytest.raises(ValueError, match=r"Invalid shape for y: \(24, 3, 1\)"):
        clf.fit(X, np.zeros((24, 3, 1)))


def test_binary_classifier_with_one_sigmoid_unit():
    y = np.array([False, True] * 12)
    clf = KerasClassifier(
        make_classifier, n_classes=1, loss="binary_crossentropy", epochs=1, verbose=0
    )
    clf.fit(X, y)
    assert clf.classes_.tolist() == [False, True]
    proba = clf.predict_proba(X)
    assert proba.shape == (24, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    pred = clf.predict(X)
    assert pred.shape == (24,) and pred.dtype == bool
    np.testing.assert_array_equal(pred, proba[:, 1] > 0.5)


def test_sample_weight_and_predict_kwargs():
    clf = KerasClassifier(make_classifier, epochs=1, verbose=0, batch_size=4)
    weights = np.where(Y3 == 0, 2.0, 1.0)
    history = clf.fit(X, Y3, sample_weight=weights)
    assert len(history.history["loss"]) == 1
    assert clf.predict(X, batch_size=5).shape == (24,)  # predict's own arguments pass through


def test_score_needs_accuracy_and_predict_needs_fit():
    clf = KerasClassifier(make_classifier, metrics=(), epochs=1, verbose=0)
    with pytest.raises(AttributeError, match="call `fit` before"):
        clf.predict(X)
    clf.fit(X, Y3)
    with pytest.raises(ValueError, match="not configured to compute accuracy"):
        clf.score(X, Y3)


# ------------------------------------------------------------------------- regressor
def test_regressor_predict_and_score():
    reg = KerasRegressor(make_regressor, hidden=3, epochs=2, batch_size=8, verbose=0)
    reg.fit(X, Y_REG)
    pred = reg.predict(X)
    assert pred.shape == (24,)
    loss = reg.model.evaluate(X, Y_REG, verbose=0)
    assert reg.score(X, Y_REG) == pytest.approx(-loss)


# ----------------------------------------------------------------------- scikit-learn
def test_estimator_types():
    assert is_classifier(KerasClassifier(make_classifier))
    assert is_regressor(KerasRegressor(make_regressor))
    assert not is_classifier(KerasRegressor(make_regressor))


def test_grid_search_over_build_and_fit_params():
    clf = KerasClassifier(make_classifier, batch_size=8, verbose=0)
    search = GridSearchCV(
        clf, {"hidden": [2, 5], "epochs": [1, 2]}, cv=KFold(2), scoring="neg_log_loss"
    )
    search.fit(X, Y3)
    assert set(search.best_params_) == {"hidden", "epochs"}
    best = search.best_estimator_
    assert best.model.layers[0].units == best.get_params()["hidden"]
    assert len(search.cv_results_["params"]) == 4


def test_cross_val_score_and_pipeline():
    reg = KerasRegressor(make_regressor, epochs=1, batch_size=8, verbose=0)
    scores = cross_val_score(reg, X, Y_REG, cv=KFold(3))
    assert scores.shape == (3,) and np.all(scores <= 0)
    pipe = make_pipeline(StandardScaler(), KerasClassifier(make_classifier, epochs=1, verbose=0))
    pipe.fit(X, Y3)
    assert pipe.predict(X).shape == (24,)
    assert 0.0 <= pipe.score(X, Y3) <= 1.0


def test_import_does_not_load_sklearn():
    code = (
        "import sys, kviz.wrappers.scikit_learn, kviz; "
        "assert kviz.wrappers.scikit_learn.KerasClassifier; "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert kviz.wrappers.scikit_learn.KerasRegressor is KerasRegressor


def test_docstring_examples():
    import doctest

    import kviz.wrappers

    for module in (kviz.wrappers, kviz.wrappers.scikit_learn):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
