"""The gradient tape: recording rules, the backward walk, Variables, and Python operators."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from harness import check_op

from kviz import ops
from kviz.autodiff import GradientTape, Tensor, Variable, gradients, is_tensor, recording, unwrap

RNG = np.random.default_rng(0)
X = RNG.uniform(0.5, 1.5, size=(3, 4))


# ------------------------------------------------------------------------------- Variable


def test_variable_basics():
    v = Variable(np.zeros((2, 3)), name="dense/kernel:0")
    assert (v.shape, v.ndim, v.dtype, v.name, v.trainable) == (
        (2, 3),
        2,
        np.float64,
        "dense/kernel:0",
        True,
    )
    assert Variable([1.0, 2.0]).dtype == np.float32  # lists take floatx
    assert Variable(np.ones(2), dtype="float16").dtype == np.float16
    assert Variable(1.0).name.startswith("Variable_")
    v.assign(np.ones((2, 3), "float32"))
    assert v.dtype == np.float64 and v.numpy().sum() == 6
    v.assign_add(np.ones((2, 3)))
    v.assign_sub(0.5)
    np.testing.assert_array_equal(v.value, np.full((2, 3), 1.5))
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign(np.ones(3))
    assert is_tensor(v) and not is_tensor(v.numpy())
    assert unwrap(v) is v.data and unwrap(3) == 3
    assert "dense/kernel:0" in repr(v)


def test_variable_copies_its_initial_value():
    init = np.ones(3)
    v = Variable(init)
    init[0] = 5.0
    assert v.numpy()[0] == 1.0


def test_tensor_conversions():
    v = Variable(np.array(2.5))
    assert float(v) == 2.5 and int(v) == 2 and bool(v) and len(Variable(np.ones(3))) == 3
    assert np.asarray(v).dtype == np.float64
    assert np.asarray(v, dtype="float32").dtype == np.float32
    assert "kviz.Tensor" in repr(Tensor(np.ones(2)))


# -------------------------------------------------------------------------- recording


def test_no_recording_outside_a_tape():
    v = Variable(X)
    assert not recording()
    y = ops.multiply(ops.exp(v), 2.0)
    assert type(y) is np.ndarray
    assert type(v * 2) is np.ndarray and type(np.ones(4) + v) is np.ndarray
    assert type(v[0]) is np.ndarray


def test_tensors_made_in_a_tape_are_plain_values_after_it():
    v = Variable(X)
    with GradientTape():
        assert recording()
        y = ops.square(v)
    assert not recording()
    assert isinstance(y, Tensor)
    z = ops.sum(y)
    assert type(z) is np.ndarray  # not recorded: the tape is closed
    assert gradients(z, [v]) == [None]


def test_ops_on_plain_arrays_in_a_tape_are_not_recorded():
    with GradientTape():
        y = ops.add(np.ones(2), np.ones(2))
    assert type(y) is np.ndarray


def test_nested_tapes_and_exceptions_restore_the_state():
    v = Variable(X)
    with GradientTape():
        with GradientTape():
            a = ops.square(v)
        b = ops.sum(a)  # still recording in the outer tape
    assert isinstance(b, Tensor)
    np.testing.assert_allclose(gradients(b, [v])[0], 2 * X)
    with pytest.raises(RuntimeError):
        with GradientTape():
            raise RuntimeError("boom")
    assert not recording()


def test_watch_a_plain_array():
    with GradientTape() as tape:
        x = tape.watch(np.array([1.0, 2.0]))
        y = ops.sum(ops.multiply(x, x))
    assert isinstance(x, Tensor)
    np.testing.assert_allclose(tape.gradient(y, x), [2.0, 4.0])
    v = Variable(np.ones(2))
    assert tape.watch(v) is v


# ------------------------------------------------------------------------- the backward walk


def test_shared_subexpression_diamond():
    v = Variable(X)
    with GradientTape():
        s = ops.sin(v)  # used by both branches
        a = ops.multiply(s, 3.0)
        b = ops.square(s)
        y = ops.sum(ops.add(a, b))
    expected = (3 + 2 * np.sin(X)) * np.cos(X)
    np.testing.assert_allclose(gradients(y, [v])[0], expected)


def test_same_input_used_twice_and_nested_diamonds():
    v = Variable(np.array(1.5))
    with GradientTape():
        a = ops.multiply(v, v)  # v twice in one op
        b = ops.add(a, v)
        c = ops.multiply(b, a)  # a reached twice
        y = ops.add(c, ops.multiply(b, b))
    x = 1.5
    # y = (x^2 + x) x^2 + (x^2 + x)^2
    dy = (2 * x + 1) * x**2 + (x**2 + x) * 2 * x + 2 * (x**2 + x) * (2 * x + 1)
    np.testing.assert_allclose(gradients(y, [v])[0], dy)


def test_gradients_with_respect_to_an_intermediate_tensor():
    v = Variable(X)
    with GradientTape():
        h = ops.exp(v)
        y = ops.sum(ops.square(h))
    gh, gv = gradients(y, [h, v])
    np.testing.assert_allclose(gh, 2 * np.exp(X))
    np.testing.assert_allclose(gv, 2 * np.exp(2 * X))


def test_unused_and_non_tensor_sources_get_none():
    v, unused = Variable(X), Variable(np.ones(2))
    with GradientTape():
        y = ops.sum(v)
    gv, gu, garr = gradients(y, [v, unused, np.ones(3)])
    np.testing.assert_array_equal(gv, np.ones_like(X))
    assert gu is None and garr is None
    assert gradients(np.float64(1.0), [v]) == [None]  # target not recorded


def test_persistent_tape_is_not_required():
    v = Variable(X)
    with GradientTape() as tape:
        y = ops.sum(ops.square(v))
        z = ops.sum(v)
    g1 = tape.gradient(y, [v])[0]
    g2 = tape.gradient(y, v)  # a second call on a non-persistent tape works too
    g3 = tape.gradient(z, [v])[0]
    np.testing.assert_allclose(g1, 2 * X)
    np.testing.assert_allclose(g2, 2 * X)
    np.testing.assert_allclose(g3, np.ones_like(X))


def test_output_gradients_and_non_scalar_targets():
    v = Variable(X)
    with GradientTape() as tape:
        y = ops.square(v)
    np.testing.assert_allclose(tape.gradient(y, v), 2 * X)  # summed target
    w = RNG.normal(size=X.shape)
    np.testing.assert_allclose(tape.gradient(y, v, output_gradients=w), 2 * X * w)


def test_gradients_keep_the_variable_dtype():
    v = Variable(X.astype("float32"))
    with GradientTape():
        y = ops.sum(ops.multiply(ops.exp(v), np.float64(2.0)))
    g = gradients(y, [v])[0]
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * np.exp(X), rtol=1e-6)


def test_returned_gradients_are_independent_writable_arrays():
    a, b = Variable(np.ones(3)), Variable(np.ones(3))
    with GradientTape():
        y = ops.sum(ops.add(a, b))  # both gradients are the broadcast seed
    ga, gb = gradients(y, [a, b])
    ga *= 2.0  # e.g. gradient clipping in place
    np.testing.assert_array_equal(gb, np.ones(3))
    assert ga.flags.writeable and gb.flags.writeable


def test_assigning_a_variable_after_the_forward_pass_keeps_the_gradients():
    # a stateful RNN assigns its state Variable during the call that also reads it
    state, w = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0]))
    with GradientTape():
        y = ops.sum(ops.multiply(state, w))
        state.assign(np.array([10.0, 20.0]))
    np.testing.assert_allclose(gradients(y, [w])[0], [1.0, 2.0])


def test_long_chains_do_not_hit_the_recursion_limit():
    v = Variable(np.array(1.0))
    with GradientTape():
        y = v
        for _ in range(5000):
            y = ops.multiply(y, 1.0001)
    np.testing.assert_allclose(gradients(y, [v])[0], 1.0001**5000)


# ------------------------------------------------------------------------ Python operators

# NumPy constants for the operators: C broadcasts against X's batch dim, so with C the batch
# dim stays known; float32 so that float32 inputs keep float32 under NumPy's own promotion.
C = RNG.uniform(0.5, 1.5, size=(3, 4)).astype("float32")
ROW = RNG.uniform(0.5, 1.5, size=(4,)).astype("float32")

OPERATORS = {  # name: (fn, reference, batch dim may be None)
    "add": (lambda x: x + 2.0, lambda x: x + 2.0, True),
    "radd": (lambda x: 2.0 + x, lambda x: 2.0 + x, True),
    "radd array": (lambda x: C + x, lambda x: C + x, False),
    "radd row": (lambda x: ROW + x, lambda x: ROW + x, True),
    "sub": (lambda x: x - C, lambda x: x - C, False),
    "rsub": (lambda x: 1.0 - x, lambda x: 1.0 - x, True),
    "rsub array": (lambda x: C - x, lambda x: C - x, False),
    "mul": (lambda x: x * ROW, lambda x: x * ROW, True),
    "rmul": (lambda x: 3 * x, lambda x: 3 * x, True),
    "rmul array": (lambda x: C * x, lambda x: C * x, False),
    "div": (lambda x: x / C, lambda x: x / C, False),
    "rdiv": (lambda x: 1.0 / x, lambda x: 1.0 / x, True),
    "rdiv array": (lambda x: ROW / x, lambda x: ROW / x, True),
    "pow": (lambda x: x**2, lambda x: x**2, True),
    "rpow": (lambda x: 2.0**x, lambda x: 2.0**x, True),
    "rpow array": (lambda x: C**x, lambda x: C**x, False),
    "self ops": (lambda x: x * x - x / (x + 1.0), lambda x: x * x - x / (x + 1.0), True),
    "neg": (lambda x: -x, lambda x: -x, True),
    "pos": (lambda x: +x, lambda x: +x, True),
    "abs": (lambda x: abs(x - 1.0), lambda x: abs(x - 1.0), True),
    "getitem": (lambda x: x[1:, ::2], lambda x: x[1:, ::2], True),
    "T": (lambda x: x.T, lambda x: x.T, True),
    "matmul": (lambda x: x @ C.T, lambda x: x @ C.T, True),
    "rmatmul": (lambda x: C.T @ x, lambda x: C.T @ x, False),
}


@pytest.mark.parametrize("name", list(OPERATORS))
def test_operator(name):
    fn, ref, none_batch = OPERATORS[name]
    check_op(fn, [X], reference=ref, none_batch=none_batch)


@pytest.mark.parametrize("op", [operator.lt, operator.le, operator.gt, operator.ge])
def test_comparison_operators(op):
    check_op(lambda x: op(x, 1.0), [X], reference=lambda x: op(x, 1.0), none_batch=True)
    check_op(lambda x: op(ROW, x), [X], reference=lambda x: op(ROW, x), none_batch=True)


def test_reflected_operators_with_arrays_on_the_left_are_recorded():
    v = Variable(np.array([1.0, 2.0, 3.0], "float32"))
    with GradientTape():
        y = np.ones(3) * v
        z = np.arange(3.0) - v
        w = np.float32(2.0) ** v
        u = np.float64(0.5) * v
    for t in (y, z, w, u):
        assert isinstance(t, Tensor) and t.dtype == np.float32
    with GradientTape():
        loss = ops.sum(np.array([1.0, 2.0, 3.0]) * v)
    np.testing.assert_allclose(gradients(loss, [v])[0], [1.0, 2.0, 3.0])


def test_operators_in_place_rebind():
    v = Variable(np.ones(2))
    with GradientTape():
        t = v
        t += 1.0  # Tensors are immutable: += builds a new Tensor
        t *= v
    assert isinstance(t, Tensor) and v.numpy()[0] == 1.0
    np.testing.assert_allclose(gradients(t, [v])[0], [3.0, 3.0])
