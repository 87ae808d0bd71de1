"""kviz's threading policy: BLAS on one thread while kviz computes, more for large products
on an otherwise idle machine; Numba kernels serial; a steadier allocator.

The policy, decided once, here (measurements in ``docs/performance.md``):

* While a model or layer computes (``fit``/``evaluate``/``predict``/``*_on_batch`` and every
  eager ``Layer.__call__``), NumPy's BLAS runs on :func:`compute_threads` threads: **1** unless
  the user says otherwise. The previous setting is restored when the call returns, so NumPy code
  outside kviz keeps the library default.
* Large matrix products (at least :data:`WIDE_FLOPS` floating-point operations, e.g. a dense
  layer on a batch of 32 or more) go through :func:`matmul`, which runs them on up to
  :func:`wide_threads` BLAS threads: as many cores as this process may use **minus the cores
  other processes used recently** (sampled from ``/proc/stat`` at most every
  :data:`SAMPLE_SECONDS`). On an idle 2-core machine that is 2 threads (a W1 epoch's products
  ~1.9x faster); on a busy one it is 1. The count goes back to :func:`compute_threads` right
  after the product, so small products (an LSTM step) never wait for a second thread, and
  :func:`quiesce` stops OpenBLAS's spinning workers before kviz's own chunk workers start.
* Numba kernels are serial (``kviz.kernels.jit``: no ``parallel``), so no Numba thread pool
  ever competes with BLAS. Coarse parallelism (whole chunks of a convolution's batch on two
  workers, each with one BLAS thread) lives in ``kviz.kernels.threads``.

Why: kviz's matrix products are small (a 32x784 @ 784x512 training step is 0.3 ms of work). With
the other core idle, 2 BLAS threads make them up to 1.9x faster, but with the machine shared
(a JupyterHub box, a laptop compiling something, several notebooks) a 2-thread OpenBLAS GEMM has
to wait for a descheduled partner thread: 8-60 ms instead of 0.3-1.2 ms, and whole epochs run
2-6x slower. One thread per GEMM degrades gracefully (at worst in proportion to the share of the
core it gets); the load sample decides when a second thread is safe.

The allocator: every training step allocates the same large arrays again (gradients, layer
outputs). glibc's ``malloc`` hands arrays over 128 KiB back to the kernel when they are freed, so
every step pays page faults to get them again (a W1 ``train_on_batch(32)``: 5.3 ms instead of
3.1 ms). The first time kviz computes, :func:`tune_allocator` raises glibc's mmap and trim
thresholds (``mallopt``) so that freed arrays stay in the process for reuse. ``KVIZ_MALLOC_TUNING=0``
turns that off.

``KVIZ_BLAS_THREADS`` (read on first use, so it can be set any time before the first model
call) overrides the counts: ``auto`` (the default: 1, more for large products on an idle
machine), ``KVIZ_BLAS_THREADS=2`` (always 2), or ``0``/``default`` to leave BLAS alone.
:func:`set_compute_threads` does the same at run time. The BLAS library is found among the shared
objects this process has loaded (OpenBLAS as bundled with NumPy wheels, conda's or the system's
OpenBLAS, MKL); where none is found (Accelerate, BLIS...), kviz leaves BLAS alone.

>>> with compute():
...     pass
>>> import numpy as np
>>> matmul(np.ones((2, 3), "float32"), np.ones((3, 1), "float32")).ravel()
array([3., 3.], dtype=float32)
"""

from __future__ import annotations

import glob
import math
import os
import threading
import time

import numpy as np

__all__ = [
    "compute",
    "compute_threads",
    "set_compute_threads",
    "wide_threads",
    "idle_cores",
    "quiesce",
    "matmul",
    "background_cores",
    "get_blas_threads",
    "set_blas_threads",
    "tune_allocator",
    "library",
    "describe",
]

_DEFAULT = 1
#: Products with at least this many floating-point operations may use more than one thread.
WIDE_FLOPS = 8_000_000
#: The load of other processes is sampled at most this often (seconds).
SAMPLE_SECONDS = 0.5
#: Other processes using more than this many cores (recently) take a core away from kviz.
BUSY_CORES = 0.35
_lock = threading.Lock()
_state: dict = {}

# (setter, getter) symbol pairs, in the order they are tried
_OPENBLAS_SYMBOLS = [
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
]
_MKL_SYMBOLS = [("MKL_Set_Num_Threads", "MKL_Get_Max_Threads")]


