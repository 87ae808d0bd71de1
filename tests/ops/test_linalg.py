"""kviz.ops.linalg: matmul, dense, Keras's dot and batch_dot (shapes as in the Keras 2 docs)."""

from __future__ import annotations

import numpy as np
import pytest
from harness import check_op

from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.graph import KerasTensor
from kviz.ops import linalg as L

RNG = np.random.default_rng(5)


def rand(*shape):
    return RNG.normal(size=shape)


# ------------------------------------------------------------------------------- matmul


@pytest.mark.parametrize(
    "sa,sb,flags",
    [
        ((3, 4), (4, 2), [True, False]),
        ((2, 3, 4), (2, 4, 5), [True, True]),
        ((2, 3, 4), (4, 5), [True, False]),
        ((3, 4), (2, 4, 5), [False, True]),
        ((2, 1, 3, 4), (3, 4, 2), [True, False]),
    ],
    ids=str,
)
def test_matmul(sa, sb, flags):
    check_op(ops.matmul, [rand(*sa), rand(*sb)], reference=np.matmul, none_batch=flags)


def test_matmul_operator_and_reflected():
    a, b = rand(3, 4), rand(4, 2)
    check_op(lambda p, q: p @ q, [a, b], reference=np.matmul, none_batch=[True, False])
    v = Variable(b)
    with GradientTape():
        y = ops.sum(a @ v)  # ndarray on the left: __rmatmul__ records
    np.testing.assert_allclose(gradients(y, [v])[0], a.sum(0)[:, None] * np.ones((1, 2)))


def test_matmul_errors():
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.matmul(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="last axis"):
        ops.matmul(np.ones((2, 3)), np.ones((4, 2)))


def test_matmul_keeps_float32_with_float64_constants():
    kernel = Variable(np.ones((3, 2), "float32"))
    with GradientTape():
        y = ops.matmul(np.ones((4, 3)), kernel)
    assert y.dtype == np.float32


# -------------------------------------------------------------------------------- dense


@pytest.mark.parametrize("xshape", [(5, 3), (2, 4, 3), (3,)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_dense(xshape, bias):
    x, w, b = rand(*xshape), rand(3, 2), rand(2)
    if bias:
        check_op(
            ops.dense,
            [x, w, b],
            reference=lambda x, w, b: x @ w + b,
            none_batch=[len(xshape) > 1, False, False],
        )
    else:
        check_op(ops.dense, [x, w], reference=np.matmul, none_batch=[len(xshape) > 1, False])


def test_dense_does_not_modify_its_inputs():
    x, w, b = rand(2, 3), rand(3, 3), rand(3)
    x0, w0, b0 = x.copy(), w.copy(), b.copy()
    ops.dense(x, w, b)
    ops.dense(np.eye(3), w, b)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(b, b0)


def test_dense_shape_error():
    with pytest.raises(ValueError, match="kernel"):
        ops.dense(np.ones((2, 3)), np.ones((4, 2)))


def test_dense_int_input_float_kernel():
    y = ops.dense(np.array([[1, 2, 3]]), np.ones((3, 2), "float32"), np.zeros(2, "float32"))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[6, 6]])


# ---------------------------------------------------------------------------------- dot


@pytest.mark.parametrize(
    "sx,sy,out",
    [
        ((3, 4), (4, 5), (3, 5)),
        ((2, 3, 4), (4, 5), (2, 3, 5)),  # Keras docs: (32, 28, 3) . (3, 4) -> (32, 28, 4)
        ((2, 3), (4, 3, 5), (2, 4, 5)),  # Keras docs: (2, 3) . (4, 3, 5) -> (2, 4, 5)
        ((2, 3, 4), (5, 4, 2), (2, 3, 5, 2)),
        ((2, 4), (4,), (2,)),
        ((4,), (4, 5), (5,)),
        ((4,), (3, 4, 5), (3, 5)),
    ],
    ids=str,
)
def test_dot(sx, sy, out):
    def ref(x, y):
        if y.ndim == 1 or x.ndim == 1:
            return np.tensordot(x, y, axes=([-1], [0 if y.ndim == 1 else -2]))
        return np.tensordot(x, y, axes=([-1], [-2]))

    r = check_op(ops.dot, [rand(*sx), rand(*sy)], reference=ref)
    assert r.outputs[0].shape == out


