"""Keras 2's ``keras.utils.generic_utils``: Progbar, custom-object scopes, (de)serialization.

Everything here is a re-export of lower-level kviz modules (``kviz.engine.progbar`` and
``kviz.registry``), kept under its Keras 2 module path for old tutorials.
"""

from __future__ import annotations

from kviz.engine.progbar import Progbar
from kviz.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
    serialize_keras_object,
)
from kviz.registry import deserialize_keras_object as _deserialize

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "register_keras_serializable",
    "serialize_keras_object",
]


def deserialize_keras_object(
    identifier, module_objects=None, custom_objects=None, printable_module_name="object"
):
    """A name or ``{'class_name', 'config'}`` dict back to an object (Keras 2 signature).

    Names are looked up in ``custom_objects``, the active custom-object scopes, the objects
    registered with :func:`register_keras_serializable`, then ``module_objects``.
    """
    return _deserialize(
        identifier,
        module_objects or {},
        custom_objects=custom_objects,
        printable_module_name=printable_module_name,
    )
