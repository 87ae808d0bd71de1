"""The ``Optimizer`` base class: Keras 2.2 semantics with tf.keras (legacy optimizer) names.

kviz follows **standalone Keras 2.2** (``keras/optimizers.py`` of Keras 2.2.4) for what an
update computes, because the classic tutorials rely on it (``lr=``, ``decay=``), and the
**tf.keras legacy optimizers** (``tf_keras.optimizers.legacy``) for names, slots and the layout
of the state, so that configs and weight lists look like current Keras 2.

What every optimizer does
-------------------------
* ``learning_rate`` (alias ``lr``, which wins if both are given, as in tf.keras) is a scalar
  float32 :class:`~kviz.autodiff.Variable`: ``K.get_value(opt.lr)`` reads it,
  ``K.set_value(opt.lr, 0.01)``, ``opt.lr = 0.01`` and ``opt.learning_rate = 0.01`` write it
  (the Variable stays the same object). It may also be a
  :class:`~kviz.optimizers.schedules.LearningRateSchedule` (called with ``iterations``) or a
  callable without arguments. The other float hyper-parameters (``decay``, ``momentum``,
  ``rho``, ``beta_1``, ``beta_2``) are float32 Variables too, as in Keras 2.2; ``epsilon``,
  ``nesterov``, ``amsgrad`` and ``centered`` are plain Python values.
* ``decay=d``: the learning rate of an update is ``lr / (1 + d * iterations)``, with
  ``iterations`` counted *before* that update (the first update uses ``lr``). kviz reads the
  current value of ``opt.decay`` at every update; Keras applies decay only when the value given
  to the constructor was > 0, so ``K.set_value(opt.decay, x)`` on an optimizer made without
  decay is silently ignored there and honoured here.
* Gradient clipping, in Keras 2.2's order: ``clipnorm`` first, then ``clipvalue``.
  **``clipnorm`` clips by the global norm** of all the gradients of the update, as Keras 2.2
  did (``g * clipnorm / norm`` when ``norm >= clipnorm``); tf.keras (2.x) clips each gradient by
  its own norm and applies ``clipvalue`` before ``clipnorm``. ``global_clipnorm`` (tf.keras's
  name for the global form) is accepted and does the same as kviz's ``clipnorm``; giving both
  raises ``ValueError``. A value of 0 disables clipping (Keras 2.2).
* ``apply_gradients(grads_and_vars)`` skips pairs whose gradient is ``None`` (a ``ValueError``
  if every gradient is ``None``), creates the missing slots, updates each ``Variable.data`` **in
  place** (the array object stays the same), applies ``var.constraint`` to the new value (as
  Keras does) and adds 1 to ``iterations`` once per call.
* State layout (``weights``, ``get_weights``, ``set_weights``): ``iterations`` (int64) first,
  then any non-slot weight (Nadam's ``momentum_cache``), then the slots grouped by slot name,
  one per variable in the order the variables were first seen, e.g. Adam
  ``[iterations, m_1..m_n, v_1..v_n(, vhat_1..vhat_n)]``. This is the order of tf.keras's legacy
  optimizers (and of Keras 2.2's ``self.weights`` for Adam, Adamax, Nadam and SGD with
  momentum). ``set_weights`` also accepts the Keras 2.2.4 lists that differ (no ``iterations``
  for RMSprop/Adagrad/Adadelta, Adam's ``(1,)``-shaped ``vhat`` placeholders, SGD's unused
  moments, Nadam without ``momentum_cache``). Slots exist only after the first update or
  :meth:`Optimizer.build`; ``set_weights`` before that raises a ``ValueError`` that says so.
* ``get_config()`` has tf.keras legacy keys (``name``, ``learning_rate``, ``decay`` and the
  optimizer's own; ``clipnorm``/``clipvalue``/``global_clipnorm`` only when set), with Python
  floats: a float32 hyper-parameter is written as the shortest decimal that reads back as the
  same float32 (``0.001``, not ``0.0010000000474974513``). ``from_config`` also reads Keras 2.2
  configs (``lr``) and tf-keras configs (``is_legacy_optimizer`` and the default-valued
  ``weight_decay``/``use_ema``/``jit_compile`` entries of the new optimizers are dropped).

Subclassing (the tf.keras legacy hooks): override ``_create_slots(var_list)`` (call
``self.add_slot(var, name, initializer)``), ``_prepare(var_list)`` (a dict of coefficients
computed once per update, before ``iterations`` is incremented) and
``_resource_apply_dense(grad, var, coefficients)``, which must update ``var.data`` in place
(``grad`` is a C-contiguous array of the variable's dtype, already clipped).

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> from kviz.optimizers import SGD
>>> w = Variable(np.array([1.0, 2.0], 'float32'))
>>> opt = SGD(lr=0.1)
>>> _ = opt.apply_gradients([(np.array([1.0, -1.0], 'float32'), w)])
>>> w.numpy().tolist(), int(opt.iterations.numpy())
([0.8999999761581421, 2.0999999046325684], 1)
"""