def _candidate_libraries():
    """Paths of loaded shared objects that look like a BLAS, then NumPy's bundled ones."""
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.rsplit(None, 1)[-1] if "/" in line else ""
                name = os.path.basename(path).lower()
                if ("openblas" in name or "mkl_rt" in name) and path not in paths:
                    paths.append(path)
    except OSError:  # not Linux
        pass
    try:
        import numpy as np

        base = os.path.dirname(np.__file__)
        for pattern in (
            os.path.join(os.path.dirname(base), "numpy.libs", "*openblas*"),
            os.path.join(base, ".dylibs", "*openblas*"),
        ):
            paths += [p for p in sorted(glob.glob(pattern)) if p not in paths]
    except ImportError:  # pragma: no cover
        pass
    return paths


def _find():
    """``(name, set, get)`` for the BLAS NumPy uses, or None (cached)."""
    if "lib" in _state:
        return _state["lib"]
    import ctypes

    import numpy  # noqa: F401  (make sure NumPy's BLAS is loaded before looking for it)

    found = None

    for path in _candidate_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _OPENBLAS_SYMBOLS + _MKL_SYMBOLS:
            setter = getattr(lib, set_name, None)
            getter = getattr(lib, get_name, None)
            if setter is None or getter is None:
                continue
            setter.argtypes, setter.restype = [ctypes.c_int], None
            getter.argtypes, getter.restype = [], ctypes.c_int
            found = (os.path.basename(path), setter, getter)
            break
        if found:
            break
    _state["lib"] = found
    return found


def library():
    """The file name of the BLAS library kviz controls, or None."""
    lib = _find()
    return lib[0] if lib else None


def get_blas_threads():
    """The BLAS library's current thread count (None when kviz cannot reach it)."""
    lib = _find()
    return lib[2]() if lib else None


def set_blas_threads(n):
    """Set the BLAS library's thread count now (no-op when kviz cannot reach it)."""
    lib = _find()
    if lib is not None:
        lib[1](int(n))


def _parse(raw):
    """``(base, auto)`` from a ``KVIZ_BLAS_THREADS`` value (see the module docstring)."""
    raw = str(raw).strip().lower()
    if raw in ("", "auto"):
        return _DEFAULT, True
    if raw in ("0", "default", "none"):
        return None, False
    try:
        return max(1, int(raw)), False
    except ValueError:
        return _DEFAULT, True


def compute_threads():
    """BLAS threads while kviz computes: an int, or None for "leave BLAS alone"."""
    if "threads" not in _state:
        _state["threads"], _state["auto"] = _parse(os.environ.get("KVIZ_BLAS_THREADS", ""))
    return _state["threads"]


def set_compute_threads(n):
    """Change the policy at run time: an int (>= 1, fixed), ``"auto"``, or None/0 to leave
    BLAS alone."""
    with _lock:
        if n == "auto":
            _state["threads"], _state["auto"] = _DEFAULT, True
        else:
            _state["threads"] = None if not n else max(1, int(n))
            _state["auto"] = False


def _cpus():
    n = _state.get("cpus")
    if n is None:
        try:
            n = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - not Linux
            n = os.cpu_count() or 1
        _state["cpus"] = n
    return n


