"""Nadam (Nesterov Adam), Keras 2.2.4 formulas and defaults (``lr=0.002``,
``schedule_decay=0.004``).

Per update, with ``t = iterations + 1`` (no learning-rate decay, as in Keras 2.2)::

    mu_t   = beta_1 * (1 - 0.5 * 0.96**(t * schedule_decay))          # momentum_cache_t
    mu_t1  = beta_1 * (1 - 0.5 * 0.96**((t + 1) * schedule_decay))
    m_schedule_new  = m_schedule * mu_t                                # weight 'momentum_cache'
    m_schedule_next = m_schedule_new * mu_t1
    g'  = g / (1 - m_schedule_new)
    m   = beta_1 * m + (1 - beta_1) * g;      m' = m / (1 - m_schedule_next)      # slot 'm'
    v   = beta_2 * v + (1 - beta_2) * g**2;   v' = v / (1 - beta_2**t)           # slot 'v'
    p   = p - lr * ((1 - mu_t) * g' + mu_t1 * m') / (sqrt(v') + epsilon)

``tf_keras.optimizers.legacy.Nadam`` computes the same. Differences, all about the arguments:

* tf.keras's ``decay`` *is* the schedule decay (its constructor does
  ``kwargs['decay'] = kwargs.pop('schedule_decay', 0.004)``); kviz accepts ``decay=`` as an alias
  of ``schedule_decay`` so that tf-keras configs load, and writes ``schedule_decay`` (the Keras
  2.2 key) in its own config. Giving both with different values raises ``ValueError``.
* Keras 2.2 did not save ``m_schedule``; kviz keeps it as the weight ``momentum_cache`` right
  after ``iterations`` (as tf.keras does), and ``set_weights`` recomputes it from
  ``iterations`` for a Keras 2.2.4 list without it.
* tf.keras refuses a LearningRateSchedule here; kviz accepts one (evaluated at ``iterations``).

>>> import numpy as np
>>> from kviz.autodiff import Variable
>>> w = Variable(np.zeros(1, 'float32'))
>>> _ = Nadam().apply_gradients([(np.ones(1, 'float32'), w)])
>>> round(float(w.numpy()[0]), 5)
-0.00211
"""

from __future__ import annotations

import numpy as np

from kviz import config as _config
from kviz.kernels import optimizer_updates as _updates
from kviz.optimizers.optimizer import Optimizer

_NOT_GIVEN = object()


class Nadam(Optimizer):
    """Nadam.

    Args:
        learning_rate: float >= 0 (alias ``lr``). Default 0.002 (Keras 2.2).
        beta_1, beta_2: decay rates. Defaults 0.9, 0.999.
        epsilon: ``None`` means ``K.epsilon()``. Default 1e-7.
        schedule_decay: the momentum-schedule decay. Default 0.004 (alias ``decay``).
        name: default ``'Nadam'``.
        **kwargs: ``lr``, ``decay`` (= schedule_decay), ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``.
    """

    _SUPPORTS_DECAY = False

    def __init__(
        self,
        learning_rate=0.002,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        schedule_decay=_NOT_GIVEN,
        name="Nadam",
        **kwargs,
    ):
        decay = kwargs.pop("decay", _NOT_GIVEN)
        if schedule_decay is _NOT_GIVEN:
            schedule_decay = 0.004 if decay is _NOT_GIVEN else decay
        elif decay is not _NOT_GIVEN and float(decay) != float(schedule_decay):
            raise ValueError(
                "Nadam's `decay` is the schedule decay (tf.keras): give `schedule_decay` or "
                f"`decay`, not both. Received schedule_decay={schedule_decay}, decay={decay}."
            )
        if schedule_decay < 0:
            raise ValueError(f"Expected schedule_decay >= 0, received: {schedule_decay}")
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = _config.epsilon() if epsilon is None else epsilon
        self.schedule_decay = float(schedule_decay)
        self._m_cache = None

    def _create_slots(self, var_list):
        if self._m_cache is None:
            self._m_cache = self.add_weight("momentum_cache", (), "float32", "ones")
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")

    def _momentum_cache(self, t, beta_1):
        return beta_1 * (1.0 - 0.5 * 0.96 ** (t * self.schedule_decay))

    def _prepare(self, var_list):
        t = float(self._iterations.data) + 1.0
        beta_1, beta_2 = self._get_hyper("beta_1"), self._get_hyper("beta_2")
        mu_t = self._momentum_cache(t, beta_1)
        mu_t1 = self._momentum_cache(t + 1.0, beta_1)
        m_schedule_new = np.float32(float(self._m_cache.data) * mu_t)  # stored as float32
        self._m_cache.assign(m_schedule_new)
        m_schedule_new = float(m_schedule_new)
        return {
            "lr_t": self._decayed_lr(),
            "beta_1": beta_1,
            "beta_2": beta_2,
            "m_schedule_new": m_schedule_new,
            "m_schedule_next": m_schedule_new * mu_t1,
            "mu_t": mu_t,
            "mu_t1": mu_t1,
            "v_t_prime_denominator": 1.0 - beta_2**t,
        }

    def _resource_apply_dense(self, grad, var, coefficients):
        slots = self._slots[id(var)]
        c = coefficients
        _updates.nadam(
            var.data,
            grad,
            slots["m"].data,
            slots["v"].data,
            c["lr_t"],
            c["beta_1"],
            c["beta_2"],
            self.epsilon,
            c["m_schedule_new"],
            c["m_schedule_next"],
            c["mu_t"],
            c["mu_t1"],
            c["v_t_prime_denominator"],
        )

    def _convert_legacy_weights(self, weights):
        # Keras 2.2.4: [iterations, m.., v..] without m_schedule: rebuild it from iterations.
        if self._m_cache is not None and len(weights) == len(self._weights) - 1:
            steps = int(np.asarray(weights[0]))
            beta_1 = self._get_hyper("beta_1")
            cache = np.float32(1.0)
            for t in range(1, steps + 1):
                cache = np.float32(float(cache) * self._momentum_cache(float(t), beta_1))
            weights = [weights[0], np.asarray(cache), *weights[1:]]
        return weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self._serialize_hyperparameter("beta_1"),
                "beta_2": self._serialize_hyperparameter("beta_2"),
                "epsilon": self.epsilon,
                "schedule_decay": self.schedule_decay,
            }
        )
        return config
