"""kviz's optimizers against tf-keras 2.21's legacy optimizers (``tf_keras.optimizers.legacy``).

Both libraries start from the same weights (two variables, ``w0`` (5, 4) and ``w1`` (4,)) and
receive the same gradients; after 1 and after 3 updates the weights must agree to 1e-5
(relative and absolute), and after 3 updates so must the optimizer state (``get_weights()``:
the same names, shapes and values, in the same order).

The legacy optimizers are the closest tf-keras has to Keras 2.2.4 (the new ones ignore ``lr``
and reject ``decay``). Where kviz's Keras 2.2 choices differ from them, the tf-keras side is
configured to match, or the difference is asserted here:

* defaults: Adagrad ``learning_rate=0.01, initial_accumulator_value=0.0``, Adadelta ``1.0``,
  Adamax and Nadam ``0.002`` are passed explicitly to tf-keras (Keras 2.2 defaults in kviz);
* ``clipnorm`` is a global-norm clip in kviz (Keras 2.2), so kviz's ``clipnorm`` is compared with
  tf-keras's ``global_clipnorm`` (and with ``clipnorm`` for a single variable, where they agree);
* RMSprop with ``momentum > 0``: tf-keras puts epsilon inside the root (``sqrt(a + eps)``), kviz
  outside (``sqrt(a) + eps``, Keras 2.2). With these O(1) gradients the weights still agree to
  ~1e-8, well within 1e-5; ``test_rmsprop_momentum_epsilon_placement`` shows the difference
  with tiny gradients;
* Nadam's config: tf-keras writes the schedule decay as ``decay``, kviz as ``schedule_decay``
  (Keras 2.2); each reads the other's.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kviz import optimizers  # noqa: E402
from kviz.autodiff import Variable  # noqa: E402
from kviz.optimizers import schedules  # noqa: E402

pytestmark = pytest.mark.keras_oracle

TOL = 1e-5
SHAPES = [(5, 4), (4,)]


@pytest.fixture(scope="module")
def tfk():
    """(tensorflow, tf_keras), imported on first use (TensorFlow takes seconds to import)."""
    tf = pytest.importorskip("tensorflow")
    tk = pytest.importorskip("tf_keras")
    return tf, tk


def _data(seed=0, steps=3, grad_scale=1.0):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [
        [(grad_scale * rng.normal(size=s)).astype("float32") for s in SHAPES] for _ in range(steps)
    ]
    return init, grads


def _run_pair(tfk, kviz_opt, tf_opt, init, grads, kviz_constraint=None, tf_constraint=None):
    """Apply the same updates in both libraries; yield (step, kviz weights, tf weights)."""
    tf, _ = tfk
    kv = [
        Variable(x.copy(), name=f"w{i}:0", constraint=kviz_constraint) for i, x in enumerate(init)
    ]
    tv = [tf.Variable(x.copy(), name=f"w{i}", constraint=tf_constraint) for i, x in enumerate(init)]
    for step, g in enumerate(grads, start=1):
        kviz_opt.apply_gradients(zip(g, kv))
        tf_opt.apply_gradients(zip([tf.constant(x) for x in g], tv))
        yield step, [v.numpy() for v in kv], [v.numpy() for v in tv]


def _compare(tfk, kviz_opt, tf_opt, init=None, grads=None, **constraints):
    if init is None:
        init, grads = _data()
    for step, kw, tw in _run_pair(tfk, kviz_opt, tf_opt, init, grads, **constraints):
        if step in (1, 3):
            for k, t in zip(kw, tw):
                np.testing.assert_allclose(k, t, rtol=TOL, atol=TOL, err_msg=f"step {step}")
    return kviz_opt, tf_opt


def _compare_state(kviz_opt, tf_opt):
    k_state, t_state = kviz_opt.get_weights(), tf_opt.get_weights()
    assert [w.name for w in kviz_opt.weights] == [w.name for w in tf_opt.weights]
    assert [np.shape(x) for x in k_state] == [np.shape(x) for x in t_state]
    assert int(k_state[0]) == int(t_state[0])
    for k, t, w in zip(k_state[1:], t_state[1:], kviz_opt.weights[1:]):
        np.testing.assert_allclose(k, t, rtol=TOL, atol=TOL, err_msg=w.name)


# (id, kviz class, kviz kwargs, tf-keras legacy class, tf-keras kwargs)
CASES = [
    ("sgd", "SGD", {}, "SGD", {}),
    ("sgd-decay", "SGD", {"lr": 0.1, "decay": 0.1}, "SGD", {"learning_rate": 0.1, "decay": 0.1}),
    ("sgd-momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, "SGD",
     {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd-nesterov", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}, "SGD",
     {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
    ("rmsprop", "RMSprop", {}, "RMSprop", {}),
    ("rmsprop-rho-decay", "RMSprop", {"lr": 0.01, "rho": 0.8, "decay": 0.05}, "RMSprop",
     {"learning_rate": 0.01, "rho": 0.8, "decay": 0.05}),
    ("rmsprop-centered", "RMSprop", {"lr": 0.01, "centered": True}, "RMSprop",
     {"learning_rate": 0.01, "centered": True}),
    ("rmsprop-momentum", "RMSprop", {"lr": 0.01, "momentum": 0.5}, "RMSprop",
     {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop-centered-momentum", "RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True},
     "RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("adagrad", "Adagrad", {}, "Adagrad",
     {"learning_rate": 0.01, "initial_accumulator_value": 0.0}),
    ("adagrad-init-decay", "Adagrad", {"lr": 0.05, "initial_accumulator_value": 0.1,
                                       "decay": 0.1},
     "Adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.1, "decay": 0.1}),
    ("adadelta", "Adadelta", {}, "Adadelta", {"learning_rate": 1.0}),
    ("adadelta-rho", "Adadelta", {"lr": 0.5, "rho": 0.9, "epsilon": 1e-6}, "Adadelta",
     {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-6}),
    ("adam", "Adam", {}, "Adam", {}),
    ("adam-amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}, "Adam",
     {"learning_rate": 0.01, "amsgrad": True}),
    ("adam-decay-betas", "Adam", {"lr": 0.01, "beta_1": 0.8, "beta_2": 0.99, "decay": 0.1},
     "Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "decay": 0.1}),
    ("adamax", "Adamax", {}, "Adamax", {"learning_rate": 0.002}),
    ("adamax-decay", "Adamax", {"lr": 0.01, "decay": 0.2}, "Adamax",
     {"learning_rate": 0.01, "decay": 0.2}),
    ("nadam", "Nadam", {}, "Nadam", {"learning_rate": 0.002}),
    ("nadam-schedule-decay", "Nadam", {"lr": 0.01, "schedule_decay": 0.05}, "Nadam",
     {"learning_rate": 0.01, "schedule_decay": 0.05}),
    ("adam-clipnorm-global", "Adam", {"lr": 0.01, "clipnorm": 1.0}, "Adam",
     {"learning_rate": 0.01, "global_clipnorm": 1.0}),
    ("sgd-global-clipnorm", "SGD", {"lr": 0.1, "global_clipnorm": 0.5}, "SGD",
     {"learning_rate": 0.1, "global_clipnorm": 0.5}),
    ("rmsprop-clipvalue", "RMSprop", {"lr": 0.01, "clipvalue": 0.5}, "RMSprop",
     {"learning_rate": 0.01, "clipvalue": 0.5}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_weights_and_state_as_tf_keras_legacy(tfk, case):
    _, tk = tfk
    _, kcls, kkw, tcls, tkw = case
    kviz_opt = getattr(optimizers, kcls)(**kkw)
    tf_opt = getattr(tk.optimizers.legacy, tcls)(**tkw)
    _compare(tfk, kviz_opt, tf_opt)
    _compare_state(kviz_opt, tf_opt)


def test_clipnorm_single_variable_agrees_with_tf_clipnorm(tfk):
    tf, tk = tfk
    rng = np.random.default_rng(5)
    init = [rng.normal(size=(6, 3)).astype("float32")]
    grads = [[rng.normal(size=(6, 3)).astype("float32")] for _ in range(3)]
    kviz_opt = optimizers.SGD(lr=0.1, clipnorm=0.5)
    tf_opt = tk.optimizers.legacy.SGD(learning_rate=0.1, clipnorm=0.5)
    _compare(tfk, kviz_opt, tf_opt, init, grads)


def test_kviz_clipnorm_is_global_not_per_variable(tfk):
    """The documented Keras 2.2 choice: with two variables tf.keras's clipnorm differs."""
    _, tk = tfk
    init, grads = _data(seed=2)
    kviz_opt = optimizers.SGD(lr=0.1, clipnorm=0.5)
    tf_opt = tk.optimizers.legacy.SGD(learning_rate=0.1, clipnorm=0.5)
    *_, (_, kw, tw) = _run_pair(tfk, kviz_opt, tf_opt, init, grads)
    assert not np.allclose(kw[0], tw[0], rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_constraints_applied_after_the_update(tfk, name):
    tf, tk = tfk
    kviz_opt = getattr(optimizers, name)(lr=0.3)
    tf_opt = getattr(tk.optimizers.legacy, name)(learning_rate=0.3)
    _compare(
        tfk,
        kviz_opt,
        tf_opt,
        kviz_constraint=lambda w: np.clip(w, -0.5, 0.5),
        tf_constraint=lambda w: tf.clip_by_value(w, -0.5, 0.5),
    )


def test_rmsprop_momentum_epsilon_placement(tfk):
    """kviz adds epsilon outside the root (Keras 2.2); tf-keras, with momentum, inside."""
    _, tk = tfk
    init, grads = _data(seed=3, grad_scale=1e-5)  # a ~ 1e-11, comparable to epsilon=1e-7
    kviz_opt = optimizers.RMSprop(lr=0.01, momentum=0.5)
    tf_opt = tk.optimizers.legacy.RMSprop(learning_rate=0.01, momentum=0.5)
    *_, (_, kw, tw) = _run_pair(tfk, kviz_opt, tf_opt, init, grads)
    assert not np.allclose(kw[0], tw[0], rtol=TOL, atol=TOL)
    # kviz's value is the Keras 2.2 formula: the plain (momentum-free) first step times 1
    first = optimizers.RMSprop(lr=0.01)
    v = Variable(init[0].copy())
    first.apply_gradients([(grads[0][0], v)])
    v2 = Variable(init[0].copy())
    optimizers.RMSprop(lr=0.01, momentum=0.5).apply_gradients([(grads[0][0], v2)])
    np.testing.assert_array_equal(v.numpy(), v2.numpy())


# ============================================================================ schedules
def _schedule_pairs(tk):
    ts = tk.optimizers.schedules
    return [
        (schedules.ExponentialDecay(0.1, 3, 0.5), ts.ExponentialDecay(0.1, 3, 0.5)),
        (
            schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
            ts.ExponentialDecay(0.1, 3, 0.5, staircase=True),
        ),
        (
            schedules.PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01]),
            ts.PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01]),
        ),
        (schedules.InverseTimeDecay(0.1, 2, 0.5), ts.InverseTimeDecay(0.1, 2, 0.5)),
        (
            schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
            ts.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
        ),
        (schedules.CosineDecay(0.1, 8, alpha=0.1), ts.CosineDecay(0.1, 8, alpha=0.1)),
        (
            schedules.CosineDecay(0.0, 8, warmup_target=0.1, warmup_steps=3),
            ts.CosineDecay(0.0, 8, warmup_target=0.1, warmup_steps=3),
        ),
    ]


