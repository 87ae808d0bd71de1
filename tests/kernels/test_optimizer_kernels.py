"""The fused Numba optimizer kernels against their NumPy fallbacks, subnormal flushing, and the
lazy ``@jit`` helper.

The kernels and the fallbacks do the same float32 operations in the same order (``fastmath``
off, so no fused multiply-add or reassociation), so they are compared bit for bit.
Timings: ``python tests/kernels/bench_optimizer_kernels.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kviz.kernels import jit as kjit
from kviz.kernels import optimizer_updates as ou

REPO = Path(__file__).resolve().parents[2]
SHAPE = (37, 23)  # odd sizes: vectorised body plus remainder loop


def _arrays(n, seed=0, positive=(), small=()):
    """n random float32 arrays; ``positive`` ones are |x| + 0.1, ``small`` ones 0.05 * x."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        a = rng.normal(size=SHAPE).astype("float32")
        if i in positive:
            a = np.abs(a) + np.float32(0.1)
        elif i in small:
            a = a * np.float32(0.05)
        out.append(a)
    return out


# name -> (function, number of state arrays, indices of non-negative states, _arrays kwargs)
CASES = {
    "sgd": (lambda p, g: ou.sgd(p, g, 0.1), 0, (), {}),
    "momentum": (lambda p, g, v: ou.momentum(p, g, v, 0.1, 0.9), 1, (), {}),
    "nesterov": (lambda p, g, v: ou.momentum(p, g, v, 0.1, 0.9, nesterov=True), 1, (), {}),
    "rmsprop": (lambda p, g, a: ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7), 1, (2,), {}),
    "rmsprop-momentum": (
        lambda p, g, a, m: ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7, mom=m, momentum=0.5),
        2,
        (2,),
        {},
    ),
    "rmsprop-centered": (
        lambda p, g, a, mg: ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7, mg=mg),
        2,
        (2,),
        {"small": (3,)},
    ),
    "rmsprop-centered-momentum": (
        lambda p, g, a, m, mg: ou.rmsprop(p, g, a, 0.01, 0.8, 1e-7, mom=m, mg=mg, momentum=0.3),
        3,
        (2,),
        {"small": (4,)},
    ),
    "adagrad": (lambda p, g, a: ou.adagrad(p, g, a, 0.01, 1e-7), 1, (2,), {}),
    "adadelta": (lambda p, g, a, d: ou.adadelta(p, g, a, d, 1.0, 0.95, 1e-7), 2, (2, 3), {}),
    "adam": (lambda p, g, m, v: ou.adam(p, g, m, v, 0.001, 0.9, 0.999, 1e-7), 2, (3,), {}),
    "amsgrad": (
        lambda p, g, m, v, h: ou.adam(p, g, m, v, 0.001, 0.9, 0.999, 1e-7, vhat=h),
        3,
        (3, 4),
        {},
    ),
    "adamax": (lambda p, g, m, u: ou.adamax(p, g, m, u, 0.002, 0.9, 0.999, 1e-7), 2, (3,), {}),
    "nadam": (
        lambda p, g, m, v: ou.nadam(
            p, g, m, v, 0.002, 0.9, 0.999, 1e-7, 0.45, 0.2, 0.45, 0.46, 0.002
        ),
        2,
        (3,),
        {},
    ),
}


def _run(case, arrays, use_kernels):
    fn = CASES[case][0]
    kjit.set_available(None if use_kernels else False)
    try:
        fn(*arrays)
    finally:
        kjit.set_available(None)


@pytest.fixture(autouse=True)
def _no_numpy_warmup():
    """These tests are about the kernels: skip the NumPy warm-up of a fresh process."""
    saved = ou._warmup[0]
    ou._warmup[0] = ou.NUMPY_FIRST
    yield
    ou._warmup[0] = saved


