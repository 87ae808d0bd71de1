"""Adadelta, Keras 2.2.4 formulas and defaults (``lr=1.0``, ``rho=0.95``).

Per update, with ``lr_t = lr / (1 + decay * iterations)``::

    a = rho * a + (1 - rho) * g**2                               # slot 'accum_grad'
    update = g * sqrt(d + epsilon) / sqrt(a + epsilon)           # d: the *old* slot 'accum_var'
    p = p - lr_t * update
    d = rho * d + (1 - rho) * update**2

The same as ``tf_keras.optimizers.legacy.Adadelta`` (``ResourceApplyAdadelta``), whose default
learning rate is 0.001.

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.ones(1, 'float32'))
>>> _ = Adadelta().apply_gradients([(np.ones(1, 'float32'), w)])
>>> float(w.numpy()[0]) < 1.0
True
"""

from __future__ import annotations

from kviz import config as _config
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta.

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 1.0 (Keras 2.2).
        rho: decay factor of the running averages. Default 0.95.
        epsilon: ``None`` means ``K.epsilon()``. Default 1e-7.
        name: default ``'Adadelta'``.
        **kwargs: ``lr``, ``decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``.
    """

    _K22_WEIGHTS_WITHOUT_ITERATIONS = True

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=1e-7, name="Adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self._set_hyper("rho", rho)
        self.epsilon = _config.epsilon() if epsilon is None else epsilon

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accum_grad")
        for var in var_list:
            self.add_slot(var, "accum_var")

    def _prepare(self, var_list):
        return {"lr_t": self._decayed_lr(), "rho": self._get_hyper("rho")}

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        _updates.adadelta(
            var.data,
            grad,
            slots["accum_grad"].data,
            slots["accum_var"].data,
            coefficients["lr_t"],
            coefficients["rho"],
            self.epsilon,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self._serialize_hyperparameter("rho"), "epsilon": self.epsilon})
        return config
