"""Adam (and AMSGrad), Keras 2.2.4 formulas.

Per update, with ``t = iterations + 1`` and ``lr = learning_rate / (1 + decay * iterations)``::

    lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m = beta_1 * m + (1 - beta_1) * g                  # slot 'm'
    v = beta_2 * v + (1 - beta_2) * g**2               # slot 'v'
    p = p - lr_t * m / (sqrt(v) + epsilon)             # epsilon outside the root ("eps hat")
    # amsgrad=True: vhat = max(vhat, v) (slot 'vhat') replaces v in the last line

``tf_keras.optimizers.legacy.Adam`` computes the same (``ResourceApplyAdam``). Keras 2.2.4 kept
``(1,)``-shaped ``vhat`` placeholders in its weights when ``amsgrad=False``; kviz (like
tf.keras) has no ``vhat`` then, and ``set_weights`` drops such placeholders.

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.zeros(1, 'float32'))
>>> _ = Adam(0.1).apply_gradients([(np.full(1, 5.0, 'float32'), w)])
>>> w.numpy().astype(float).round(5).tolist()  # the first Adam step is lr * sign(g)
[-0.1]
"""

from __future__ import annotations

import math

import numpy as np

from kviz import config as _config
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adam.

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 0.001.
        beta_1, beta_2: decay rates of the moment estimates. Defaults 0.9, 0.999.
        epsilon: ``None`` means ``K.epsilon()``. Default 1e-7.
        amsgrad: use the AMSGrad variant. Default False.
        name: default ``'Adam'``.
        **kwargs: ``lr``, ``decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        name="Adam",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = _config.epsilon() if epsilon is None else epsilon
        self.amsgrad = bool(amsgrad)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")
        if self.amsgrad:
            for var in var_list:
                self.add_slot(var, "vhat")

    def _prepare(self, var_list):
        t = float(self._iterations.data) + 1.0
        beta_1, beta_2 = self._get_hyper("beta_1"), self._get_hyper("beta_2")
        lr_t = self._decayed_lr() * (math.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t))
        return {"lr_t": lr_t, "beta_1": beta_1, "beta_2": beta_2}

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        _updates.adam(
            var.data,
            grad,
            slots["m"].data,
            slots["v"].data,
            coefficients["lr_t"],
            coefficients["beta_1"],
            coefficients["beta_2"],
            self.epsilon,
            vhat=slots["vhat"].data if self.amsgrad else None,
        )

    def _convert_legacy_weights(self, weights):
        # Keras 2.2.4 with amsgrad=False: [iterations, m.., v.., (1,)-shaped vhat placeholders]
        n = len(self._slot_owner)
        if (
            not self.amsgrad
            and n
            and len(weights) == len(self._weights) + n
            and all(np.shape(w) == (1,) for w in weights[-n:])
        ):
            weights = weights[:-n]
        return weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self._serialize_hyperparameter("beta_1"),
                "beta_2": self._serialize_hyperparameter("beta_2"),
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config
