"""GFLOP/s of NumPy float32 GEMMs on the W1 shapes; prints ``RESULT {json}`` last.

Two modes: ``kviz`` (under ``kviz.kernels.blas.compute()`` and through
``kviz.kernels.blas.matmul``, i.e. the BLAS threads kviz computes with: with the automatic
policy, large products on the cores other processes leave idle at that moment) and ``default``
(the library's default thread count, plain ``a @ b``), and ``one`` (one BLAS thread) when
the default is more. For each: the rate on
128x784 @ 784x512 (W1's largest product) and on 32x784 @ 784x512 (W4's), and the summed median
times of all the products of one W1 step (forward, weight gradients, input gradients of layers
2 and 3) at batch 128 (times the steps of an epoch) and at batch 32.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402


def step_products(batch, rng):
    """(a, b) operand pairs of one W1 training step's matrix products (as kviz computes them)."""
    pairs = []
    dims = C.W1_LAYERS
    for i, (n_in, n_out) in enumerate(dims):
        x = rng.random((batch, n_in), dtype=np.float32)
        w = rng.random((n_in, n_out), dtype=np.float32)
        g = rng.random((batch, n_out), dtype=np.float32)
        pairs.append((x, w))  # forward
        pairs.append((x.T, g))  # weight gradient
        if i > 0:
            pairs.append((g, w.T))  # input gradient
    return pairs


def med_time(a, b, reps, mm=np.matmul):
    for _ in range(3):
        mm(a, b)
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        mm(a, b)
        ts.append(time.perf_counter() - t)
    return C.median(ts)


def measure(reps, mm=np.matmul):
    rng = np.random.default_rng(0)
    out = {}
    for name, (m, k, n) in {"w1": (128, 784, 512), "w4": (32, 784, 512)}.items():
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        out[f"{name}_gflops"] = 2 * m * k * n / med_time(a, b, reps, mm) / 1e9
    steps_full, rest = divmod(60000, 128)
    step128 = sum(med_time(a, b, reps, mm) for a, b in step_products(128, rng))
    step_rest = sum(med_time(a, b, reps, mm) for a, b in step_products(rest, rng)) if rest else 0
    out["w1_shapes_epoch_s"] = steps_full * step128 + step_rest
    out["w4_shapes_step_ms"] = (
        sum(med_time(a, b, reps, mm) for a, b in step_products(32, rng)) * 1e3
    )
    return out


def main():
    quick = "--quick" in sys.argv
    reps = 30 if quick else 200
    result = {}
    try:
        from kviz.kernels import blas
    except ImportError:
        blas = None
    ctx = blas.compute() if blas else contextlib.nullcontext()
    mm = getattr(blas, "matmul", np.matmul) if blas else np.matmul
    if blas and hasattr(blas, "background_cores"):  # a first load sample for the auto policy
        blas.background_cores()
        time.sleep(getattr(blas, "SAMPLE_SECONDS", 0.5) + 0.1)
    with ctx:
        threads = blas.get_blas_threads() if blas else None
        result["kviz"] = {"threads": threads, **measure(reps, mm)}
        if blas and hasattr(blas, "wide_threads"):
            result["kviz"]["wide_threads"] = blas.wide_threads()
            result["kviz"]["background_cores"] = blas.background_cores()
    if blas:
        result["policy"] = blas.describe()
        result["library"] = blas.library()
        default = blas.get_blas_threads()
        result["default"] = {"threads": default, **measure(reps)}
        if default != 1:
            blas.set_blas_threads(1)
            try:
                result["one"] = {"threads": 1, **measure(reps)}
            finally:
                blas.set_blas_threads(default)
    C.emit(result)


if __name__ == "__main__":
    main()
