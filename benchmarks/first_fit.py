"""First-use (Numba compile) time of the CNN and LSTM models: cold and warm kernel cache.

    python benchmarks/first_fit.py            # W2 CNN and W3 LSTM, cold then warm

For each model a fresh ``python -c`` process builds it in kviz and runs ``fit`` on 2 batches
(256 28x28x1 images for the W2 CNN, 64 sequences of 80 for the W3 LSTM); the time printed is
from the start of the process to the end of that fit. "cold": ``NUMBA_CACHE_DIR`` points at an
empty folder (every kernel compiles); "warm": the same folder again (kernels load from the
cache). The figures go into the compile-time table of ``docs/performance.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPT = {
    "W2 CNN": (
        "import _common as C, worker_keras as W, kviz; x, y, _ = C.mnist_like(256, flat=False); "
        "W.cnn(kviz).fit(x, y, batch_size=128, epochs=1, verbose=0)"
    ),
    "W3 LSTM": (
        "import _common as C, worker_keras as W, kviz; x, y = C.imdb_like(64); "
        "W.lstm(kviz, 20000, 80).fit(x, y, batch_size=32, epochs=1, verbose=0)"
    ),
}


def run(code, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=HERE)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=HERE)
    return time.perf_counter() - t0


def main():
    for name, code in SCRIPT.items():
        with tempfile.TemporaryDirectory(prefix="kviz-first-fit-") as cache:
            cold = run(code, cache)
            warm = run(code, cache)
        print(f"{name}: first fit from process start: cold cache {cold:.2f} s, warm {warm:.2f} s")


if __name__ == "__main__":
    main()
