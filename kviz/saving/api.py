"""``save_model``/``load_model``/``save_weights``/``load_weights``: pick the format, then call
the format's module.

Formats are chosen by file name when writing (``.keras`` -> Keras 3 zip; ``.weights.h5`` ->
Keras 3 weights; ``.h5``/``.hdf5`` and anything else -> Keras 2 HDF5) and by the file's bytes
when reading (zip or HDF5; within HDF5, the Keras 2 or the Keras 3 weights layout).
"""

from __future__ import annotations

import os
import warnings

from kviz import registry
from kviz.saving import h5_io, hdf5_format, keras3_weights, keras_zip_format

# tf.keras save arguments that have no meaning for kviz's formats; accepted and ignored
_IGNORED_SAVE_KWARGS = {"signatures", "options", "save_traces", "zipped"}


def _check_kwargs(kwargs, fn):
    unknown = sorted(set(kwargs) - _IGNORED_SAVE_KWARGS)
    if unknown:
        raise TypeError(f"{fn}() got unexpected keyword argument(s): {unknown}")


def _is_h5py_object(obj) -> bool:
    return hasattr(obj, "attrs") and hasattr(obj, "create_group")


def _fspath(filepath):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(
            f"filepath must be a path (str or os.PathLike); received {filepath!r}"
        ) from None


def _save_format(filepath, save_format, weights=False):
    if save_format is not None:
        fmt = str(save_format).lower()
        if fmt in ("h5", "hdf5", "keras2"):
            return "h5"
        if fmt in ("keras", "keras3", "keras_v3"):
            return "keras"
        if fmt in ("tf", "tensorflow"):
            raise ValueError(
                "kviz cannot write the TensorFlow SavedModel/checkpoint format "
                f"(save_format={save_format!r}). Use a '.h5' (Keras 2) or '.keras' (Keras 3) "
                "file name."
            )
        raise ValueError(f"Unknown save_format {save_format!r}: use 'h5' or 'keras'.")
    name = filepath.lower()
    if weights and name.endswith(".weights.h5"):
        return "keras"
    if name.endswith(".keras"):
        if weights:
            raise ValueError(
                f"The filename must end in `.weights.h5` (Keras 3 weights) or `.h5` (Keras 2 "
                f"weights). Received: filepath={filepath}"
            )
        return "keras"
    if not name.endswith((".h5", ".hdf5", ".keras2")):
        warnings.warn(
            f"kviz writes {filepath!r} in the Keras 2 HDF5 format (kviz has no TensorFlow "
            "SavedModel/checkpoint format); name the file '.h5' or '.keras' to choose the "
            "format explicitly.",
            stacklevel=4,
        )
    return "h5"


# ============================================================================ models
def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None, **kw):
    """Save a functional or Sequential model: architecture, weights, training configuration and
    optimizer state. ``.keras`` -> Keras 3 zip; ``.h5``/``.hdf5`` (or other names) -> Keras 2
    HDF5. The write is atomic: an interrupted save never leaves a broken file behind."""
    _check_kwargs(kw, "save_model")
    if _is_h5py_object(filepath):
        hdf5_format.check_savable(model)
        hdf5_format.write_model(filepath, model, include_optimizer)
        return
    path = _fspath(filepath)
    fmt = _save_format(path, save_format)
    if fmt == "keras":
        keras_zip_format.save_model_to_keras_zip(model, path, overwrite, include_optimizer)
    else:
        hdf5_format.save_model_to_hdf5(model, path, overwrite, include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, **kwargs):
    """Load a model saved by kviz, Keras 2.x (``.h5``) or Keras 3 (``.keras``, ``.h5``).

    ``custom_objects``: ``{name: class or function}`` for custom layers, losses, metrics...
    ``compile``: also restore the training configuration and the optimizer state.
    ``safe_mode``: refuse Lambda layers holding Python bytecode (pass False for trusted files).
    """
    unknown = sorted(set(kwargs) - {"options"})
    if unknown:
        raise TypeError(f"load_model() got unexpected keyword argument(s): {unknown}")
    with registry.CustomObjectScope(dict(custom_objects or {})), registry.SafeModeScope(safe_mode):
        if _is_h5py_object(filepath):
            return _load_h5_object(filepath, custom_objects, compile)
        path = _fspath(filepath)
        kind = h5_io.file_kind(path)
        if kind == "missing":
            raise OSError(f"No file or directory found at {path}")
        if kind == "zip":
            return keras_zip_format.load_model_from_keras_zip(path, custom_objects, compile)
        if kind == "hdf5":
            return hdf5_format.load_model_from_hdf5(path, custom_objects, compile)
        raise ValueError(f"Cannot load a model from {path!r}: {h5_io.describe_kind(kind)}.")


