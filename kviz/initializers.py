"""Weight initializers, with the names, defaults and configs of ``tf.keras.initializers``.

An initializer is called as ``init(shape, dtype=None)`` and returns a NumPy array (of
``kviz.config.floatx()`` unless ``dtype`` is given). Unseeded initializers draw from
``kviz.config.rng()``, so ``kviz.config.set_random_seed`` makes them reproducible; a seeded one
returns the same values on every call (as in tf.keras 2).

>>> from kviz import initializers
>>> init = initializers.get('glorot_uniform')
>>> init.get_config()
{'seed': None}
>>> w = init((3, 4))
>>> w.shape, w.dtype.name
((3, 4), 'float32')
>>> bool(abs(w).max() <= (6 / (3 + 4)) ** 0.5)
True
>>> initializers.serialize(initializers.Zeros())
{'class_name': 'Zeros', 'config': {}}
"""

from __future__ import annotations

import math

import numpy as np

from kviz import config, registry

_ALLOWED_KWARGS = ("partition_shape", "partition_offset", "layout")
# standard deviation of a unit normal truncated to [-2, 2]
_TRUNCATED_STD = 0.87962566103423978


def _shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    if any(d is None for d in shape):
        raise ValueError(f"Cannot initialize a tensor with unknown dimensions: shape={shape}")
    return tuple(int(d) for d in shape)


def _check_kwargs(cls_name, kwargs):
    bad = [k for k in kwargs if k not in _ALLOWED_KWARGS]
    if bad:
        raise TypeError(f"Unknown keyword arguments {bad} for initializer {cls_name}")


def _dtype(dtype) -> np.dtype:
    return np.dtype(dtype or config.floatx())


def _float_dtype(dtype) -> np.dtype:
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"Expected floating point type, got {dtype.name}.")
    return dtype


def _rng(seed) -> np.random.Generator:
    return config.rng() if seed is None else np.random.default_rng(seed)


def _standard_normal(rng, shape, dtype):
    draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float32
    return rng.standard_normal(shape, dtype=draw_dtype)


def _truncated_standard_normal(rng, shape, dtype):
    """Unit normal values, re-drawing those more than 2 standard deviations away."""
    z = _standard_normal(rng, shape, dtype)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = _standard_normal(rng, (int(bad.sum()),), dtype)
        bad = np.abs(z) > 2
    return z


def _uniform(rng, shape, lo, hi, dtype):
    draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float32
    u = rng.random(shape, dtype=draw_dtype)
    return (lo + (hi - lo) * u).astype(dtype, copy=False)


