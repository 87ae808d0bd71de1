"""Training on 'cuda' under the simulator: the same losses as on the CPU, the state kept on the
GPU during fit (no host round trips on the MLP/CNN path), the host fallback for the rest, and
device selection with the simulator (not a GPU for 'auto', usable when asked for)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from kviz import config, layers, models, ops, optimizers
from kviz.autodiff import GradientTape, Variable
from kviz.kernels import device
from kviz.kernels.device import DeviceArray, to_device

pytestmark = pytest.mark.cuda_sim

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
assert SIMULATED or device.cuda_status()["usable"], (
    "these tests need the CUDA simulator (run them through tests/cuda/test_cuda_sim.py) or a GPU"
)

RNG = np.random.default_rng(7)
X = RNG.standard_normal((8, 6, 6, 1)).astype("float32")
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 8)]


def cnn(optimizer):
    config.set_random_seed(3)
    model = models.Sequential(
        [
            layers.Conv2D(2, 3, activation="relu", input_shape=(6, 6, 1)),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(5, activation="tanh"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def mlp(optimizer):
    config.set_random_seed(4)
    model = models.Sequential(
        [
            layers.Flatten(input_shape=(6, 6, 1)),
            layers.Dense(5, activation="relu"),
            layers.Dense(3, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def fit_on(where, make, optimizer, epochs=1):
    config.set_device(where)
    model = make(optimizer)
    device.reset_transfer_stats(record=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning on this path
        history = model.fit(X, Y, batch_size=4, epochs=epochs, verbose=0, shuffle=False)
    return model, history.history, device.transfer_stats()


@pytest.mark.parametrize(
    "make, optimizer",
    [
        (cnn, lambda: optimizers.Adam(0.01)),
        (mlp, lambda: optimizers.RMSprop(0.01)),
        (mlp, lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    ],
    ids=["cnn-adam", "mlp-rmsprop", "mlp-sgd-nesterov"],
)
def test_fit_on_cuda_matches_the_cpu(make, optimizer):
    cpu_model, cpu_hist, _ = fit_on("cpu", make, optimizer())
    gpu_model, gpu_hist, stats = fit_on("cuda", make, optimizer())
    for key, values in cpu_hist.items():
        np.testing.assert_allclose(gpu_hist[key], values, rtol=1e-4, atol=1e-6, err_msg=key)
    for a, b in zip(cpu_model.get_weights(), gpu_model.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    for a, b in zip(cpu_model.optimizer.get_weights(), gpu_model.optimizer.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    # after fit the model is an ordinary host model again
    assert all(type(w.data) is np.ndarray for w in gpu_model.weights)

    # no host round trips: no fallback; each weight goes up once (at the start) and comes down
    # once (at the end), with the optimizer slots; per step only the batch (x, y, the dropout
    # mask) goes up and the logged loss and the predictions (for the metrics) come down
    assert stats["fallbacks"] == {}
    weights = sorted(w.shape for w in gpu_model.weights)
    slots = sorted(w.shape for w in gpu_model.optimizer.weights[1:])
    steps = 2
    x_shapes = {(4, 6, 6, 1), (4, 36)}  # the batch (flattened on the host by the mlp)
    batch_shapes = x_shapes | {(4, 3), (4, 8)}  # x, y, the dropout mask (cnn)
    ups = [s for d, s in stats["log"] if d == "up"]
    downs = [s for d, s in stats["log"] if d == "down"]
    assert sorted(s for s in ups if s not in batch_shapes) == weights
    assert sum(s in x_shapes for s in ups) == steps
    state_downs = [s for s in downs if s != () and s != (4, 3)]
    assert sorted(state_downs) == sorted(weights + slots)
    assert sum(s == () for s in downs) == 2 * steps  # loss total and its one output value


def test_evaluate_and_predict_on_cuda_match_the_cpu():
    model = cnn("sgd")
    expected_loss, expected_acc = model.evaluate(X, Y, batch_size=4, verbose=0)
    expected = model.predict(X, batch_size=4)
    with config.device("cuda"):
        device.reset_transfer_stats()
        loss, acc = model.evaluate(X, Y, batch_size=4, verbose=0)
        pred = model.predict(X, batch_size=4)
        assert device.transfer_stats()["fallbacks"] == {}
    assert type(pred) is np.ndarray
    np.testing.assert_allclose(pred, expected, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-5) and acc == expected_acc


def test_a_layer_without_cuda_kernel_falls_back_and_still_trains(monkeypatch):
    monkeypatch.setattr(device, "_WARNED", set())  # as in a fresh process

    def make(optimizer):
        config.set_random_seed(5)
        model = models.Sequential(
            [layers.Flatten(input_shape=(6, 6, 1)), layers.Dense(4, activation="elu"),
             layers.Dense(3, activation="softmax")]
        )  # fmt: skip
        model.compile(optimizer=optimizer, loss="categorical_crossentropy")
        return model

    cpu = make("adagrad").fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    config.set_device("cuda")
    device.reset_transfer_stats()
    with pytest.warns(device.HostFallbackWarning) as record:
        gpu = make("adagrad").fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    fallbacks = device.transfer_stats()["fallbacks"]
    assert fallbacks == {"elu": 2, "optimizer update 'adagrad'": 2 * 4}  # 2 steps, 4 weights
    messages = [str(r.message) for r in record if r.category is device.HostFallbackWarning]
    assert len(messages) == 2 and "'elu'" in messages[0]  # once per primitive
    np.testing.assert_allclose(gpu.history["loss"], cpu.history["loss"], rtol=1e-5)


@pytest.mark.filterwarnings("ignore::kviz.kernels.device.HostFallbackWarning")
def test_fallback_copy_path_gives_cpu_values_and_gradients():
    x = RNG.standard_normal((3, 4)).astype("float32")

    def fn(v):
        return ops.cumsum(ops.concatenate([v, ops.square(v)], axis=1), axis=1)

    results = []
    for on_gpu in (False, True):
        device.reset_transfer_stats()
        v = Variable(to_device(x) if on_gpu else x)
        with GradientTape() as tape:
            y = fn(v)
            loss = ops.sum(ops.multiply(y, y))
        grad = tape.gradient(loss, v)
        results.append((np.asarray(y.data), np.asarray(grad)))
        if on_gpu:
            assert type(y.data) is DeviceArray and type(grad) is DeviceArray
            assert device.transfer_stats()["fallbacks"] == {"concatenate": 1, "cumsum": 1}
    (y0, g0), (y1, g1) = results
    np.testing.assert_allclose(y1, y0, rtol=1e-6)
    np.testing.assert_allclose(g1, g0, rtol=1e-5)


def test_auto_ignores_the_simulator_and_cuda_uses_it():
    status = device.cuda_status(refresh=True)
    assert status["usable"] and status["simulated"] == SIMULATED
    config.set_device("auto")
    assert config.get_device() == ("cpu" if SIMULATED else "cuda")  # the simulator: not a GPU
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.set_device("cuda")
    assert config.get_device() == "cuda"
    with config.device("cpu"):
        assert config.get_device() == "cpu"
    assert config.get_device() == "cuda"
