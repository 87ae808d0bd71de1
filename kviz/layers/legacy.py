"""Keras 1 argument names accepted by Keras 2 layers (``output_dim``, ``init``, ``W_regularizer``...).

Keras 2.2 converted these with a warning; kviz does the same, so old tutorials run.

>>> import warnings
>>> with warnings.catch_warnings(record=True):
...     convert_legacy_kwargs('Dense', {'output_dim': 3}, {'output_dim': 'units'})
{'units': 3}
"""

from __future__ import annotations

import warnings


def convert_legacy_kwargs(layer_name: str, kwargs: dict, mapping: dict, values=None) -> dict:
    """Rename Keras 1 keyword arguments to their Keras 2 names, warning once per call.

    ``values`` maps a Keras 2 name to a function converting the old value (e.g. ``bias``
    -> ``use_bias`` keeps the value; ``border_mode`` -> ``padding`` lowercases it).
    """
    renamed = []
    out = dict(kwargs)
    for old, new in mapping.items():
        if old in out:
            if new in out:
                raise TypeError(
                    f"{layer_name}: got both the Keras 1 argument `{old}` and its Keras 2 name "
                    f"`{new}`; use only `{new}`"
                )
            value = out.pop(old)
            if values and new in values:
                value = values[new](value)
            out[new] = value
            renamed.append(f"{new}={value!r}")
    if renamed:
        warnings.warn(
            f"Update your `{layer_name}` call to the Keras 2 API: `{layer_name}("
            + ", ".join(renamed)
            + ")`",
            UserWarning,
            stacklevel=3,
        )
    return out
