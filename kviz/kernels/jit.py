"""The project's Numba decorator: lazy, cached, no signatures at import.

``@jit()`` wraps a plain Python function; nothing about numba happens until the wrapped function
is first *called*. Then numba is imported, the function is handed to ``numba.njit`` with the
project's options (:data:`NUMBA_OPTIONS`, overridable per kernel), and the dispatcher compiles it
for the argument types of that call, or loads the machine code from the on-disk cache.

Project options (decided once, here):

* ``cache=True``: compiled code is kept under ``NUMBA_CACHE_DIR`` (the test suite points it at
  ``<repo>/.numba_cache``), else beside the module, else in ``~/.cache/numba``. If no cache
  location is writable numba refuses ``cache=True``; the kernel then compiles without a cache
  (a warning says so) instead of failing.
* ``fastmath=False``: IEEE results, the same bits as the NumPy fallbacks computed in the same
  order (no reassociation, no fused multiply-add).
* ``error_model='numpy'``: a float division by zero gives ``inf``/``nan`` as in NumPy instead of
  raising; it also lets LLVM vectorise loops that divide.
* not ``parallel``: a Numba thread pool next to OpenBLAS's threads on a 2-core machine made a
  GEMM followed by a parallel kernel ~10x slower (see ``shared/PERFORMANCE-NOTES.md``). A kernel
  may still opt in with ``@jit(parallel=True)`` where no BLAS call overlaps.

``KVIZ_DISABLE_NUMBA=1`` in the environment (read when first needed) makes :func:`available`
return False, so callers take their NumPy paths; so does a missing numba.

>>> from kviz.kernels.jit import jit
>>> @jit()
... def add_one(x):
...     return x + 1
>>> add_one.compiled  # nothing compiled (nor numba imported) yet
False
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
import warnings

#: The options every kernel gets (a kernel's own ``@jit(**opts)`` wins).
NUMBA_OPTIONS = {"cache": True, "fastmath": False, "error_model": "numpy", "nogil": True}

_lock = threading.RLock()
_state: dict = {}


def available() -> bool:
    """True when numba can be imported and ``KVIZ_DISABLE_NUMBA`` is not set to a true value.

    The first call imports numba (~0.4 s); the answer is remembered.
    """
    ok = _state.get("available")
    if ok is None:
        with _lock:
            ok = _state.get("available")
            if ok is None:
                flag = os.environ.get("KVIZ_DISABLE_NUMBA", "").strip().lower()
                if flag not in ("", "0", "false", "no"):
                    ok = False
                else:
                    try:
                        importlib.import_module("numba")
                        ok = True
                    except ImportError:
                        ok = False
                _state["available"] = ok
    return ok


def set_available(flag: bool | None) -> None:
    """Force :func:`available` (``None`` re-detects on the next call). Meant for tests."""
    with _lock:
        if flag is None:
            _state.pop("available", None)
        else:
            _state["available"] = bool(flag)


class LazyJit:
    """A Python function that becomes a numba dispatcher on its first call.

    ``py_func`` is the original function (useful as a slow reference); ``dispatcher`` compiles
    (or fetches) the numba dispatcher; ``compiled`` says whether that has happened.
    """

    def __init__(self, py_func, options):
        self.py_func = py_func
        self.options = dict(options)
        self._dispatcher = None
        functools.update_wrapper(self, py_func)

    @property
    def compiled(self) -> bool:
        return self._dispatcher is not None

    @property
    def dispatcher(self):
        disp = self._dispatcher
        if disp is None:
            disp = self._make_dispatcher()
        return disp

    def _make_dispatcher(self):
        with _lock:
            if self._dispatcher is not None:
                return self._dispatcher
            numba = importlib.import_module("numba")
            opts = {**NUMBA_OPTIONS, **self.options}
            try:
                disp = numba.njit(**opts)(self.py_func)
            except RuntimeError as err:  # no writable cache location for this file
                if not opts.get("cache") or "cannot cache" not in str(err):
                    raise
                warnings.warn(
                    f"kviz: numba cannot cache {self.py_func.__qualname__} ({err}); compiling "
                    "without a cache. Set NUMBA_CACHE_DIR to a writable folder to keep compiled "
                    "kernels between sessions.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                disp = numba.njit(**{**opts, "cache": False})(self.py_func)
            self._dispatcher = disp
            return disp

    def __call__(self, *args):
        disp = self._dispatcher
        if disp is None:
            disp = self._make_dispatcher()
        return disp(*args)

    def __repr__(self):
        state = "compiled" if self.compiled else "not compiled yet"
        return f"<kviz jit kernel {self.py_func.__qualname__} ({state})>"


def jit(**options):
    """Decorator: ``@jit()`` or ``@jit(parallel=True)``; see the module docstring."""

    def deco(py_func):
        return LazyJit(py_func, options)

    return deco
