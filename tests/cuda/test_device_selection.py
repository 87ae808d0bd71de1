"""Device selection on a machine without a GPU (this process does not use the simulator):
argument checks, the CPU fallback with a message naming what is missing, and training that
carries on on the CPU."""

from __future__ import annotations

import os

import numpy as np
import pytest

from kviz import config, layers, models
from kviz.kernels import device


@pytest.fixture(autouse=True)
def no_simulator(monkeypatch):
    """The simulator off (the device probe reads the variable when it runs)."""
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)


@pytest.fixture
def fresh_status(monkeypatch):
    """Probe again (the answer is cached per process), and restore the cache afterwards."""
    monkeypatch.setattr(device, "_STATUS", {})
    monkeypatch.setattr(device, "_AUTO", {})


def test_set_device_checks_its_argument():
    with pytest.raises(ValueError, match=r"Unknown device 'gpu'; expected one of \('auto'"):
        config.set_device("gpu")
    with pytest.raises(ValueError, match="Unknown device"):
        config.device("tpu")
    assert config.requested_device() == "auto"


def test_auto_is_the_cpu_without_a_gpu(monkeypatch, fresh_status):
    monkeypatch.setattr(device, "_driver_present", lambda: False)
    config.set_device("auto")
    assert config.get_device() == "cpu"
    assert device.resolve("auto") == "cpu"


def test_cuda_without_numba_cuda_warns_and_uses_the_cpu(monkeypatch, fresh_status):
    real = device._find_spec
    monkeypatch.setattr(device, "_find_spec", lambda n: None if n == "numba_cuda" else real(n))
    with pytest.warns(device.CUDAUnavailableWarning, match=r"numba-cuda is not installed"):
        config.set_device("cuda")
    assert config.requested_device() == "cuda" and config.get_device() == "cpu"
    assert "pip install 'kviz[cuda]'" in device.cuda_status()["reason"]


def test_cuda_without_a_driver_warns_and_uses_the_cpu(monkeypatch, fresh_status):
    monkeypatch.setattr(device, "_find_spec", lambda n: object())  # numba-cuda "installed"
    monkeypatch.setattr(device, "_driver_present", lambda: False)
    with pytest.warns(device.CUDAUnavailableWarning, match="no NVIDIA driver was found"):
        config.set_device("cuda")
    assert config.get_device() == "cpu"


def test_cuda_asks_numba_cuda_past_the_cheap_checks(monkeypatch, fresh_status):
    # the probe gets past the cheap checks and asks numba.cuda for a usable device
    monkeypatch.setattr(device, "_driver_present", lambda: True)
    if device._find_spec("numba_cuda") is None:
        monkeypatch.setattr(device, "_find_spec", lambda n: object())
    real_gpu = os.path.exists("/proc/driver/nvidia/version")
    if real_gpu:  # a machine with a GPU: 'cuda' is simply taken
        config.set_device("cuda")
        assert config.get_device() == "cuda"
        return
    with pytest.warns(device.CUDAUnavailableWarning, match="CUDA driver") as record:
        config.set_device("cuda")
    assert "computes on the CPU instead" in str(record[0].message)
    assert config.get_device() == "cpu"


def test_fit_with_cuda_requested_trains_on_the_cpu(monkeypatch, fresh_status):
    monkeypatch.setattr(device, "_driver_present", lambda: False)
    x = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = models.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(device.CUDAUnavailableWarning):
        with config.device("cuda"):
            history = model.fit(x, y, epochs=2, verbose=0)
            assert config.get_device() == "cpu"
    assert config.requested_device() == "auto"
    assert len(history.history["loss"]) == 2
    assert all(type(w.data) is np.ndarray for w in model.weights)


def test_import_kviz_does_not_load_numba_cuda():
    import subprocess
    import sys

    code = (
        "import sys, kviz, numpy as np\n"
        "from kviz import layers, models, config\n"
        "m = models.Sequential([layers.Dense(1, input_shape=(2,))]); m.compile('sgd', 'mse')\n"
        "m.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)\n"
        "print(config.get_device(), 'numba.cuda' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    # 'auto' on a machine without a driver decides without importing numba.cuda
    expected = ["cuda", "True"] if device._driver_present() else ["cpu", "False"]
    assert out.stdout.split() == expected


def test_kviz_device_is_the_config_context_manager():
    import kviz

    assert kviz.device is config.device
    with kviz.device("cpu"):
        assert config.requested_device() == "cpu" and config.get_device() == "cpu"
    assert config.requested_device() == "auto"


@pytest.mark.parametrize("module", ["kviz.config", "kviz.kernels.device", "kviz.ops.core"])
def test_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
