"""kviz.optimizers against a slow, obvious float64 reference of the Keras 2.2.4 formulas.

The reference (:class:`Reference`) loops over the elements of every weight with plain Python
arithmetic, one optimizer at a time, written from ``keras/optimizers.py`` (Keras 2.2.4) and the
tf.keras legacy kernels for the options Keras 2.2 lacked (RMSprop momentum/centered, with
epsilon outside the root as kviz documents). Every optimizer runs several updates on two
weights with random gradients, through the Numba kernels and through the NumPy fallbacks, and
must stay within float32 rounding of the reference after every step.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kviz import backend as K
from kviz import optimizers
from kviz.autodiff import GradientTape, Variable
from kviz.kernels import jit as kjit
from kviz.optimizers import schedules

REPO = Path(__file__).resolve().parents[2]
RTOL, ATOL = 1e-5, 1e-6  # float32 kviz vs float64 reference


# =============================================================================== reference
class Reference:
    """Keras 2.2.4 update rules, element by element, in float64."""

    def __init__(self, kind, lr, decay=0.0, clipnorm=None, clipvalue=None, constraint=None, **h):
        self.kind, self.lr, self.decay = kind, lr, decay
        self.clipnorm, self.clipvalue, self.constraint = clipnorm, clipvalue, constraint
        self.h = h
        self.iterations = 0
        self.state = {}
        self.m_schedule = 1.0

    def _clip(self, grads):
        grads = [g.astype(np.float64) for g in grads]
        if self.clipnorm:
            norm = math.sqrt(sum(float(x) ** 2 for g in grads for x in g.ravel()))
            if norm >= self.clipnorm:
                grads = [g * self.clipnorm / norm for g in grads]
        if self.clipvalue:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def step(self, params, grads):
        grads = self._clip(grads)
        it = self.iterations
        lr = self.lr
        if self.decay > 0:
            lr = lr / (1.0 + self.decay * it)
        t = it + 1
        h = self.h
        if self.kind == "nadam":
            b1, sd = h["beta_1"], h["schedule_decay"]
            mu_t = b1 * (1.0 - 0.5 * 0.96 ** (t * sd))
            mu_t1 = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * sd))
            self.m_schedule *= mu_t
            m_next = self.m_schedule * mu_t1
        out = []
        for k, (p, g) in enumerate(zip(params, grads)):
            p = p.astype(np.float64).ravel().copy()
            g = g.ravel()
            st = self.state.setdefault(k, {})
            new = np.empty_like(p)
            for i in range(p.size):
                gi, pi = float(g[i]), float(p[i])

                def get(name, default=0.0, st=st, i=i, n=p.size):
                    return st.setdefault(name, np.full(n, default))[i]

                def put(name, value, st=st, i=i):
                    st[name][i] = value

                if self.kind == "sgd":
                    m = h.get("momentum", 0.0)
                    if m > 0:
                        v = m * get("v") - lr * gi
                        put("v", v)
                        pi = pi + m * v - lr * gi if h.get("nesterov") else pi + v
                    else:
                        pi = pi - lr * gi
                elif self.kind == "rmsprop":
                    rho, eps = h["rho"], h["epsilon"]
                    a = rho * get("a") + (1 - rho) * gi * gi
                    put("a", a)
                    denom = a
                    if h.get("centered"):
                        mg = rho * get("mg") + (1 - rho) * gi
                        put("mg", mg)
                        denom = a - mg * mg
                    step = lr * gi / (math.sqrt(denom) + eps)
                    if h.get("momentum", 0.0) > 0:
                        mom = h["momentum"] * get("mom") + step
                        put("mom", mom)
                        pi -= mom
                    else:
                        pi -= step
                elif self.kind == "adagrad":
                    a = get("a", h.get("initial_accumulator_value", 0.0)) + gi * gi
                    put("a", a)
                    pi -= lr * gi / (math.sqrt(a) + h["epsilon"])
                elif self.kind == "adadelta":
                    rho, eps = h["rho"], h["epsilon"]
                    a = rho * get("a") + (1 - rho) * gi * gi
                    put("a", a)
                    d = get("d")
                    update = gi * math.sqrt(d + eps) / math.sqrt(a + eps)
                    pi -= lr * update
                    put("d", rho * d + (1 - rho) * update * update)
                elif self.kind == "adam":
                    b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
                    m = b1 * get("m") + (1 - b1) * gi
                    v = b2 * get("v") + (1 - b2) * gi * gi
                    put("m", m)
                    put("v", v)
                    if h.get("amsgrad"):
                        v = max(get("vhat"), v)
                        put("vhat", v)
                    pi -= lr_t * m / (math.sqrt(v) + eps)
                elif self.kind == "adamax":
                    b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                    lr_t = lr / (1 - b1**t)
                    m = b1 * get("m") + (1 - b1) * gi
                    u = max(b2 * get("u"), abs(gi))
                    put("m", m)
                    put("u", u)
                    pi -= lr_t * m / (u + eps)
                elif self.kind == "nadam":
                    b1, b2, eps = h["beta_1"], h["beta_2"], h["epsilon"]
                    g_prime = gi / (1 - self.m_schedule)
                    m = b1 * get("m") + (1 - b1) * gi
                    v = b2 * get("v") + (1 - b2) * gi * gi
                    put("m", m)
                    put("v", v)
                    m_bar = (1 - mu_t) * g_prime + mu_t1 * (m / (1 - m_next))
                    pi -= self.lr * m_bar / (math.sqrt(v / (1 - b2**t)) + eps)
                else:
                    raise AssertionError(self.kind)
                new[i] = pi
            new = new.reshape(params[k].shape)
            if self.constraint is not None:
                new = self.constraint(new)
            out.append(new)
        self.iterations += 1
        return out


DEFAULT_HYPER = {
    "sgd": {},
    "rmsprop": {"rho": 0.9, "epsilon": 1e-7},
    "adagrad": {"epsilon": 1e-7},
    "adadelta": {"rho": 0.95, "epsilon": 1e-7},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "adamax": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "nadam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "schedule_decay": 0.004},
}
DEFAULT_LR = {
    "sgd": 0.01,
    "rmsprop": 0.001,
    "adagrad": 0.01,
    "adadelta": 1.0,
    "adam": 0.001,
    "adamax": 0.002,
    "nadam": 0.002,
}
CLASSES = {
    "sgd": optimizers.SGD,
    "rmsprop": optimizers.RMSprop,
    "adagrad": optimizers.Adagrad,
    "adadelta": optimizers.Adadelta,
    "adam": optimizers.Adam,
    "adamax": optimizers.Adamax,
    "nadam": optimizers.Nadam,
}
BASE_KWARGS = ("lr", "learning_rate", "decay", "clipnorm", "clipvalue")


def clip_constraint(w):
    return np.clip(w, -0.95, 0.95)


# (id, optimizer key, kviz kwargs); the reference gets the same hyper-parameters.
CASES = [
    ("sgd", "sgd", {}),
    ("sgd-lr-decay", "sgd", {"learning_rate": 0.1, "decay": 0.05}),
    ("sgd-momentum", "sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd-nesterov", "sgd", {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
    ("sgd-clipnorm", "sgd", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("sgd-clipvalue", "sgd", {"learning_rate": 0.1, "clipvalue": 0.3}),
    ("rmsprop", "rmsprop", {}),
    ("rmsprop-rho-decay", "rmsprop", {"learning_rate": 0.01, "rho": 0.8, "decay": 0.1}),
    ("rmsprop-momentum", "rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop-centered", "rmsprop", {"learning_rate": 0.01, "centered": True}),
    (
        "rmsprop-centered-momentum",
        "rmsprop",
        {"learning_rate": 0.01, "centered": True, "momentum": 0.7},
    ),
    ("rmsprop-clipnorm-clipvalue", "rmsprop", {"clipnorm": 1.0, "clipvalue": 0.2}),
    ("adagrad", "adagrad", {}),
    ("adagrad-init-acc", "adagrad", {"initial_accumulator_value": 0.1, "decay": 0.01}),
    ("adadelta", "adadelta", {}),
    ("adadelta-rho", "adadelta", {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-6}),
    ("adam", "adam", {}),
    ("adam-amsgrad", "adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adam-betas-decay", "adam", {"learning_rate": 0.01, "beta_1": 0.8, "decay": 0.1}),
    ("adam-clipnorm", "adam", {"learning_rate": 0.01, "clipnorm": 0.7}),
    ("adamax", "adamax", {}),
    ("adamax-decay", "adamax", {"learning_rate": 0.01, "beta_2": 0.99, "decay": 0.2}),
    ("nadam", "nadam", {}),
    ("nadam-schedule-decay", "nadam", {"learning_rate": 0.01, "schedule_decay": 0.05}),
]


def _reference_for(key, kwargs, constraint=None):
    hyper = dict(DEFAULT_HYPER[key])
    hyper.update({k: v for k, v in kwargs.items() if k not in BASE_KWARGS})
    return Reference(
        key,
        kwargs.get("learning_rate", DEFAULT_LR[key]),
        decay=kwargs.get("decay", 0.0),
        clipnorm=kwargs.get("clipnorm"),
        clipvalue=kwargs.get("clipvalue"),
        constraint=constraint,
        **hyper,
    )


@pytest.fixture(params=["kernels", "numpy"])
def update_path(request):
    """Run a test once with the Numba kernels and once with the NumPy fallbacks."""
    kjit.set_available(None if request.param == "kernels" else False)
    yield request.param
    kjit.set_available(None)


def _run_against_reference(key, kwargs, steps=4, dtype="float32", constraint=None, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=(4, 3)), rng.normal(size=(3,))]
    vars_ = [
        Variable(x.astype(dtype), name=f"w{i}:0", constraint=constraint) for i, x in enumerate(init)
    ]
    ref = _reference_for(key, kwargs, constraint)
    ref_params = [x.astype(dtype).astype(np.float64) for x in init]
    opt = CLASSES[key](**kwargs)
    for _ in range(steps):
        grads = [rng.normal(scale=0.5, size=x.shape).astype(dtype) for x in init]
        data_ids = [id(v.data) for v in vars_]
        opt.apply_gradients(zip(grads, vars_))
        assert [id(v.data) for v in vars_] == data_ids, "weights must be updated in place"
        ref_params = ref.step(ref_params, grads)
        for v, r in zip(vars_, ref_params):
            assert v.data.dtype == np.dtype(dtype)
            np.testing.assert_allclose(v.data, r, rtol=RTOL, atol=ATOL)
    assert int(opt.iterations.data) == steps
    return opt, vars_


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_reference(case, update_path):
    _, key, kwargs = case
    _run_against_reference(key, kwargs)


@pytest.mark.parametrize("key", sorted(CLASSES))
def test_constraint_applied_after_update(key, update_path):
    kwargs = {"learning_rate": 0.3} if key not in ("adadelta",) else {}
    _, vars_ = _run_against_reference(key, kwargs, constraint=clip_constraint, steps=3)
    for v in vars_:
        assert np.abs(v.data).max() <= 0.95 + 1e-7


@pytest.mark.parametrize("key", ["sgd", "rmsprop", "adam", "nadam", "adadelta"])
def test_float64_weights_use_the_fallback_and_stay_float64(key):
    opt, vars_ = _run_against_reference(key, {}, dtype="float64")
    assert all(s.dtype == np.float64 for s in opt.get_weights()[1:] if s.ndim)


def test_sgd_first_steps_by_hand():
    w = Variable(np.array([1.0, -2.0], "float32"))
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.5)
    g = np.array([1.0, 1.0], "float32")
    opt.apply_gradients([(g, w)])  # v = -0.1, p = p - 0.1
    np.testing.assert_allclose(w.numpy(), [0.9, -2.1], rtol=1e-6)
    opt.apply_gradients([(g, w)])  # v = -0.05 - 0.1 = -0.15
    np.testing.assert_allclose(w.numpy(), [0.75, -2.25], rtol=1e-6)


def test_adam_first_step_is_lr_times_sign():
    w = Variable(np.zeros(3, "float32"))
    optimizers.Adam(0.01).apply_gradients([(np.array([3.0, -0.5, 0.0], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.01, 0.01, 0.0], atol=1e-7)


# ===================================================================== learning rate API
def test_defaults_follow_keras_22():
    expected = {
        "SGD": 0.01,
        "RMSprop": 0.001,
        "Adagrad": 0.01,
        "Adadelta": 1.0,
        "Adam": 0.001,
        "Adamax": 0.002,
        "Nadam": 0.002,
    }
    for name, lr in expected.items():
        opt = optimizers.get(name.lower())
        assert type(opt).__name__ == name
        assert opt.get_config()["learning_rate"] == lr
    assert optimizers.get("adagrad").get_config()["initial_accumulator_value"] == 0.0
    assert optimizers.get("rmsprop").get_config()["rho"] == 0.9
    assert optimizers.get("adadelta").get_config()["rho"] == 0.95
    assert optimizers.get("nadam").get_config()["schedule_decay"] == 0.004
    assert optimizers.get("adam").get_config()["epsilon"] == 1e-7


def test_lr_alias_and_variable():
    opt = optimizers.Adam(lr=0.02)
    assert opt.lr is opt.learning_rate
    assert isinstance(opt.lr, Variable) and opt.lr.dtype == np.float32
    assert opt.get_config()["learning_rate"] == 0.02
    assert "lr" not in opt.get_config()
    # lr wins over learning_rate, as in tf.keras
    assert optimizers.SGD(learning_rate=0.5, lr=0.25).get_config()["learning_rate"] == 0.25
    np.testing.assert_allclose(K.get_value(opt.lr), 0.02)
    assert opt.iterations.dtype == np.int64


def test_set_value_on_lr_changes_the_next_update():
    w = Variable(np.zeros(2, "float32"))
    opt = optimizers.SGD(lr=0.1)
    handle = opt.lr
    K.set_value(opt.lr, 0.5)
    assert opt.lr is handle
    np.testing.assert_allclose(K.get_value(opt.lr), 0.5)
    opt.apply_gradients([(np.ones(2, "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5, -0.5])
    opt.lr = 0.25
    assert opt.lr is handle
    opt.apply_gradients([(np.ones(2, "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.75, -0.75])
    opt.learning_rate = 1.0
    assert opt.learning_rate is handle and float(K.get_value(opt.lr)) == 1.0
    assert opt.get_config()["learning_rate"] == 1.0


def test_other_hyperparameters_are_variables():
    opt = optimizers.SGD(lr=0.1, momentum=0.9, decay=0.01)
    assert isinstance(opt.momentum, Variable) and isinstance(opt.decay, Variable)
    K.set_value(opt.momentum, 0.5)
    opt.decay = 0.02
    cfg = opt.get_config()
    assert cfg["momentum"] == 0.5 and cfg["decay"] == 0.02
    assert opt.initial_decay == 0.01
    adam = optimizers.Adam(beta_1=0.8)
    assert float(K.get_value(adam.beta_1)) == pytest.approx(0.8)


def test_decay_is_per_update_and_read_each_step():
    w = Variable(np.zeros(1, "float32"))
    opt = optimizers.SGD(lr=1.0, decay=0.5)
    steps = []
    for _ in range(3):
        before = float(w.data[0])
        opt.apply_gradients([(np.ones(1, "float32"), w)])
        steps.append(before - float(w.data[0]))
    np.testing.assert_allclose(steps, [1.0, 1 / 1.5, 1 / 2.0], rtol=1e-6)
    # decay set after construction is honoured (Keras ignores it when the initial one was 0)
    w2 = Variable(np.zeros(1, "float32"))
    opt2 = optimizers.SGD(lr=1.0)
    opt2.apply_gradients([(np.ones(1, "float32"), w2)])
    K.set_value(opt2.decay, 1.0)
    opt2.apply_gradients([(np.ones(1, "float32"), w2)])
    np.testing.assert_allclose(w2.numpy(), [-1.5])


def test_callable_and_variable_learning_rates():
    w = Variable(np.zeros(1, "float32"))
    opt = optimizers.SGD(learning_rate=lambda: 0.5)
    opt.apply_gradients([(np.ones(1, "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5])
    assert opt.get_config()["learning_rate"] == 0.5
    shared = K.variable(0.1)
    opt2 = optimizers.SGD(learning_rate=shared)
    assert opt2.lr is shared
    K.set_value(shared, 0.2)
    assert opt2.get_config()["learning_rate"] == pytest.approx(0.2)


# ============================================================================ schedules
def test_schedule_values():
    e = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert e(0) == pytest.approx(0.1) and e(5) == pytest.approx(0.1 * 0.5**0.5)
    es = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert es(9) == pytest.approx(0.1) and es(10) == pytest.approx(0.05)
    p = schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])
    assert [p(s) for s in range(6)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.1]
    i = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    assert i(4) == pytest.approx(1.0 / (1.0 + 0.5 * 2))
    ist = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5, staircase=True)
    assert ist(3) == pytest.approx(1.0 / 1.5)
    c = schedules.CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert (
        c(0) == pytest.approx(1.0) and c(10) == pytest.approx(0.1) and c(20) == pytest.approx(0.1)
    )
    assert c(5) == pytest.approx(0.9 * 0.5 + 0.1)
    cw = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert cw(2) == pytest.approx(0.5) and cw(4) == pytest.approx(1.0)
    assert cw(9) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="length of boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
        schedules.PiecewiseConstantDecay([1, 2], [0.3, 0.2, 0.1]),
        schedules.InverseTimeDecay(0.1, 1, 0.5),
        schedules.CosineDecay(0.1, 4, alpha=0.2, warmup_target=None),
    ],
    ids=lambda s: type(s).__name__,
)
def test_schedule_drives_the_learning_rate_and_round_trips(schedule):
    w = Variable(np.zeros(1, "float32"))
    opt = optimizers.SGD(learning_rate=schedule)
    assert opt.lr is schedule
    total = 0.0
    for step in range(4):
        opt.apply_gradients([(np.ones(1, "float32"), w)])
        total += schedule(step)
        np.testing.assert_allclose(w.numpy(), [-total], rtol=1e-6)
    cfg = opt.get_config()
    assert cfg["learning_rate"]["class_name"] == type(schedule).__name__
    json.dumps(cfg)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again.lr) is type(schedule)
    assert again.lr.get_config() == schedule.get_config()
    assert schedules.deserialize(schedules.serialize(schedule)).get_config() == (
        schedule.get_config()
    )


def test_schedule_with_decay_and_nadam_schedule():
    w = Variable(np.zeros(1, "float32"))
    opt = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([0], [1.0, 0.5]), decay=1.0)
    opt.apply_gradients([(np.ones(1, "float32"), w)])  # 1.0 / (1 + 0)
    opt.apply_gradients([(np.ones(1, "float32"), w)])  # 0.5 / (1 + 1)
    np.testing.assert_allclose(w.numpy(), [-1.25])
    n = optimizers.Nadam(learning_rate=schedules.ExponentialDecay(0.01, 1, 0.5))
    n.apply_gradients([(np.ones(1, "float32"), Variable(np.zeros(1, "float32")))])


# ================================================================= apply_gradients details
def test_iterations_none_gradients_and_errors():
    a = Variable(np.zeros(2, "float32"), name="a:0")
    b = Variable(np.zeros(3, "float32"), name="b:0")
    opt = optimizers.Adam()
    opt.apply_gradients([(np.ones(2, "float32"), a), (None, b)])
    assert int(opt.iterations.numpy()) == 1
    assert np.all(b.data == 0) and np.all(a.data != 0)
    assert [w.name for w in opt.weights] == ["Adam/iter:0", "Adam/a/m:0", "Adam/a/v:0"]
    opt.apply_gradients([(np.ones(2, "float32"), a), (np.ones(3, "float32"), b)])
    assert int(opt.iterations.numpy()) == 2
    assert [w.name for w in opt.weights] == [
        "Adam/iter:0",
        "Adam/a/m:0",
        "Adam/a/v:0",
        "Adam/b/m:0",
        "Adam/b/v:0",
    ]
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a), (None, b)])
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(np.ones(5, "float32"), a)])
    with pytest.raises(TypeError, match="Variable"):
        opt.apply_gradients([(np.ones(2, "float32"), np.zeros(2))])
    assert int(opt.iterations.numpy()) == 2


def test_gradient_of_other_dtype_or_layout_and_inputs_untouched():
    w = Variable(np.zeros((3, 2), "float32"))
    g = np.arange(6, dtype=np.float64).reshape(2, 3).T  # float64, not C-contiguous
    g_copy = g.copy()
    optimizers.RMSprop(clipvalue=1.0).apply_gradients([(g, w)])
    np.testing.assert_array_equal(g, g_copy)
    assert w.data.dtype == np.float32 and np.all(w.data[1:] < 0)


def test_weights_layout_slot_major():
    a = Variable(np.zeros((2, 2), "float32"), name="dense/kernel:0")
    b = Variable(np.zeros(2, "float32"), name="dense/bias:0")
    opt = optimizers.Adam(amsgrad=True)
    opt.build([a, b])
    shapes = [w.shape for w in opt.get_weights()]
    assert shapes == [(), (2, 2), (2,), (2, 2), (2,), (2, 2), (2,)]
    assert opt.get_slot_names() == ["m", "v", "vhat"]
    assert opt.get_slot(b, "vhat").name == "Adam/dense/bias/vhat:0"
    with pytest.raises(KeyError):
        opt.get_slot(b, "nope")
    assert opt.variables() == opt.weights and opt.weights[0] is opt.iterations
    n = optimizers.Nadam()
    n.build([a])
    assert [w.name for w in n.weights] == [
        "Nadam/iter:0",
        "Nadam/momentum_cache:0",
        "Nadam/dense/kernel/m:0",
        "Nadam/dense/kernel/v:0",
    ]
    assert len(optimizers.SGD().weights) == 1
    s = optimizers.SGD(momentum=0.9)
    s.build([a, b])
    assert [w.shape for w in s.weights] == [(), (2, 2), (2,)]
    r = optimizers.RMSprop(momentum=0.5, centered=True)
    r.build([a])
    assert r.get_slot_names() == ["rms", "momentum", "mg"]


def test_minimize_with_callable_loss():
    from kviz import ops

    w = Variable(np.array([1.0, -2.0], "float32"))
    opt = optimizers.SGD(learning_rate=0.25)
    opt.minimize(lambda: ops.sum(ops.square(w)), [w])
    np.testing.assert_allclose(w.numpy(), [0.5, -1.0])  # w - 0.25 * 2w
    with GradientTape() as tape:
        loss = ops.sum(ops.square(w))
    opt.minimize(loss, lambda: [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.25, -0.5])
    with pytest.raises(ValueError, match="tape"):
        opt.minimize(loss, [w])


def test_subnormal_state_is_flushed(update_path):
    w = Variable(np.ones(4, "float32"))
    opt = optimizers.RMSprop()
    opt.apply_gradients([(np.full(4, 1e-17, "float32"), w)])  # g^2 = 1e-34 -> 1e-35 in state
    assert np.all(opt.get_weights()[1] == 0)
    adam = optimizers.Adam()
    w2 = Variable(np.ones(4, "float32"))
    adam.apply_gradients([(np.full(4, 1e-20, "float32"), w2)])
    m, v = adam.get_weights()[1:]
    assert np.all(v == 0)  # (1 - 0.999) * 1e-40 is below the flush threshold
    np.testing.assert_allclose(m, 1e-21, rtol=1e-5)  # 0.1 * 1e-20 is a normal float32: kept
    assert np.all(w2.data == 1.0)


# ============================================================================== configs
CONFIG_CASES = [
    optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True, decay=1e-4, clipnorm=1.0),
    optimizers.RMSprop(
        learning_rate=0.01, rho=0.8, momentum=0.1, epsilon=1e-6, centered=True, clipvalue=0.5
    ),
    optimizers.Adagrad(learning_rate=0.02, initial_accumulator_value=0.1, epsilon=1e-6),
    optimizers.Adadelta(learning_rate=0.5, rho=0.9, global_clipnorm=2.0),
    optimizers.Adam(learning_rate=0.003, beta_1=0.8, beta_2=0.99, amsgrad=True, name="my_adam"),
    optimizers.Adamax(learning_rate=0.004, beta_1=0.85, decay=0.01),
    optimizers.Nadam(learning_rate=0.005, beta_2=0.99, schedule_decay=0.01),
]

EXPECTED_KEYS = {
    "SGD": {"name", "learning_rate", "decay", "momentum", "nesterov", "clipnorm"},
    "RMSprop": {"name", "learning_rate", "decay", "rho", "momentum", "epsilon", "centered"}
    | {"clipvalue"},
    "Adagrad": {"name", "learning_rate", "decay", "initial_accumulator_value", "epsilon"},
    "Adadelta": {"name", "learning_rate", "decay", "rho", "epsilon", "global_clipnorm"},
    "Adam": {"name", "learning_rate", "decay", "beta_1", "beta_2", "epsilon", "amsgrad"},
    "Adamax": {"name", "learning_rate", "decay", "beta_1", "beta_2", "epsilon"},
    "Nadam": {"name", "learning_rate", "beta_1", "beta_2", "epsilon", "schedule_decay"},
}


@pytest.mark.parametrize("opt", CONFIG_CASES, ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    cfg = opt.get_config()
    assert set(cfg) == EXPECTED_KEYS[type(opt).__name__]
    for k, v in cfg.items():
        assert type(v) in (str, float, bool, int), (k, v)
    assert json.loads(json.dumps(cfg)) == cfg
    again = type(opt).from_config(cfg)
    assert again.get_config() == cfg
    ser = optimizers.serialize(opt)
    assert ser == {"class_name": type(opt).__name__, "config": cfg}
    assert optimizers.deserialize(ser).get_config() == cfg
    assert optimizers.get(ser).get_config() == cfg
    lower = optimizers.deserialize({"class_name": type(opt).__name__.lower(), "config": cfg})
    assert type(lower) is type(opt)


def test_config_values_are_clean_floats():
    cfg = optimizers.Adam(learning_rate=0.001, beta_1=0.9).get_config()
    assert cfg["learning_rate"] == 0.001 and cfg["beta_1"] == 0.9 and cfg["beta_2"] == 0.999


def test_reads_keras22_and_tf_keras_configs():
    k22 = {"class_name": "Adam", "config": {"lr": 0.01, "beta_1": 0.9, "beta_2": 0.999,
                                            "decay": 0.0, "epsilon": 1e-7, "amsgrad": False}}  # fmt: skip
    assert optimizers.deserialize(k22).get_config()["learning_rate"] == 0.01
    tf_legacy = {
        "module": "keras.optimizers.legacy",
        "class_name": "Nadam",
        "config": {"name": "Nadam", "learning_rate": 0.001, "decay": 0.004, "beta_1": 0.9,
                   "beta_2": 0.999, "epsilon": 1e-07, "is_legacy_optimizer": True},
        "registered_name": None,
    }  # fmt: skip
    n = optimizers.deserialize(tf_legacy)
    assert n.schedule_decay == 0.004 and n.get_config()["learning_rate"] == 0.001
    tf_new = {
        "class_name": "SGD",
        "config": {"name": "SGD", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False,
                   "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                   "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                   "ema_overwrite_frequency": None, "jit_compile": False,
                   "is_legacy_optimizer": False},
    }  # fmt: skip
    assert optimizers.deserialize(tf_new).get_config()["learning_rate"] == 0.01
    k22_rms = {"class_name": "RMSprop", "config": {"lr": 0.001, "rho": 0.9, "decay": 0.0,
                                                   "epsilon": 1e-7}}  # fmt: skip
    assert isinstance(optimizers.deserialize(k22_rms), optimizers.RMSprop)


def test_get_and_aliases():
    adam = optimizers.Adam()
    assert optimizers.get(adam) is adam
    assert isinstance(optimizers.get("SGD"), optimizers.SGD)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert optimizers.adam is optimizers.Adam and optimizers.sgd is optimizers.SGD
    assert optimizers.RMSProp is optimizers.RMSprop
    opt = optimizers.adam(lr=0.5)
    assert opt.get_config()["learning_rate"] == 0.5


def test_custom_optimizer_by_custom_objects():
    class HalfSGD(optimizers.SGD):
        pass

    opt = optimizers.deserialize(
        {"class_name": "HalfSGD", "config": {"learning_rate": 0.3}},
        custom_objects={"HalfSGD": HalfSGD},
    )
    assert type(opt) is HalfSGD and opt.get_config()["learning_rate"] == pytest.approx(0.3)


# ================================================================== get/set_weights
@pytest.mark.parametrize(
    "key,kwargs",
    [
        ("sgd", {"momentum": 0.9, "nesterov": True}),
        ("rmsprop", {"momentum": 0.3, "centered": True}),
        ("adagrad", {}),
        ("adadelta", {}),
        ("adam", {"amsgrad": True, "decay": 0.1}),
        ("adamax", {}),
        ("nadam", {}),
    ],
)
def test_get_set_weights_round_trip_continues_identically(key, kwargs):
    rng = np.random.default_rng(3)
    init = [rng.normal(size=(5, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32")]
    grads = [[rng.normal(size=x.shape).astype("float32") for x in init] for _ in range(6)]
    vars1 = [Variable(x.copy(), name=f"v{i}:0") for i, x in enumerate(init)]
    opt1 = CLASSES[key](**kwargs)
    for g in grads[:3]:
        opt1.apply_gradients(zip(g, vars1))
    state = opt1.get_weights()
    assert state[0].dtype == np.int64 and int(state[0]) == 3

    vars2 = [Variable(v.numpy().copy(), name=f"v{i}:0") for i, v in enumerate(vars1)]
    opt2 = CLASSES[key].from_config(opt1.get_config())
    with pytest.raises(ValueError, match="build"):
        opt2.set_weights(state)
    opt2.build(vars2)
    opt2.set_weights(state)
    for a, b in zip(opt2.get_weights(), state):
        np.testing.assert_array_equal(a, b)
    for g in grads[3:]:
        opt1.apply_gradients(zip(g, vars1))
        opt2.apply_gradients(zip(g, vars2))
        for v1, v2 in zip(vars1, vars2):
            np.testing.assert_array_equal(v1.data, v2.data)
    with pytest.raises(ValueError, match="length"):
        opt2.set_weights(state[:-2])
    bad = list(state)
    bad[-1] = np.zeros((7, 7), "float32")
    with pytest.raises(ValueError, match="shape"):
        opt2.set_weights(bad)


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copy_and_pickle_keep_state_and_slot_links(how):
    import copy
    import pickle

    rng = np.random.default_rng(1)
    vars_ = [Variable(rng.normal(size=(3, 2)).astype("float32"), name="k:0")]
    opt = optimizers.Adam(0.01, amsgrad=True)
    opt.apply_gradients([(np.ones((3, 2), "float32"), vars_[0])])
    if how == "deepcopy":
        opt2, vars2 = copy.deepcopy((opt, vars_))
    else:
        opt2, vars2 = pickle.loads(pickle.dumps((opt, vars_)))
    assert vars2[0] is not vars_[0]
    assert opt2.get_slot(vars2[0], "m") is opt2.weights[1]
    g = rng.normal(size=(3, 2)).astype("float32")
    opt.apply_gradients([(g, vars_[0])])
    opt2.apply_gradients([(g, vars2[0])])
    np.testing.assert_array_equal(vars_[0].data, vars2[0].data)
    assert len(opt2.weights) == len(opt.weights) == 4
    K.set_value(opt2.lr, 0.5)
    assert float(K.get_value(opt.lr)) == pytest.approx(0.01)


def _two_steps(opt, vars_, rng):
    for _ in range(2):
        opt.apply_gradients([(rng.normal(size=v.shape).astype("float32"), v) for v in vars_])


def test_set_weights_accepts_keras_224_lists():
    rng = np.random.default_rng(0)
    vars_ = [Variable(np.ones((2, 3), "float32")), Variable(np.ones(3, "float32"))]
    # RMSprop/Adagrad/Adadelta: no iterations in Keras 2.2.4
    for cls in (optimizers.RMSprop, optimizers.Adagrad, optimizers.Adadelta):
        src = cls()
        _two_steps(src, vars_, rng)
        dst = cls()
        dst.build(vars_)
        dst.set_weights(src.get_weights()[1:])
        assert int(dst.iterations.numpy()) == 0
        for a, b in zip(dst.get_weights()[1:], src.get_weights()[1:]):
            np.testing.assert_array_equal(a, b)
    # Adam without amsgrad: (1,)-shaped vhat placeholders
    src = optimizers.Adam()
    _two_steps(src, vars_, rng)
    k22 = src.get_weights() + [np.zeros(1, "float32"), np.zeros(1, "float32")]
    dst = optimizers.Adam()
    dst.build(vars_)
    dst.set_weights(k22)
    assert len(dst.get_weights()) == 5
    # SGD without momentum kept moments
    dst = optimizers.SGD()
    dst.build(vars_)
    dst.set_weights([np.array(4), np.zeros((2, 3)), np.zeros(3)])
    assert int(dst.iterations.numpy()) == 4
    # Nadam without m_schedule: rebuilt from iterations
    src = optimizers.Nadam()
    _two_steps(src, vars_, rng)
    full = src.get_weights()
    dst = optimizers.Nadam()
    dst.build(vars_)
    dst.set_weights([full[0], *full[2:]])
    np.testing.assert_allclose(dst.get_weights()[1], full[1], rtol=1e-7)


# =============================================================================== errors
def test_errors():
    with pytest.raises(TypeError, match="'foo'") as err:
        optimizers.Adam(foo=1)
    assert "Adam" in str(err.value)
    with pytest.raises(TypeError, match="'bar', 'baz'"):
        optimizers.SGD(bar=1, baz=2)
    with pytest.raises(ValueError, match="clipnorm >= 0"):
        optimizers.SGD(clipnorm=-1.0)
    with pytest.raises(ValueError, match="decay >= 0"):
        optimizers.SGD(decay=-1.0)
    with pytest.raises(ValueError, match="both `clipnorm` and `global_clipnorm`"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match=r"momentum` must be between \[0, 1\]"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optimizers.Adagrad(initial_accumulator_value=-0.1)
    with pytest.raises(ValueError, match="schedule_decay"):
        optimizers.Nadam(schedule_decay=0.01, decay=0.02)
    assert optimizers.Nadam(decay=0.01).schedule_decay == 0.01
    with pytest.raises(ValueError, match="Unknown optimizer: 'foo_opt'") as err:
        optimizers.get("foo_opt")
    for name in ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam"):
        assert f"'{name}'" in str(err.value)
    with pytest.raises(ValueError, match="Unknown optimizer: 'Foo'"):
        optimizers.deserialize({"class_name": "Foo", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="Improper config"):
        optimizers.deserialize({"config": {}})
    with pytest.raises(AttributeError, match="beta_1"):
        optimizers.SGD().beta_1  # noqa: B018
    with pytest.raises(TypeError, match="floating-point"):
        optimizers.SGD().apply_gradients([(np.ones(2), Variable(np.zeros(2, "int32")))])


def test_importing_optimizers_does_not_import_numba():
    code = (
        "import sys, kviz.optimizers, kviz.kernels.optimizer_updates; "
        "from kviz import optimizers; optimizers.get('adam'); "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
