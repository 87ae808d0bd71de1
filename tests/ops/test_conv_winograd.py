"""The Winograd F(2x2, 3x3) path of the ``conv`` primitive (``kviz.ops.conv_winograd``).

Which convolutions take it, outputs against the direct loop oracle (float64 tight, float32 to
rounding), gradients against float64 finite differences (``harness.check_op``), agreement with
the im2col + GEMM path in float32, the same results whatever the chunking and worker count, and
a Conv2D layer trained one step on either path. The Keras-oracle comparison of this path is in
``tests/oracle/test_oracle_conv.py`` (its 16-channel Conv2D cases and the W2 CNN).
"""

from __future__ import annotations

import numpy as np
import pytest
from conv_oracles import conv_loop
from harness import check_op

import kviz
from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.kernels import jit as kjit
from kviz.kernels import threads
from kviz.ops import conv_winograd as CW

RNG = np.random.default_rng(5)


def rand(*shape):
    return RNG.standard_normal(shape)


@pytest.fixture
def forced(monkeypatch):
    monkeypatch.setenv("KVIZ_CONV_ALGORITHM", "winograd")


def params(**kw):
    p = {
        "nd": 2,
        "groups": 1,
        "ksize": (1, 3, 3),
        "strides": (1, 1, 1),
        "dilation": (1, 1, 1),
        "pad": (0, 1, 1),
        "out": (1, 8, 8),
    }
    p.update(kw)
    return p


def test_which_convolutions_take_the_path(monkeypatch):
    x, w = np.zeros((1, 1, 8, 8, 16), "float32"), np.zeros((3, 3, 16, 16), "float32")
    assert CW.applies(params(), x, w)
    for change in (
        {"nd": 1},
        {"groups": 2},
        {"ksize": (1, 5, 5)},
        {"strides": (1, 2, 2)},
        {"dilation": (1, 2, 2)},
    ):
        assert not CW.applies(params(**change), x, w), change
    assert not CW.applies(params(), x, w.astype("float64"))  # mixed dtypes
    assert not CW.applies(params(), x.astype("float16"), w.astype("float16"))
    few = np.zeros((1, 1, 8, 8, 3), "float32")
    assert not CW.applies(params(), few, np.zeros((3, 3, 3, 16), "float32"))
    monkeypatch.setenv("KVIZ_CONV_ALGORITHM", "winograd")  # any channel count
    assert CW.applies(params(), few, np.zeros((3, 3, 3, 16), "float32"))
    monkeypatch.setenv("KVIZ_CONV_ALGORITHM", "gemm")  # never
    assert not CW.applies(params(), x, w)
    monkeypatch.delenv("KVIZ_CONV_ALGORITHM")
    kjit.set_available(False)  # no numba: the im2col path (which has a NumPy fallback)
    try:
        assert not CW.applies(params(), x, w)
    finally:
        kjit.set_available(None)


def test_the_primitive_records_which_path(forced):
    x, w = Variable(rand(1, 6, 6, 2)), Variable(rand(3, 3, 2, 3))
    calls = []
    original = CW.forward

    def spy(*args):
        calls.append(args[0].shape)
        return original(*args)

    CW.forward = spy
    try:
        ops.conv(x, w)
    finally:
        CW.forward = original
    assert calls == [(1, 1, 6, 6, 2)]


