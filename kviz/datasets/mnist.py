"""MNIST: 60,000 training and 10,000 test 28x28 grey images of handwritten digits.

``load_data()`` returns ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 ``(n, 28, 28)``,
``y`` uint8 ``(n,)``, exactly what ``keras.datasets.mnist.load_data()`` returns. It looks for
the data in this order (``<cache>`` is ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras``):

1. ``<cache>/datasets/mnist.npz``: Keras's own file, accepted when its sha256 is Keras's
   (``731c5ac6…``), or when its four arrays pass the content check below;
2. ``<cache>/datasets/mnist-idx/``: Yann LeCun's original IDX files,
   ``train-images.idx3-ubyte``, ``train-labels.idx1-ubyte``, ``t10k-images.idx3-ubyte``,
   ``t10k-labels.idx1-ubyte``, each either plain or gzip-compressed (``.gz``); the spellings
   with ``-idx3-ubyte`` (as on LeCun's site) work too;
3. otherwise Keras's URL ``https://storage.googleapis.com/tensorflow/tf-keras-datasets/
   mnist.npz`` is downloaded to place 1 (a clear error names the URL and both places when
   the machine is offline).

Why the IDX files: Keras's ``mnist.npz`` is not obtainable byte-for-byte on an offline machine
(see ``kviz/datasets/README.md``), while LeCun's files are the same data in its original form.
How they are verified: each decoded array is turned back into its IDX byte stream (the
big-endian magic number and dimensions, then the raw uint8 bytes) and that stream's sha256
must equal the published sha256 of LeCun's file (:data:`IDX_SHA256`). The same check accepts an
``mnist.npz`` re-saved from these arrays, whose file hash cannot equal Keras's.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct

import numpy as np

from kviz.datasets._files import DownloadError, cache_base_dir, get_file, validate_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
IDX_SUBDIR = "mnist-idx"

# sha256 of LeCun's uncompressed IDX files, by the array they hold.
IDX_SHA256 = {
    "x_train": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "y_train": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "x_test": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "y_test": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
IDX_FILES = {
    "x_train": "train-images.idx3-ubyte",
    "y_train": "train-labels.idx1-ubyte",
    "x_test": "t10k-images.idx3-ubyte",
    "y_test": "t10k-labels.idx1-ubyte",
}
_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


def idx_bytes(array) -> bytes:
    """The IDX byte stream of a uint8 array: magic ``0x08 <ndim>``, big-endian dims, data."""
    a = np.ascontiguousarray(array, dtype=np.uint8)
    return struct.pack(f">I{a.ndim}I", 0x0800 | a.ndim, *a.shape) + a.tobytes()


def verify_arrays(arrays) -> list:
    """Names of the arrays that are not LeCun's MNIST (empty list: all four verified)."""
    bad = []
    for name, expected in IDX_SHA256.items():
        a = arrays.get(name)
        if (
            a is None
            or a.dtype != np.uint8
            or a.shape != _SHAPES[name]
            or hashlib.sha256(idx_bytes(a)).hexdigest() != expected
        ):
            bad.append(name)
    return bad


def decode_idx(raw: bytes, source="IDX data") -> np.ndarray:
    """Decode an (uncompressed) IDX stream of unsigned bytes into a uint8 array."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{source} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    if len(raw) != header + int(np.prod(dims)):
        raise ValueError(f"{source}: size does not match its header dims {dims}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def _idx_candidates(folder, name):
    stems = [name, name.replace(".idx", "-idx")]
    return [os.path.join(folder, s + ext) for s in stems for ext in ("", ".gz")]


def _find_idx(folder):
    """{array name: path} when all four IDX files are in ``folder``, else None."""
    found = {}
    for key, name in IDX_FILES.items():
        hits = [p for p in _idx_candidates(folder, name) if os.path.isfile(p)]
        if not hits:
            return None
        found[key] = hits[0]
    return found


def load_idx(folder) -> tuple:
    """Decode and verify LeCun's four IDX files in ``folder`` (plain or ``.gz``)."""
    paths = _find_idx(folder)
    if paths is None:
        raise FileNotFoundError(f"the four MNIST IDX files are not all in {folder}")
    arrays = {}
    for key, path in paths.items():
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = f.read()
        if hashlib.sha256(raw).hexdigest() != IDX_SHA256[key]:
            raise ValueError(
                f"{path} is not the original MNIST file: its (uncompressed) sha256 is "
                f"{hashlib.sha256(raw).hexdigest()}, expected {IDX_SHA256[key]}"
            )
        arrays[key] = decode_idx(raw, path)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _load_npz(path):
    with np.load(path, allow_pickle=True) as f:
        return {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}


def _pack(arrays):
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_data(path="mnist.npz", cache_dir=None):
    """Keras's ``mnist.load_data``; also reads LeCun's IDX files (see the module docstring)."""
    datadir = os.path.join(cache_base_dir(cache_dir), "datasets")
    npz = os.path.join(datadir, os.fspath(path))
    if os.path.isfile(npz):
        if validate_file(npz, FILE_HASH):
            return _pack(_load_npz(npz))
        try:
            arrays = _load_npz(npz)
        except (OSError, ValueError, KeyError):
            arrays = {}
        if not verify_arrays(arrays):
            return _pack(arrays)
    idx_dir = os.path.join(datadir, IDX_SUBDIR)
    if _find_idx(idx_dir) is not None:
        return load_idx(idx_dir)
    try:
        fpath = get_file(path, origin=ORIGIN, file_hash=FILE_HASH, cache_dir=cache_dir)
    except DownloadError as e:
        names = ", ".join(f"{n}[.gz]" for n in IDX_FILES.values())
        raise DownloadError(
            f"{e}\nkviz also accepts Yann LeCun's original MNIST IDX files ({names}) in:\n"
            f"    {idx_dir}"
        ) from e.__cause__
    return _pack(_load_npz(fpath))
