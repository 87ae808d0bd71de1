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
