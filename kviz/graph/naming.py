"""Per-session unique names: ``dense``, ``dense_1``, ... (reset by ``K.clear_session()``).

kviz follows tf.keras 2.x naming (the first layer of a class has no suffix), documented in
docs/keras-compat.md.

>>> reset_uids()
>>> unique_name('dense'), unique_name('dense'), unique_name('dense')
('dense', 'dense_1', 'dense_2')
"""

from __future__ import annotations

import re

_COUNTS: dict[str, int] = {}


def unique_name(prefix: str, zero_based: bool = True) -> str:
    n = _COUNTS.get(prefix, 0)
    _COUNTS[prefix] = n + 1
    if zero_based:
        return prefix if n == 0 else f"{prefix}_{n}"
    return f"{prefix}_{n + 1}"


def get_uid(prefix: str = "") -> int:
    """Keras's ``K.get_uid``: 1, 2, 3, ... per prefix."""
    _COUNTS[prefix] = _COUNTS.get(prefix, 0) + 1
    return _COUNTS[prefix]


def reset_uids() -> None:
    _COUNTS.clear()


def to_snake_case(name: str) -> str:
    """``Conv2DTranspose`` -> ``conv2d_transpose``; ``LSTM`` -> ``lstm``."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    if s.startswith("_"):
        s = "private" + s
    return s
