"""RMSprop, Keras 2.2.4 formulas, with tf.keras's ``momentum`` and ``centered`` options.

Per update, with ``lr_t = lr / (1 + decay * iterations)``::

    a = rho * a + (1 - rho) * g**2                     # slot 'rms'
    p = p - lr_t * g / (sqrt(a) + epsilon)

``centered=True`` also keeps ``mg = rho * mg + (1 - rho) * g`` (slot 'mg') and divides by
``sqrt(a - mg**2) + epsilon``. ``momentum > 0`` keeps ``mom = momentum * mom + lr_t * g /
(sqrt(denominator) + epsilon)`` (slot 'momentum') and does ``p = p - mom``.

Keras 2.2.4 had neither option. tf.keras legacy (``ResourceApplyRMSProp`` /
``ResourceApplyCenteredRMSProp``) puts epsilon **inside** the square root when momentum > 0
(``lr * g / sqrt(a + eps)``) but outside it otherwise. kviz always adds epsilon outside the
square root, as Keras 2.2 does, so that momentum -> 0 gives exactly the plain update. With
gradients of ordinary size the two agree to ~1e-7 after a few steps (the oracle tests compare at
1e-5); they differ when ``a`` is of the order of epsilon (gradients ~1e-4 and smaller).

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.ones(2, 'float32'))
>>> _ = RMSprop(0.01).apply_gradients([(np.full(2, 3.0, 'float32'), w)])
>>> w.numpy().astype(float).round(5).tolist()
[0.96838, 0.96838]
"""

from __future__ import annotations

from kviz import config as _config
from kviz.autodiff.tensor import Tensor
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop.

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 0.001.
        rho: discounting factor of the squared-gradient average. Default 0.9.
        momentum: float >= 0. Default 0.
        epsilon: added to the root; ``None`` means ``K.epsilon()``. Default 1e-7.
        centered: normalise by the estimated variance of the gradient. Default False.
        name: default ``'RMSprop'``.
        **kwargs: ``lr``, ``decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``.
    """

    _K22_WEIGHTS_WITHOUT_ITERATIONS = True

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        name="RMSprop",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self._set_hyper("rho", rho)
        self._momentum = isinstance(momentum, Tensor) or callable(momentum) or momentum > 0
        self._set_hyper("momentum", momentum)
        self.epsilon = _config.epsilon() if epsilon is None else epsilon
        self.centered = bool(centered)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "rms")
        if self._momentum:
            for var in var_list:
                self.add_slot(var, "momentum")
        if self.centered:
            for var in var_list:
                self.add_slot(var, "mg")

    def _prepare(self, var_list):
        return {
            "lr_t": self._decayed_lr(),
            "rho": self._get_hyper("rho"),
            "momentum": self._get_hyper("momentum"),
        }

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        _updates.rmsprop(
            var.data,
            grad,
            slots["rms"].data,
            coefficients["lr_t"],
            coefficients["rho"],
            self.epsilon,
            mom=slots["momentum"].data if self._momentum else None,
            mg=slots["mg"].data if self.centered else None,
            momentum=coefficients["momentum"],
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rho": self._serialize_hyperparameter("rho"),
                "momentum": self._serialize_hyperparameter("momentum"),
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config


RMSProp = RMSprop
