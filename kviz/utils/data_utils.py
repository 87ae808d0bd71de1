"""Keras 2's ``keras.utils.data_utils``: ``get_file``, ``Sequence`` and helpers (re-exports)."""

from __future__ import annotations

from kviz.datasets._files import DownloadError, extract_archive, get_file, hash_file, validate_file
from kviz.engine.sequence import Sequence
from kviz.preprocessing.sequence import pad_sequences

_extract_archive = extract_archive
_hash_file = hash_file

__all__ = [
    "DownloadError",
    "Sequence",
    "extract_archive",
    "get_file",
    "hash_file",
    "pad_sequences",
    "validate_file",
]
