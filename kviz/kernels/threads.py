"""Chunk-level threading for the convolution and pooling kernels, without oversubscription.

A convolution over a batch splits into independent chunks of samples (im2col, one GEMM, col2im
per chunk). :func:`run_chunks` runs those chunks on a small pool of Python threads; the Numba
kernels release the GIL (``nogil=True``) and so does NumPy's BLAS call, so the chunks really run
in parallel. While the chunks run, OpenBLAS is set to **one thread** and restored afterwards:
each core then runs exactly one worker, instead of BLAS's own threads and ours competing for the
same cores (the trap described in ``shared/PERFORMANCE-NOTES.md``).

Why not OpenBLAS's own threads: the convolution GEMMs are tall and skinny (e.g. 4608 x 288 @
288 x 64 per chunk); measured on 2 cores, 2-thread OpenBLAS ran them at 22-57 GFLOP/s against
~80 GFLOP/s for one thread, while whole chunks on 2 workers use both cores fully.

* :func:`num_workers`: the pool size: ``KVIZ_NUM_THREADS`` when set, else the number of CPUs
  this process may use (``os.sched_getaffinity``), capped at 8. ``1`` runs chunks serially in
  the calling thread (no pool is created).
* :func:`active_workers`: the workers used now: the pool size capped by the cores other
  processes left idle over the last half second (``/proc/stat``, sampled by
  :mod:`kviz.kernels.blas`), so two workers never time-slice one core.
* :func:`blas_threads` is a context manager that sets OpenBLAS's thread count (found through
  ctypes in the OpenBLAS library NumPy loaded); it does nothing where that library cannot be
  found (MKL, Accelerate): the workers then share cores with BLAS's threads, which is slower but
  still correct.

>>> run_chunks(lambda a, b: b - a, [(0, 3), (3, 5)])
[3, 2]
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kviz.kernels.blas import idle_cores, quiesce

__all__ = [
    "num_workers", "set_num_workers", "active_workers", "blas_threads", "run_chunks", "workspace",
]  # fmt: skip

_MAX_DEFAULT = 8
#: Largest workspace kept per thread between calls (bytes).
MAX_KEPT = 64 << 20
_lock = threading.Lock()
_state: dict = {}
_local = threading.local()


def num_workers() -> int:
    """Threads used by :func:`run_chunks` (see the module docstring)."""
    n = _state.get("workers")
    if n is None:
        env = os.environ.get("KVIZ_NUM_THREADS", "").strip()
        if env:
            n = max(1, int(env))
            _state["fixed"] = True
        else:
            try:
                n = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                n = os.cpu_count() or 1
            n = max(1, min(n, _MAX_DEFAULT))
        _state["workers"] = n
    return n


def set_num_workers(n: int | None) -> None:
    """Set the pool size (``None``: back to the default). Meant for benchmarks and tests."""
    with _lock:
        pool = _state.pop("pool", None)
        _state.pop("workers", None)
        _state.pop("fixed", None)
        if n is not None:
            _state["workers"] = max(1, int(n))
            _state["fixed"] = True
    if pool is not None:
        pool.shutdown(wait=True)


def _pool() -> ThreadPoolExecutor:
    pool = _state.get("pool")
    if pool is None:
        with _lock:
            pool = _state.get("pool")
            if pool is None:
                pool = ThreadPoolExecutor(num_workers(), thread_name_prefix="kviz-kernels")
                _state["pool"] = pool
    return pool


# --------------------------------------------------------------------------- BLAS threads
def _openblas():
    """``(set, get)`` ctypes functions of the OpenBLAS NumPy loaded, or None."""
    if "blas" in _state:
        return _state["blas"]
    found = None
    try:
        base = os.path.dirname(os.path.dirname(np.__file__))
        libs = glob.glob(os.path.join(base, "numpy.libs", "*openblas*.so*"))
        libs += glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*"))
        for path in libs:
            lib = ctypes.CDLL(path)
            for prefix, suffix in (
                ("scipy_openblas", "64_"),
                ("openblas", "64_"),
                ("openblas", ""),
            ):
                try:
                    setter = getattr(lib, f"{prefix}_set_num_threads{suffix}")
                    getter = getattr(lib, f"{prefix}_get_num_threads{suffix}")
                except AttributeError:
                    continue
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                found = (setter, getter)
                break
            if found:
                break
    except OSError:  # pragma: no cover - unusual installs
        found = None
    _state["blas"] = found
    return found


@contextlib.contextmanager
def blas_threads(n: int):
    """Run the block with OpenBLAS on ``n`` threads (no-op where OpenBLAS is not reachable)."""
    fns = _openblas()
    if fns is None:
        yield
        return
    setter, getter = fns
    previous = getter()
    if previous == n:
        yield
        return
    setter(n)
    try:
        yield
    finally:
        setter(previous)


# ------------------------------------------------------------------------------- chunks
def active_workers() -> int:
    """Workers to use now: :func:`num_workers`, but no more than the cores other processes
    left idle recently (:func:`kviz.kernels.blas.idle_cores`) unless ``KVIZ_NUM_THREADS`` or
    :func:`set_num_workers` fixed the count: two workers time-sliced on one core are slower
    than one."""
    n = num_workers()
    if n > 1 and not _state.get("fixed"):
        n = min(n, idle_cores())
    return n


def run_chunks(fn, chunks):
    """``[fn(n0, n1) for (n0, n1) in chunks]``, on the worker pool when it has > 1 thread and
    cores are idle (:func:`active_workers`); BLAS runs on one thread meanwhile (also when the
    chunks run serially: chunk-sized products are faster on one thread, and much faster when
    the other cores are busy)."""
    with blas_threads(1):
        workers = 1 if len(chunks) == 1 else active_workers()
        if workers == 1:
            return [fn(a, b) for a, b in chunks]
        quiesce()  # no spinning BLAS workers next to ours
        if len(chunks) <= workers:
            return list(_pool().map(lambda ab: fn(*ab), chunks))
        # one task per worker, each taking the next chunk until none is left: one hand-off
        # per worker instead of one per chunk (a pool hand-off costs ~20-60 us; a convolution
        # has dozens of cache-sized chunks per pass)
        results = [None] * len(chunks)
        order = itertools.count()

        def drain():
            for i in order:
                if i >= len(chunks):
                    return
                results[i] = fn(*chunks[i])

        for future in [_pool().submit(drain) for _ in range(workers)]:
            future.result()
        return results


def workspace(shape, dtype, slot=0):
    """A per-thread scratch array of ``shape`` and ``dtype`` (reused between calls; its content
    is garbage). ``slot`` tells apart several workspaces used at the same time. Workspaces
    over :data:`MAX_KEPT` bytes are not kept."""
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    size = 1
    for d in shape:
        size *= int(d)
    nbytes = size * np.dtype(dtype).itemsize
    if nbytes > MAX_KEPT:
        return np.empty(shape, dtype=dtype)
    buf = bufs.get(slot)
    if buf is None or buf.nbytes < nbytes:
        buf = np.empty(max(nbytes, 1), dtype=np.uint8)
        bufs[slot] = buf
    return buf[:nbytes].view(dtype).reshape(shape)
