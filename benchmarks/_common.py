"""What every benchmark worker shares: the workloads' sizes, the synthetic data, timers, FLOPs.

Only NumPy and the standard library are used here, so that the workers of every framework (kviz,
Keras 3 on TensorFlow or PyTorch, tf-keras, plain PyTorch) import the same file and see exactly
the same data for the same seed.

Synthetic data, not random noise: the labels come from a fixed random "teacher", so that the
models learn something and their ReLU units do not die (with random labels most units die and
the optimizer state decays into subnormal floats, which then dominates the timings of the
frameworks that do not flush them; see ``shared/PERFORMANCE-NOTES.md``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

SEED = 1234

#: Workload sizes: (full, --quick).
SIZES = {
    "W1": {"n": (60000, 6000), "batch": 128, "epochs": (3, 1)},
    "W2": {"n": (10000, 1024), "batch": 128, "epochs": (3, 1)},
    "W3": {"n": (5000, 640), "batch": 32, "epochs": (3, 1), "vocab": 20000, "maxlen": 80},
    "W4": {"seconds": (3.0, 0.5), "min_calls": (30, 5), "max_calls": (2000, 200)},
    "W5": {"n": 1000, "batch": 128},
}


def size(workload, key, quick):
    v = SIZES[workload][key]
    return v[1 if quick else 0] if isinstance(v, tuple) else v


# ---------------------------------------------------------------------------- data
def mnist_like(n, seed=SEED, flat=True):
    """``x`` uniform in [0, 1) float32 (``(n, 784)`` or ``(n, 28, 28, 1)``), one-hot ``y`` (n, 10)
    from a fixed random linear teacher; also the integer labels."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    teacher = np.random.default_rng(seed + 1).standard_normal((784, 10)).astype(np.float32)
    labels = np.argmax((x - 0.5) @ teacher, axis=1).astype(np.int64)
    y = np.eye(10, dtype=np.float32)[labels]
    if not flat:
        x = x.reshape(n, 28, 28, 1)
    return x, y, labels


def imdb_like(n, vocab=20000, maxlen=80, seed=SEED):
    """Token ids ``(n, maxlen)`` int32 in [1, vocab) (Zipf-like frequencies) and binary labels
    ``(n, 1)`` float32 from a fixed per-token score."""
    rng = np.random.default_rng(seed)
    ranks = rng.zipf(1.3, size=(n, maxlen))
    x = np.minimum(ranks, vocab - 1).astype(np.int32)
    score = np.random.default_rng(seed + 1).standard_normal(vocab).astype(np.float32)
    y = (score[x].mean(axis=1) > 0).astype(np.float32).reshape(n, 1)
    return x, y


# ---------------------------------------------------------------------------- FLOPs
W1_LAYERS = [(784, 512), (512, 512), (512, 10)]


def w1_gemm_flops(batch):
    """Matrix-product FLOPs of one W1 training step on ``batch`` samples: the forward products,
    the weight gradients and the input gradients of layers 2 and 3 (the first layer's input
    needs no gradient)."""
    fwd = sum(2 * batch * a * b for a, b in W1_LAYERS)
    wgrad = fwd
    dgrad = sum(2 * batch * a * b for a, b in W1_LAYERS[1:])
    return fwd + wgrad + dgrad


def w1_epoch_flops(n=60000, batch=128):
    full, rest = divmod(n, batch)
    return full * w1_gemm_flops(batch) + (w1_gemm_flops(rest) if rest else 0)


# --------------------------------------------------------------------------- timing
def median(values):
    return statistics.median(values) if values else None


def time_calls(fn, seconds, min_calls, max_calls, warmup=10):
    """Per-call wall times of ``fn()`` (after ``warmup`` calls): at least ``min_calls``, until
    ``seconds`` have passed or ``max_calls`` were made."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_calls and (
        len(times) < min_calls or time.perf_counter() - start < seconds
    ):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def summary(times):
    s = sorted(times)
    return {
        "median": median(s),
        "p10": s[int(0.1 * (len(s) - 1))],
        "p90": s[int(0.9 * (len(s) - 1))],
        "n": len(s),
    }


def emit(result):
    """Print the worker's result as the last line of its output (read by ``run.py``)."""
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
