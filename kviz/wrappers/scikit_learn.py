"""Keras 2's scikit-learn API: ``KerasClassifier`` and ``KerasRegressor``
(``keras.wrappers.scikit_learn``).

A wrapper turns a function that builds and compiles a model into a scikit-learn estimator, so
that ``GridSearchCV``, ``cross_val_score`` or a ``Pipeline`` can train and score it.

``build_fn`` is one of:

* a function (or bound method) returning a compiled model;
* an instance of a class with a ``__call__`` method returning a compiled model;
* ``None``: a subclass of ``KerasClassifier``/``KerasRegressor`` defines ``__call__``.

The keyword arguments of the wrapper (``sk_params``) are split by name: the arguments of
``build_fn`` build the model, those of ``fit``/``predict``/``evaluate`` are used by those
calls (``epochs``, ``batch_size``, ``verbose``...). Any other name raises a ValueError, both in
the constructor and in ``set_params``. Keyword arguments given to ``fit``/``predict``/``score``
override the ``sk_params``.

kviz does not need scikit-learn: this module imports it only when scikit-learn asks for the
estimator tags (``__sklearn_tags__``, scikit-learn >= 1.6). Two differences from Keras 2.2,
both for current scikit-learn: ``get_params`` returns the parameter objects themselves (not deep
copies: ``sklearn.base.clone`` checks identity), and ``KerasClassifier.predict`` of a model with
one sigmoid unit returns labels of shape ``(n,)`` (Keras 2.2 returned ``(n, 1)``).

>>> import numpy as np
>>> from kviz.layers import Dense
>>> from kviz.models import Sequential
>>> def make_model(units=4):
...     model = Sequential([Dense(units, activation='relu', input_shape=(3,)),
...                         Dense(2, activation='softmax')])
...     model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
...     return model
>>> clf = KerasClassifier(make_model, units=8, epochs=2, batch_size=4, verbose=0)
>>> sorted(clf.get_params())
['batch_size', 'build_fn', 'epochs', 'units', 'verbose']
>>> x, y = np.random.random((12, 3)), np.array(['cat', 'dog'] * 6)
>>> _ = clf.fit(x, y)
>>> clf.classes_.tolist(), clf.predict(x[:3]).shape, clf.predict_proba(x[:3]).shape
(['cat', 'dog'], (3,), (3, 2))
>>> 0.0 <= clf.score(x, y) <= 1.0
True
"""

from __future__ import annotations

import copy
import inspect
import types

import numpy as np

from kviz import losses as losses_mod
from kviz.models import Sequential
from kviz.utils.np_utils import to_categorical

_ARGUMENT_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def has_arg(fn, name, accept_all=False):
    """Whether ``fn`` takes an argument ``name`` (a ``**kwargs`` counts with ``accept_all``)."""
    parameters = inspect.signature(fn).parameters
    parameter = parameters.get(name)
    if parameter is None:
        return accept_all and any(
            p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values()
        )
    return parameter.kind in _ARGUMENT_KINDS


def _argument_names(fn):
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return []
    return [n for n, p in parameters.items() if p.kind in _ARGUMENT_KINDS and n != "self"]