@pytest.mark.parametrize("case", sorted(CASES))
def test_kernel_equals_numpy_fallback(case):
    _, n_state, positive, extra = CASES[case]
    base = _arrays(2 + n_state, seed=len(case), positive=positive, **extra)
    with_kernel = [a.copy() for a in base]
    with_numpy = [a.copy() for a in base]
    for _ in range(3):  # several steps, state carried over
        _run(case, with_kernel, True)
        _run(case, with_numpy, False)
    for i, (k, n) in enumerate(zip(with_kernel, with_numpy)):
        assert np.all(np.isfinite(k)), f"{case}: array {i} has non-finite values"
        if i == 1:
            np.testing.assert_array_equal(k, base[1])  # the gradient is only read
        np.testing.assert_array_equal(k, n, err_msg=f"{case}: array {i} differs")
    assert not np.array_equal(with_kernel[0], base[0]), "the weight did not move"


def test_kernels_were_used():
    p, g, a = _arrays(3, positive=(2,))
    ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7)
    assert ou.KERNELS["rmsprop"].compiled
    assert ou._fusable(p, g, a)
    # not fusable: float64, strided, shape mismatch, read-only weight
    assert not ou._fusable(p.astype(np.float64), g, a)
    assert not ou._fusable(p[:, ::2], g[:, ::2], a[:, ::2])
    assert not ou._fusable(p, g[:3], a)
    ro = p.copy()
    ro.flags.writeable = False
    assert not ou._fusable(ro, g, a)


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_fallback_for_other_dtypes(dtype):
    p, g, m, v = (x.astype(dtype) for x in _arrays(4, positive=(3,)))
    ref = [x.astype(np.float64) for x in (p, g, m, v)]
    ou.adam(p, g, m, v, 0.01, 0.9, 0.999, 1e-7)
    ou.adam_numpy(*ref, None, 0.01, 0.9, 0.1, 0.999, 1.0 - 0.999, 1e-7, False)
    assert p.dtype == np.dtype(dtype) and m.dtype == np.dtype(dtype)
    tol = 1e-12 if dtype == "float64" else 2e-3
    np.testing.assert_allclose(p, ref[0], rtol=tol, atol=tol)
    np.testing.assert_allclose(m, ref[2], rtol=tol, atol=tol)


def test_fallback_for_strided_views_updates_in_place():
    big = _arrays(3, positive=(2,))
    views = [b[:, ::2] for b in big]
    dense = [v.copy() for v in views]
    ou.rmsprop(*views, 0.01, 0.9, 1e-7)  # strided: NumPy path, writes through the views
    ou.rmsprop(*dense, 0.01, 0.9, 1e-7)  # contiguous: kernel
    np.testing.assert_array_equal(big[0][:, ::2], dense[0])
    np.testing.assert_array_equal(big[2][:, ::2], dense[2])


@pytest.mark.parametrize("use_kernels", [True, False], ids=["kernel", "numpy"])
def test_subnormal_state_flushed_to_zero(use_kernels):
    tiny = np.float32(1e-35)  # below the 1e-30 threshold (a normal float32 down to ~1.2e-38)
    sub = np.float32(1e-40)  # a subnormal float32
    p = np.array([1.0, 1.0, 1.0, 1.0, 1e-35], "float32")
    g = np.array([0.0, 1e-16, 1e-2, 0.0, 0.0], "float32")
    m = np.array([tiny, 0.0, 0.5, sub, 0.0], "float32")
    v = np.array([tiny, 0.0, 0.5, sub, 0.0], "float32")
    _run("adam", [p, g, m, v], use_kernels)
    assert m[0] == 0 and v[0] == 0 and m[3] == 0 and v[3] == 0
    assert m[1] != 0  # 0.1 * 1e-16 = 1e-17: kept
    assert v[1] == 0  # 0.001 * 1e-32: flushed
    assert m[2] != 0 and v[2] != 0
    assert p[4] == np.float32(1e-35)  # weights are never flushed
    a = np.array([sub, 1e-29, 1.0], "float32")
    p2, g2 = np.ones(3, "float32"), np.zeros(3, "float32")
    kjit.set_available(None if use_kernels else False)
    try:
        ou.rmsprop(p2, g2, a, 0.01, 0.9, 1e-7)
        assert a[0] == 0 and a[1] != 0 and a[2] == np.float32(0.9)
        d = np.full(3, 1e-34, "float32")
        acc = np.full(3, 1e-34, "float32")
        ou.adadelta(np.ones(3, "float32"), np.zeros(3, "float32"), acc, d, 1.0, 0.95, 1e-7)
        assert np.all(acc == 0) and np.all(d == 0)
        vel = np.full(3, 1e-33, "float32")
        ou.momentum(np.ones(3, "float32"), np.zeros(3, "float32"), vel, 0.1, 0.9)
        assert np.all(vel == 0)
    finally:
        kjit.set_available(None)