def test_schedules_match(tfk):
    _, tk = tfk
    for ours, theirs in _schedule_pairs(tk):
        for step in range(14):  # tf-keras computes in float32, kviz in float64
            np.testing.assert_allclose(
                ours(step), float(theirs(step)), rtol=1e-5, err_msg=f"{ours} at {step}"
            )
        assert ours.get_config() == theirs.get_config()
        # each library reads the other's serialized form
        back = schedules.deserialize(tk.optimizers.schedules.serialize(theirs))
        assert back.get_config() == ours.get_config()
        tf_back = tk.optimizers.schedules.deserialize(schedules.serialize(ours))
        assert tf_back.get_config() == theirs.get_config()


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_schedule_as_learning_rate(tfk, name):
    _, tk = tfk
    kviz_opt = getattr(optimizers, name)(learning_rate=schedules.ExponentialDecay(0.05, 1, 0.5))
    tf_opt = getattr(tk.optimizers.legacy, name)(
        learning_rate=tk.optimizers.schedules.ExponentialDecay(0.05, 1, 0.5)
    )
    _compare(tfk, kviz_opt, tf_opt)


# ============================================================================== configs
CONFIG_PAIRS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "decay": 0.01}, {}),
    ("RMSprop", {"lr": 0.01, "rho": 0.8, "momentum": 0.1, "centered": True, "clipvalue": 1.0}, {}),
    ("Adagrad", {"lr": 0.02, "initial_accumulator_value": 0.1}, {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.9, "global_clipnorm": 1.0}, {}),
    ("Adam", {"lr": 0.003, "beta_1": 0.8, "amsgrad": True, "clipnorm": 2.0}, {}),
    ("Adamax", {"lr": 0.004, "beta_2": 0.99}, {}),
    # tf-keras's Nadam ignores a `decay` argument (it overwrites it with `schedule_decay`)
    ("Nadam", {"lr": 0.005, "schedule_decay": 0.01}, {"schedule_decay": 0.01}),
]


