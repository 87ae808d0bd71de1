"""Benchmark of the fused optimizer kernels (not collected by pytest; run it by hand).

    python tests/kernels/bench_optimizer_kernels.py [--repeats 300] [--no-compile]

On a 784x512 float32 weight (the first Dense kernel of the MNIST MLP) it prints the median time
of one RMSprop and one Adam update:

* ``numpy naive``: the Keras formula written with NumPy temporaries (what a plain NumPy engine
  does);
* ``numpy fallback``: kviz's in-place NumPy path (used for non-float32 / strided arrays);
* ``kernel``: kviz's fused serial Numba kernel;
* ``kernel after GEMM``: a 128x784 @ 784x512 product followed by the update, against the GEMM
  alone (the situation inside a training step);
* ``parallel kernel after GEMM``: the same loop compiled with ``parallel=True`` (defined here, not
  in kviz), to show why kviz's kernels are serial;
* ``apply_gradients``: the whole ``RMSprop().apply_gradients`` / ``Adam().apply_gradients``.

Then, in fresh processes with an empty ``NUMBA_CACHE_DIR``, the time of the first call of the
RMSprop and Adam kernels (compile, cold cache) and again with that cache filled (warm).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

SHAPE = (784, 512)


def median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def bench_steps(repeats):
    from kviz.autodiff import Variable
    from kviz.kernels import optimizer_updates as ou
    from kviz.optimizers import Adam, RMSprop

    rng = np.random.default_rng(0)
    p = rng.normal(size=SHAPE).astype("float32")
    g = rng.normal(size=SHAPE).astype("float32") * np.float32(0.01)
    a = np.abs(rng.normal(size=SHAPE)).astype("float32") * np.float32(1e-4)
    m = rng.normal(size=SHAPE).astype("float32") * np.float32(1e-3)
    v = a.copy()
    f = np.float32
    lr, rho, eps, b1, b2 = 0.001, 0.9, 1e-7, 0.9, 0.999

    def rms_naive():
        new_a = rho * a + (1.0 - rho) * np.square(g)
        a[...] = new_a
        p[...] = p - lr * g / (np.sqrt(new_a) + eps)

    def adam_naive():
        m_t = b1 * m + (1.0 - b1) * g
        v_t = b2 * v + (1.0 - b2) * np.square(g)
        m[...] = m_t
        v[...] = v_t
        p[...] = p - lr * m_t / (np.sqrt(v_t) + eps)

    x = rng.normal(size=(128, 784)).astype("float32")
    rows = {}
    rows["RMSprop numpy naive"] = median_ms(rms_naive, repeats)
    rows["RMSprop numpy fallback"] = median_ms(
        lambda: ou.rmsprop_numpy(p, g, a, f(lr), f(rho), f(1 - rho), f(eps)), repeats
    )
    rows["RMSprop kernel"] = median_ms(lambda: ou.rmsprop(p, g, a, lr, rho, eps), repeats)
    rows["Adam numpy naive"] = median_ms(adam_naive, repeats)
    rows["Adam numpy fallback"] = median_ms(
        lambda: ou.adam_numpy(
            p, g, m, v, None, f(lr), f(b1), f(1 - b1), f(b2), f(1 - b2), f(eps), False
        ),
        repeats,
    )
    rows["Adam kernel"] = median_ms(lambda: ou.adam(p, g, m, v, lr, b1, b2, eps), repeats)
    rows["GEMM 128x784 @ 784x512 alone"] = median_ms(lambda: x @ p, repeats)

    def gemm_then(fn):
        def both():
            x @ p
            fn()

        return both

    rows["GEMM + RMSprop kernel"] = median_ms(
        gemm_then(lambda: ou.rmsprop(p, g, a, lr, rho, eps)), repeats
    )
    try:
        import math

        import numba

        @numba.njit(cache=True, fastmath=False, error_model="numpy", parallel=True)
        def rms_parallel(p, g, a, lr, rho, omr, eps, tiny):
            for i in numba.prange(p.shape[0]):
                gi = g[i]
                ai = rho * a[i] + omr * (gi * gi)
                if abs(ai) < tiny:
                    ai = ai - ai
                a[i] = ai
                p[i] -= lr * gi / (math.sqrt(ai) + eps)

        flat = (p.reshape(-1), g.reshape(-1), a.reshape(-1))
        args = (f(lr), f(rho), f(1 - rho), f(eps), f(1e-30))
        rows["RMSprop parallel kernel alone"] = median_ms(
            lambda: rms_parallel(*flat, *args), repeats
        )
        rows["GEMM + RMSprop parallel kernel"] = median_ms(
            gemm_then(lambda: rms_parallel(*flat, *args)), repeats
        )
        rows["(numba threads, layer)"] = f"{numba.get_num_threads()}, {numba.threading_layer()}"
    except Exception as err:  # pragma: no cover - diagnostic only
        rows["parallel kernel"] = f"unavailable: {err}"

    for cls in (RMSprop, Adam):
        w = Variable(p.copy(), name="dense/kernel:0")
        opt = cls()
        rows[f"{cls.__name__}().apply_gradients (1 weight)"] = median_ms(
            lambda opt=opt, w=w: opt.apply_gradients([(g, w)]), repeats
        )
    return rows


_FIRST_CALL = """
import json, time, numpy as np
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
from kviz.kernels import optimizer_updates as ou
p, g, a, m = (np.ones((784, 512), 'float32') for _ in range(4))
t2 = time.perf_counter()
ou.rmsprop(p, g, a, 0.001, 0.9, 1e-7)
t3 = time.perf_counter()
ou.adam(p, g, m, a, 0.001, 0.9, 0.999, 1e-7)
t4 = time.perf_counter()
print(json.dumps({"import numba": t1 - t0, "RMSprop first call": t3 - t2,
                  "Adam first call": t4 - t3}))
"""


def bench_first_calls():
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(REPO)}
        for label in ("cold cache", "warm cache"):
            proc = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
            )
            out[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--no-compile", action="store_true", help="skip the first-call timings")
    args = ap.parse_args()
    print(f"one update of a {SHAPE[0]}x{SHAPE[1]} float32 weight (median of {args.repeats})")
    for name, value in bench_steps(args.repeats).items():
        shown = f"{value:8.3f} ms" if isinstance(value, float) else value
        print(f"  {name:<44} {shown}")
    if not args.no_compile:
        for label, row in bench_first_calls().items():
            print(f"first call in a new process, {label}:")
            for name, value in row.items():
                print(f"  {name:<44} {1e3 * value:8.1f} ms")


if __name__ == "__main__":
    main()
