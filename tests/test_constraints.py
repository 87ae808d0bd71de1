"""kviz.constraints: projections against NumPy formulas, configs and lookup."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import config, constraints
from kviz.autodiff import Variable
from kviz.registry import CustomObjectScope

EPS = 1e-7


def _w(shape=(6, 4), dtype="float64", seed=0, scale=2.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(dtype)


def _norms(w, axis):
    return np.sqrt((w**2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_max_norm(axis):
    w = _w()
    got = constraints.MaxNorm(max_value=1.5, axis=axis)(w)
    n = _norms(w, tuple(axis) if isinstance(axis, list) else axis)
    np.testing.assert_allclose(got, w * np.clip(n, 0, 1.5) / (EPS + n))
    assert np.all(_norms(got, tuple(axis) if isinstance(axis, list) else axis) <= 1.5 + 1e-6)


def test_max_norm_leaves_small_weights_and_keeps_dtype():
    w = _w(dtype="float32", scale=0.01)
    got = constraints.max_norm()(w)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, w, rtol=1e-4)


def test_max_norm_conv_kernel_default_axis():
    # axis=0 on a conv kernel (h, w, in, out) constrains over rows only, as in Keras; the usual
    # choice for conv is axis=[0, 1, 2]
    w = _w((3, 3, 2, 4))
    got = constraints.MaxNorm(1.0, axis=[0, 1, 2])(w)
    np.testing.assert_array_less(_norms(got, (0, 1, 2)), 1.0 + 1e-6)


def test_non_neg():
    w = _w()
    got = constraints.NonNeg()(w)
    np.testing.assert_array_equal(got, np.where(w >= 0, w, 0))
    assert not np.signbit(got).any()


@pytest.mark.parametrize("axis", [0, -1])
def test_unit_norm(axis):
    w = _w()
    got = constraints.UnitNorm(axis=axis)(w)
    np.testing.assert_allclose(got, w / (EPS + _norms(w, axis)))
    np.testing.assert_allclose(_norms(got, axis), 1.0, rtol=1e-6)


@pytest.mark.parametrize("rate", [1.0, 0.5, 0.0])
def test_min_max_norm(rate):
    w = np.concatenate([_w((6, 3), scale=0.05), _w((6, 3), scale=3.0)], axis=1)
    got = constraints.MinMaxNorm(min_value=0.5, max_value=2.0, rate=rate)(w)
    n = _norms(w, 0)
    desired = rate * np.clip(n, 0.5, 2.0) + (1 - rate) * n
    np.testing.assert_allclose(got, w * desired / (EPS + n))
    if rate == 1.0:
        np.testing.assert_allclose(np.clip(_norms(got, 0), 0.5, 2.0), _norms(got, 0), rtol=1e-5)


def test_epsilon_follows_config():
    w = np.array([[1e-3], [0.0]])
    config.set_epsilon(1e-3)
    try:
        np.testing.assert_allclose(constraints.UnitNorm()(w), w / (1e-3 + 1e-3))
    finally:
        config.set_epsilon(1e-7)


def test_accepts_variables_and_returns_arrays():
    v = Variable(_w(dtype="float32"))
    got = constraints.UnitNorm()(v)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    assert constraints.Constraint()(v) is v  # the base class is the identity


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_radial_constraint_makes_rings(k):
    w = _w((k, k, 2, 3))
    got = constraints.RadialConstraint()(w)
    assert got.shape == w.shape
    for c in range(2):
        for f in range(3):
            kern = got[:, :, c, f]
            # constant on each square ring around the centre
            for ring in range((k + 1) // 2):
                lo, hi = ring, k - 1 - ring
                edge = np.concatenate([kern[lo, lo : hi + 1], kern[hi, lo : hi + 1]])
                edge = np.concatenate([edge, kern[lo : hi + 1, lo], kern[lo : hi + 1, hi]])
                assert np.all(edge == edge[0])
    with pytest.raises(ValueError, match="must have rank 4"):
        constraints.RadialConstraint()(np.ones((3, 3)))


# -------------------------------------------------------------- serialization

EXPECTED = {
    "MaxNorm": {"max_value": 2, "axis": 0},
    "NonNeg": {},
    "UnitNorm": {"axis": 0},
    "MinMaxNorm": {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0},
    "RadialConstraint": {},
}
SNAKE = {
    "max_norm": "MaxNorm",
    "non_neg": "NonNeg",
    "unit_norm": "UnitNorm",
    "min_max_norm": "MinMaxNorm",
    "radial_constraint": "RadialConstraint",
    "maxnorm": "MaxNorm",
    "nonneg": "NonNeg",
    "unitnorm": "UnitNorm",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_default_configs_and_round_trip(name):
    cls = getattr(constraints, name)
    c = cls()
    assert c.get_config() == EXPECTED[name]
    ser = constraints.serialize(c)
    assert ser == {"class_name": name, "config": EXPECTED[name]}
    back = constraints.deserialize(ser)
    assert type(back) is cls and back.get_config() == c.get_config()
    assert type(constraints.get(name)) is cls


@pytest.mark.parametrize("snake, cls_name", sorted(SNAKE.items()))
def test_snake_case_names(snake, cls_name):
    cls = getattr(constraints, cls_name)
    assert getattr(constraints, snake) is cls
    assert type(constraints.get(snake)) is cls


def test_non_default_round_trip():
    c = constraints.MinMaxNorm(0.1, 3.0, rate=0.5, axis=[0, 1])
    back = constraints.get(constraints.serialize(c))
    assert back.get_config() == {"min_value": 0.1, "max_value": 3.0, "rate": 0.5, "axis": [0, 1]}
    w = _w((3, 3, 2))
    np.testing.assert_array_equal(back(w), c(w))


def test_get_variants_and_errors():
    assert constraints.get(None) is None
    assert constraints.serialize(None) is None
    c = constraints.NonNeg()
    assert constraints.get(c) is c
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier"):
        constraints.get(1.5)
    with pytest.raises(ValueError) as err:
        constraints.get("foo")
    assert str(err.value).startswith("Unknown constraint: 'foo'.")
    assert "max_norm" in str(err.value)


def test_custom_constraint():
    class Clip(constraints.Constraint):
        def __init__(self, c=1.0):
            self.c = c

        def __call__(self, w):
            return np.clip(w, -self.c, self.c)

        def get_config(self):
            return {"c": self.c}

    ser = constraints.serialize(Clip(0.5))
    with pytest.raises(ValueError, match="Unknown constraint: 'Clip'"):
        constraints.get(ser)
    with CustomObjectScope({"Clip": Clip}):
        assert constraints.get(ser).c == 0.5
    assert constraints.deserialize(ser, custom_objects={"Clip": Clip}).c == 0.5
