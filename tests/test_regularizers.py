"""kviz.regularizers: penalties, gradients through the tape, configs and lookup."""

from __future__ import annotations

import numpy as np
import pytest

from kviz import ops, regularizers
from kviz.autodiff import GradientTape, Tensor, Variable
from kviz.graph import KerasTensor
from kviz.registry import CustomObjectScope

F32_01 = float(np.float32(0.01))  # 0.009999999776482582, as tf.keras reports it


def _w(dtype="float64", shape=(4, 5), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def test_penalty_values():
    w = _w()
    reg = regularizers.L1L2(l1=0.3, l2=0.7)
    want = float(np.float32(0.3)) * np.abs(w).sum() + float(np.float32(0.7)) * (w**2).sum()
    np.testing.assert_allclose(float(reg(w)), want, rtol=1e-12)
    np.testing.assert_allclose(float(regularizers.L1(0.5)(w)), 0.5 * np.abs(w).sum())
    np.testing.assert_allclose(float(regularizers.L2(0.5)(w)), 0.5 * (w**2).sum())
    # no 1/2 factor on the L2 term
    assert float(regularizers.L2(2.0)(np.ones((5, 5), "float32"))) == 50.0


def test_penalty_is_a_scalar_of_the_weight_dtype():
    for dtype in ("float32", "float64"):
        out = np.asarray(regularizers.l1_l2()(_w(dtype)))
        assert out.shape == () and out.dtype == np.dtype(dtype)
    zero = regularizers.L1L2()(_w("float32"))
    assert float(zero) == 0.0 and np.asarray(zero).dtype == np.float32


def test_string_defaults():
    assert regularizers.get("l1").get_config() == {"l1": F32_01}
    assert regularizers.get("l2").get_config() == {"l2": F32_01}
    assert regularizers.get("l1_l2").get_config() == {"l1": F32_01, "l2": F32_01}
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert type(regularizers.get("l1")) is regularizers.L1
    assert type(regularizers.get("L2")) is regularizers.L2


def test_constructors_and_aliases():
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2
    assert regularizers.l1(l=0.5).get_config() == {"l1": 0.5}
    assert regularizers.l2(0.25).get_config() == {"l2": 0.25}
    assert regularizers.l1_l2().get_config() == {"l1": F32_01, "l2": F32_01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1L2(l1=None, l2=0.5).get_config() == {"l1": 0.0, "l2": 0.5}
    with pytest.raises(TypeError, match="not recognized"):
        regularizers.L1(foo=1)


@pytest.mark.parametrize("bad", ["0.1", float("nan"), float("inf"), [0.1]])
def test_bad_factors(bad):
    with pytest.raises(ValueError, match="not a valid regularization penalty number"):
        regularizers.L1L2(l1=bad)


# ------------------------------------------------------------------- gradients


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar ``f`` at the float64 array ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (float(f(xp)) - float(f(xm))) / (2 * eps)
    return g


def tape_grad(reg, x):
    v = Variable(x, dtype="float64")
    with GradientTape() as tape:
        loss = reg(v)
    assert isinstance(loss, Tensor)
    return tape.gradient(loss, v)


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1(0.3),
        regularizers.L2(0.7),
        regularizers.L1L2(l1=0.2, l2=0.4),
        regularizers.l1_l2(),
    ],
    ids=["l1", "l2", "l1l2", "l1_l2"],
)
def test_gradients_match_central_differences(reg):
    x = _w(shape=(3, 4), seed=3)
    x = np.where(np.abs(x) < 1e-3, 0.1, x)  # |x| has a kink at 0
    got = tape_grad(reg, x)
    assert got.dtype == np.float64 and got.shape == x.shape
    np.testing.assert_allclose(got, numeric_grad(reg, x), rtol=1e-6, atol=1e-9)


def test_penalty_adds_into_a_loss():
    v = Variable(_w(shape=(2, 3)), dtype="float64")
    reg = regularizers.L2(0.5)
    with GradientTape() as tape:
        loss = ops.add(ops.sum(v), reg(v))
    np.testing.assert_allclose(tape.gradient(loss, v), 1 + v.numpy())


def test_symbolic_input():
    out = regularizers.L1L2(0.1, 0.1)(KerasTensor((None, 3)))
    assert isinstance(out, KerasTensor) and out.shape == ()


# -------------------------------------------------------------- serialization


@pytest.mark.parametrize(
    "reg",
    [regularizers.L1(0.25), regularizers.L2(0.5), regularizers.L1L2(0.125, 2.0)],
    ids=["L1", "L2", "L1L2"],
)
def test_round_trip(reg):
    ser = regularizers.serialize(reg)
    assert ser == {"class_name": type(reg).__name__, "config": reg.get_config()}
    back = regularizers.deserialize(ser)
    assert type(back) is type(reg) and back.get_config() == reg.get_config()
    assert regularizers.get(ser).get_config() == reg.get_config()
    assert type(type(reg).from_config(reg.get_config())) is type(reg)


def test_get_variants_and_errors():
    assert regularizers.get(None) is None
    assert regularizers.serialize(None) is None
    reg = regularizers.L2()
    assert regularizers.get(reg) is reg
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        regularizers.get(5)
    with pytest.raises(ValueError) as err:
        regularizers.get("foo")
    assert str(err.value).startswith("Unknown regularizer: 'foo'.")
    assert "l1_l2" in str(err.value)


def test_base_class_and_custom_regularizer():
    assert regularizers.Regularizer()(np.ones(3)) == 0.0
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()

    class Half(regularizers.Regularizer):
        def __init__(self, k=0.5):
            self.k = k

        def __call__(self, x):
            return ops.multiply(ops.sum(x), self.k)

        def get_config(self):
            return {"k": self.k}

    ser = regularizers.serialize(Half(0.25))
    with pytest.raises(ValueError, match="Unknown regularizer: 'Half'"):
        regularizers.deserialize(ser)
    with CustomObjectScope({"Half": Half}):
        assert regularizers.get(ser).k == 0.25

    def my_reg(x):
        return ops.sum(x)

    assert regularizers.get(my_reg) is my_reg
    assert regularizers.deserialize("my_reg", custom_objects={"my_reg": my_reg}) is my_reg
