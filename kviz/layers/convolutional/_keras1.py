"""Keras 1 spellings of the convolution and pooling layers (Keras 2.2's ``legacy/interfaces``).

Keras 2.2 converted these with a warning, and so does kviz:

* ``nb_filter`` -> ``filters``; ``filter_length`` -> ``kernel_size`` (1D); ``nb_row, nb_col``
  (keywords, or two integer positional arguments after ``filters``) -> ``kernel_size``; Conv3D's
  ``kernel_dim1..3`` likewise;
* ``subsample``/``subsample_length`` -> ``strides``; ``border_mode`` -> ``padding``;
  ``dim_ordering`` ``'tf'``/``'th'``/``'default'`` -> ``data_format`` ``'channels_last'``/
  ``'channels_first'``/None; ``atrous_rate`` -> ``dilation_rate``;
* ``init``, ``W_regularizer``, ``b_regularizer``, ``W_constraint``, ``b_constraint``, ``bias``
  -> ``kernel_initializer`` ... ``use_bias``;
* Conv1D's ``input_dim``/``input_length`` -> ``input_shape=(input_length, input_dim)``;
* pooling: ``pool_length`` -> ``pool_size``, ``stride`` -> ``strides``.

As in Keras 2.2, ``Conv2D(32, 3, 3)`` means a 3x3 kernel (Keras 1's ``nb_row, nb_col``), not
``strides=3``; pass ``strides=`` as a keyword (tf.keras 2 would read the third positional
argument as ``strides``). Other extra positional arguments follow the Keras 2 parameter order.

>>> import warnings
>>> with warnings.catch_warnings(record=True):
...     conv_args('Conv2D', 2, 32, 3, (3,), {'border_mode': 'same'})
(32, (3, 3), {'padding': 'same'})
"""

from __future__ import annotations

import warnings

from kviz.layers.legacy import convert_legacy_kwargs

DATA_FORMATS = {"tf": "channels_last", "th": "channels_first", "default": None}

CONV_RENAMES = {
    "nb_filter": "filters",
    "filter_length": "kernel_size",
    "subsample_length": "strides",
    "subsample": "strides",
    "border_mode": "padding",
    "dim_ordering": "data_format",
    "atrous_rate": "dilation_rate",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
}

POOL_RENAMES = {
    "pool_length": "pool_size",
    "stride": "strides",
    "border_mode": "padding",
    "dim_ordering": "data_format",
}

#: Keras 2 order of the arguments after ``kernel_size``.
CONV_ORDER = (
    "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias",
    "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
    "activity_regularizer", "kernel_constraint", "bias_constraint",
)  # fmt: skip

VALUES = {"data_format": lambda v: DATA_FORMATS.get(v, v)}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def convert(name, kwargs, renames):
    """Rename Keras 1 keywords (with the Keras 2.2 warning) and convert ``dim_ordering``."""
    return convert_legacy_kwargs(name, kwargs, renames, VALUES)


def positional(name, args, kwargs, order):
    """Merge extra positional arguments into ``kwargs`` in the Keras 2 order ``order``."""
    if len(args) > len(order):
        raise TypeError(f"{name} takes at most {len(order) + 2} positional arguments")
    kwargs = dict(kwargs)
    for key, value in zip(order, args, strict=False):
        if key in kwargs:
            raise TypeError(f"{name} got multiple values for argument '{key}'")
        kwargs[key] = value
    return kwargs


def _merge(name, key, value, kwargs):
    if key in kwargs:
        if value is not None:
            raise TypeError(f"{name} got multiple values for argument '{key}'")
        value = kwargs.pop(key)
    return value


def conv_args(name, rank, filters, kernel_size, args, kwargs, order=CONV_ORDER):
    """``(filters, kernel_size, kwargs)`` with Keras 1 forms converted (see module doc)."""
    kwargs, args = dict(kwargs), tuple(args)
    keras1_kernel = None
    if rank >= 2:
        dims = [f"kernel_dim{i}" for i in (1, 2, 3)] if rank == 3 else ["nb_row", "nb_col"]
        head = (kernel_size, *args[: rank - 1])
        if kernel_size is not None and len(head) == rank and all(map(_is_int, head)):
            # Conv2D(32, 3, 3) / Conv3D(8, 3, 3, 3): Keras 1 kernel sizes
            if rank == 2 and any(k in kwargs for k in ("padding", "strides", "data_format")):
                raise ValueError(
                    "It seems that you are using the Keras 2 and you are passing both "
                    f"`kernel_size` and `strides` as integer positional arguments to {name}. "
                    "For safety reasons, this is disallowed. Pass `strides` as a keyword "
                    "argument instead."
                )
            keras1_kernel, kernel_size, args = head, None, args[rank - 1 :]
        elif any(d in kwargs for d in dims):
            parts = [kernel_size] if kernel_size is not None else []
            parts += [kwargs.pop(d) for d in dims if d in kwargs]
            if len(parts) != rank:
                raise TypeError(f"{name}: a Keras 1 kernel size needs all of {dims}")
            keras1_kernel, kernel_size = tuple(parts), None
    elif "input_dim" in kwargs and "input_shape" not in kwargs:
        kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
    kwargs = positional(name, args, kwargs, order)
    kwargs = convert(name, kwargs, CONV_RENAMES)
    filters = _merge(name, "filters", filters, kwargs)
    kernel_size = _merge(name, "kernel_size", kernel_size, kwargs)
    if keras1_kernel is not None:
        if kernel_size is not None:
            raise TypeError(f"{name} got multiple values for argument 'kernel_size'")
        kernel_size = keras1_kernel
        warnings.warn(
            f"Update your `{name}` call to the Keras 2 API: `{name}({filters}, {kernel_size})`",
            UserWarning,
            stacklevel=4,
        )
    return filters, kernel_size, kwargs
