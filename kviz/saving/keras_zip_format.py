"""Keras 3 ``.keras`` archives: a zip of *stored* (uncompressed) entries

* ``metadata.json`` ``{"keras_version": "3.15.1", "date_saved": "YYYY-MM-DD@HH:MM:SS"}`` (kviz
  adds ``"kviz_version"``);
* ``config.json`` the model in the Keras 3 dialect (:mod:`kviz.saving.keras3_config`);
* ``model.weights.h5`` the weights in Keras 3's layout (:mod:`kviz.saving.keras3_weights`).

kviz writes what Keras 3.15 writes for the layers both libraries have, so ``keras.saving.
load_model`` reads kviz's files, and kviz reads files written by Keras 3 (and by tf.keras
2.13+, whose ``.keras`` files use the same container with Keras 2 configs).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile
import zlib

from kviz import __version__
from kviz.models.graph_config import model_from_config
from kviz.saving import h5_io, keras3_config, keras3_weights
from kviz.saving import training_config as training_config_lib
from kviz.saving.hdf5_format import _check_config_classes, dumps

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"


def _zipinfo(name, now=None):
    info = zipfile.ZipInfo(name, date_time=(now or (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def weights_bytes(model, include_optimizer=True):
    """``model.weights.h5`` (Keras 3 layout) as bytes."""
    buffer = io.BytesIO()
    with h5_io.h5py().File(buffer, "w") as f:
        keras3_weights.write(f, model, include_optimizer)
    return buffer.getvalue()


def write_archive(path, model, include_optimizer=True):
    config = keras3_config.model_to_keras3(model, include_compile=True)
    now = datetime.datetime.now()
    metadata = {
        "keras_version": keras3_config.KERAS3_VERSION,
        "date_saved": now.strftime("%Y-%m-%d@%H:%M:%S"),
        "kviz_version": __version__,
    }
    weights = weights_bytes(model, include_optimizer)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(_zipinfo(METADATA), json.dumps(metadata))
        zf.writestr(_zipinfo(CONFIG), dumps(config))
        zf.writestr(_zipinfo(WEIGHTS, now.timetuple()[:6]), weights)


def save_model_to_keras_zip(model, filepath, overwrite=True, include_optimizer=True):
    """``model.save('m.keras')``: an atomic write of the ``.keras`` archive."""
    from kviz.saving.atomic import atomic_write
    from kviz.saving.hdf5_format import check_savable

    check_savable_keras(model, check_savable)
    return atomic_write(
        filepath, lambda tmp: write_archive(tmp, model, include_optimizer), overwrite
    )


def check_savable_keras(model, check_savable):
    try:
        check_savable(model)
    except NotImplementedError:
        raise NotImplementedError(
            "Saving a subclassed model to the .keras format requires its architecture: kviz "
            "can only save functional and Sequential models with `save()`. Use "
            "`model.save_weights('model.weights.h5')` for a subclassed model."
        ) from None


# ============================================================================ reading
def _open_archive(filepath):
    kind = h5_io.file_kind(filepath)
    if kind == "missing":
        raise OSError(f"Unable to open file {os.fspath(filepath)!r}: no such file or directory.")
    if kind != "zip":
        raise ValueError(
            f"Cannot load the model from {os.fspath(filepath)!r}: {h5_io.describe_kind(kind)}."
        )
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(
            f"The file {os.fspath(filepath)!r} is not a valid .keras archive: it is truncated "
            f"or corrupt ({e})."
        ) from None
    return zf


def _read_member(zf, name, filepath):
    try:
        return zf.read(name)
    except KeyError:
        raise ValueError(
            f"The file {os.fspath(filepath)!r} is not a valid .keras archive: it has no "
            f"{name!r} (entries: {zf.namelist()})."
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise ValueError(
            f"The file {os.fspath(filepath)!r} is not a valid .keras archive: {name!r} cannot be "
            f"read, the file is truncated or corrupt ({e})."
        ) from None


def read_archive(filepath):
    """``(config dict, metadata dict, weights bytes or None)`` from a ``.keras`` file."""
    with _open_archive(filepath) as zf:
        raw_config = _read_member(zf, CONFIG, filepath)
        names = zf.namelist()
        metadata = {}
        if METADATA in names:
            try:
                metadata = json.loads(_read_member(zf, METADATA, filepath))
            except ValueError:
                metadata = {}
        weights = _read_member(zf, WEIGHTS, filepath) if WEIGHTS in names else None
        if weights is None and "model.weights.npz" in names:
            raise ValueError(
                f"{os.fspath(filepath)!r} stores its weights as model.weights.npz; kviz reads "
                "the default HDF5 weights (model.weights.h5) only."
            )
    try:
        config = json.loads(raw_config)
    except ValueError as e:
        raise h5_io.corrupt(filepath, "config.json is not valid JSON", e) from None
    return config, metadata, weights


def _open_weights(weights, filepath):
    try:
        return h5_io.h5py().File(io.BytesIO(weights), "r")
    except OSError as e:
        raise ValueError(
            f"The file {os.fspath(filepath)!r} holds an unreadable model.weights.h5 ({e})."
        ) from None


def load_model_from_keras_zip(filepath, custom_objects=None, compile=True):
    config, _metadata, weights = read_archive(filepath)
    if not isinstance(config, dict) or "class_name" not in config:
        raise h5_io.corrupt(filepath, "config.json is not a {class_name, config} object")
    compile_config = config.get("compile_config")
    kviz_config = keras3_config.to_kviz_config(config, custom_objects)
    _check_config_classes(kviz_config, custom_objects, filepath)
    model = model_from_config(kviz_config, custom_objects=custom_objects)
    optimizer_values = None
    if weights is not None:
        with _open_weights(weights, filepath) as f, h5_io.reading(filepath):
            optimizer_values = keras3_weights.read(f, model, filepath)
    elif model.weights:
        raise ValueError(f"The file {os.fspath(filepath)!r} has no model.weights.h5.")
    if compile and compile_config:
        try:
            model.compile(**training_config_lib.compile_args(compile_config, custom_objects))
        except (ValueError, TypeError, KeyError) as e:
            warnings.warn(
                f"`compile()` was not called as part of model loading because the model's "
                f"`compile()` configuration could not be restored ({e}). Compile the model "
                "manually.",
                stacklevel=3,
            )
            return model
        keras3_weights.restore_optimizer(model, optimizer_values)
    return model


def load_weights_from_keras_zip(model, filepath, skip_mismatch=False):
    """``model.load_weights('m.keras')``: the weights of a ``.keras`` archive."""
    _config, _metadata, weights = read_archive(filepath)
    if weights is None:
        raise ValueError(f"The file {os.fspath(filepath)!r} has no model.weights.h5.")
    with _open_weights(weights, filepath) as f, h5_io.reading(filepath):
        values = keras3_weights.read(f, model, filepath, skip_mismatch=skip_mismatch)
    if getattr(model, "compiled", False):
        keras3_weights.restore_optimizer(model, values)