class BaseWrapper:
    """The part common to ``KerasClassifier`` and ``KerasRegressor`` (see the module docs)."""

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    # ------------------------------------------------------------------------- params
    def _build_callable(self):
        """The function whose arguments build the model."""
        if self.build_fn is None:
            if not any("__call__" in vars(cls) for cls in type(self).__mro__):
                raise TypeError(
                    f"{type(self).__name__} has no build_fn: pass `build_fn` (a function "
                    "returning a compiled model), or subclass it and define `__call__`."
                )
            return self.__call__
        if isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn
        if not callable(self.build_fn):
            raise TypeError(
                "build_fn must be a function, a callable object or None; received "
                f"{self.build_fn!r} of type {type(self.build_fn).__name__}."
            )
        return self.build_fn.__call__

    def _legal_functions(self):
        return [
            Sequential.fit,
            Sequential.predict,
            Sequential.predict_classes,
            Sequential.evaluate,
            self._build_callable(),
        ]

    def check_params(self, params):
        """Raise a ValueError for a parameter that neither ``build_fn`` nor
        ``fit``/``predict``/``evaluate`` takes."""
        if not params:
            return
        functions = self._legal_functions()
        for name in params:
            if not any(has_arg(fn, name) for fn in functions):
                build_args = _argument_names(functions[-1])
                raise ValueError(
                    f"{name} is not a legal parameter: sk_params must be arguments of build_fn "
                    f"{build_args} or of fit, predict or evaluate (epochs, batch_size, "
                    "verbose, ...)."
                )

    def get_params(self, deep=True, **params):
        """The constructor's parameters: ``build_fn`` and the ``sk_params``."""
        res = dict(self.sk_params)
        res["build_fn"] = self.build_fn
        return res

    def set_params(self, **params):
        """Update the ``sk_params`` (checked as in the constructor); returns the wrapper."""
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The ``sk_params`` that ``fn`` takes, updated with ``override``."""
        res = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        res.update(override or {})
        return res

    # ---------------------------------------------------------------------------- fit
    def fit(self, x, y, **kwargs):
        """Build a new model with ``build_fn`` and train it; returns its ``History``."""
        build = self._build_callable()
        self.model = build(**self.filter_sk_params(build))
        if not hasattr(self.model, "fit") or not hasattr(self.model, "compile"):
            raise TypeError(
                "build_fn must return a compiled kviz model; it returned "
                f"{self.model!r} of type {type(self.model).__name__}."
            )
        y = np.asarray(y)
        if _is_categorical_crossentropy(self.model) and y.ndim != 2:
            y = to_categorical(y)
        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def _check_fitted(self):
        if getattr(self, "model", None) is None:
            raise AttributeError(
                f"This {type(self).__name__} has no model yet: call `fit` before predicting "
                "or scoring."
            )

    # -------------------------------------------------------------- scikit-learn tags
    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=True))


class KerasClassifier(BaseWrapper):
    """scikit-learn classifier around a Keras model (``keras.wrappers.scikit_learn``).

    ``fit`` accepts class labels of any sortable type, shape ``(n,)`` or ``(n, 1)``
    (``classes_`` keeps them; the model is trained on their indices, one-hot encoded for
    ``categorical_crossentropy``) or one-hot targets (``classes_`` is then ``0..n-1``).
    """

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Set ``classes_``/``n_classes_`` from ``y``, then build and train a new model."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y.reshape(-1))
        else:
            raise ValueError(
                "Invalid shape for y: " + str(y.shape) + ". Expected class labels of shape "
                "(n,) or (n, 1), or one-hot targets of shape (n, n_classes)."
            )
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Class labels (from ``classes_``) of the samples in ``x``."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.predict_classes, kwargs)
        proba = np.asarray(self.model.predict(x, **kwargs))
        if proba.shape[-1] > 1:
            indices = proba.argmax(axis=-1)
        else:
            indices = (proba[..., 0] > 0.5).astype("int32")
        return self.classes_[indices]

    def predict_proba(self, x, **kwargs):
        """Class probabilities, shape ``(n, n_classes)`` (two columns for one sigmoid unit)."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.predict_proba, kwargs)
        probs = np.asarray(self.model.predict(x, **kwargs))
        if probs.ndim == 2 and probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on ``(x, y)``; it must be compiled with ``metrics=['accuracy']``."""
        self._check_fitted()
        y = np.asarray(y)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            y = np.searchsorted(self.classes_, y.reshape(-1))
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        if _is_categorical_crossentropy(self.model) and y.ndim != 2:
            y = to_categorical(y, num_classes=len(self.classes_))
        outputs = self.model.evaluate(x, y, **kwargs)
        if not isinstance(outputs, list):
            outputs = [outputs]
        for name, output in zip(self.model.metrics_names, outputs, strict=False):
            if name in ("accuracy", "acc"):
                return output
        raise ValueError(
            "The model is not configured to compute accuracy. You should pass "
            '`metrics=["accuracy"]` to the `model.compile()` method.'
        )

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        return tags


class KerasRegressor(BaseWrapper):
    """scikit-learn regressor around a Keras model (``keras.wrappers.scikit_learn``)."""

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        """Predictions; a last axis of size 1 is dropped (shape ``(n,)``)."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        preds = np.asarray(self.model.predict(x, **kwargs))
        if preds.shape[-1] == 1:
            return np.squeeze(preds, axis=-1)
        return preds

    def score(self, x, y, **kwargs):
        """Minus the model's loss on ``(x, y)`` (scikit-learn maximises scores)."""
        self._check_fitted()
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -loss[0]
        return -loss

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        return tags


def _is_categorical_crossentropy(model):
    """Whether the model's loss is ``categorical_crossentropy`` (name, function or object)."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, losses_mod.CategoricalCrossentropy):
        return True
    name = getattr(loss, "__name__", loss)
    return name == "categorical_crossentropy"


__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor", "has_arg"]
