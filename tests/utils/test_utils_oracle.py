"""kviz.utils against tf-keras 2.21: to_categorical, normalize, get_file's cache layout."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from kviz.utils import get_file, normalize, to_categorical

pytestmark = pytest.mark.keras_oracle


@pytest.fixture(scope="module")
def tk():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    return pytest.importorskip("tf_keras")


@pytest.mark.parametrize(
    "y, kw",
    [
        ([0, 1, 2, 1], {}),
        ([[0], [3], [1]], {}),
        (np.array([[1, 2], [0, 1]]), {"num_classes": 4}),
        (np.array([[[1], [0]]]), {}),
        (np.array([2, 0]), {"num_classes": 3, "dtype": "int32"}),
        (np.array([1.0, 0.0]), {"dtype": "float64"}),
        ([5], {}),
    ],
)
def test_to_categorical(tk, y, kw):
    want = tk.utils.to_categorical(y, **kw)
    got = to_categorical(y, **kw)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("axis, order", [(-1, 2), (0, 2), (1, 1), (-1, np.inf)])
def test_normalize(tk, axis, order):
    x = np.random.default_rng(0).normal(size=(3, 4, 5))
    x[0, 0] = 0
    np.testing.assert_allclose(normalize(x, axis, order), tk.utils.normalize(x, axis, order))


def test_get_file_uses_the_same_cache_layout(tk, tmp_path):
    data = b"cached payload"
    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "w.bin").write_bytes(data)
    url = "https://example.invalid/w.bin"
    kw = dict(file_hash=sha, cache_subdir="models", cache_dir=str(tmp_path))
    assert get_file("w.bin", url, **kw) == tk.utils.get_file("w.bin", url, **kw)
    assert get_file(origin=url, **kw) == tk.utils.get_file(origin=url, **kw)
