"""kviz.initializers: values, statistics on large shapes, fans, seeds, configs and lookup."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kviz import config, initializers
from kviz.initializers import _compute_fans
from kviz.registry import CustomObjectScope

BIG = (400, 500)  # 200k draws: sample mean/std within ~1% of the truth


def test_default_dtype_is_floatx_and_dtype_argument():
    for cls in (initializers.Zeros, initializers.Ones, initializers.GlorotUniform):
        w = cls()((2, 3))
        assert w.shape == (2, 3) and w.dtype == np.float32
        assert cls()((2, 3), dtype="float64").dtype == np.float64
    assert initializers.RandomNormal()((4,), dtype="float16").dtype == np.float16
    config.set_floatx("float64")
    try:
        assert initializers.HeNormal()((3, 3)).dtype == np.float64
    finally:
        config.set_floatx("float32")


def test_constant_values():
    np.testing.assert_array_equal(initializers.Zeros()((2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(initializers.Ones()((3,)), np.ones(3))
    assert initializers.Zeros()((2,), dtype="int64").dtype == np.int64
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 3)), np.full((2, 3), 2.5))
    np.testing.assert_array_equal(
        initializers.Constant([1, 2, 3, 4])((2, 2)), np.array([[1, 2], [3, 4]], "float32")
    )
    with pytest.raises(ValueError, match="elements"):
        initializers.Constant([1, 2, 3])((2, 2))
    assert initializers.Constant(np.float32(3)).get_config() == {"value": 3.0}


def test_random_normal_statistics():
    w = initializers.RandomNormal(mean=1.0, stddev=2.0)(BIG)
    assert abs(w.mean() - 1.0) < 0.02
    assert abs(w.std() - 2.0) < 0.02


def test_random_uniform_statistics_and_bounds():
    w = initializers.RandomUniform(minval=-1.0, maxval=3.0)(BIG)
    assert w.min() >= -1.0 and w.max() < 3.0
    assert abs(w.mean() - 1.0) < 0.02
    assert abs(w.std() - 4 / math.sqrt(12)) < 0.02
    ints = initializers.RandomUniform(0, 5)((1000,), dtype="int32")
    assert ints.dtype == np.int32 and set(np.unique(ints)) == {0, 1, 2, 3, 4}


def test_truncated_normal_is_truncated_at_two_stddev():
    w = initializers.TruncatedNormal(mean=0.5, stddev=0.1)(BIG).astype("float64")
    assert w.min() >= 0.5 - 0.2 - 1e-6 and w.max() <= 0.5 + 0.2 + 1e-6
    assert abs(w.mean() - 0.5) < 0.002
    # std of a unit normal truncated to [-2, 2]
    assert abs(w.std() - 0.1 * 0.87962566103423978) < 0.002


def test_defaults_are_small():
    assert abs(initializers.RandomUniform()(BIG)).max() <= 0.05
    assert abs(initializers.RandomNormal()(BIG).std() - 0.05) < 0.001


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((4, 6), (4, 6)),
        ((3, 8, 16), (24, 48)),
        ((3, 3, 16, 32), (144, 288)),
        ((2, 3, 3, 4, 5), (72, 90)),
    ],
)
def test_compute_fans(shape, fans):
    assert _compute_fans(shape) == fans


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_statistics(mode, distribution):
    shape = (5, 5, 40, 80)  # fans 1000 / 2000 / avg 1500
    n = {"fan_in": 1000, "fan_out": 2000, "fan_avg": 1500}[mode]
    w = initializers.VarianceScaling(scale=3.0, mode=mode, distribution=distribution)(shape)
    w = w.astype("float64")
    std = math.sqrt(3.0 / n)
    assert abs(w.mean()) < 0.01 * std * 10
    assert abs(w.std() - std) < 0.02 * std
    if distribution == "uniform":
        limit = math.sqrt(3 * 3.0 / n)
        assert abs(w).max() <= limit
        assert abs(w).max() > 0.99 * limit
    elif distribution == "truncated_normal":
        assert abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6


@pytest.mark.parametrize(
    "cls, scale, mode, uniform",
    [
        (initializers.GlorotUniform, 1.0, "fan_avg", True),
        (initializers.GlorotNormal, 1.0, "fan_avg", False),
        (initializers.HeUniform, 2.0, "fan_in", True),
        (initializers.HeNormal, 2.0, "fan_in", False),
        (initializers.LecunUniform, 1.0, "fan_in", True),
        (initializers.LecunNormal, 1.0, "fan_in", False),
    ],
)
def test_named_variance_scaling(cls, scale, mode, uniform):
    init = cls()
    assert (init.scale, init.mode) == (scale, mode)
    assert init.distribution == ("uniform" if uniform else "truncated_normal")
    assert init.get_config() == {"seed": None}
    shape = (3, 3, 64, 128)
    fan_in, fan_out = 576, 1152
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    w = init(shape).astype("float64")
    assert abs(w.std() - math.sqrt(scale / n)) < 0.02 * math.sqrt(scale / n)
    if uniform:
        assert abs(w).max() <= math.sqrt(3 * scale / n)


def test_glorot_uniform_limit_on_a_dense_kernel():
    w = initializers.glorot_uniform()((784, 256))
    limit = math.sqrt(6 / (784 + 256))
    assert abs(w).max() <= limit and abs(w).max() > 0.99 * limit


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 4, 8)])
def test_orthogonal(shape):
    w = initializers.Orthogonal(gain=2.0)(shape).astype("float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, 4 * np.eye(m.shape[1]), atol=1e-5)
    else:
        np.testing.assert_allclose(m @ m.T, 4 * np.eye(m.shape[0]), atol=1e-5)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(initializers.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(initializers.Identity(gain=0.5)((2, 4)), 0.5 * np.eye(2, 4))
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        initializers.Identity()((2, 2, 2))


# ------------------------------------------------------------------------ seeds

SEEDABLE = [
    initializers.RandomNormal,
    initializers.RandomUniform,
    initializers.TruncatedNormal,
    initializers.VarianceScaling,
    initializers.Orthogonal,
    initializers.GlorotUniform,
    initializers.GlorotNormal,
    initializers.HeNormal,
    initializers.HeUniform,
    initializers.LecunNormal,
    initializers.LecunUniform,
]


@pytest.mark.parametrize("cls", SEEDABLE, ids=lambda c: c.__name__)
def test_seeds(cls):
    shape = (8, 6)
    a = cls(seed=7)
    np.testing.assert_array_equal(a(shape), a(shape))  # a seeded initializer repeats itself
    np.testing.assert_array_equal(a(shape), cls(seed=7)(shape))
    assert not np.array_equal(a(shape), cls(seed=8)(shape))
    u = cls()
    assert not np.array_equal(u(shape), u(shape))  # unseeded: fresh draws from config.rng()
    config.set_random_seed(3)
    first = cls()(shape)
    config.set_random_seed(3)
    np.testing.assert_array_equal(first, cls()(shape))


# ------------------------------------------------------------------- validation


def test_bad_arguments():
    with pytest.raises(ValueError, match="stddev"):
        initializers.RandomNormal(stddev=-1.0)
    with pytest.raises(ValueError, match="stddev"):
        initializers.TruncatedNormal(stddev=-0.1)
    with pytest.raises(ValueError, match="`scale` must be positive"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: fan_both"):
        initializers.VarianceScaling(mode="fan_both")
    with pytest.raises(ValueError, match="Invalid `distribution` argument"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="Expected floating point type"):
        initializers.RandomNormal()((2,), dtype="int32")
    with pytest.raises(TypeError, match="Unknown keyword arguments"):
        initializers.Zeros()((2,), foo=1)


def test_legacy_normal_distribution_means_truncated():
    init = initializers.VarianceScaling(distribution="normal")
    assert init.get_config()["distribution"] == "truncated_normal"
    k22 = {
        "class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None},
    }
    w = initializers.get(k22)((100, 300))
    assert abs(w).max() <= math.sqrt(6 / 400)


# -------------------------------------------------------------------- configs

EXPECTED_CONFIGS = {
    "Zeros": {},
    "Ones": {},
    "Constant": {"value": 0},
    "RandomNormal": {"mean": 0.0, "stddev": 0.05, "seed": None},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05, "seed": None},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05, "seed": None},
    "VarianceScaling": {
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "seed": None,
    },
    "Orthogonal": {"gain": 1.0, "seed": None},
    "Identity": {"gain": 1.0},
    "GlorotNormal": {"seed": None},
    "GlorotUniform": {"seed": None},
    "HeNormal": {"seed": None},
    "HeUniform": {"seed": None},
    "LecunNormal": {"seed": None},
    "LecunUniform": {"seed": None},
}

SNAKE = {
    "zeros": "Zeros",
    "ones": "Ones",
    "constant": "Constant",
    "random_normal": "RandomNormal",
    "random_uniform": "RandomUniform",
    "truncated_normal": "TruncatedNormal",
    "variance_scaling": "VarianceScaling",
    "orthogonal": "Orthogonal",
    "identity": "Identity",
    "glorot_normal": "GlorotNormal",
    "glorot_uniform": "GlorotUniform",
    "he_normal": "HeNormal",
    "he_uniform": "HeUniform",
    "lecun_normal": "LecunNormal",
    "lecun_uniform": "LecunUniform",
    "normal": "RandomNormal",
    "uniform": "RandomUniform",
    "one": "Ones",
    "zero": "Zeros",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_CONFIGS))
def test_default_configs_and_round_trip(name):
    cls = getattr(initializers, name)
    init = cls()
    assert init.get_config() == EXPECTED_CONFIGS[name]
    ser = initializers.serialize(init)
    assert ser == {"class_name": name, "config": EXPECTED_CONFIGS[name]}
    back = initializers.deserialize(ser)
    assert type(back) is cls and back.get_config() == init.get_config()
    assert type(initializers.get(name)) is cls


@pytest.mark.parametrize("snake, cls_name", sorted(SNAKE.items()))
def test_snake_case_names(snake, cls_name):
    assert type(initializers.get(snake)) is getattr(initializers, cls_name)
    if snake in ("normal", "uniform", "one", "zero"):
        return
    assert getattr(initializers, snake) is getattr(initializers, cls_name)


def test_non_default_round_trip_keeps_values():
    init = initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=5)
    back = initializers.deserialize(initializers.serialize(init))
    assert back.get_config() == init.get_config()
    np.testing.assert_array_equal(back((3, 4)), init((3, 4)))
    cfg = {"class_name": "GlorotUniform", "config": {"seed": 1, "dtype": "float32"}}
    assert initializers.get(cfg).seed == 1  # v1-style configs carry a dtype; it is dropped


def test_get_variants():
    assert initializers.get(None) is None
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    inst = initializers.Ones()
    assert initializers.get(inst) is inst
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        initializers.get(3)


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError) as err:
        initializers.get("foo")
    msg = str(err.value)
    assert msg.startswith("Unknown initializer: 'foo'.")
    assert "glorot_uniform" in msg and "HeNormal" in msg


def test_custom_initializer():
    class MyInit(initializers.Initializer):
        def __init__(self, value=1.0):
            self.value = value

        def __call__(self, shape, dtype=None, **kwargs):
            return np.full(shape, self.value, dtype=dtype or "float32")

        def get_config(self):
            return {"value": self.value}

    ser = initializers.serialize(MyInit(4.0))
    assert ser == {"class_name": "MyInit", "config": {"value": 4.0}}
    with pytest.raises(ValueError, match="Unknown initializer: 'MyInit'"):
        initializers.deserialize(ser)
    back = initializers.deserialize(ser, custom_objects={"MyInit": MyInit})
    np.testing.assert_array_equal(back((2,)), [4.0, 4.0])
    with CustomObjectScope({"MyInit": MyInit}):
        assert initializers.get("MyInit").value == 1.0

    def fn_init(shape, dtype=None):
        return np.zeros(shape, dtype)

    assert initializers.get(fn_init) is fn_init


def test_base_class():
    with pytest.raises(NotImplementedError):
        initializers.Initializer()((2,))
    assert initializers.Initializer().get_config() == {}
