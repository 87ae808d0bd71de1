"""Set-up of the ``keras_oracle`` tests (kviz compared with tf-keras 2.21).

The oracle packages (the ``oracle`` extra: tensorflow-cpu, tf-keras, keras 3) are installed in
CI, so nothing here skips. TensorFlow is configured before its first import: quiet logs, CPU
only, one thread (small models; this also keeps timings stable). tf-keras itself is imported
lazily by the ``tk`` fixture, so collecting the suite does not pay the TF import.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import oracle_utils  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tk():
    """The ``tf_keras`` module (Keras 2 API on TensorFlow), imported once."""
    return oracle_utils.import_tf_keras()


@pytest.fixture(scope="session")
def tf(tk):
    """The ``tensorflow`` module, configured by :func:`oracle_utils.import_tf_keras`."""
    return oracle_utils.tf()


@pytest.fixture(autouse=True)
def _clean_sessions(request):
    """Both libraries start each test with fresh name counters (``dense``, ``dense_1``...)."""
    import kviz.backend

    kviz.backend.clear_session()
    if "tk" in request.fixturenames:
        request.getfixturevalue("tk").backend.clear_session()
    yield
