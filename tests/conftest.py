"""Shared pytest setup for kviz.

* ``NUMBA_CACHE_DIR`` defaults to ``<repo>/.numba_cache`` (gitignored), set before kviz or numba
  is imported, so compiled kernels are reused between test runs.
* Every test starts from a fresh session: ``kviz.backend.clear_session()`` (when kviz.backend
  exists) and ``kviz.config.set_random_seed(1234)``.
* ``keras_datasets_dir``: a temporary ``KERAS_HOME`` whose ``datasets/`` holds symlinks to the
  offline dataset copies in ``../shared/data`` (the ``shared`` folder beside the checkout).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))


def _optional_attr(module: str, attr: str):
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, attr, None)


@pytest.fixture(autouse=True)
def _fresh_kviz_session():
    clear_session = _optional_attr("kviz.backend", "clear_session")
    if clear_session is not None:
        clear_session()
    set_random_seed = _optional_attr("kviz.config", "set_random_seed")
    if set_random_seed is not None:
        set_random_seed(1234)
    yield


# KERAS_HOME layout that keras.datasets.*.load_data / get_file look up:
#   datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#   datasets/imdb_word_index.json
#   datasets/mnist-idx/*.gz   (raw MNIST IDX files; Keras's own mnist.npz is not available)
_DATASET_LINKS = {
    "fashion-mnist": "datasets/fashion-mnist",
    "mnist-idx": "datasets/mnist-idx",
    "imdb_word_index.json": "datasets/imdb_word_index.json",
}


@pytest.fixture
def keras_datasets_dir(tmp_path, monkeypatch):
    """Point ``KERAS_HOME`` at a temp dir with the offline datasets linked in; returns that dir.

    kviz reads ``KERAS_HOME`` at call time (as Keras 2.2 did). The oracles differ: tf-keras 2.21
    ignores ``KERAS_HOME`` (use ``tf_keras.datasets.fashion_mnist.load_data(cache_dir=str(d))``
    and ``imdb.get_word_index(path=str(d / "datasets" / "imdb_word_index.json"))``); Keras 3
    reads it at import time, so it is patched below when Keras 3 is already loaded.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"offline dataset copies not found at {SHARED_DATA}")
    home = tmp_path / "keras_home"
    for src_name, dst_rel in _DATASET_LINKS.items():
        src = SHARED_DATA / src_name
        if not src.exists():
            continue
        dst = home / dst_rel
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
            for f in sorted(src.iterdir()):
                (dst / f.name).symlink_to(f)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    monkeypatch.setenv("KERAS_HOME", str(home))
    # Keras 3 reads KERAS_HOME once, when it is first imported; patch it if already loaded.
    keras3_config = sys.modules.get("keras.src.backend.config")
    if keras3_config is not None:
        monkeypatch.setattr(keras3_config, "_KERAS_DIR", str(home), raising=False)
    return home
