"""HDF5 plumbing shared by the savers: lazy ``h5py``, file checks, string attributes.

``h5py`` is imported on first use only, so ``import kviz.saving`` stays light.

* :func:`open_h5` opens a file for reading and turns h5py's terse errors (a truncated file, a
  file that is not HDF5, a missing file) into errors that name the path and say what is wrong.
* :func:`write_attr_list`/:func:`read_attr_list` store lists of strings the way Keras does,
  splitting attributes larger than 64,512 bytes into ``name0``, ``name1``... (the HDF5 object
  header limit). Readers accept fixed-length bytes (Keras 2.2) and variable-length str (h5py 3).
"""

from __future__ import annotations

import contextlib
import json
import os

import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


def h5py():
    """The ``h5py`` module (imported on first use)."""
    try:
        import h5py as module
    except ImportError as e:  # pragma: no cover - h5py is a dependency of kviz
        raise ImportError("Saving and loading HDF5 files requires h5py: `pip install h5py`.") from e
    return module


def file_kind(path) -> str:
    """``'hdf5'``, ``'zip'``, ``'missing'``, ``'empty'`` or ``'unknown'`` from a file's bytes."""
    path = os.fspath(path)
    if not os.path.exists(path):
        return "missing"
    if os.path.isdir(path):
        return "directory"
    with open(path, "rb") as fh:
        head = fh.read(8)
        if not head:
            return "empty"
        if head.startswith(ZIP_SIGNATURE):
            return "zip"
        # HDF5 puts its signature at 0, 512, 1024, 2048... (a user block may come first)
        offset = 0
        while True:
            if head == HDF5_SIGNATURE:
                return "hdf5"
            offset = 512 if offset == 0 else offset * 2
            fh.seek(offset)
            head = fh.read(8)
            if len(head) < 8:
                return "unknown"


def describe_kind(kind: str) -> str:
    return {
        "missing": "no such file",
        "directory": "it is a directory (a TensorFlow SavedModel? kviz reads .h5 and .keras files)",
        "empty": "the file is empty (0 bytes)",
        "unknown": "the file is neither HDF5 (.h5) nor a zip archive (.keras)",
        "zip": "the file is a zip archive (a Keras 3 .keras file), not HDF5",
        "hdf5": "HDF5",
    }.get(kind, kind)


def open_h5(path, what="model"):
    """Open ``path`` read-only; OSError/ValueError naming the path for unreadable files."""
    path = os.fspath(path)
    kind = file_kind(path)
    if kind == "missing":
        raise OSError(f"Unable to open file {path!r}: no such file or directory.")
    if kind != "hdf5":
        raise ValueError(f"Cannot load the {what} from {path!r}: {describe_kind(kind)}.")
    try:
        return h5py().File(path, "r")
    except OSError as e:
        raise OSError(
            f"Cannot read the HDF5 file {path!r}: it is truncated or corrupt ({e})."
        ) from None


@contextlib.contextmanager
def reading(path, what="a weight"):
    """Turn low-level HDF5 errors raised while reading ``path`` into :func:`corrupt` errors."""
    try:
        yield
    except (OSError, RuntimeError, KeyError, UnicodeDecodeError) as e:
        raise corrupt(path, f"{what} could not be read", e) from None


def corrupt(path, detail, exc=None) -> ValueError:
    """The ValueError for a structurally broken file."""
    extra = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return ValueError(
        f"The file {os.fspath(path)!r} is corrupt or not a Keras file: {detail}{extra}"
    )


# ----------------------------------------------------------------------- attributes
def decode(value):
    """bytes / numpy bytes / numpy str -> str; anything else unchanged."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.str_):
        return str(value)
    return value


def read_str_attr(obj, name, default=None):
    """A string attribute (bytes or str in the file) or ``default``."""
    if name not in obj.attrs:
        return default
    value = obj.attrs[name]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return decode(value)


def read_json_attr(obj, name, path):
    text = read_str_attr(obj, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError) as e:
        raise corrupt(path, f"the attribute {name!r} is not valid JSON", e) from None


def write_attr_list(group, name, data):
    """Store a list of strings as Keras does, in chunks when over the header limit."""
    encoded = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in data]
    too_big = [x for x in encoded if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_big:
        raise RuntimeError(
            "The following attributes cannot be saved to HDF5 file because they are larger "
            f"than {HDF5_OBJECT_HEADER_LIMIT} bytes: {too_big}"
        )
    array = np.asarray(encoded)
    num_chunks = 1
    chunks = np.array_split(array, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunks):
        num_chunks += 1
        chunks = np.array_split(array, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunks):
            group.attrs[f"{name}{i}"] = chunk
    else:
        group.attrs[name] = array if encoded else np.asarray([])


def has_attr_list(group, name) -> bool:
    return name in group.attrs or f"{name}0" in group.attrs


def read_attr_list(group, name):
    """A list of strings stored by :func:`write_attr_list` (or by Keras)."""
    if name in group.attrs:
        values = group.attrs[name]
        return [decode(v) for v in np.atleast_1d(values)]
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out.extend(decode(v) for v in np.atleast_1d(group.attrs[f"{name}{i}"]))
        i += 1
    return out


def write_dataset(group, name, value):
    value = np.asarray(value)
    dset = group.create_dataset(name, value.shape, dtype=value.dtype)
    if value.shape:
        dset[:] = value
    else:
        dset[()] = value
    return dset


def read_dataset(group, name, path):
    try:
        return np.asarray(group[name])
    except KeyError:
        raise corrupt(path, f"the weight {name!r} listed in {group.name!r} is missing") from None
    except (OSError, RuntimeError, ValueError) as e:
        raise corrupt(path, f"cannot read the weight {name!r} in {group.name!r}", e) from None
