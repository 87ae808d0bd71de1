"""Optimizers (``keras.optimizers``): Keras 2.2 update formulas and defaults, tf.keras names.

kviz follows standalone Keras 2.2 / the tf.keras *legacy* optimizers, because classic tutorials
pass ``lr=`` and ``decay=`` (tf.keras's new optimizers ignore ``lr`` and reject ``decay``).
:mod:`kviz.optimizers.optimizer` describes the shared behaviour (learning-rate Variable, decay,
clipping, constraints, state layout, configs); each optimizer's module gives its formula and
where it differs from tf.keras.

================  =======================================================================
``SGD``           ``learning_rate=0.01, momentum=0.0, nesterov=False``
``RMSprop``       ``learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False``
``Adagrad``       ``learning_rate=0.01, initial_accumulator_value=0.0, epsilon=1e-7``
``Adadelta``      ``learning_rate=1.0, rho=0.95, epsilon=1e-7``
``Adam``          ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False``
``Adamax``        ``learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7``
``Nadam``         ``learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                  schedule_decay=0.004``
================  =======================================================================

All take ``lr`` (alias of ``learning_rate``), ``decay``, ``clipnorm``, ``clipvalue``,
``global_clipnorm`` and ``name``. ``get('adam')`` builds one with these defaults.

The lowercase Keras 2.2 aliases (``optimizers.adam(lr=0.01)``, ``from keras.optimizers import
sgd``) are the classes. They shadow the submodules of the same names as attributes of this
package; import a submodule explicitly (``from kviz.optimizers.adam import Adam``) if you need it.

>>> from kviz import optimizers
>>> opt = optimizers.get('adam')
>>> type(opt).__name__, float(opt.lr.numpy())
('Adam', 0.0010000000474974513)
>>> optimizers.serialize(optimizers.SGD(lr=0.1, momentum=0.9))['config']['momentum']
0.9
"""

from __future__ import annotations

from kviz import registry as _registry
from kviz.optimizers import schedules
from kviz.optimizers.adadelta import Adadelta
from kviz.optimizers.adagrad import Adagrad
from kviz.optimizers.adam import Adam
from kviz.optimizers.adamax import Adamax
from kviz.optimizers.nadam import Nadam
from kviz.optimizers.optimizer import Optimizer
from kviz.optimizers.rmsprop import RMSProp, RMSprop
from kviz.optimizers.schedules import LearningRateSchedule
from kviz.optimizers.sgd import SGD

# Keras 2.2 aliases (see the module docstring).
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam

_BUILTINS = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamax": Adamax,
    "nadam": Nadam,
}

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "LearningRateSchedule",
    "Nadam",
    "Optimizer",
    "RMSProp",
    "RMSprop",
    "SGD",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]


def serialize(optimizer):
    """``{'class_name': 'Adam', 'config': {...}}``."""
    return _registry.serialize_keras_object(optimizer)


def _unknown(name):
    return ValueError(
        f"Unknown optimizer: '{name}'. Valid names are {sorted(_BUILTINS)} (or the class "
        "names SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam). A custom optimizer must "
        "be passed in `custom_objects` or made known with `kviz.utils.custom_object_scope`."
    )


def deserialize(config, custom_objects=None):
    """An optimizer from ``{'class_name': ..., 'config': ...}`` (Keras 2.2, tf.keras or kviz
    configs; class names are case-insensitive for the built-in optimizers, as in Keras 2.2)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Improper config format for an optimizer: expected a dict with 'class_name' and "
            f"'config'; received {config!r}"
        )
    name = config["class_name"]
    cls = None
    if custom_objects and name in custom_objects:
        cls = custom_objects[name]
    if cls is None:
        cls = _BUILTINS.get(str(name).lower())
    if cls is None:
        cls = _registry.lookup(name, {}, custom_objects)
    if cls is None:
        raise _unknown(name)
    inner = dict(config.get("config") or {})
    if not hasattr(cls, "from_config"):
        return cls(**inner)
    try:
        return cls.from_config(inner, custom_objects=custom_objects)
    except TypeError as err:
        if "custom_objects" not in str(err):
            raise
        return cls.from_config(inner)


def get(identifier):
    """An optimizer from a name (``'adam'``), a config dict, or an Optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