@pytest.mark.parametrize("case", CONFIG_PAIRS, ids=[c[0] for c in CONFIG_PAIRS])
def test_configs_match_and_cross_load(tfk, case):
    _, tk = tfk
    name, kwargs, tf_only = case
    ours = getattr(optimizers, name)(**kwargs)
    kcfg = ours.get_config()
    tf_cfg = tk.optimizers.deserialize(
        {"class_name": name, "config": kcfg}, use_legacy_optimizer=True
    ).get_config()
    tf_cfg = {k: (float(v) if isinstance(v, np.floating) else v) for k, v in tf_cfg.items()}
    if name == "Nadam":
        # documented: tf-keras's `decay` is kviz's `schedule_decay`
        assert tf_cfg.pop("decay") == pytest.approx(kcfg["schedule_decay"])
        kcfg = {k: v for k, v in kcfg.items() if k != "schedule_decay"}
    assert set(kcfg) == set(tf_cfg)
    for key, value in kcfg.items():
        if isinstance(value, float):
            assert tf_cfg[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert tf_cfg[key] == value, key
    # and kviz reads tf-keras's serialized form back to the same optimizer
    tf_opt = getattr(tk.optimizers.legacy, name)(**tf_cfg, **tf_only)
    again = optimizers.deserialize(tk.optimizers.serialize(tf_opt))
    assert again.get_config() == ours.get_config()


def test_string_identifiers_give_keras22_defaults(tfk):
    _, tk = tfk
    for name, tf_kwargs in [
        ("sgd", {}),
        ("rmsprop", {}),
        ("adam", {}),
        ("adagrad", {"learning_rate": 0.01, "initial_accumulator_value": 0.0}),
        ("adadelta", {"learning_rate": 1.0}),
        ("adamax", {"learning_rate": 0.002}),
    ]:
        ours = optimizers.get(name).get_config()
        cls = type(optimizers.get(name)).__name__
        theirs = getattr(tk.optimizers.legacy, cls)(**tf_kwargs).get_config()
        assert {k: pytest.approx(float(v)) if isinstance(v, float | np.floating) else v
                for k, v in theirs.items()} == ours  # fmt: skip
