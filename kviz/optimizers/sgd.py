"""SGD with optional (Nesterov) momentum, Keras 2.2.4 formulas.

Per update, with ``lr_t = lr / (1 + decay * iterations)``::

    v = momentum * v - lr_t * g             # velocity (slot 'momentum')
    p = p + v                               # momentum
    p = p + momentum * v - lr_t * g         # nesterov=True
    p = p - lr_t * g                        # momentum == 0 (no slot)

The same as ``tf_keras.optimizers.legacy.SGD``. Like tf.keras, the ``momentum`` slot exists only
when ``momentum > 0`` at the first update (Keras 2.2 always kept zeros; ``set_weights`` accepts
that list and drops the unused moments).

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.zeros(2, 'float32'))
>>> opt = SGD(0.1, momentum=0.9)
>>> for _ in range(2):
...     _ = opt.apply_gradients([(np.ones(2, 'float32'), w)])
>>> w.numpy().astype(float).round(4).tolist()
[-0.29, -0.29]
"""

from __future__ import annotations

from kviz.autodiff.tensor import Tensor
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent (with momentum).

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 0.01.
        momentum: float in [0, 1]. Default 0.
        nesterov: bool, Nesterov momentum. Default False.
        name: default ``'SGD'``.
        **kwargs: ``lr``, ``decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(momentum, (int, float)) and not 0 <= momentum <= 1:
            raise ValueError(
                f"`momentum` must be between [0, 1]. Received: momentum={momentum} (of type "
                f"{type(momentum)})."
            )
        self._momentum = isinstance(momentum, Tensor) or callable(momentum) or momentum > 0
        self._set_hyper("momentum", momentum)
        self.nesterov = bool(nesterov)

    def _create_slots(self, var_list):
        if self._momentum:
            for var in var_list:
                self.add_slot(var, "momentum")

    def _prepare(self, var_list):
        return {"lr_t": self._decayed_lr(), "momentum": self._get_hyper("momentum")}

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        if self._momentum:
            _updates.momentum(
                var.data,
                grad,
                slots["momentum"].data,
                coefficients["lr_t"],
                coefficients["momentum"],
                self.nesterov,
            )
        else:
            _updates.sgd(var.data, grad, coefficients["lr_t"])

    def _convert_legacy_weights(self, weights):
        # Keras 2.2.4 kept (unused) moments when momentum == 0: [iterations, m_1..m_n].
        n = len(self._slot_owner)
        if not self._momentum and n and len(weights) == 1 + n:
            weights = weights[:1]
        return weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {"momentum": self._serialize_hyperparameter("momentum"), "nesterov": self.nesterov}
        )
        return config
