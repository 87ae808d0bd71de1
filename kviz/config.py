"""Global configuration: float type, epsilon, image data format, learning phase, seeds.

A leaf module: it imports nothing from kviz.

>>> from kviz import config
>>> config.floatx()
'float32'
>>> config.epsilon()
1e-07
"""

from __future__ import annotations

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_LEARNING_PHASE = 0
_RNG = np.random.default_rng()

_VALID_FLOATX = ("float16", "float32", "float64")
_VALID_FORMATS = ("channels_last", "channels_first")


def floatx() -> str:
    """The default float type as a string, ``'float32'`` unless changed."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    value = str(value)
    if value not in _VALID_FLOATX:
        raise ValueError(f"Unknown floatx type: {value!r}; expected one of {_VALID_FLOATX}")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions, ``1e-7`` by default."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    global _IMAGE_DATA_FORMAT
    if value not in _VALID_FORMATS:
        raise ValueError(f"The data_format must be one of {_VALID_FORMATS}; received {value!r}")
    _IMAGE_DATA_FORMAT = value


def normalize_data_format(value: str | None) -> str:
    """Return ``value`` checked, or the global image data format when it is None."""
    if value is None:
        return _IMAGE_DATA_FORMAT
    value = str(value).lower()
    if value not in _VALID_FORMATS:
        raise ValueError(
            f"The `data_format` argument must be one of {_VALID_FORMATS}; received {value!r}"
        )
    return value


def learning_phase() -> int:
    """0 = test (inference), 1 = train. Layers use it when ``training`` is not given."""
    return _LEARNING_PHASE


def set_learning_phase(value: int) -> None:
    global _LEARNING_PHASE
    if value not in (0, 1, True, False):
        raise ValueError(f"Expected learning phase to be 0 or 1; received {value!r}")
    _LEARNING_PHASE = int(value)


def rng() -> np.random.Generator:
    """The random generator used for weight initialization and noise layers."""
    return _RNG


def set_random_seed(seed: int | None) -> None:
    """Seed kviz's random generator (and NumPy's global one, as Keras does)."""
    global _RNG
    _RNG = np.random.default_rng(seed)
    if seed is not None:
        np.random.seed(seed)


# ------------------------------------------------------------------------------- device
_VALID_DEVICES = ("auto", "cpu", "cuda")
_DEVICE = "auto"
_DEVICE_RESOLVER = None  # installed by kviz.kernels.device (which may look for CUDA)


def _install_device_resolver(fn) -> None:
    global _DEVICE_RESOLVER
    _DEVICE_RESOLVER = fn


def set_device(name: str) -> None:
    """Where training and inference compute: ``'cpu'``, ``'cuda'`` or ``'auto'`` (the default:
    CUDA when a real GPU and numba-cuda are present, else the CPU).

    ``'cuda'`` on a machine without CUDA warns (a ``CUDAUnavailableWarning`` that says what is
    missing: numba-cuda, the driver or a device) and computes on the CPU. See docs/cuda.md.

    >>> set_device('cpu'); get_device()
    'cpu'
    >>> set_device('auto')
    """
    global _DEVICE
    if name not in _VALID_DEVICES:
        raise ValueError(f"Unknown device {name!r}; expected one of {_VALID_DEVICES}")
    _DEVICE = name
    if name == "cuda" and _DEVICE_RESOLVER is not None:
        _DEVICE_RESOLVER(name, warn=True)


def get_device() -> str:
    """The device kviz computes on now: ``'cuda'`` or ``'cpu'`` (what :func:`set_device`'s
    choice resolves to on this machine)."""
    if _DEVICE == "cpu" or _DEVICE_RESOLVER is None:
        return "cpu"
    return _DEVICE_RESOLVER(_DEVICE)


def requested_device() -> str:
    """The device as set by :func:`set_device` (``'auto'``, ``'cpu'`` or ``'cuda'``)."""
    return _DEVICE


class device:
    """``with kviz.config.device('cuda'):`` computes on that device inside the block only.

    >>> with device('cpu'):
    ...     get_device()
    'cpu'
    """

    def __init__(self, name: str):
        if name not in _VALID_DEVICES:
            raise ValueError(f"Unknown device {name!r}; expected one of {_VALID_DEVICES}")
        self.name = name
        self._previous = None

    def __enter__(self):
        self._previous = _DEVICE
        set_device(self.name)
        return self

    def __exit__(self, *exc):
        global _DEVICE
        _DEVICE = self._previous
        return False