def test_dot_symbolic_batch():
    check_op(
        ops.dot,
        [rand(2, 3, 4), rand(5, 4, 2)],
        reference=lambda x, y: np.tensordot(x, y, axes=([-1], [-2])),
        none_batch=[True, False],
        expected_shape=(None, 3, 5, 2),
    )


def test_dot_shape_error():
    with pytest.raises(ValueError, match="dot"):
        ops.dot(np.ones((2, 3, 4)), np.ones((3, 5)))


# ---------------------------------------------------------------------------- batch_dot


def batch_dot_reference(x, y, axes):
    """Per-sample tensordot, then Keras 2's rule: a rank-1 result gets a trailing axis."""
    out = np.stack(
        [np.tensordot(x[i], y[i], axes=(axes[0] - 1, axes[1] - 1)) for i in range(len(x))]
    )
    return out[:, None] if out.ndim == 1 else out


@pytest.mark.parametrize(
    "sx,sy,axes,out",
    [
        ((4, 20), (4, 30, 20), (1, 2), (4, 30)),  # Keras docs example
        ((4, 5), (4, 5), None, (4, 1)),  # (b, n) . (b, n) -> (b, 1)
        ((4, 5), (4, 5), 1, (4, 1)),
        ((4, 3, 5), (4, 5, 2), None, (4, 3, 2)),
        ((4, 3, 5), (4, 5, 2), (2, 1), (4, 3, 2)),
        ((4, 3, 5), (4, 3, 2), (1, 1), (4, 5, 2)),
        ((4, 3, 5), (4, 5), None, (4, 3)),
        ((4, 5), (4, 5, 2), None, (4, 2)),
        ((4, 3, 5), (4, 2, 5), (-1, -1), (4, 3, 2)),
        ((2, 3, 4, 5), (2, 5, 6), (3, 1), (2, 3, 4, 6)),
    ],
    ids=str,
)
def test_batch_dot(sx, sy, axes, out):
    nx, ny = len(sx), len(sy)
    ref_axes = axes
    if axes is None:
        ref_axes = (nx - 1, ny - 1) if ny == 2 else (nx - 1, ny - 2)
    elif isinstance(axes, int):
        ref_axes = (axes, axes)
    ref_axes = (ref_axes[0] % nx, ref_axes[1] % ny)
    r = check_op(
        lambda x, y: ops.batch_dot(x, y, axes=axes),
        [rand(*sx), rand(*sy)],
        reference=lambda x, y: batch_dot_reference(x, y, ref_axes),
        none_batch=True,
        expected_shape=(None,) + out[1:],
    )
    assert r.outputs[0].shape == out


def test_batch_dot_errors():
    with pytest.raises(ValueError, match="batch axis"):
        ops.batch_dot(np.ones((2, 3)), np.ones((2, 3)), axes=(0, 1))
    with pytest.raises(ValueError, match="dimension"):
        ops.batch_dot(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.batch_dot(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="batch size"):
        ops.batch_dot(np.ones((2, 3)), np.ones((4, 3)))


def test_batch_dot_symbolic_with_keras_tensors():
    x, y = KerasTensor((None, 20)), KerasTensor((None, 30, 20))
    assert ops.batch_dot(x, y, axes=(1, 2)).shape == (None, 30)


# -------------------------------------------------------------------------------- exports


def test_every_linalg_op_is_covered():
    assert set(L.__all__) == {"matmul", "dense", "dot", "batch_dot"}


def test_star_import_exports_only_ops():
    names = {}
    exec("from kviz.ops.linalg import *", names)
    names.pop("__builtins__")
    assert set(names) == set(L.__all__)
