"""GPU arrays and device selection, without importing Numba (level 1).

This module is what the rest of kviz sees of CUDA. It never imports ``numba``/``numba.cuda`` at
import time; :mod:`kviz.kernels.cuda` (the kernels, which do) is loaded on first use.

* :class:`DeviceArray`: a C-contiguous array in GPU memory. It has ``shape``/``dtype``/``ndim``,
  arithmetic operators, ``sum``/``astype``/``reshape``/``copy`` running on the device, and
  ``np.asarray(d)`` / ``d.numpy()`` / ``float(d)`` copy it to the host (counted in
  :func:`transfer_stats`).
* :func:`to_device`, :func:`to_host`, :func:`is_device`: moving arrays.
* :func:`twin`: the CUDA implementation of an op primitive, by primitive name (see
  :mod:`kviz.kernels.cuda.primitives`); :func:`note_fallback` warns once per primitive that
  has none (it then runs on the host, with its inputs copied down and its result up).
* :func:`resolve`: which device a requested ``'auto'``/``'cuda'``/``'cpu'`` really means here.
  It is installed in :mod:`kviz.config` (``config.set_device``/``get_device``). ``'auto'``
  picks CUDA only for a real GPU: the Numba CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) counts
  as no GPU for ``'auto'``, but an explicit ``'cuda'`` runs on it (that is how the tests run).

>>> from kviz.kernels import device
>>> device.is_device([1, 2])
False
>>> device.resolve('cpu')
'cpu'
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections import Counter

import numpy as np

from kviz import config

__all__ = [
    "DeviceArray",
    "CUDAUnavailableWarning",
    "HostFallbackWarning",
    "cuda_status",
    "is_device",
    "to_device",
    "to_host",
    "twin",
    "note_fallback",
    "resolve",
    "transfer_stats",
    "reset_transfer_stats",
]


class CUDAUnavailableWarning(RuntimeWarning):
    """``set_device('cuda')`` on a machine where CUDA cannot run: kviz computes on the CPU."""


class HostFallbackWarning(RuntimeWarning):
    """A primitive without a CUDA kernel ran on the host (its arrays copied down and up)."""


# ------------------------------------------------------------------------------ accounting
class _Stats:
    """Counts of host<->device copies and host fallbacks (see :func:`transfer_stats`)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.uploads = 0
        self.upload_bytes = 0
        self.downloads = 0
        self.download_bytes = 0
        self.fallbacks: Counter = Counter()
        self.log: list | None = None  # (direction, shape) per copy while recording

    def snapshot(self) -> dict:
        return {
            "uploads": self.uploads,
            "upload_bytes": self.upload_bytes,
            "downloads": self.downloads,
            "download_bytes": self.download_bytes,
            "fallbacks": dict(self.fallbacks),
            "log": list(self.log) if self.log is not None else None,
        }


_STATS = _Stats()
_WARNED: set = set()
#: True once an array has been put on the device in this process: ops.core checks it before
#: looking for device inputs, so that CPU-only runs pay one attribute read per op.
in_use = False


def transfer_stats() -> dict:
    """Copies so far: ``uploads``/``downloads`` (and bytes), ``fallbacks`` per primitive, and
    ``log`` (``('up'|'down', shape)`` per copy) when recording was asked for in
    :func:`reset_transfer_stats`.

    >>> sorted(transfer_stats())
    ['download_bytes', 'downloads', 'fallbacks', 'log', 'upload_bytes', 'uploads']
    """
    return _STATS.snapshot()


def reset_transfer_stats(record: bool = False) -> None:
    """Zero the counters; ``record=True`` also keeps the shape of each copy."""
    _STATS.reset()
    if record:
        _STATS.log = []


def _cu():
    """The CUDA array operations (imports numba.cuda on first use)."""
    from kviz.kernels.cuda import array_ops

    return array_ops


# ------------------------------------------------------------------------------ the array
class _Flags:
    c_contiguous = True
    writeable = True
    owndata = True


