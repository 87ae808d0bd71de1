"""kviz.ops.array: shapes, indexing, joining and splitting, against NumPy and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from harness import check_op

from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.graph import KerasTensor
from kviz.ops import array as A

RNG = np.random.default_rng(3)
X = RNG.normal(size=(3, 4))
X3 = RNG.normal(size=(2, 3, 4))

COVERED: set[str] = set()


def covers(*names):
    COVERED.update(names)


# ------------------------------------------------------------------------ reshaping

covers("reshape", "transpose", "permute_dimensions", "expand_dims", "squeeze")
covers("flatten", "batch_flatten")


@pytest.mark.parametrize("shape", [(6, 4), (-1, 4), (None, 4), (2, -1, 2), (24,)], ids=str)
def test_reshape(shape):
    ref_shape = tuple(-1 if d is None else d for d in shape)
    check_op(lambda x: ops.reshape(x, shape), [X3], reference=lambda x: x.reshape(ref_shape))


def test_reshape_symbolic_unknown_batch():
    r = check_op(
        lambda x: ops.reshape(x, (-1, 12)),
        [X3],
        reference=lambda x: x.reshape(-1, 12),
        none_batch=True,
        expected_shape=(None, 12),
    )
    assert r.outputs[0].shape == (2, 12)


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (0, -1, 1), (-1, -2, -3)], ids=str)
def test_transpose(axes):
    check_op(lambda x: ops.transpose(x, axes), [X3], reference=lambda x: np.transpose(x, axes))


def test_transpose_property_and_permute_dimensions():
    check_op(lambda x: x.T, [X], reference=lambda x: x.T, none_batch=True)
    check_op(
        lambda x: ops.permute_dimensions(x, (0, 2, 1)),
        [X3],
        reference=lambda x: x.transpose(0, 2, 1),
        none_batch=True,
        expected_shape=(None, 4, 3),
    )


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_expand_dims(axis):
    check_op(
        lambda x: ops.expand_dims(x, axis),
        [X],
        reference=lambda x: np.expand_dims(x, axis),
        none_batch=axis not in (0, -3),
    )


@pytest.mark.parametrize("axis", [None, 1, -1, (1, 3), [-3, -1]], ids=str)
def test_squeeze(axis):
    x = RNG.normal(size=(2, 1, 3, 1))
    ref_axis = tuple(axis) if isinstance(axis, list) else axis
    check_op(lambda a: ops.squeeze(a, axis), [x], reference=lambda a: np.squeeze(a, ref_axis))


def test_squeeze_error_names_the_dimension():
    with pytest.raises(ValueError, match=r"dim\[1\]"):
        ops.squeeze(X, 1)


def test_flatten_and_batch_flatten():
    check_op(ops.flatten, [X3], reference=np.ravel)
    check_op(
        ops.batch_flatten,
        [X3],
        reference=lambda x: x.reshape(2, -1),
        none_batch=True,
        expected_shape=(None, 12),
    )


# ------------------------------------------------------------------------------- getitem

covers("getitem")
INDICES = {
    "int": 1,
    "negative int": -1,
    "numpy int": np.int64(2),
    "column": (slice(None), 1),
    "slice": slice(1, 3),
    "reversed": slice(None, None, -1),
    "step": (slice(None), slice(None, None, 2)),
    "ellipsis": (Ellipsis, 1),
    "ellipsis middle": (0, Ellipsis, slice(1, 3)),
    "newaxis": None,
    "newaxis middle": (slice(None), None, slice(1, None)),
    "newaxis ellipsis": (Ellipsis, None),
    "int array dup": np.array([0, 0, 2]),
    "int list": [2, 0, 2],
    "2d int array": np.array([[0, 1], [1, 0]]),
    "column int array": (slice(None), np.array([3, 0, 3, 3])),
    "pair of int arrays": (np.array([0, 2, 2]), np.array([1, 3, 3])),
    "bool mask full": X > 0,
    "bool mask rows": np.array([True, False, True]),
    "bool list": [False, True, True],
    "bool mask columns": (slice(None), np.array([True, False, True, True])),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_getitem(name):
    idx = INDICES[name]
    check_op(lambda x: x[idx], [X], reference=lambda x: x[idx])
    check_op(lambda x: ops.getitem(x, idx), [X], reference=lambda x: x[idx], symbolic=False)


@pytest.mark.parametrize(
    "idx,expected",
    [
        ((slice(None), 1), (None,)),
        ((slice(None), slice(1, 3)), (None, 2)),
        ((Ellipsis, None), (None, 4, 1)),
        ((slice(None), None, 0), (None, 1)),
        ((slice(None), np.array([0, 0, 1])), (None, 3)),
        (0, (4,)),
    ],
    ids=str,
)
def test_getitem_symbolic_batch(idx, expected):
    check_op(
        lambda x: x[idx], [X], reference=lambda x: x[idx], none_batch=True, expected_shape=expected
    )


def test_getitem_with_tensor_index():
    v = Variable(X)
    i = Variable(np.array([2, 0]))
    with GradientTape():
        y = ops.sum(v[i])
    np.testing.assert_allclose(gradients(y, [v])[0], np.array([[1.0] * 4, [0] * 4, [1] * 4]))


def test_iterating_over_a_tensor():
    v = Variable(X)
    with GradientTape():
        rows = list(v)
    assert len(rows) == 3
    np.testing.assert_allclose(rows[2].data, X[2])


# ------------------------------------------------------------------- joining, splitting

covers("concatenate", "stack", "split", "slice")


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_concatenate(axis):
    a, b, c = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    if axis in (0, -2):
        b = RNG.normal(size=(1, 3))
    else:
        b = RNG.normal(size=(2, 1))
    check_op(
        lambda *t: ops.concatenate(list(t), axis=axis),
        [a, b, c],
        reference=lambda *t: np.concatenate(t, axis=axis),
    )


def test_concatenate_symbolic_batch_and_constants():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2))
    check_op(
        lambda p, q: ops.concatenate([p, q], axis=-1),
        [a, b],
        reference=lambda p, q: np.concatenate([p, q], -1),
        none_batch=True,
        expected_shape=(None, 5),
    )
    const = np.ones((2, 1))
    check_op(  # plain float32 and float64 arrays promote to float64, as in NumPy
        lambda p: ops.concatenate([const, p, const], axis=1),
        [a],
        reference=lambda p: np.concatenate([const, p, const], 1),
        check_float32=False,
    )
    # a float64 constant does not upcast float32 tensors
    assert ops.concatenate([KerasTensor((2, 3)), const], -1).dtype == "float32"


def test_concatenate_gradient_to_the_same_tensor_twice():
    v = Variable(np.arange(3.0))
    with GradientTape():
        y = ops.sum(ops.multiply(ops.concatenate([v, v]), np.arange(6.0)))
    np.testing.assert_allclose(gradients(y, [v])[0], [3.0, 5.0, 7.0])


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(axis):
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    check_op(
        lambda p, q: ops.stack([p, q], axis=axis),
        [a, b],
        reference=lambda p, q: np.stack([p, q], axis=axis),
        none_batch=axis not in (0, -3),
    )


def test_stack_gradient_to_the_same_tensor_twice():
    v = Variable(np.arange(3.0))
    with GradientTape():
        y = ops.sum(ops.multiply(ops.stack([v, v, v], axis=1), np.arange(9.0).reshape(3, 3)))
    np.testing.assert_allclose(gradients(y, [v])[0], [3.0, 12.0, 21.0])


@pytest.mark.parametrize(
    "num_or_sizes,axis",
    [(2, 1), (3, 0), (1, -1), ([1, 3], 1), ([2, -1, 1], -1), ((1, 2), 0)],
    ids=str,
)
def test_split(num_or_sizes, axis):
    if isinstance(num_or_sizes, int):
        ref = lambda x: np.split(x, num_or_sizes, axis=axis)  # noqa: E731
    else:
        sizes = list(num_or_sizes)
        if -1 in sizes:
            sizes[sizes.index(-1)] = X.shape[axis] - (sum(sizes) + 1)
        ref = lambda x: np.split(x, np.cumsum(sizes)[:-1], axis=axis)  # noqa: E731
    r = check_op(
        lambda x: ops.split(x, num_or_sizes, axis=axis),
        [X],
        reference=ref,
        none_batch=axis not in (0, -2),
    )
    assert isinstance(r.symbolic, list)


def test_split_errors():
    with pytest.raises(ValueError, match="split"):
        ops.split(X, 3, axis=1)
    with pytest.raises(ValueError, match="split"):
        ops.split(X, [1, 1], axis=1)
    with pytest.raises(ValueError, match="unknown"):
        ops.split(KerasTensor((None, 4)), 2, axis=0)


@pytest.mark.parametrize(
    "start,size",
    [((0, 0), (3, 4)), ((1, 1), (2, 2)), ((0, 2), (-1, -1)), ((2, 0), (1, -1))],
    ids=str,
)
def test_slice(start, size):
    def ref(x):
        stop = [x.shape[i] if s == -1 else b + s for i, (b, s) in enumerate(zip(start, size))]
        return x[start[0] : stop[0], start[1] : stop[1]]

    check_op(lambda x: ops.slice(x, start, size), [X], reference=ref)


def test_slice_symbolic():
    check_op(
        lambda x: ops.slice(x, (0, 1, 0), (-1, 2, 3)),
        [X3],
        reference=lambda x: x[:, 1:3, 0:3],
        none_batch=True,
        expected_shape=(None, 2, 3),
    )


# ------------------------------------------------------------------ tiling, repeating

covers("tile", "repeat_elements", "repeat", "broadcast_to")


@pytest.mark.parametrize("reps", [2, (2, 1), (1, 3), (2, 1, 2), [3, 2]], ids=str)
def test_tile(reps):
    check_op(lambda x: ops.tile(x, reps), [X], reference=lambda x: np.tile(x, reps))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_repeat_elements(axis):
    check_op(
        lambda x: ops.repeat_elements(x, 3, axis),
        [X3],
        reference=lambda x: np.repeat(x, 3, axis=axis),
        none_batch=axis != 0,
    )


def test_repeat():
    check_op(
        lambda x: ops.repeat(x, 3),
        [X],
        reference=lambda x: np.repeat(x[:, None, :], 3, axis=1),
        none_batch=True,
        expected_shape=(None, 3, 4),
    )


@pytest.mark.parametrize(
    "src,dst", [((4,), (3, 4)), ((3, 1), (3, 4)), ((1, 4), (2, 3, 4)), ((), (2, 2))], ids=str
)
def test_broadcast_to(src, dst):
    x = RNG.normal(size=src)
    check_op(lambda a: ops.broadcast_to(a, dst), [x], reference=lambda a: np.broadcast_to(a, dst))


# ------------------------------------------------------------------------------- gather

covers("gather", "take_along_axis")


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
@pytest.mark.parametrize(
    "indices",
    [np.array([1, 0, 1]), np.array([[0, 1], [1, 1]]), np.array(1), np.array([-1, 0])],
    ids=["dup", "2d", "scalar", "negative"],
)
def test_gather(axis, indices):
    check_op(
        lambda x: ops.gather(x, indices, axis=axis),
        [X3],
        reference=lambda x: np.take(x, indices, axis=axis),
    )


def test_gather_indices_as_input():
    idx = np.array([2, 0, 2, 1])
    r = check_op(
        ops.gather,
        [X, idx],
        reference=lambda x, i: x[i],
        none_batch=[False, True],
        expected_shape=(None, 4),
    )
    assert r.grads.keys() == {0}


def test_gather_embedding_lookup():
    table = RNG.normal(size=(5, 3))
    ids = np.array([[0, 4, 4], [1, 0, 2]])
    check_op(lambda t: ops.gather(t, ids), [table], reference=lambda t: t[ids])


def test_gather_out_of_range():
    with pytest.raises(ValueError, match="indices"):
        ops.gather(X, np.array([3]))
    with pytest.raises(ValueError, match="indices"):
        ops.gather(X, np.array([4]), axis=1)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take_along_axis(axis):
    shape = list(X3.shape)
    shape[axis] = 5
    idx = np.random.default_rng(1).integers(0, X3.shape[axis], size=shape)
    check_op(
        lambda x: ops.take_along_axis(x, idx, axis=axis),
        [X3],
        reference=lambda x: np.take_along_axis(x, idx, axis=axis),
    )


def test_take_along_axis_picks_class_probabilities():
    probs = RNG.uniform(size=(4, 3))
    labels = np.array([[2], [0], [0], [1]])
    check_op(
        ops.take_along_axis,
        [probs, labels],
        params={"axis": -1},
        reference=lambda p, i: np.take_along_axis(p, i, axis=-1),
        none_batch=True,
        expected_shape=(None, 1),
    )


def test_take_along_axis_broadcasts_indices():
    idx = np.array([[[0, 3]]])  # (1, 1, 2) against (2, 3, 4)
    check_op(
        lambda x: ops.take_along_axis(x, idx, axis=2),
        [X3],
        reference=lambda x: np.take_along_axis(x, idx, axis=2),
    )


# ------------------------------------------------------------------- padding, flipping

covers("pad", "flip", "reverse", "cumsum", "cumprod")


@pytest.mark.parametrize(
    "pad_width,value", [(((1, 0), (2, 1)), 0), (((0, 0), (0, 3)), 1.5), (((2, 2), (0, 0)), -1)]
)
def test_pad(pad_width, value):
    check_op(
        lambda x: ops.pad(x, pad_width, constant_values=value),
        [X],
        reference=lambda x: np.pad(x, pad_width, constant_values=value),
        none_batch=pad_width[0] == (0, 0),
    )


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 1), [0, 2], None], ids=str)
def test_flip_and_reverse(axis):
    ref_axis = tuple(axis) if isinstance(axis, list) else axis
    check_op(lambda x: ops.flip(x, axis), [X3], reference=lambda x: np.flip(x, ref_axis))
    check_op(lambda x: ops.reverse(x, axis), [X3], reference=lambda x: np.flip(x, ref_axis))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum(axis):
    check_op(
        lambda x: ops.cumsum(x, axis), [X3], reference=lambda x: np.cumsum(x, axis), none_batch=True
    )


def test_cumsum_default_axis():
    np.testing.assert_allclose(ops.cumsum(X), np.cumsum(X, axis=0))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumprod(axis):
    check_op(
        lambda x: ops.cumprod(x, axis),
        [X3],
        reference=lambda x: np.cumprod(x, axis),
        none_batch=True,
    )


@pytest.mark.parametrize(
    "values", [[2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, 2.0], [1.5, -2.0, 0.5, 0.0]], ids=str
)
def test_cumprod_gradient_with_zeros(values):
    x = np.array([values, values[::-1]])
    check_op(lambda a: ops.cumprod(a, axis=1), [x], reference=lambda a: np.cumprod(a, 1))


# --------------------------------------------------------------------- no-gradient helpers

covers("one_hot", "shape")


def test_one_hot():
    idx = np.array([[0, 2], [1, 1]])
    r = check_op(
        lambda i: ops.one_hot(i, 3),
        [idx],
        reference=lambda i: np.eye(3, dtype="float32")[i],
        none_batch=True,
        expected_shape=(None, 2, 3),
    )
    assert r.outputs[0].dtype == np.float32


def test_one_hot_out_of_range_is_zero():
    np.testing.assert_array_equal(
        ops.one_hot(np.array([-1, 3, 1]), 3), [[0, 0, 0], [0, 0, 0], [0, 1, 0]]
    )


def test_shape():
    r = check_op(
        ops.shape,
        [X3],
        reference=lambda x: np.array(x.shape),
        none_batch=True,
        expected_shape=(3,),
    )
    assert r.outputs[0].dtype == np.int32


# -------------------------------------------------------------------------------- exports


def test_every_array_op_is_covered():
    assert set(A.__all__) == COVERED


def test_star_import_exports_only_ops():
    names = {}
    exec("from kviz.ops.array import *", names)
    names.pop("__builtins__")
    assert set(names) == set(A.__all__)
    assert not {"np", "builtins", "Primitive", "op", "apply"} & set(names)
    assert all(callable(names[n]) for n in names)
