"""``InputSpec``: what a layer accepts (rank, fixed axis sizes), checked with Keras's messages.

>>> spec = InputSpec(min_ndim=2, axes={-1: 3})
>>> check_input_spec([spec], [(None, 3)], 'dense')
>>> check_input_spec([spec], [(None, 5)], 'dense')
Traceback (most recent call last):
...
ValueError: Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (None, 5)
"""

from __future__ import annotations

from kviz.errors import format_shape


class InputSpec:
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}

    def get_config(self):
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in self.get_config().items() if v]
        return "InputSpec(" + ", ".join(parts) + ")"


def _fits(spec, shape, ndim):
    """Fast path: True when ``shape`` satisfies ``spec`` (no message formatting)."""
    if spec.ndim is not None and ndim != spec.ndim:
        return False
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        return False
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        return False
    for axis, value in spec.axes.items():
        if value is None:
            continue
        if not -ndim <= axis < ndim:
            return False
        actual = shape[axis]
        if actual is not None and actual != value:
            return False
    if spec.shape is not None:
        for want, got in zip(spec.shape, shape, strict=False):
            if want is not None and got is not None and want != got:
                return False
    return True


def check_input_spec(specs, shapes, layer_name):
    """Raise ValueError in Keras's words when ``shapes`` do not satisfy ``specs``."""
    if specs is None:
        return
    if isinstance(specs, InputSpec):
        specs = [specs]
    if len(specs) != len(shapes):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(shapes)} input tensors."
        )
    for i, (spec, shape) in enumerate(zip(specs, shapes, strict=True)):
        if spec is None or shape is None:
            continue
        ndim = len(shape)
        if _fits(spec, shape, ndim):
            continue
        head = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        full = f"Full shape received: {format_shape(shape)}"
        if spec.ndim is not None and ndim != spec.ndim:
            raise ValueError(f"{head}expected ndim={spec.ndim}, found ndim={ndim}. {full}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={ndim}. {full}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={ndim}. {full}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            try:
                actual = shape[axis]
            except IndexError:
                raise ValueError(
                    f"{head}expected axis {axis} of input shape to have value {value}, but "
                    f"received input with shape {format_shape(shape)}"
                ) from None
            if actual is not None and actual != value:
                raise ValueError(
                    f"{head}expected axis {axis} of input shape to have value {value}, but "
                    f"received input with shape {format_shape(shape)}"
                )
        if spec.shape is not None:
            for want, got in zip(spec.shape, shape, strict=False):
                if want is not None and got is not None and want != got:
                    raise ValueError(
                        f"{head}expected shape={format_shape(spec.shape)}, found "
                        f"shape={format_shape(shape)}"
                    )