def test_zero_dimensional_and_single_element_weights():
    p, g, a = np.array(1.0, "float32"), np.array(2.0, "float32"), np.array(0.0, "float32")
    ou.rmsprop(p, g, a, 0.01, 0.9, 1e-7)
    assert p.shape == () and a == np.float32(0.4)


# ================================================================================= jit
def test_jit_is_lazy_and_compiles_on_first_call():
    @kjit.jit()
    def add(x, y):
        return x + y

    assert not add.compiled and add.__name__ == "add"
    assert "not compiled" in repr(add)
    assert add(2, 3) == 5
    assert add.compiled
    assert add.py_func(1, 1) == 2
    assert add.dispatcher is add.dispatcher


def _python(code, **env):
    full_env = {**os.environ, **env}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=full_env,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_importing_kernels_does_not_import_numba():
    code = (
        "import sys; from kviz.kernels import optimizer_updates, jit; print('numba' in sys.modules)"
    )
    assert _python(code) == "False"


def test_disable_numba_env_uses_numpy():
    code = (
        "import sys, numpy as np; from kviz.kernels import optimizer_updates as ou; "
        "p, g, a = np.ones(4, 'float32'), np.ones(4, 'float32'), np.zeros(4, 'float32'); "
        "ou.rmsprop(p, g, a, 0.1, 0.9, 1e-7); "
        "print(ou.KERNELS['rmsprop'].compiled, 'numba' in sys.modules, round(float(p[0]), 5))"
    )
    assert _python(code, KVIZ_DISABLE_NUMBA="1") == "False False 0.68377"


def test_uncacheable_location_falls_back_to_no_cache(tmp_path, monkeypatch):
    # A function whose source file numba cannot find a cache locator for.
    src = "def twice(x):\n    return 2 * x\n"
    namespace: dict = {}
    exec(compile(src, "<kviz-test-no-file>", "exec"), namespace)
    fn = kjit.jit()(namespace["twice"])
    with pytest.warns(RuntimeWarning, match="cannot cache"):
        assert fn(21) == 42


def test_large_weights_split_over_workers_give_the_same_bits():
    from kviz.kernels import threads

    rng = np.random.default_rng(5)
    n = ou.MIN_SPLIT + 7
    p0, g = rng.standard_normal(n).astype("float32"), rng.standard_normal(n).astype("float32")
    results = []
    for workers in (1, 2):
        threads.set_num_workers(workers)
        try:
            p, m, v = p0.copy(), np.zeros(n, "float32"), np.zeros(n, "float32")
            a, d = np.zeros(n, "float32"), np.zeros(n, "float32")
            ou.adam(p, g, m, v, 0.001, 0.9, 0.999, 1e-7)
            ou.rmsprop(p, g, a, 0.001, 0.9, 1e-7)
            ou.adadelta(p, g, a, d, 1.0, 0.95, 1e-7)
            results.append((p, m, v, a, d))
        finally:
            threads.set_num_workers(None)
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)


def test_first_updates_of_a_process_stay_in_numpy():
    code = (
        "import sys, numpy as np; from kviz.kernels import optimizer_updates as ou; "
        "p, g, a = np.ones(4, 'float32'), np.ones(4, 'float32'), np.zeros(4, 'float32'); "
        "ou.rmsprop(p, g, a, 0.1, 0.9, 1e-7); first = round(float(p[0]), 5); "
        "before = 'numba' in sys.modules; "
        "[ou.rmsprop(p, g, a, 0.1, 0.9, 1e-7) for _ in range(ou.NUMPY_FIRST)]; "
        "print(first, before, ou.KERNELS['rmsprop'].compiled)"
    )
    assert _python(code) == "0.68377 False True"
