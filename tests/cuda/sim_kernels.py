"""Every CUDA kernel against the CPU result, forward and gradients, under the simulator.

Each check runs an op twice: on host arrays (the NumPy/Numba CPU path) and on Variables whose
values live on the (simulated) GPU, under a GradientTape, with the loss ``sum(y * G)`` for a
fixed random ``G``; outputs and the gradients of every input must agree. No check may fall
back to the host (``transfer_stats()['fallbacks']`` stays empty). Shapes are tiny: the
simulator runs one Python thread per CUDA thread.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from kviz import ops
from kviz.autodiff import GradientTape, Variable
from kviz.kernels import device
from kviz.kernels import optimizer_updates as ou
from kviz.kernels.device import DeviceArray, to_device

pytestmark = pytest.mark.cuda_sim

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
assert SIMULATED or device.cuda_status()["usable"], (
    "these tests need the CUDA simulator (run them through tests/cuda/test_cuda_sim.py) or a GPU"
)

RNG = np.random.default_rng(0)


def rand(*shape, low=-1.0, high=1.0, dtype="float32"):
    return RNG.uniform(low, high, shape).astype(dtype)


def run(fn, arrays, on_gpu):
    vs = [Variable(to_device(a) if on_gpu else a) for a in arrays]
    with GradientTape() as tape:
        y = fn(*vs)
        g = np.random.default_rng(1).standard_normal(np.shape(y.data)).astype(y.dtype)
        loss = ops.sum(ops.multiply(y, g))
    grads = tape.gradient(loss, vs)
    if on_gpu:
        assert isinstance(y.data, DeviceArray)
        assert all(gr is None or isinstance(gr, DeviceArray) for gr in grads)
    return np.asarray(y.data), [None if gr is None else np.asarray(gr) for gr in grads]


def check(fn, *arrays, rtol=1e-5, atol=1e-6, grads=True):
    device.reset_transfer_stats()
    y_cpu, g_cpu = run(fn, arrays, on_gpu=False)
    y_gpu, g_gpu = run(fn, arrays, on_gpu=True)
    assert device.transfer_stats()["fallbacks"] == {}
    assert y_gpu.shape == y_cpu.shape and y_gpu.dtype == y_cpu.dtype
    np.testing.assert_allclose(y_gpu, y_cpu, rtol=rtol, atol=atol)
    if grads:
        for a, b in zip(g_cpu, g_gpu):
            assert (a is None) == (b is None)
            if a is not None:
                assert b.shape == a.shape and b.dtype == a.dtype
                np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- elementwise
@pytest.mark.parametrize(
    "name",
    ["exp", "tanh", "sigmoid", "softplus", "sin", "cos", "square", "abs", "negative", "relu"],
)
def test_unary_activations_and_gradients(name):
    check(getattr(ops, name), rand(3, 5, low=-3, high=3))


@pytest.mark.parametrize("name", ["log", "sqrt"])
def test_unary_on_positive_inputs(name):
    check(getattr(ops, name), rand(4, 4, low=0.1, high=3))


def test_pow_and_clip():
    x = rand(4, 4, low=0.2, high=2)
    check(lambda v: ops.pow(v, 3.0), x)
    check(lambda v: ops.pow(v, 0.5), x)
    check(lambda v: ops.clip(v, 0.5, 1.5), x)
    check(lambda v: ops.clip(v, None, 1.0), x)


def test_functions_without_gradient():
    x = rand(4, 4, low=-3, high=3)
    for name in ("sign", "floor", "ceil"):
        check(getattr(ops, name), x, grads=False)


BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum"]


@pytest.mark.parametrize("sa, sb", [((4, 5), (5,)), ((4, 1), (1, 5)), ((2, 3, 4), (3, 1))])
@pytest.mark.parametrize("name", BINARY)
def test_binary_with_broadcasting(name, sa, sb):
    a, b = rand(*sa), rand(*sb, low=0.5, high=2)
    check(getattr(ops, name), a, b)


def test_binary_same_shape():
    a, b = rand(3, 4), rand(3, 4, low=0.5, high=2)
    for name in BINARY:
        check(getattr(ops, name), a, b)


def test_binary_with_python_and_numpy_scalars():
    x = rand(3, 4)
    check(lambda v: v * 2.5 + 1.0, x)
    check(lambda v: 1.0 - v / np.float32(3.0), x)
    check(lambda v: ops.maximum(v, 0.25), x)


# ----------------------------------------------------------------------------- reductions
@pytest.mark.parametrize(
    "axis, keepdims", [(None, False), (-1, False), ((0, 2), False), (0, True), (None, True)]
)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions(name, axis, keepdims):
    check(lambda v: getattr(ops, name)(v, axis=axis, keepdims=keepdims), rand(3, 4, 5))


def test_losses_reduce_on_the_gpu():
    from kviz import losses

    y = np.eye(4, dtype="float32")[[0, 2, 1]]
    p = np.abs(rand(3, 4)) + 0.1
    check(lambda v: ops.mean(losses.categorical_crossentropy(y, ops.softmax(v))), p)
    check(lambda v: ops.mean(losses.mean_squared_error(y, v)), p)
    check(lambda v: ops.mean(losses.binary_crossentropy(y, ops.sigmoid(v))), p)


# ---------------------------------------------------------------------- layout and types
def test_reshape_transpose_cast():
    x = rand(2, 3, 4)
    check(lambda v: ops.reshape(v, (4, -1)), x)
    check(lambda v: ops.transpose(v, (2, 0, 1)), x)
    check(lambda v: ops.transpose(v), x)
    check(lambda v: ops.cast(v, "float64"), x)
    check(lambda v: ops.stop_gradient(v) * v, x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name):
    check(getattr(ops, name), rand(3, 6, low=-4, high=4))


def test_dropout_uses_the_host_mask():
    check(lambda v: ops.dropout(v, 0.4, seed=3), rand(4, 6))
    check(lambda v: ops.dropout(v, 0.5, noise_shape=(None, 1), seed=5), rand(4, 6))


def test_indexing_gathers_and_scatters_back():
    x = rand(4, 5)
    check(lambda v: v[1:3, ::2], x)
    check(lambda v: v[[0, 0, 3]], x)  # a repeated row: the gradient accumulates
    check(lambda v: v[x > 0], x)
    check(lambda v: ops.take_along_axis(v, np.array([[1], [0], [4], [1]]), axis=-1), x)
    check(lambda v: ops.gather(v, np.array([[3, 1], [1, 0]])), x)  # an Embedding lookup
    check(lambda v: ops.gather(v, np.array([4, 0]), axis=1), x)


def test_sparse_categorical_crossentropy():
    from kviz import losses

    labels = np.array([0, 2, 1, 2])
    check(lambda v: ops.mean(losses.sparse_categorical_crossentropy(labels, ops.softmax(v))),
          rand(4, 3))  # fmt: skip


# ------------------------------------------------------------------------ matrix products
def test_matmul_2d_and_batched():
    check(ops.matmul, rand(5, 7), rand(7, 3))
    check(ops.matmul, rand(2, 5, 9), rand(2, 9, 4))
    check(ops.matmul, rand(9, 10), rand(10, 9))  # more than one (8x8) tile each way


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_dense(bias, activation):
    x, w, b = rand(6, 5), rand(5, 3), rand(3)
    if bias:
        check(lambda x_, w_, b_: ops.dense(x_, w_, b_, activation=activation), x, w, b)
    else:
        check(lambda x_, w_: ops.dense(x_, w_, activation=activation), x, w)


def test_dense_on_a_3d_input():
    check(lambda x_, w_, b_: ops.dense(x_, w_, b_), rand(2, 3, 5), rand(5, 4), rand(4))


# ---------------------------------------------------------------------------- convolution
@pytest.mark.parametrize(
    "kw",
    [
        dict(padding="valid"),
        dict(padding="same"),
        dict(padding="same", strides=2),
        dict(padding="valid", dilation_rate=2),
    ],
    ids=["valid", "same", "strides2", "dilation2"],
)
def test_conv2d(kw):
    x, k, b = rand(1, 5, 5, 2), rand(2, 2, 2, 2), rand(2)
    check(lambda x_, k_, b_: ops.conv(x_, k_, bias=b_, **kw), x, k, b, rtol=1e-4, atol=1e-5)


def test_conv2d_fused_relu_pointwise_and_channels_first():
    x, k, b = rand(1, 4, 4, 2), rand(2, 2, 2, 2), rand(2)
    check(lambda x_, k_, b_: ops.conv(x_, k_, bias=b_, activation="relu"), x, k, b, rtol=1e-4)
    check(ops.conv, x, rand(1, 1, 2, 3), rtol=1e-4, atol=1e-5)
    xf = rand(1, 2, 4, 4)
    check(lambda x_, k_: ops.conv2d(x_, k_, data_format="channels_first"), xf, k, rtol=1e-4)


def test_conv1d_causal_and_conv3d():
    check(lambda x_, k_: ops.conv1d(x_, k_, padding="causal"), rand(2, 5, 2), rand(3, 2, 2))
    check(lambda x_, k_: ops.conv3d(x_, k_, padding="same"), rand(1, 3, 3, 3, 1),
          rand(2, 2, 2, 1, 1), rtol=1e-4, atol=1e-5)  # fmt: skip


# -------------------------------------------------------------------------------- pooling
@pytest.mark.parametrize(
    "kw",
    [
        dict(pool_size=(2, 2)),
        dict(pool_size=(3, 3), strides=(1, 1)),  # overlapping windows
        dict(pool_size=(2, 2), padding="same", strides=(2, 2)),
        dict(pool_size=(3, 3), padding="same", strides=(2, 2)),
    ],
    ids=["2x2", "3x3s1", "same", "same3"],
)
@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
def test_pool2d(name, kw):
    x = rand(2, 5, 5, 2)
    check(lambda v: getattr(ops, name)(v, **kw), x)


def test_max_pool_ties_go_to_the_first_maximum():
    x = np.zeros((1, 4, 4, 1), "float32")
    check(lambda v: ops.max_pool(v, (3, 3), strides=(1, 1)), x)


def test_pool1d_and_3d():
    check(lambda v: ops.max_pool(v, (2,), padding="same"), rand(2, 5, 3))
    check(lambda v: ops.average_pool(v, (2, 2, 2)), rand(1, 4, 4, 4, 1))


# ----------------------------------------------------------------------- optimizer updates
def _update_pair(fn, n_state, **kw):
    """Run ``fn`` on host arrays and on their GPU copies; compare weights and state."""
    p, g = rand(7, 5), rand(7, 5)
    state = [np.abs(rand(7, 5)) for _ in range(n_state)]
    host = [p.copy(), g.copy(), *[s.copy() for s in state]]
    gpu = [to_device(a) for a in (p, g, *state)]
    fn(*host, **kw)
    fn(*gpu, **kw)
    for a, b in zip(host, gpu):
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-5, atol=1e-6)


def test_optimizer_updates_match_the_cpu_kernels():
    device.reset_transfer_stats()
    _update_pair(lambda p, g: ou.sgd(p, g, 0.1), 0)
    for nesterov in (False, True):
        _update_pair(lambda p, g, v, n=nesterov: ou.momentum(p, g, v, 0.1, 0.9, n), 1)
    _update_pair(lambda p, g, a: ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7), 1)
    _update_pair(
        lambda p, g, a, m, c: ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7, mom=m, mg=c, momentum=0.5),
        3,
    )
    for amsgrad in (False, True):
        _update_pair(
            lambda p, g, m, v, h, a=amsgrad: ou.adam(p, g, m, v, 0.01, 0.9, 0.999, 1e-7,
                                                      vhat=h if a else None),
            3,
        )  # fmt: skip
    assert device.transfer_stats()["fallbacks"] == {}


def test_other_optimizer_updates_run_on_host_copies():
    with pytest.warns(device.HostFallbackWarning, match="adagrad"):
        _update_pair(lambda p, g, a: ou.adagrad(p, g, a, 0.1, 1e-7), 1)
    assert device.transfer_stats()["fallbacks"] == {"optimizer update 'adagrad'": 1}


# ---------------------------------------------------------------------- the array itself
def test_device_array_basics():
    a = rand(3, 4)
    d = to_device(a)
    assert d.shape == (3, 4) and d.dtype == np.float32 and d.ndim == 2 and len(d) == 3
    np.testing.assert_array_equal(np.asarray(d), a)
    np.testing.assert_allclose((a + d).numpy(), a + a)  # ndarray (op) DeviceArray -> device
    np.testing.assert_allclose((2.0 - d).numpy(), 2.0 - a)
    np.testing.assert_allclose((d**2).numpy(), a**2, rtol=1e-6)
    np.testing.assert_array_equal((d > 0).numpy(), (a > 0).astype("float32"))
    np.testing.assert_allclose(d.sum(axis=1).numpy(), a.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(d.T.numpy(), a.T)
    assert d.astype("float64").dtype == np.float64
    e = d.copy()
    e.copy_from(np.zeros((3, 4)))
    assert float(e.sum()) == 0.0 and float(d.sum()) == pytest.approx(float(a.sum()), rel=1e-5)
    np.testing.assert_array_equal(d[1].numpy(), a[1])
    np.testing.assert_array_equal(d[:, [0, 2]].numpy(), a[:, [0, 2]])


def test_doctests():
    import doctest

    from kviz.kernels.cuda import array_ops

    result = doctest.testmod(array_ops, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
