"""The dense primitive's input gradient: the swapped product used for small batches of wide
layers agrees with ``g @ kernel.T`` and keeps the C layout."""

import numpy as np
import pytest

from kviz import ops
from kviz.autodiff import GradientTape, Variable, gradients
from kviz.ops.linalg import _input_gradient


@pytest.mark.parametrize(
    "rows, units, inputs",
    [(32, 512, 512), (8, 128, 300), (64, 256, 784), (32, 10, 512), (128, 512, 512), (1, 200, 130)],
)
def test_input_gradient_matches_the_plain_product(rows, units, inputs):
    rng = np.random.default_rng(rows + units)
    g = rng.standard_normal((rows, units)).astype("float32")
    w = rng.standard_normal((inputs, units)).astype("float32")
    gx = _input_gradient(g, w)
    assert gx.shape == (rows, inputs) and gx.flags.c_contiguous and gx.dtype == np.float32
    np.testing.assert_allclose(gx, g @ w.T, rtol=1e-5, atol=1e-5)


def test_dense_gradients_of_a_wide_layer():
    rng = np.random.default_rng(1)
    x = Variable(rng.standard_normal((16, 256)).astype("float32"))
    w = Variable(rng.standard_normal((256, 192)).astype("float32"))
    b = Variable(np.zeros(192, "float32"))
    with GradientTape():
        y = ops.sum(ops.square(ops.dense(x, w, b, activation="relu")))
    gx, gw, gb = gradients(y, [x, w, b])
    out = np.maximum(x.numpy() @ w.numpy(), 0)
    g = 2 * out * (out > 0)
    np.testing.assert_allclose(gx, g @ w.numpy().T, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(gw, x.numpy().T @ g, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(gb, g.sum(axis=0), rtol=1e-5, atol=1e-4)
    assert gx.flags.c_contiguous