class DeviceArray:
    """A C-contiguous array in GPU memory (wraps a Numba device array, ``.dev``).

    Operators (``+ - * / **``, unary ``-``, comparisons giving 0/1 arrays of the same dtype)
    broadcast as NumPy does and run on the device; Python numbers and host arrays mixed in are
    taken as constants (host arrays are copied up). ``np.asarray`` copies to the host.
    """

    __slots__ = ("dev", "__weakref__")
    __array_priority__ = 10000  # ndarray (+-*/) DeviceArray -> DeviceArray's reflected operator
    flags = _Flags()

    def __init__(self, dev):
        self.dev = dev

    # -- array protocol -------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self.dev.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.dev.dtype)

    @property
    def ndim(self) -> int:
        return len(self.dev.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.dev.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    def __len__(self):
        if not self.ndim:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def numpy(self) -> np.ndarray:
        """A host copy."""
        return to_host(self)

    def __array__(self, dtype=None, copy=None):
        out = to_host(self)
        return out if dtype is None else out.astype(dtype, copy=False)

    def __float__(self):
        return float(to_host(self))

    def __int__(self):
        return int(to_host(self))

    def __bool__(self):
        return bool(to_host(self))

    def __repr__(self):
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype})"

    # -- shape and type ---------------------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = _full_shape(shape, self.size)
        return DeviceArray(self.dev.reshape(shape) if shape != self.shape else self.dev)

    def ravel(self):
        return self.reshape(-1)

    def astype(self, dtype, copy=True):
        dtype = np.dtype(dtype)
        if dtype == self.dtype and not copy:
            return self
        return _cu().cast(self, dtype)

    def copy(self):
        return _cu().cast(self, self.dtype)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _cu().transpose(self, axes or None)

    @property
    def T(self):
        return self.transpose()

    def sum(self, axis=None, keepdims=False, dtype=None):
        out = _cu().reduce(self, "sum", axis, keepdims)
        return out if dtype is None else out.astype(dtype, copy=False)

    def mean(self, axis=None, keepdims=False):
        return _cu().reduce(self, "mean", axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return _cu().reduce(self, "max", axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return _cu().reduce(self, "min", axis, keepdims)

    def __getitem__(self, index):
        """``x[index]`` (any NumPy index of host values): a gather on the device."""
        cu = _cu()
        return cu.gather(self, to_device(cu.flat_index(self.shape, index)))

    def copy_from(self, value):
        """Overwrite the contents (same shape) with ``value`` (host or device), in place."""
        _cu().copy_into(self, value)

    # -- arithmetic -------------------------------------------------------------------
    def _bin(self, other, op, reflected=False):
        return _cu().binary(other, self, op) if reflected else _cu().binary(self, other, op)

    def __add__(self, o):
        return self._bin(o, "add")

    def __radd__(self, o):
        return self._bin(o, "add", True)

    def __sub__(self, o):
        return self._bin(o, "subtract")

    def __rsub__(self, o):
        return self._bin(o, "subtract", True)

    def __mul__(self, o):
        return self._bin(o, "multiply")

    def __rmul__(self, o):
        return self._bin(o, "multiply", True)

    def __truediv__(self, o):
        return self._bin(o, "divide")

    def __rtruediv__(self, o):
        return self._bin(o, "divide", True)

    def __pow__(self, o):
        return self._bin(o, "power")

    def __neg__(self):
        return _cu().unary(self, "neg")

    def __gt__(self, o):
        return self._bin(o, "greater")

    def __ge__(self, o):
        return self._bin(o, "greater_equal")

    def __lt__(self, o):
        return self._bin(o, "less")

    def __le__(self, o):
        return self._bin(o, "less_equal")

    __hash__ = object.__hash__


def _full_shape(shape, size):
    shape = tuple(int(d) for d in shape)
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        shape = tuple(size // max(known, 1) if d == -1 else d for d in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape a device array of size {size} into shape {shape}")
    return shape


# --------------------------------------------------------------------------- transfers
def is_device(x) -> bool:
    return type(x) is DeviceArray


def to_device(x) -> DeviceArray:
    """``x`` (array-like) copied to the GPU, C-contiguous; a DeviceArray is returned as is."""
    global in_use
    if type(x) is DeviceArray:
        return x
    a = np.ascontiguousarray(x)
    _STATS.uploads += 1
    _STATS.upload_bytes += a.nbytes
    if _STATS.log is not None:
        _STATS.log.append(("up", a.shape))
    in_use = True
    return _cu().upload(a)


def to_host(x):
    """``x`` as a host ndarray (a DeviceArray is copied down; anything else unchanged)."""
    if type(x) is not DeviceArray:
        return x
    _STATS.downloads += 1
    _STATS.download_bytes += x.nbytes
    if _STATS.log is not None:
        _STATS.log.append(("down", x.shape))
    return x.dev.copy_to_host()


# ---------------------------------------------------------------------- primitive twins
def twin(name: str):
    """The CUDA implementation of the op primitive ``name``: an object with ``forward`` and
    ``backward`` taking the host primitive's arguments, or None. ``forward`` may return
    ``NotImplemented`` for arguments it does not handle (the host fallback runs then)."""
    from kviz.kernels.cuda.primitives import TWINS

    return TWINS.get(name)


def note_fallback(name: str) -> None:
    """Count a host fallback of ``name`` and warn the first time it happens."""
    _STATS.fallbacks[name] += 1
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(
            f"kviz: '{name}' has no CUDA kernel for these arguments; it runs on the CPU, with "
            "its inputs copied from the GPU and its result copied back (slower, but correct). "
            "This is reported once per operation.",
            HostFallbackWarning,
            stacklevel=4,
        )


# ------------------------------------------------------------------------ device choice
def _simulated() -> bool:
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def _driver_present() -> bool:
    """A cheap look for an NVIDIA driver, before paying for ``import numba.cuda``."""
    paths = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/dxg", "/usr/lib/wsl/lib")
    if any(os.path.exists(p) for p in paths):
        return True
    if os.name == "nt" or os.uname().sysname != "Linux":
        import ctypes.util

        return bool(ctypes.util.find_library("nvcuda") or ctypes.util.find_library("cuda"))
    return False


_find_spec = importlib.util.find_spec  # tests replace it to pretend numba-cuda is missing
_STATUS: dict = {}
_AUTO: dict = {}  # the answer of resolve("auto"), per (_find_spec, simulated)


def cuda_status(refresh: bool = False) -> dict:
    """What this machine offers: ``{'usable': bool, 'simulated': bool, 'reason': str}``.

    ``reason`` says what is missing when CUDA is not usable: numba-cuda not installed, no
    NVIDIA driver, or no CUDA device. Under ``NUMBA_ENABLE_CUDASIM=1`` CUDA is usable but
    ``simulated``. The answer is computed once (``refresh=True`` asks again).
    """
    if _STATUS and not refresh:
        return dict(_STATUS)
    _AUTO.clear()
    simulated = _simulated()
    status = {"usable": False, "simulated": simulated, "reason": ""}
    if not simulated and _find_spec("numba_cuda") is None:
        status["reason"] = "numba-cuda is not installed (pip install 'kviz[cuda]')"
    elif not simulated and not _driver_present():
        status["reason"] = "no NVIDIA driver was found (the CUDA driver library is missing)"
    else:
        try:
            from numba import cuda

            if simulated or cuda.is_available():
                status["usable"] = len(cuda.gpus) > 0
                status["reason"] = "" if status["usable"] else "no CUDA device was found"
            else:
                try:
                    cuda.detect()  # raises CudaSupportError naming the problem
                    status["reason"] = "no CUDA device was found"
                except Exception as e:  # noqa: BLE001 - the driver's own message
                    status["reason"] = f"the CUDA driver cannot be used: {e}".strip()
        except ImportError as e:
            status["reason"] = f"numba.cuda cannot be imported ({e})"
    _STATUS.clear()
    _STATUS.update(status)
    return dict(status)


def resolve(requested: str, warn: bool = False) -> str:
    """``'cuda'`` or ``'cpu'``: what ``requested`` (``'auto'``/``'cuda'``/``'cpu'``) means here.

    ``'auto'`` is ``'cuda'`` only with a real GPU (not the simulator). ``'cuda'`` without a
    usable CUDA is ``'cpu'``, with a :class:`CUDAUnavailableWarning` naming what is missing when
    ``warn`` is true.
    """
    if requested == "cpu":
        return "cpu"
    if requested == "auto":
        # asked on every fit/predict/*_on_batch call: the answer is kept (a find_spec costs
        # ~0.3 ms of file-system lookups, more than a whole predict of one sample)
        key = (_find_spec, _simulated())
        hit = _AUTO.get(key)
        if hit is None:
            hit = "cpu"
            if not (key[1] or _find_spec("numba_cuda") is None or not _driver_present()):
                status = cuda_status()
                hit = "cuda" if status["usable"] and not status["simulated"] else "cpu"
            _AUTO.clear()
            _AUTO[key] = hit
        return hit
    status = cuda_status()
    if status["usable"]:
        return "cuda"
    if warn:
        warnings.warn(
            f"kviz.config.set_device('cuda'): CUDA is not available here: {status['reason']}. "
            "kviz computes on the CPU instead.",
            CUDAUnavailableWarning,
            stacklevel=3,
        )
    return "cpu"


config._install_device_resolver(resolve)


# ----------------------------------------------------------------- helpers for autodiff
def unwrap_for(target, value):
    """``value`` (a Tensor's data, a host or device array) ready to combine with ``target``:
    host values meeting a DeviceArray stay as they are (the operators copy them up)."""
    value = getattr(value, "data", value) if hasattr(value, "_op") else value
    if type(target) is DeviceArray:
        return value
    return np.asarray(value)


def ones_like(x: DeviceArray, value=None) -> DeviceArray:
    """A DeviceArray of ``x``'s shape and dtype filled with 1 (or with ``value``, an array)."""
    if value is None:
        return _cu().ones_like(x)
    out = _cu().empty(x.shape, x.dtype)
    _cu().copy_into(out, value)
    return out


def fresh_like(g, like):
    """A new array holding ``g`` in ``like``'s dtype and on ``like``'s side (host or device)."""
    if type(like) is DeviceArray:
        return to_device(g).astype(like.dtype)
    return np.array(to_host(g), dtype=like.dtype)


def full(shape, value, dtype) -> DeviceArray:
    """A new DeviceArray filled with ``value`` on the GPU (nothing copied up)."""
    global in_use
    in_use = True
    return _cu().full(shape, value, dtype)
