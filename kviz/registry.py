"""Custom-object scopes and the (de)serialization of Keras objects by name or config.

A leaf module. ``kviz.utils.CustomObjectScope`` and ``custom_object_scope`` re-export it.

>>> def my_act(x):
...     return x
>>> with CustomObjectScope({'my_act': my_act}):
...     get_custom_objects()['my_act'] is my_act
True
"""

from __future__ import annotations

import threading

_GLOBAL_CUSTOM_OBJECTS: dict = {}
_local = threading.local()


def _scopes() -> list:
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes


class CustomObjectScope:
    """Make custom classes and functions known to deserialization inside a ``with`` block."""

    def __init__(self, *objects):
        self.objects = {}
        for o in objects:
            if not isinstance(o, dict):
                raise TypeError(f"CustomObjectScope takes dicts of name -> object; got {o!r}")
            self.objects.update(o)

    def __enter__(self):
        _scopes().append(self.objects)
        return self

    def __exit__(self, *exc):
        _scopes().pop()
        return False


custom_object_scope = CustomObjectScope


class SafeModeScope:
    """Inside ``with SafeModeScope(False):`` deserialization may run Python bytecode (Lambda).

    Safe mode is on by default: loading a Lambda layer's ``lambda`` from a file or JSON raises.
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = bool(safe_mode)

    def __enter__(self):
        if not hasattr(_local, "safe"):
            _local.safe = []
        _local.safe.append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _local.safe.pop()
        return False


def in_safe_mode() -> bool:
    stack = getattr(_local, "safe", None)
    return stack[-1] if stack else True


def get_custom_objects() -> dict:
    """The global dict of custom objects, merged with any active scopes (scopes win)."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for s in _scopes():
        merged.update(s)
    return merged


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under ``package>name`` and ``name``."""

    def deco(obj):
        key = name or obj.__name__
        _GLOBAL_CUSTOM_OBJECTS[f"{package}>{key}"] = obj
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        return obj

    return deco


def lookup(name: str, module_objects: dict, custom_objects: dict | None = None):
    """Find ``name`` in the given custom objects, then active scopes, then ``module_objects``."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    found = get_custom_objects()
    if name in found:
        return found[name]
    if name in module_objects:
        return module_objects[name]
    short = name.split(">")[-1]
    if short != name:
        return lookup(short, module_objects, custom_objects)
    return None


def serialize_keras_object(obj):
    """``{'class_name': ..., 'config': ...}`` for objects with get_config; names for functions."""
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    if hasattr(obj, "__name__"):
        return obj.__name__
    raise ValueError(f"Cannot serialize {obj!r}: it has no get_config() and no __name__")


def deserialize_keras_object(
    identifier, module_objects, custom_objects=None, printable_module_name="object"
):
    """Inverse of :func:`serialize_keras_object`: a name or a config dict back to an object."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(
                f"Improper config format for {printable_module_name}: {identifier!r}; expected "
                "a dict with 'class_name' and 'config'"
            )
        cls = lookup(identifier["class_name"], module_objects, custom_objects)
        if cls is None:
            raise ValueError(
                f"Unknown {printable_module_name}: '{identifier['class_name']}'. Please ensure "
                "you are using a `kviz.utils.custom_object_scope` and that this object is "
                "included in the scope, or pass it in `custom_objects`."
            )
        config = identifier["config"]
        if hasattr(cls, "from_config"):
            try:
                return cls.from_config(config, custom_objects=custom_objects)
            except TypeError as e:
                if "custom_objects" not in str(e):
                    raise
                return cls.from_config(config)
        return cls(**config)
    if isinstance(identifier, str):
        obj = lookup(identifier, module_objects, custom_objects)
        if obj is None:
            raise ValueError(
                f"Unknown {printable_module_name}: '{identifier}'. Please ensure you are using a "
                "`kviz.utils.custom_object_scope` and that this object is included in the scope, "
                "or pass it in `custom_objects`."
            )
        return obj
    return identifier