@pytest.mark.parametrize(
    "xs,padding",
    [
        ((2, 6, 6, 2), "valid"),
        ((2, 7, 5, 3), "valid"),
        ((1, 5, 6, 2), "same"),
        ((2, 7, 7, 1), "same"),
    ],
)
@pytest.mark.parametrize("relu", [False, True])
def test_against_loop_with_finite_difference_gradients(forced, xs, padding, relu):
    ks = (3, 3, xs[-1], 3)

    def reference(x, w, b):
        y = conv_loop(x, w, padding=padding) + b
        return np.maximum(y, 0) if relu else y

    check_op(
        lambda x, w, b: ops.conv(
            x, w, padding=padding, bias=b, activation="relu" if relu else None
        ),
        [rand(*xs), rand(*ks), rand(3) * 0.1],
        reference=reference,
        atol=1e-11,
        rtol=1e-10,
        symbolic=False,
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_float32_agrees_with_the_gemm_path(monkeypatch, padding):
    x = rand(3, 11, 10, 16).astype("float32")
    w = (rand(3, 3, 16, 20) * 0.2).astype("float32")
    b = rand(20).astype("float32")
    results = {}
    for mode in ("gemm", "winograd"):
        monkeypatch.setenv("KVIZ_CONV_ALGORITHM", mode)
        xv, wv, bv = Variable(x), Variable(w), Variable(b)
        with GradientTape():
            y = ops.conv(xv, wv, padding=padding, bias=bv, activation="relu")
        g = np.cos(np.arange(y.numpy().size)).reshape(y.shape).astype("float32")
        results[mode] = [y.numpy(), *gradients(y, [xv, wv, bv], output_gradient=g)]
    for a, b_ in zip(results["gemm"], results["winograd"]):
        assert a.dtype == b_.dtype == np.float32
        np.testing.assert_allclose(b_, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())


@pytest.mark.parametrize("workers", [1, 3])
def test_chunks_and_workers_do_not_change_results(forced, monkeypatch, workers):
    x, w, b = rand(5, 7, 6, 3), rand(3, 3, 3, 4), rand(4)
    xv, wv, bv = Variable(x), Variable(w), Variable(b)
    with GradientTape():
        y = ops.conv(xv, wv, padding="same", bias=bv)
    g = rand(*y.shape)
    full = [y.numpy(), *gradients(y, [xv, wv, bv], output_gradient=g)]
    monkeypatch.setattr(CW, "CHUNK_BYTES", 1)  # one sample per chunk
    threads.set_num_workers(workers)
    try:
        with GradientTape():
            y = ops.conv(xv, wv, padding="same", bias=bv)
        got = [y.numpy(), *gradients(y, [xv, wv, bv], output_gradient=g)]
    finally:
        threads.set_num_workers(None)
    for a, b_ in zip(got, full):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)


def test_first_layer_input_gets_no_gradient_work(forced):
    x, w = rand(2, 6, 6, 2), Variable(rand(3, 3, 2, 3))
    with GradientTape():
        y = ops.conv(x, w)
    (gw,) = gradients(y, [w])
    ref = np.einsum("nhwc,nhwf->cf", x[:, :4, :4], np.ones((2, 4, 4, 3)))
    np.testing.assert_allclose(gw[0, 0], ref, rtol=1e-12)


def _one_step(monkeypatch, mode):
    monkeypatch.setenv("KVIZ_CONV_ALGORITHM", mode)
    rng = np.random.default_rng(0)
    model = kviz.models.Sequential(
        [
            kviz.layers.Conv2D(16, 3, activation="relu", input_shape=(9, 9, 16)),
            kviz.layers.Conv2D(16, 3, padding="same", activation="relu"),
            kviz.layers.Flatten(),
            kviz.layers.Dense(1),
        ]
    )
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.1 for w in model.get_weights()]
    model.set_weights(weights)
    model.compile(optimizer=kviz.optimizers.SGD(0.01), loss="mse")
    x = rng.standard_normal((8, 9, 9, 16)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    before = model.evaluate(x, y, verbose=0)
    model.train_on_batch(x, y)
    return before, model.evaluate(x, y, verbose=0), model.get_weights()


def test_a_conv_model_trains_the_same_on_both_paths(monkeypatch):
    b1, a1, w1 = _one_step(monkeypatch, "gemm")
    b2, a2, w2 = _one_step(monkeypatch, "auto")  # 16 channels and filters: Winograd
    assert a1 < b1 and a2 < b2
    np.testing.assert_allclose([b2, a2], [b1, a1], rtol=1e-5)
    for p, q in zip(w1, w2):
        np.testing.assert_allclose(q, p, rtol=1e-4, atol=1e-6)