from __future__ import annotations

import math

import numpy as np

from kviz.autodiff.tensor import GradientTape, Tensor, Variable
from kviz.kernels.device import full as device_full
from kviz.kernels.device import is_device, to_device
from kviz.optimizers import schedules as _schedules

_ALLOWED_KWARGS = ("lr", "decay", "clipnorm", "clipvalue", "global_clipnorm")

# Entries of tf-keras / Keras 3 optimizer configs that kviz drops in from_config when they hold
# one of the listed (default) values; None means "any value".
_IGNORED_CONFIG_ENTRIES = {
    "is_legacy_optimizer": None,
    "jit_compile": None,
    "weight_decay": (None, 0, 0.0),
    "use_ema": (False,),
    "ema_momentum": None,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None,),
}


def _clean_float(value) -> float:
    """A Python float; a float32 value becomes the shortest decimal with the same float32."""
    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.dtype == np.float32:
        return float(str(arr.astype(np.float32).reshape(())[()]))
    return float(arr)


def _is_schedule_like(value) -> bool:
    return isinstance(value, _schedules.LearningRateSchedule) or (
        callable(value) and not isinstance(value, Tensor)
    )


class Optimizer:
    """Base class of the kviz optimizers (see the module docstring for the semantics)."""

    # False for optimizers that do not decay the learning rate (Nadam, as in Keras 2.2).
    _SUPPORTS_DECAY = True
    # True where Keras 2.2.4's weight list had no ``iterations`` (set_weights adds it back).
    _K22_WEIGHTS_WITHOUT_ITERATIONS = False

    def __init__(self, learning_rate=0.001, name=None, **kwargs):
        object.__setattr__(self, "_hyper", {})
        unknown = [k for k in kwargs if k not in _ALLOWED_KWARGS]
        if unknown:
            names = ", ".join(repr(k) for k in unknown)
            raise TypeError(
                f"Unexpected keyword argument(s) passed to optimizer {type(self).__name__}: "
                f"{names}. Allowed kwargs are {list(_ALLOWED_KWARGS)}."
            )
        for k, v in kwargs.items():
            if k != "lr" and v is not None and not _is_schedule_like(v) and v < 0:
                raise ValueError(f"Expected {k} >= 0, received: {v}")
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        self._name = name or type(self).__name__
        self._slots: dict[int, dict[str, Variable]] = {}
        self._slot_owner: dict[int, Variable] = {}
        self._slot_names: list[str] = []
        self._iterations = Variable(
            np.array(0, np.int64), name=f"{self._name}/iter:0", dtype="int64", trainable=False
        )
        self._weights: list[Variable] = [self._iterations]
        self._set_hyper("learning_rate", learning_rate)
        decay = kwargs.pop("decay", 0.0)
        if self._SUPPORTS_DECAY:
            self.initial_decay = float(decay)
            self._set_hyper("decay", decay)
        elif decay:
            raise TypeError(f"{type(self).__name__} does not take `decay`")
        clipnorm = kwargs.pop("clipnorm", None)
        global_clipnorm = kwargs.pop("global_clipnorm", None)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(
                "Cannot accept both `clipnorm` and `global_clipnorm`. Received: "
                f"`clipnorm`={clipnorm}, `global_clipnorm`={global_clipnorm}."
            )
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = kwargs.pop("clipvalue", None)

    # --------------------------------------------------------------- hyper-parameters
    def _set_hyper(self, name, value):
        hyper = self._hyper
        current = hyper.get(name)
        if _is_schedule_like(value):
            hyper[name] = value
            return
        if isinstance(value, Variable) and not isinstance(current, Variable):
            if value.data.ndim != 0:
                raise ValueError(f"`{name}` must be a scalar; received shape {value.shape}")
            hyper[name] = value  # share the caller's Variable, as tf.keras does
            return
        number = float(np.asarray(value.data if isinstance(value, Tensor) else value))
        if isinstance(current, Variable):
            current.assign(np.asarray(number, dtype=current.dtype))
        else:
            hyper[name] = Variable(
                np.float32(number), name=f"{self._name}/{name}:0", dtype="float32", trainable=False
            )

    def _get_hyper(self, name) -> float:
        """The current value of a hyper-parameter as a Python float."""
        value = self._hyper[name]
        if isinstance(value, Variable):
            return float(value.data)
        if isinstance(value, _schedules.LearningRateSchedule):
            return float(np.asarray(value(int(self._iterations.data))))
        if callable(value):
            value = value()
        return float(np.asarray(value.data if isinstance(value, Tensor) else value))

    def _serialize_hyperparameter(self, name):
        value = self._hyper[name]
        if isinstance(value, _schedules.LearningRateSchedule):
            return _schedules.serialize(value)
        if callable(value) and not isinstance(value, Tensor):
            value = value()
        return _clean_float(value)

    def __getattr__(self, name):
        # only reached when normal lookup fails: hyper-parameters (opt.momentum, opt.decay...)
        hyper = self.__dict__.get("_hyper")
        if hyper is not None and name in hyper:
            return hyper[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        hyper = self.__dict__.get("_hyper")
        if hyper is not None and name in hyper and name != "learning_rate":
            self._set_hyper(name, value)
        else:
            object.__setattr__(self, name, value)

    @property
    def learning_rate(self):
        """The learning-rate Variable (or schedule). Assigning a number sets its value."""
        return self._hyper["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_hyper("learning_rate", value)

    lr = learning_rate

    @property
    def iterations(self):
        """The int64 Variable counting the updates applied so far."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(np.asarray(int(np.asarray(getattr(value, "data", value)))))

    @property
    def name(self):
        return self._name

    def _decayed_lr(self) -> float:
        """The learning rate for the coming update: schedule at ``iterations``, then decay."""
        lr_t = self._get_hyper("learning_rate")
        if self._SUPPORTS_DECAY:
            decay = self._get_hyper("decay")
            if decay > 0:
                lr_t = lr_t / (1.0 + decay * float(self._iterations.data))
        return lr_t

    # ------------------------------------------------------------------------ slots
    def add_slot(self, var, slot_name, initializer="zeros"):
        """Create (once) the state ``slot_name`` of ``var``; returns the slot Variable."""
        key = id(var)
        slots = self._slots.setdefault(key, {})
        self._slot_owner[key] = var
        if slot_name in slots:
            return slots[slot_name]
        if slot_name not in self._slot_names:
            self._slot_names.append(slot_name)
        shape, dtype = var.data.shape, var.data.dtype
        if isinstance(initializer, str):
            if initializer not in ("zeros", "ones"):
                raise ValueError(f"Unknown slot initializer {initializer!r}")
            if is_device(var.data):  # made on the GPU, where its variable lives
                value = device_full(shape, 0 if initializer == "zeros" else 1, dtype)
            else:
                value = (np.zeros if initializer == "zeros" else np.ones)(shape, dtype)
        elif callable(initializer):
            value = np.asarray(initializer(shape, dtype), dtype=dtype)
        else:
            value = np.full(shape, initializer, dtype=dtype)
        if is_device(var.data):  # the slot lives where its variable does
            value = to_device(value)
        base = var.name.split(":")[0]
        slot = Variable(
            value, name=f"{self._name}/{base}/{slot_name}:0", dtype=dtype, trainable=False
        )
        slots[slot_name] = slot
        self._weights.append(slot)
        return slot

    def add_weight(self, name, shape=(), dtype="float32", initializer="zeros"):
        """A non-slot state Variable (e.g. Nadam's ``momentum_cache``), kept in ``weights``."""
        if initializer == "zeros":
            value = np.zeros(shape, dtype)
        elif initializer == "ones":
            value = np.ones(shape, dtype)
        else:
            value = np.full(shape, initializer, dtype)
        weight = Variable(value, name=f"{self._name}/{name}:0", dtype=dtype, trainable=False)
        self._weights.append(weight)
        return weight

    def get_slot(self, var, slot_name):
        slots = self._slots.get(id(var), {})
        if slot_name not in slots:
            raise KeyError(
                f"Variable '{getattr(var, 'name', var)}' has no slot '{slot_name}' in optimizer "
                f"{self._name}; its slots are {sorted(slots)}"
            )
        return slots[slot_name]

    def get_slot_names(self):
        """The names of the slots created so far, in creation order."""
        return list(self._slot_names)

    def _create_slots(self, var_list):
        """Subclasses: ``self.add_slot(var, name)`` for every variable and slot."""

    def _create_all_weights(self, var_list):
        new, seen = [], set()
        for v in var_list:
            key = id(v)
            if key not in self._slots and key not in seen:
                seen.add(key)
                new.append(v)
        if new:
            for v in new:
                self._slots[id(v)] = {}
                self._slot_owner[id(v)] = v
            self._create_slots(new)

    def build(self, var_list):
        """Create the slots of ``var_list`` now (e.g. before ``set_weights``)."""
        self._create_all_weights(list(var_list))

    # ---------------------------------------------------------------------- updates
    def _prepare(self, var_list) -> dict:
        """Coefficients shared by all the variables of one update."""
        return {"lr_t": self._decayed_lr()}

    def _resource_apply_dense(self, grad, var, coefficients):
        raise NotImplementedError(f"{type(self).__name__} must implement _resource_apply_dense")

    @staticmethod
    def _as_gradient(grad, var):
        g = grad.data if isinstance(grad, Tensor) else grad
        p = var.data
        if (type(p) is not np.ndarray or type(g) is not np.ndarray) and (
            is_device(p) or is_device(g)
        ):  # on the GPU (kviz.kernels.device): stays there
            g = to_device(g)
            if g.shape != p.shape:
                raise ValueError(
                    f"The gradient for variable '{var.name}' has shape {g.shape}, but the "
                    f"variable has shape {p.shape}."
                )
            return g if g.dtype == p.dtype else g.astype(p.dtype)
        g = np.asarray(g)
        if g.shape != p.shape:
            raise ValueError(
                f"The gradient for variable '{var.name}' has shape {g.shape}, but the variable "
                f"has shape {p.shape}."
            )
        if g.dtype != p.dtype or not g.flags.c_contiguous:
            g = np.ascontiguousarray(g, dtype=p.dtype)
        return g

    def _clip_gradients(self, grads):
        clipnorm = self.clipnorm if self.clipnorm is not None else self.global_clipnorm
        if clipnorm is not None and clipnorm > 0 and grads:
            norm = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
            if norm >= clipnorm:
                grads = [g * g.dtype.type(clipnorm / norm) for g in grads]
        if self.clipvalue is not None and self.clipvalue > 0:
            c = self.clipvalue
            grads = [np.clip(g, -c, c) for g in grads]
        return grads

    @staticmethod
    def _apply_constraint(var):
        new = var.constraint(var.data)
        new = new.data if isinstance(new, Tensor) else new
        new = new if is_device(new) else np.asarray(new)
        if new.shape != var.data.shape:
            raise ValueError(
                f"The constraint of variable '{var.name}' returned shape {new.shape}; expected "
                f"{var.data.shape}"
            )
        if is_device(var.data):
            var.data.copy_from(new)
            return
        np.copyto(var.data, new, casting="unsafe")

    def apply_gradients(self, grads_and_vars, name=None, experimental_aggregate_gradients=True):
        """Apply one update to each Variable that has a gradient; returns ``iterations``."""
        pairs = []
        seen_any = False
        for pair in grads_and_vars:
            grad, var = pair
            seen_any = True
            if not isinstance(var, Variable):
                raise TypeError(
                    "apply_gradients expects (gradient, Variable) pairs; received a "
                    f"{type(var).__name__} as variable"
                )
            if grad is not None:
                pairs.append((grad, var))
        if seen_any and not pairs:
            raise ValueError(
                "No gradients provided for any variable. Every gradient in `grads_and_vars` is "
                "None: check that the loss depends on the variables."
            )
        var_list = [v for _, v in pairs]
        for v in var_list:
            if v.data.dtype.kind != "f":
                raise TypeError(
                    f"Cannot train variable '{v.name}' of dtype {v.data.dtype}: optimizers "
                    "update floating-point variables only"
                )
            if not v.data.flags.writeable:
                v.data = np.array(v.data)
        grads = self._clip_gradients([self._as_gradient(g, v) for g, v in pairs])
        self._create_all_weights(var_list)
        coefficients = self._prepare(var_list)
        for g, v in zip(grads, var_list, strict=True):
            self._resource_apply_dense(g, v, coefficients)
            if v.constraint is not None:
                self._apply_constraint(v)
        it = self._iterations.data
        if it.flags.writeable:
            it += 1
        else:
            self._iterations.data = it + 1
        return self._iterations

    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """Compute the gradients of ``loss`` (a callable, or a Tensor with ``tape``) and apply
        them to ``var_list`` (a list, or a callable returning one)."""
        if callable(var_list) and not isinstance(var_list, (list, tuple)):
            var_list = var_list()
        var_list = list(var_list)
        if tape is None:
            if not callable(loss):
                raise ValueError(
                    "`tape` is required when a `Tensor` loss is passed. Received: "
                    f"loss={loss!r}, tape=None."
                )
            with GradientTape() as tape:
                loss_value = loss()
        elif callable(loss):
            with tape:
                loss_value = loss()
        else:
            loss_value = loss
        grads = tape.gradient(loss_value, var_list, output_gradients=grad_loss)
        return self.apply_gradients(zip(grads, var_list, strict=True))

    # ------------------------------------------------------------------------ state
    @property
    def weights(self):
        """The state Variables: iterations, non-slot weights, then the slots (see module doc)."""
        return list(self._weights)

    def variables(self):
        return list(self._weights)

    def get_weights(self):
        """The state as a list of NumPy arrays (copies), in :attr:`weights` order."""
        return [np.array(w.data) for w in self._weights]

    def _convert_legacy_weights(self, weights):
        """Turn a Keras 2.2.4 weight list into kviz's layout where they differ."""
        if self._K22_WEIGHTS_WITHOUT_ITERATIONS and len(weights) == len(self._weights) - 1:
            weights = [np.array(0, np.int64), *weights]
        return weights

    def set_weights(self, weights):
        """Set the state from a list of arrays in :meth:`get_weights` order."""
        weights = self._convert_legacy_weights(list(weights))
        params = self._weights
        if len(params) != len(weights):
            hint = ""
            if not self._slot_owner:
                hint = (
                    " The optimizer has not created its slots yet: call "
                    "`optimizer.build(var_list)` (or apply one update) first."
                )
            raise ValueError(
                f"You called `set_weights(weights)` on optimizer {self._name} with a weight list "
                f"of length {len(weights)}, but the optimizer was expecting {len(params)} "
                f"weights.{hint}"
            )
        arrays = []
        for p, w in zip(params, weights, strict=True):
            w = np.asarray(w.data if isinstance(w, Tensor) else w)
            if p.data.shape != w.shape:
                raise ValueError(
                    f"Optimizer weight shape {p.data.shape} of '{p.name}' not compatible with "
                    f"provided weight shape {w.shape}"
                )
            arrays.append(w)
        for p, w in zip(params, arrays, strict=True):
            p.assign(np.asarray(w, dtype=p.dtype))

    # ----------------------------------------------------------------------- config
    def get_config(self):
        config = {
            "name": self._name,
            "learning_rate": self._serialize_hyperparameter("learning_rate"),
        }
        if self._SUPPORTS_DECAY:
            config["decay"] = self._serialize_hyperparameter("decay")
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        if self.global_clipnorm is not None:
            config["global_clipnorm"] = self.global_clipnorm
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "lr" in config:
            config["learning_rate"] = config.pop("lr")
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = _schedules.deserialize(lr, custom_objects=custom_objects)
        for key, defaults in _IGNORED_CONFIG_ENTRIES.items():
            if key in config and (defaults is None or config[key] in defaults):
                config.pop(key)
        return cls(**config)

    def __setstate__(self, state):
        # pickle / copy.deepcopy: the slot tables are keyed by id(variable); re-key them for the
        # (new) variable objects.
        state = dict(state)
        owners, slots = state.get("_slot_owner", {}), state.get("_slots", {})
        state["_slot_owner"] = {id(v): v for v in owners.values()}
        state["_slots"] = {id(owners[k]): s for k, s in slots.items()}
        self.__dict__.update(state)

    def __repr__(self):
        lr = self._hyper.get("learning_rate")
        lr = _clean_float(lr) if isinstance(lr, Variable) else lr
        return f"<kviz.optimizers.{type(self).__name__} name={self._name!r} learning_rate={lr}>"
