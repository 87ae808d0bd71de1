"""Implementations that higher levels register for ``kviz.models`` (no logic here).

``kviz.saving`` (level 8) fills :data:`SAVING` when it is imported; ``kviz/__init__.py`` imports
``kviz.saving`` as soon as ``kviz`` is imported, so the entries are always there in practice.
``Model.save``/``save_weights``/``load_weights`` and ``kviz.models.load_model``/``save_model``
look them up here, because ``kviz.models`` (level 7) may not import ``kviz.saving``.

Keys: ``'save_model'``, ``'load_model'``, ``'save_weights'``, ``'load_weights'``.
"""

from __future__ import annotations

SAVING: dict = {}


def saving_function(name):
    """The registered implementation ``name``; a clear ImportError when none is registered."""
    fn = SAVING.get(name)
    if fn is None:
        raise ImportError(
            f"kviz.saving is not loaded, so `{name}` is unavailable. `import kviz` loads it; "
            "if you imported kviz submodules in an unusual way, run `import kviz.saving` first."
        )
    return fn
