"""The seed-snippet contexts are right: with them, the snippets run on real Keras (tf-keras 2.21).

``test_seed_snippets.py`` runs every seed snippet on kviz after a context (setup code, earlier
snippets, substitutions). A context with a mistake would turn a kviz success into a failure, or
hide a gap behind a wrong error; this file runs the same snippets with the same contexts on
tf-keras (``keras`` rewritten to ``tf_keras``), including the KNOWN_GAPS ones, whose contexts
kviz cannot exercise yet.

Where tf-keras itself cannot run a snippet, ``ORACLE_FAILS`` says why (Keras 1 / 2.2 spellings
that tf.keras dropped, behaviour kviz chose differently) and the test asserts that it does fail
there. tf-keras downloads its datasets (and ignores ``KERAS_HOME``), so for the snippets that
load MNIST or CIFAR-10, ``tf_keras.datasets.<name>.load_data`` is replaced by kviz's loader on
the same offline files.
"""

from __future__ import annotations

import os

import pytest
import test_seed_snippets as seeds

pytestmark = pytest.mark.keras_oracle

_NEW_OPTIMIZER_DECAY = "ValueError: decay is deprecated in the new TF-Keras optimizer"
_NOT_RAISED = "AssertionError: 004-88 should raise AttributeError with 'has multiple inbound nodes', raised nothing"

# fmt: off
# id -> (start of the error tf-keras raises, why tf-keras fails where kviz must not)
ORACLE_FAILS: dict[str, tuple[str, str]] = {
    "000-00": ("TypeError: ('Keyword argument not understood:', 'input')", "Keras 1 `Model(input=, output=)`, dropped by tf.keras"),
    "000-03": ("TypeError: ('Keyword argument not understood:', 'input')", "Keras 1 `Model(input=, output=)`, dropped by tf.keras"),
    "000-09": ("TypeError: Model.fit_generator() got an unexpected keyword argument 'samples_per_epoch'", "Keras 1 `samples_per_epoch`/`nb_epoch`, dropped by tf.keras"),
    "000-10": ("TypeError: Model.fit() got an unexpected keyword argument 'nb_epoch'", "Keras 1 `nb_epoch`, dropped by tf.keras"),
    "004-00": ("ModuleNotFoundError: No module named 'tf_keras.layers.merge'", "the Keras 2.2 module path `keras.layers.merge`, dropped by tf.keras"),
    "004-09": ("ModuleNotFoundError: No module named 'tf_keras.wrappers'", "`keras.wrappers.scikit_learn`, dropped by tf-keras"),
    "004-21": ("ImportError: cannot import name 'np_utils' from 'tf_keras.utils'", "the Keras 2.2 module `keras.utils.np_utils`, dropped by tf.keras"),
    "004-26": ("AssertionError", "tf.keras logs `val_accuracy` only, so the seed's `logs.get('val_acc')` is None; kviz answers both spellings (docs/keras-compat.md)"),
    "004-38": ("RuntimeError: Method `model.to_yaml()` has been removed", "tf.keras removed `to_yaml`; kviz keeps Keras 2.2's (safe YAML, see docs/keras-compat.md)"),
    "004-39": ("RuntimeError: Method `model.to_yaml()` has been removed", "tf.keras removed `to_yaml`; kviz keeps Keras 2.2's (safe YAML, see docs/keras-compat.md)"),
    "004-49": ("ValueError: Found unexpected instance while processing input tensors", "`K.learning_phase()` as a `K.function` input is Keras 2.2 graph mode; kviz supports it (docs/keras-compat.md)"),
    "004-68": (_NEW_OPTIMIZER_DECAY, "`SGD(lr=, decay=)`: tf.keras's new optimizers reject `decay`; kviz follows Keras 2.2"),
    "004-70": (_NEW_OPTIMIZER_DECAY, "`SGD(lr=, decay=)`: tf.keras's new optimizers reject `decay`; kviz follows Keras 2.2"),
    "004-87": ("TypeError: Keras symbolic inputs/outputs do not implement `__len__`", "`assert lstm.output == encoded_a`: tf.keras makes `==` on KerasTensors a symbolic op; in Keras 2.2 (and kviz) it compares identity"),
    "004-88": (_NOT_RAISED, "tf.keras returns node 0 for `layer.output` with several inbound nodes; Keras 2.2 (and kviz) raise the AttributeError the seed shows"),
    "004-90": (_NOT_RAISED, "runs after 004-88 (see there)"),
}
# fmt: on


@pytest.fixture(scope="module")
def tf_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised by another test: keep its settings
        pass
    tf.get_logger().setLevel("ERROR")
    import tf_keras

    return tf_keras


# Snippets that take more than 5 s on tf-keras on a 2-core machine (they still run in CI).
SLOW = {"004-73", "004-96"}


def _use_kviz_loaders(sid, tf_keras, request, monkeypatch, tmp_path):
    wanted = seeds.needed_datasets(sid)
    if not wanted:
        return
    seeds.prepare_datasets(sid, request, monkeypatch, tmp_path)
    import importlib

    for name in wanted:
        kviz_loader = importlib.import_module(f"kviz.datasets.{name}").load_data
        monkeypatch.setattr(getattr(tf_keras.datasets, name), "load_data", kviz_loader)


@pytest.mark.parametrize(
    "sid",
    [
        pytest.param(sid, id=sid, marks=[pytest.mark.slow] if sid in SLOW else [])
        for sid in seeds.SNIPPETS
        if sid not in seeds.OUT_OF_SCOPE
    ],
)
def test_context_on_tf_keras(sid, tf_keras, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    _use_kviz_loaders(sid, tf_keras, request, monkeypatch, tmp_path)
    tf_keras.backend.clear_session()
    ns: dict = {"__name__": f"seed_{sid.replace('-', '_')}"}
    try:
        if sid in ORACLE_FAILS:
            part, _why = ORACLE_FAILS[sid]
            with pytest.raises(Exception) as excinfo:
                seeds.run_snippet(sid, ns, target="tf_keras")
            got = seeds.error_line(excinfo.value)
            assert got.startswith(part), f"{sid} fails differently on tf-keras now: {got}"
        else:
            seeds.run_snippet(sid, ns, target="tf_keras")
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")


def test_oracle_tables_name_existing_snippets():
    ids = set(seeds.SNIPPETS) - set(seeds.OUT_OF_SCOPE)
    assert set(ORACLE_FAILS) <= ids and SLOW <= ids
