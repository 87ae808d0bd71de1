"""Timings of the recurrent ops (not a test): ``python tests/kernels/bench_rnn.py``.

* W3-style LSTM(128) step of training: forward + backward of ``ops.lstm`` on a 32 x 80 x 128
  batch (gradients for the input, kernel, recurrent kernel and bias), fused path vs the
  generic op-by-op path; medians of several runs.
* First-use cost of the Numba kernels: a fresh process computing one forward + backward, with
  an empty Numba cache (cold: compile) and again with the cache it filled (warm: load).

``--threads N`` sets the BLAS threads (threadpoolctl when available, else environment
variables for the subprocesses). Compare figures from one run only (shared machines are noisy;
the process CPU times of the first-use figures are less sensitive to other processes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

CHILD = r"""
import time
c0 = time.process_time()
t0 = time.perf_counter()
import numpy as np
from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
t1 = time.perf_counter()
c1 = time.process_time()
rng = np.random.default_rng(0)
B, T, F, U = 32, 80, 128, 128
x = Variable(rng.standard_normal((B, T, F)).astype('float32'))
w = Variable((rng.standard_normal((F, 4 * U)) * 0.1).astype('float32'))
r = Variable((rng.standard_normal((U, 4 * U)) * 0.1).astype('float32'))
b = Variable(np.zeros(4 * U, 'float32'))
h0 = np.zeros((B, U), 'float32')
with GradientTape():
    out, h, c = ops.lstm(x, h0, h0, w, r, b)
    loss = ops.sum(out)
gradients(loss, [x, w, r, b])
t2 = time.perf_counter()
c2 = time.process_time()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {c1 - c0:.3f} {c2 - c1:.3f}")
"""


def _lstm_step(fused, x, w, r, b, h0):
    from kviz import ops
    from kviz.autodiff import GradientTape, gradients

    with GradientTape():
        out, _, _ = ops.lstm(x, h0, h0, w, r, b, fused=fused)
        loss = ops.sum(out)
    return gradients(loss, [x, w, r, b])


def bench_steps(repeats):
    import numpy as np

    from kviz import ops
    from kviz.autodiff import Variable

    rng = np.random.default_rng(0)
    batch, steps, feat, units = 32, 80, 128, 128
    x = Variable(rng.standard_normal((batch, steps, feat)).astype("float32"))
    w = Variable((rng.standard_normal((feat, 4 * units)) * 0.1).astype("float32"))
    r = Variable((rng.standard_normal((units, 4 * units)) * 0.1).astype("float32"))
    b = Variable(np.zeros(4 * units, "float32"))
    h0 = np.zeros((batch, units), "float32")
    rows = []
    for fused in (True, False):
        _lstm_step(fused, x, w, r, b, h0)  # warm-up (compiles the kernels once)
        times, fwd = [], []
        for _ in range(repeats if fused else max(2, repeats // 4)):
            t = time.perf_counter()
            _lstm_step(fused, x, w, r, b, h0)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            ops.lstm(x.data, h0, h0, w.data, r.data, b.data, fused=fused)
            fwd.append(time.perf_counter() - t)
        rows.append((fused, statistics.median(times), min(times), statistics.median(fwd)))
    print("LSTM(128), batch 32 x 80 steps x 128 features, forward + backward (ms):")
    for fused, med, best, fmed in rows:
        name = "fused (Numba gates)" if fused else "generic (ops loop) "
        print(
            f"  {name}  median {med * 1e3:7.1f}  best {best * 1e3:7.1f}  forward only {fmed * 1e3:7.1f}"
        )
    print(f"  generic / fused: {rows[1][1] / rows[0][1]:.1f}x")
    gflop = 6 * 2 * batch * steps * feat * 4 * units / 1e9  # 6 GEMMs of 32*80 x 128 x 512
    print(
        f"  matrix products: {gflop:.2f} GFLOP per step -> {gflop / rows[0][1]:.1f} GFLOP/s fused"
    )


def bench_compile(env):
    with tempfile.TemporaryDirectory() as cache:
        env = dict(env, NUMBA_CACHE_DIR=cache)
        for label in ("cold cache", "warm cache"):
            out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=REPO,
                                 capture_output=True, text=True, check=True)  # fmt: skip
            imp, first, cpu_imp, cpu_first = (float(v) for v in out.stdout.split())
            print(f"  {label}: import kviz {imp:.2f} s (CPU {cpu_imp:.2f} s), first forward+backward "
                  f"{first:.2f} s (CPU {cpu_first:.2f} s)")  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(args.threads)
        except ImportError:
            print("(threadpoolctl missing: BLAS threads limited in the subprocesses only)")
    bench_steps(args.repeats)
    print("First use of the kernels in a fresh process (LSTM forward + backward):")
    bench_compile(env)


if __name__ == "__main__":
    main()
