"""kviz's threading policy: BLAS on one thread while kviz computes, Numba kernels serial.

The policy, decided once, here (measurements in ``docs/performance.md``):

* While a model or layer computes (``fit``/``evaluate``/``predict``/``*_on_batch`` and every
  eager ``Layer.__call__``), NumPy's BLAS runs on :func:`compute_threads` threads: **1** unless
  the user says otherwise. The previous setting is restored when the call returns, so NumPy code
  outside kviz keeps the library default.
* Numba kernels are serial (``kviz.kernels.jit``: no ``parallel``), so no Numba thread pool
  ever competes with BLAS.
* Parallelism, where it pays, is coarse: whole chunks of a batch on kviz's own small worker pool
  (``kviz.kernels.threads``), each chunk single-threaded, not BLAS threads splitting sub-millisecond
  matrix products.

Why: kviz's matrix products are small (a 32x784 @ 784x512 training step is 0.3 ms of work). With
the other core idle, 2 BLAS threads make them up to 1.8x faster, but with the machine shared
(a JupyterHub box, a laptop compiling something, several notebooks) a 2-thread OpenBLAS GEMM has
to wait for a descheduled partner thread: 8-60 ms instead of 0.3-1.2 ms, and whole epochs run
2-6x slower. One thread per GEMM degrades gracefully (at worst in proportion to the share of the
core it gets).

``KVIZ_BLAS_THREADS`` (read on first use, so it can be set any time before the first model
call) overrides the count: ``KVIZ_BLAS_THREADS=2``, or ``0``/``default`` to leave BLAS alone.
:func:`set_compute_threads` does the same at run time. The BLAS library is found among the shared
objects this process has loaded (OpenBLAS as bundled with NumPy wheels, conda's or the system's
OpenBLAS, MKL); where none is found (Accelerate, BLIS...), kviz leaves BLAS alone.

>>> with compute():
...     pass
"""

from __future__ import annotations

import glob
import os
import threading

__all__ = [
    "compute",
    "compute_threads",
    "set_compute_threads",
    "get_blas_threads",
    "set_blas_threads",
    "library",
    "describe",
]

_DEFAULT = 1
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


def compute_threads():
    """BLAS threads while kviz computes: an int, or None for "leave BLAS alone"."""
    if "threads" not in _state:
        raw = os.environ.get("KVIZ_BLAS_THREADS", "").strip().lower()
        if raw == "":
            n = _DEFAULT
        elif raw in ("0", "default", "none"):
            n = None
        else:
            try:
                n = max(1, int(raw))
            except ValueError:
                n = _DEFAULT
        _state["threads"] = n
    return _state["threads"]


def set_compute_threads(n):
    """Change the policy at run time: an int (>= 1), or None/0 to leave BLAS alone."""
    with _lock:
        _state["threads"] = None if not n else max(1, int(n))


class _Compute:
    """The context manager returned by :func:`compute` (re-entrant; one shared instance)."""

    __slots__ = ("depth", "saved")

    def __init__(self):
        self.depth = 0
        self.saved = None

    def __enter__(self):
        with _lock:
            if self.depth == 0:
                n = compute_threads()
                lib = _find() if n is not None else None
                if lib is not None:
                    current = lib[2]()
                    if current != n:
                        lib[1](n)
                        self.saved = current
            self.depth += 1
        return self

    def __exit__(self, *exc):
        with _lock:
            self.depth -= 1
            if self.depth == 0 and self.saved is not None:
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
    return f"{n} BLAS thread(s) while kviz computes ({lib}); Numba kernels serial"