def _load_h5_object(f, custom_objects, compile):
    import tempfile

    # an open h5py.File/Group: copy it into a temporary file and load that
    h5py = h5_io.h5py()
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "model.h5")
        with h5py.File(tmp, "w") as out:
            for k, v in f.attrs.items():
                out.attrs[k] = v
            for k in f:
                f.copy(f[k], out, name=k)
        return hdf5_format.load_model_from_hdf5(tmp, custom_objects, compile)


# ============================================================================ weights
def save_weights(model, filepath, overwrite=True, save_format=None, **kwargs):
    """Save the weights: ``*.weights.h5`` -> Keras 3 layout; ``.h5`` (and other names) ->
    Keras 2 layout (``layer_names``, one group per layer). Atomic like :func:`save_model`."""
    _check_kwargs(kwargs, "save_weights")
    if not model.built:
        _ = model.weights  # Keras's "Weights for model ... have not yet been created" error
        raise ValueError(
            f"You are saving the weights of model '{model.name}' before it has been built. "
            "Call it on data or call `build()` first."
        )
    if _is_h5py_object(filepath):
        hdf5_format.save_weights_to_hdf5_group(filepath, model)
        return
    path = _fspath(filepath)
    fmt = _save_format(path, save_format, weights=True)
    if fmt == "keras":
        from kviz.saving.atomic import atomic_write

        def write(tmp):
            with h5_io.h5py().File(tmp, "w") as f:
                keras3_weights.write(f, model)

        atomic_write(path, write, overwrite)
    else:
        hdf5_format.save_weights_to_hdf5(model, path, overwrite)


def load_weights(model, filepath, by_name=False, skip_mismatch=False, **kwargs):
    """Load weights from a Keras 2 weights or full-model ``.h5``, a Keras 3 ``.weights.h5`` or
    a ``.keras`` archive (kviz or Keras). Nothing is assigned unless everything fits (or, with
    ``by_name=True, skip_mismatch=True``, the mismatched layers are skipped with a warning)."""
    unknown = sorted(set(kwargs) - {"options"})
    if unknown:
        raise TypeError(f"load_weights() got unexpected keyword argument(s): {unknown}")
    if not model.built:
        raise ValueError(
            f"Unable to load weights into model '{model.name}', which has not created its "
            "variables yet. Call the model first (or `build()` it), then load the weights."
        )
    if _is_h5py_object(filepath):
        root = hdf5_format.weights_root(filepath, "<h5py object>")
        if root is None:
            raise ValueError("The HDF5 object holds no Keras 2 weights ('layer_names').")
        if by_name:
            hdf5_format.load_weights_from_hdf5_group_by_name(root, model, skip_mismatch)
        else:
            hdf5_format.load_weights_from_hdf5_group(root, model)
        return
    path = _fspath(filepath)
    kind = h5_io.file_kind(path)
    if kind == "missing":
        if os.path.exists(path + ".index"):
            raise ValueError(
                f"{path!r} is a TensorFlow checkpoint prefix ({path}.index exists); kviz reads "
                "HDF5 (.h5) and .keras weights only."
            )
        raise OSError(f"No file or directory found at {path}")
    if kind == "zip":
        keras_zip_format.load_weights_from_keras_zip(model, path, skip_mismatch)
        return
    if kind != "hdf5":
        raise ValueError(f"Cannot load weights from {path!r}: {h5_io.describe_kind(kind)}.")
    with h5_io.open_h5(path, "weights") as f, h5_io.reading(path, "the file's structure"):
        is_keras2 = hdf5_format.weights_root(f, path) is not None
        is_keras3 = "layers" in f or "vars" in f
    if is_keras2:
        hdf5_format.load_weights_from_hdf5(model, path, by_name, skip_mismatch)
        return
    if not is_keras3:
        raise h5_io.corrupt(
            path, "it holds neither Keras 2 weights ('layer_names') nor Keras 3 weights ('layers')"
        )
    with h5_io.open_h5(path, "weights") as f, h5_io.reading(path):
        values = keras3_weights.read(f, model, path, skip_mismatch=skip_mismatch)
    if getattr(model, "compiled", False):
        keras3_weights.restore_optimizer(model, values)
