"""Adagrad, Keras 2.2.4 formulas and defaults (``lr=0.01``, accumulators start at 0).

Per update, with ``lr_t = lr / (1 + decay * iterations)``::

    a = a + g**2                                  # slot 'accumulator'
    p = p - lr_t * g / (sqrt(a) + epsilon)

The same formula as ``tf_keras.optimizers.legacy.Adagrad`` (``ResourceApplyAdagradV2``), whose
defaults differ: ``learning_rate=0.001`` and ``initial_accumulator_value=0.1``. A config without
``initial_accumulator_value`` (Keras 2.2) means 0 here.

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.ones(1, 'float32'))
>>> _ = Adagrad().apply_gradients([(np.full(1, 2.0, 'float32'), w)])
>>> w.numpy().astype(float).round(6).tolist()
[0.99]
"""

from __future__ import annotations

from kviz import config as _config
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad.

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 0.01 (Keras 2.2).
        initial_accumulator_value: starting value of the accumulators, >= 0. Default 0.0.
        epsilon: ``None`` means ``K.epsilon()``. Default 1e-7.
        name: default ``'Adagrad'``.
        **kwargs: ``lr``, ``decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``.
    """

    _K22_WEIGHTS_WITHOUT_ITERATIONS = True

    def __init__(
        self,
        learning_rate=0.01,
        initial_accumulator_value=0.0,
        epsilon=1e-7,
        name="Adagrad",
        **kwargs,
    ):
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"initial_accumulator_value must be non-negative: {initial_accumulator_value}"
            )
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = _config.epsilon() if epsilon is None else epsilon

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accumulator", self.initial_accumulator_value)

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        _updates.adagrad(
            var.data, grad, slots["accumulator"].data, coefficients["lr_t"], self.epsilon
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon,
            }
        )
        return config