def _compute_fans(shape):
    """``(fan_in, fan_out)`` of a weight shape; conv kernels ``(..., in, out)`` multiply both by
    the receptive field size (product of the leading dims).

    >>> _compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive = int(np.prod(shape[:-2]))
        fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    return int(fan_in), int(fan_out)


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and ``get_config``."""

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (any numeric or boolean dtype).

    >>> Zeros()((2,), dtype='int32')
    array([0, 0], dtype=int32)
    """

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        return np.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones.

    >>> Ones()((2,))
    array([1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        return np.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every value equal to ``value`` (a scalar, or an array with as many elements as the shape).

    >>> Constant(3.0)((2,))
    array([3., 3.], dtype=float32)
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype = _shape(shape), _dtype(dtype)
        value = np.asarray(self.value)
        if value.size == 1:
            return np.full(shape, value.reshape(()), dtype=dtype)
        if value.size != math.prod(shape):
            raise ValueError(
                f"Constant initializer: value has {value.size} elements but shape {shape} needs "
                f"{math.prod(shape)}"
            )
        return value.astype(dtype).reshape(shape)

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        return {"value": value}


class RandomUniform(Initializer):
    """Uniform values in ``[minval, maxval)``.

    >>> w = RandomUniform(-1.0, 1.0, seed=3)((1000,))
    >>> bool(w.min() >= -1.0 and w.max() < 1.0)
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        if maxval < minval:
            raise ValueError(
                f"`maxval` must be >= `minval`. Received: minval={minval}, maxval={maxval}"
            )
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype, rng = _shape(shape), _dtype(dtype), _rng(self.seed)
        if dtype.kind in "iu":
            return rng.integers(self.minval, self.maxval, shape, dtype=dtype)
        if dtype.kind != "f":
            raise ValueError(f"Expected float or integer dtype, got {dtype.name}.")
        return _uniform(rng, shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _check_stddev(stddev):
    if stddev < 0:
        raise ValueError(f"`stddev` must be non-negative. Received: stddev={stddev}")


class RandomNormal(Initializer):
    """Normal values with the given ``mean`` and ``stddev``.

    >>> RandomNormal(seed=1)((2,)).dtype.name
    'float32'
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        _check_stddev(stddev)
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype = _shape(shape), _float_dtype(dtype)
        z = _standard_normal(_rng(self.seed), shape, dtype)
        return (self.mean + self.stddev * z).astype(dtype, copy=False)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal values, re-drawn when more than two ``stddev`` away from ``mean``.

    >>> w = TruncatedNormal(stddev=1.0, seed=0)((10000,))
    >>> bool(abs(w).max() <= 2.0)
    True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        _check_stddev(stddev)
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype = _shape(shape), _float_dtype(dtype)
        z = _truncated_standard_normal(_rng(self.seed), shape, dtype)
        return (self.mean + self.stddev * z).astype(dtype, copy=False)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Values whose variance is ``scale / n``, ``n`` being fan_in, fan_out or their average.

    ``distribution`` is ``'truncated_normal'`` (stddev corrected for the truncation),
    ``'untruncated_normal'`` or ``'uniform'`` (limit ``sqrt(3 * scale / n)``); ``'normal'`` is
    accepted as ``'truncated_normal'`` (Keras 2.2 configs).

    >>> VarianceScaling(2.0, 'fan_in', 'uniform').get_config()
    {'scale': 2.0, 'mode': 'fan_in', 'distribution': 'uniform', 'seed': None}
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(
                f"Invalid `mode` argument: {mode}. Please use one of the {allowed_modes}."
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}. "
                f"Allowed distributions: {allowed}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype, rng = _shape(shape), _float_dtype(dtype), _rng(self.seed)
        fan_in, fan_out = _compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STD
            return (stddev * _truncated_standard_normal(rng, shape, dtype)).astype(dtype)
        if self.distribution == "untruncated_normal":
            return (math.sqrt(scale) * _standard_normal(rng, shape, dtype)).astype(dtype)
        limit = math.sqrt(3.0 * scale)
        return _uniform(rng, shape, -limit, limit, dtype)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class Orthogonal(Initializer):
    """An orthogonal matrix (QR of a normal matrix, signs fixed), times ``gain``. Shapes of rank
    > 2 are treated as ``(prod(shape[:-1]), shape[-1])``.

    >>> q = Orthogonal(seed=0)((4, 4))
    >>> bool(np.allclose(q.T @ q, np.eye(4), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype = _shape(shape), _float_dtype(dtype)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. Received: "
                f"shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _rng(self.seed).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular allowed).

    >>> Identity(2.0)((2, 3))
    array([[2., 0., 0.],
           [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(type(self).__name__, kwargs)
        shape, dtype = _shape(shape), _float_dtype(dtype)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. Received: "
                f"shape={shape} of rank {len(shape)}."
            )
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(
        name,
        (VarianceScaling,),
        {"__init__": __init__, "get_config": get_config, "__doc__": doc, "__module__": __name__},
    )


GlorotUniform = _preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform", "Uniform in ``±sqrt(6 / (fan_in + fan_out))``."
)
GlorotNormal = _preset(
    "GlorotNormal",
    1.0,
    "fan_avg",
    "truncated_normal",
    "Truncated normal, stddev ``sqrt(2 / (fan_in + fan_out))``.",
)
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "Uniform in ``±sqrt(6 / fan_in)``.")
HeNormal = _preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal", "Truncated normal, stddev ``sqrt(2 / fan_in)``."
)
LecunUniform = _preset(
    "LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ``±sqrt(3 / fan_in)``."
)
LecunNormal = _preset(
    "LecunNormal",
    1.0,
    "fan_in",
    "truncated_normal",
    "Truncated normal, stddev ``sqrt(1 / fan_in)``.",
)

# snake_case aliases (classes, as in tf.keras 2)
zeros = Zeros
ones = Ones
constant = Constant
random_uniform = RandomUniform
random_normal = RandomNormal
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = Orthogonal
identity = Identity
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal

_CLASSES = (
    Zeros,
    Ones,
    Constant,
    RandomUniform,
    RandomNormal,
    TruncatedNormal,
    VarianceScaling,
    Orthogonal,
    Identity,
    GlorotUniform,
    GlorotNormal,
    HeUniform,
    HeNormal,
    LecunUniform,
    LecunNormal,
)
_MODULE_OBJECTS = {c.__name__: c for c in _CLASSES}
_MODULE_OBJECTS.update(
    {
        name: obj
        for name, obj in list(globals().items())
        if isinstance(obj, type) and obj in _CLASSES and name.islower()
    }
)
_MODULE_OBJECTS.update({"uniform": RandomUniform, "normal": RandomNormal})
_MODULE_OBJECTS.update({"one": Ones, "zero": Zeros})


def serialize(initializer):
    """``{'class_name': ..., 'config': ...}`` (None stays None)."""
    return registry.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """An initializer from a name or a ``{'class_name', 'config'}`` dict.

    >>> deserialize({'class_name': 'RandomNormal', 'config': {'stddev': 1.0}}).stddev
    1.0
    >>> deserialize('foo')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown initializer: 'foo'. ...
    """
    if config is None:
        return None
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret initializer identifier: {config}")
    name = config["class_name"]
    cls = registry.lookup(name, _MODULE_OBJECTS, custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown initializer: '{name}'. Please ensure you are using a "
            "`kviz.utils.custom_object_scope` and that this object is included in the scope. "
            f"Built-in initializers: {sorted(_MODULE_OBJECTS)}"
        )
    if not isinstance(cls, type):
        return cls  # a custom function
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """``None`` -> None; a name or config dict -> a new initializer; a class -> an instance of
    it; another callable -> itself.

    >>> get('uniform').get_config()
    {'minval': -0.05, 'maxval': 0.05, 'seed': None}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")
