"""kviz's BLAS thread policy (kviz.kernels.blas): set while kviz computes, restored after."""

from __future__ import annotations

import numpy as np
import pytest

from kviz.kernels import blas


@pytest.fixture
def policy():
    saved = blas._state.get("threads", "unset")
    yield blas
    if saved == "unset":
        blas._state.pop("threads", None)
    else:
        blas._state["threads"] = saved


needs_blas = pytest.mark.skipif(blas.library() is None, reason="no controllable BLAS found")


def test_env_parsing(policy, monkeypatch):
    for raw, want in [("", 1), ("1", 1), ("2", 2), ("0", None), ("default", None), ("x", 1)]:
        monkeypatch.setenv("KVIZ_BLAS_THREADS", raw)
        policy._state.pop("threads", None)
        assert policy.compute_threads() == want, raw


def test_set_compute_threads(policy):
    policy.set_compute_threads(3)
    assert policy.compute_threads() == 3
    policy.set_compute_threads(None)
    assert policy.compute_threads() is None
    assert "left alone" in policy.describe()


@needs_blas
def test_compute_sets_and_restores(policy):
    before = policy.get_blas_threads()
    policy.set_blas_threads(2)
    try:
        policy.set_compute_threads(1)
        with policy.compute():
            assert policy.get_blas_threads() == 1
            with policy.compute():  # re-entrant
                assert policy.get_blas_threads() == 1
            assert policy.get_blas_threads() == 1
        assert policy.get_blas_threads() == 2
        policy.set_compute_threads(None)  # leave BLAS alone
        with policy.compute():
            assert policy.get_blas_threads() == 2
    finally:
        policy.set_blas_threads(before)


@needs_blas
def test_restored_after_an_error(policy):
    before = policy.get_blas_threads()
    policy.set_blas_threads(2)
    try:
        policy.set_compute_threads(1)
        with pytest.raises(RuntimeError), policy.compute():
            raise RuntimeError("boom")
        assert policy.get_blas_threads() == 2
        assert policy.compute().depth == 0
    finally:
        policy.set_blas_threads(before)


@needs_blas
def test_model_calls_run_under_the_policy(policy):
    from kviz.layers import Dense, Layer
    from kviz.models import Sequential

    seen = []

    class Probe(Layer):
        def call(self, inputs):
            seen.append(policy.get_blas_threads())
            return inputs

    before = policy.get_blas_threads()
    policy.set_blas_threads(2)
    try:
        policy.set_compute_threads(1)
        model = Sequential([Dense(3, input_shape=(4,)), Probe()])
        model.compile("sgd", "mse")
        x, y = np.ones((8, 4), "float32"), np.ones((8, 3), "float32")
        seen.clear()
        model.fit(x, y, epochs=1, verbose=0)
        model.train_on_batch(x, y)
        model.evaluate(x, y, verbose=0)
        model.predict(x)
        model.predict_on_batch(x)
        model(x)
        assert seen and set(seen) == {1}
        assert policy.get_blas_threads() == 2
    finally:
        policy.set_blas_threads(before)


# ------------------------------------------------------------------ the automatic policy
@pytest.fixture
def auto(policy):
    keys = ("threads", "auto", "cpus", "sample", "background")
    saved = {k: policy._state[k] for k in keys if k in policy._state}
    policy.set_compute_threads("auto")
    yield policy
    for k in keys:
        policy._state.pop(k, None)
    policy._state.update(saved)


def _load(policy, cores, cpus=2):
    """Pretend the last load sample (taken just now) saw ``cores`` busy elsewhere."""
    import time

    now = time.monotonic()
    policy._state.update(cpus=cpus, sample=(now, 0.0, 0.0), background=cores)
    return now


def test_env_auto(policy, monkeypatch):
    for raw in ("", "auto", "x"):
        monkeypatch.setenv("KVIZ_BLAS_THREADS", raw)
        policy._state.pop("threads", None)
        assert policy.compute_threads() == 1 and policy._state["auto"], raw
    monkeypatch.setenv("KVIZ_BLAS_THREADS", "2")
    policy._state.pop("threads", None)
    assert policy.compute_threads() == 2 and not policy._state["auto"]


def test_wide_threads_follow_the_load(auto):
    now = _load(auto, 0.0)
    assert auto.wide_threads(now) == 2 and auto.idle_cores(now) == 2
    now = _load(auto, 0.9)  # a neighbour busy on one core: back to one thread
    assert auto.wide_threads(now) == 1 and auto.idle_cores(now) == 1
    now = _load(auto, 3.0, cpus=8)
    assert auto.wide_threads(now) == 5
    now = _load(auto, None)  # load unknown: one thread
    assert auto.wide_threads(now) == 1
    auto.set_compute_threads(1)  # a fixed count is never widened
    now = _load(auto, 0.0)
    assert auto.wide_threads(now) == 1


def test_background_sampling_measures_other_processes(auto):
    import time

    auto._state.pop("sample", None)
    auto._state.pop("background", None)
    t0 = time.monotonic()
    assert auto.background_cores(t0) is None  # first sample: nothing to compare with
    bg = auto.background_cores(t0 + auto.SAMPLE_SECONDS + 0.01)
    assert bg is None or bg >= 0.0


@needs_blas
def test_matmul_widens_large_products_and_restores(auto, monkeypatch):
    seen = []
    real = np.matmul

    def spy(a, b, out=None):
        seen.append(auto.get_blas_threads())
        return real(a, b, out=out)

    monkeypatch.setattr(auto.np, "matmul", spy)
    big = np.ones((128, 256), "float32"), np.ones((256, 256), "float32")  # 16.8 MFLOP
    small = np.ones((4, 8), "float32"), np.ones((8, 3), "float32")
    before = auto.get_blas_threads()
    with auto.compute():
        _load(auto, 0.0)
        np.testing.assert_array_equal(auto.matmul(*big), np.full((128, 256), 256, "float32"))
        auto.matmul(*small)
        _load(auto, 1.5)
        auto.matmul(*big)
        assert auto.get_blas_threads() == 1
    assert seen == [2, 1, 1]
    assert auto.get_blas_threads() == before
    # outside compute() BLAS is left alone
    seen.clear()
    auto.matmul(*big)
    assert seen == [before]


def test_tune_allocator_once(policy):
    first = policy.tune_allocator()
    assert isinstance(first, bool)
    assert policy.tune_allocator() is first


@needs_blas
def test_quiesce_after_wide_products(auto):
    big = np.ones((128, 256), "float32"), np.ones((256, 256), "float32")
    with auto.compute():
        _load(auto, 0.0)
        auto.matmul(*big)
        assert auto._state.get("spinning")
        auto.quiesce()  # OpenBLAS's workers stopped; they come back at the next wide product
        assert not auto._state["spinning"]
        auto.quiesce()  # nothing to do
        _load(auto, 0.0)
        np.testing.assert_array_equal(auto.matmul(*big), np.full((128, 256), 256, "float32"))
