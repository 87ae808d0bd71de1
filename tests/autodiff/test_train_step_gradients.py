"""The gradients a backward walk hands out: fresh, writable, never shared, copied only when
they must be (the training step relies on a dense layer's gradients not being copied)."""

import numpy as np

from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients


def _var(shape, value=1.0):
    return Variable(np.full(shape, value, "float32"))


def test_shared_gradient_of_a_sum_is_given_to_each_source_separately():
    a, b = _var((2, 3)), _var((2, 3))
    with GradientTape():
        y = ops.sum(ops.add(a, b))
    ga, gb = gradients(y, [a, b])
    assert not np.shares_memory(ga, gb)
    ga += 1  # writable, and changing one leaves the other alone
    np.testing.assert_array_equal(gb, np.ones((2, 3), "float32"))


def test_same_source_twice_gets_two_arrays():
    w = _var((2, 3))
    with GradientTape():
        y = ops.sum(ops.dense(np.ones((4, 2), "float32"), w, activation="relu"))
    g1, g2 = gradients(y, [w, w])
    np.testing.assert_array_equal(g1, g2)
    assert not np.shares_memory(g1, g2)


def test_caller_output_gradient_is_never_returned():
    w = _var((2, 3))
    with GradientTape():
        z = ops.multiply(w, 1.0)
    og = np.full((2, 3), 2.0, "float32")
    (g,) = gradients(z, [w], og)
    assert not np.shares_memory(g, og)
    g[...] = 0
    assert (og == 2.0).all()


def test_gradient_of_a_source_with_respect_to_itself_is_writable():
    w = _var((3,))
    with GradientTape():
        y = ops.reshape(w, (3,))
    (g,) = gradients(y, [w])
    g += 1
    assert g.flags.writeable and (g == 2).all()
    assert (w.numpy() == 1).all()


def test_broadcast_views_are_copied_to_writable_arrays():
    w = _var((2, 3))
    with GradientTape():
        y = ops.sum(w)  # the backward pass is a read-only broadcast of the seed
    (g,) = gradients(y, [w])
    assert g.flags.writeable and g.flags.c_contiguous and g.base is None


def test_gradients_keep_the_source_dtype():
    w = Variable(np.ones(3, "float32"))
    with GradientTape():
        y = ops.sum(ops.multiply(w, np.ones(3, "float64")))
    (g,) = gradients(y, [w])
    assert g.dtype == np.float32


def test_several_consumers_are_summed_exactly():
    """Accumulation (in place when the running sum is the walk's own) gives NumPy's sums."""
    rng = np.random.default_rng(0)
    wv = rng.standard_normal((3, 4)).astype("float32")
    x1 = rng.standard_normal((5, 3)).astype("float32")
    x2 = rng.standard_normal((5, 3)).astype("float32")
    x3 = rng.standard_normal((5, 3)).astype("float32")
    w = Variable(wv)
    with GradientTape():
        y = ops.add(
            ops.add(ops.sum(ops.dense(x1, w)), ops.sum(ops.dense(x2, w))), ops.sum(ops.dense(x3, w))
        )
    (g,) = gradients(y, [w])
    ones = np.ones((5, 4), "float32")
    parts = [x.T @ ones for x in (x1, x2, x3)]
    # the walk meets the consumers in reverse topological order; any order of float32
    # additions of these exact products agrees to rounding
    np.testing.assert_allclose(g, parts[0] + parts[1] + parts[2], rtol=1e-6)
    assert not any(np.shares_memory(g, p) for p in parts)


def test_persistent_tape_gives_the_same_gradients_after_the_first_are_changed():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    w, b = _var((3, 2), 0.5), _var((2,), 0.0)
    with GradientTape(persistent=True) as tape:
        y = ops.sum(ops.dense(x, w, b, activation="relu"))
    first = tape.gradient(y, [w, b])
    expected = [a.copy() for a in first]
    for a in first:
        a[...] = -7.0
    second = tape.gradient(y, [w, b])
    for e, s in zip(expected, second, strict=True):
        np.testing.assert_array_equal(e, s)