def _read_busy():
    """``(busy seconds of all CPUs, this process's CPU seconds)`` now, or None."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal (guest time is inside user)
    ticks = [int(v) for v in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    t = os.times()
    return busy / _HZ, t.user + t.system


_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def background_cores(now=None):
    """Cores other processes used over the last sampling window (None: not known yet / not
    measurable). Samples ``/proc/stat`` at most every :data:`SAMPLE_SECONDS`."""
    now = time.monotonic() if now is None else now
    last = _state.get("sample")
    if last is not None and now - last[0] < SAMPLE_SECONDS:
        return _state.get("background")
    reading = _read_busy()
    if reading is None:
        _state["sample"] = (now, None, None)
        _state["background"] = None
        return None
    if last is not None and last[1] is not None:
        dt = now - last[0]
        other = (reading[0] - last[1]) - (reading[1] - last[2])
        _state["background"] = max(0.0, other / dt)
    _state["sample"] = (now, reading[0], reading[1])
    return _state.get("background")


def idle_cores(now=None):
    """Cores this process may use minus those other processes used recently (at least 1; all
    of them while the load is not known yet)."""
    cpus = _cpus()
    bg = background_cores(now) if cpus > 1 else None
    if bg is None:
        return cpus
    busy = math.ceil(bg - BUSY_CORES) if bg > BUSY_CORES else 0
    return max(1, cpus - busy)


def wide_threads(now=None):
    """BLAS threads for a large product now: the cores this process may use minus those other
    processes used recently (at least :func:`compute_threads`); just :func:`compute_threads`
    when the count is fixed or nothing is known about the load yet."""
    base = compute_threads()
    if base is None or not _state.get("auto"):
        return base
    if _cpus() <= base or background_cores(now) is None:
        return base
    return max(base, idle_cores(now))


def matmul(a, b, out=None):
    """``np.matmul(a, b, out=out)``, on :func:`wide_threads` BLAS threads when it is a large
    product computed inside :func:`compute` (see the module docstring)."""
    if _COMPUTE.current is not None and a.ndim == 2 and b.ndim == 2:
        flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
        if flops >= WIDE_FLOPS:
            n = wide_threads()
            base = _COMPUTE.current
            if n != base:
                setter = _state["lib"][1]
                setter(n)
                _state["spinning"] = True
                try:
                    return np.matmul(a, b, out=out)
                finally:
                    setter(base)
    return np.matmul(a, b, out=out)


def quiesce():
    """Stop OpenBLAS's idle worker threads if a product used them since the last call.

    After a multi-threaded product OpenBLAS's workers spin (yielding) for ~0.1 s waiting for
    more work, even with the thread count set back to 1. kviz's own chunk workers
    (:mod:`kviz.kernels.threads`) call this before they start, so that they do not share the
    cores with spinning BLAS threads (measured: a convolution's backward pass on 2 workers lost
    most of its parallel speed-up that way). OpenBLAS starts its workers again, lazily, at the
    next multi-threaded product (~0.1 ms). A no-op where the library has no
    ``blas_thread_shutdown_`` (MKL, other BLAS) or nothing ran multi-threaded."""
    if not _state.get("spinning"):
        return
    _state["spinning"] = False
    fn = _state.get("shutdown", False)
    if fn is False:
        fn = None
        lib = _find()
        if lib is not None and "openblas" in lib[0].lower():
            import ctypes

            for path in _candidate_libraries():
                if os.path.basename(path) == lib[0]:
                    fn = getattr(ctypes.CDLL(path), "blas_thread_shutdown_", None)
                    if fn is not None:
                        fn.argtypes, fn.restype = [], ctypes.c_int
                    break
        _state["shutdown"] = fn
    if fn is not None:
        fn()


# ----------------------------------------------------------------------------- allocator
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def tune_allocator():
    """Keep freed large arrays in the process (glibc ``mallopt``; see the module docstring).

    Returns True when the settings were applied (glibc found, not turned off by
    ``KVIZ_MALLOC_TUNING=0``). Done at most once per process."""
    if "malloc" in _state:
        return _state["malloc"]
    ok = False
    flag = os.environ.get("KVIZ_MALLOC_TUNING", "").strip().lower()
    if flag not in ("0", "false", "no", "off"):
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            mallopt = libc.mallopt
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            ok = bool(
                mallopt(_M_MMAP_THRESHOLD, 32 << 20)
                and mallopt(_M_TRIM_THRESHOLD, 256 << 20)
                and mallopt(_M_TOP_PAD, 16 << 20)
            )
        except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
            ok = False
    _state["malloc"] = ok
    return ok


class _Compute:
    """The context manager returned by :func:`compute` (re-entrant; one shared instance).

    ``current`` is the BLAS thread count kviz set (None outside a block or when BLAS is left
    alone)."""

    __slots__ = ("depth", "saved", "current")

    def __init__(self):
        self.depth = 0
        self.saved = None
        self.current = None

    def __enter__(self):
        with _lock:
            if self.depth == 0:
                if "malloc" not in _state:
                    tune_allocator()
                n = compute_threads()
                lib = _find() if n is not None else None
                if lib is not None:
                    current = lib[2]()
                    if current != n:
                        lib[1](n)
                        self.saved = current
                    self.current = n
            self.depth += 1
        return self

    def __exit__(self, *exc):
        with _lock:
            self.depth -= 1
            if self.depth == 0:
                self.current = None
                if self.saved is not None:
                    lib = _find()
                    lib[1](self.saved)
                    self.saved = None
        return False


_COMPUTE = _Compute()


def compute():
    """Context manager: the block runs under kviz's BLAS thread policy (see the module doc)."""
    return _COMPUTE


def describe():
    """One line: the policy in effect and the library it acts on."""
    n = compute_threads()
    lib = library()
    if n is None:
        return f"BLAS left alone ({lib or 'library not found'})"
    if lib is None:
        return f"{n} BLAS thread(s) wanted, but no controllable BLAS was found"
    wide = (
        f", up to {_cpus()} for products >= {WIDE_FLOPS / 1e6:g} MFLOP when other processes"
        " leave cores idle"
        if _state.get("auto") and _cpus() > n
        else ""
    )
    return f"{n} BLAS thread(s) while kviz computes{wide} ({lib}); Numba kernels serial"
