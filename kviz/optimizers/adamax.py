"""Adamax (Adam with the infinity norm), Keras 2.2.4 formulas and default ``lr=0.002``.

Per update, with ``t = iterations + 1`` and ``lr = learning_rate / (1 + decay * iterations)``::

    lr_t = lr / (1 - beta_1**t)
    m = beta_1 * m + (1 - beta_1) * g                  # slot 'm'
    u = max(beta_2 * u, |g|)                           # slot 'v' (tf.keras's name)
    p = p - lr_t * m / (u + epsilon)

The same as ``tf_keras.optimizers.legacy.Adamax`` (``ResourceApplyAdaMax``), whose default
learning rate is 0.001.

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.zeros(1, 'float32'))
>>> _ = Adamax().apply_gradients([(np.full(1, 3.0, 'float32'), w)])
>>> w.numpy().astype(float).round(6).tolist()
[-0.002]
"""

from __future__ import annotations

from kviz import config as _config
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax.

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 0.002 (Keras 2.2).
        beta_1, beta_2: decay rates. Defaults 0.9, 0.999.
        epsilon: ``None`` means ``K.epsilon()``. Default 1e-7.
        name: default ``'Adamax'``.
        **kwargs: ``lr``, ``decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``.
    """

    def __init__(
        self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="Adamax", **kwargs
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = _config.epsilon() if epsilon is None else epsilon

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")

    def _prepare(self, var_list):
        t = float(self._iterations.data) + 1.0
        beta_1 = self._get_hyper("beta_1")
        return {
            "lr_t": self._decayed_lr() / (1.0 - beta_1**t),
            "beta_1": beta_1,
            "beta_2": self._get_hyper("beta_2"),
        }

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        _updates.adamax(
            var.data,
            grad,
            slots["m"].data,
            slots["v"].data,
            coefficients["lr_t"],
            coefficients["beta_1"],
            coefficients["beta_2"],
            self.epsilon,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self._serialize_hyperparameter("beta_1"),
                "beta_2": self._serialize_hyperparameter("beta_2"),
                "epsilon": self.epsilon,
            }
        )
        return config
