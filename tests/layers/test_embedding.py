"""Embedding: lookup, gradient (scatter-add), masks, input_length, Keras 1 arguments, errors."""

from __future__ import annotations

import numpy as np
import pytest
from layer_harness import check_layer

from kviz import constraints, initializers, ops, regularizers
from kviz.autodiff import GradientTape
from kviz.layers import Input, Layer
from kviz.layers.core import Dense, Flatten
from kviz.layers.embeddings import Embedding
from kviz.models import Model, Sequential

BASE_KEYS = {"name", "trainable", "dtype", "batch_input_shape"}
EMBEDDING_KEYS = {
    "input_dim",
    "output_dim",
    "embeddings_initializer",
    "embeddings_regularizer",
    "activity_regularizer",
    "embeddings_constraint",
    "mask_zero",
    "input_length",
}


class MaskEcho(Layer):
    """Test helper: outputs the mask it receives as float32 (-1 where there is none)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.multiply(ops.sum(inputs, axis=-1), 0.0) - 1.0
        return ops.cast(mask, "float32")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])


@pytest.mark.parametrize(
    "kwargs, input_shape, dtype, out_shape",
    [
        ({"input_dim": 5, "output_dim": 3}, (2, 4), "int32", (None, 4, 3)),
        ({"input_dim": 5, "output_dim": 2}, (3, 6), "int64", (None, 6, 2)),
        ({"input_dim": 5, "output_dim": 3, "input_length": 4}, (2, 4), "int32", (None, 4, 3)),
        ({"input_dim": 5, "output_dim": 3, "mask_zero": True}, (2, 4), "int32", (None, 4, 3)),
        ({"input_dim": 5, "output_dim": 2}, (2, 3, 4), "int32", (None, 3, 4, 2)),
        ({"input_dim": 5, "output_dim": 4}, (3,), "int32", (None, 4)),
        (
            {
                "input_dim": 6,
                "output_dim": 3,
                "embeddings_initializer": "glorot_uniform",
                "embeddings_regularizer": "l2",
                "embeddings_constraint": "non_neg",
            },
            (2, 4),
            "int32",
            (None, 4, 3),
        ),
        (
            {"input_dim": 5, "output_dim": 3, "activity_regularizer": "l1"},
            (2, 4),
            "int32",
            (None, 4, 3),
        ),
    ],
)
def test_embedding_check_layer(kwargs, input_shape, dtype, out_shape):
    check_layer(
        Embedding,
        kwargs,
        input_shape=input_shape,
        input_dtype=dtype,
        expected_output_shape=out_shape,
        expected_num_weights=1,
        expected_num_trainable=1,
    )


def test_embedding_float_inputs_holding_integers():
    ids = np.array([[1, 4, 0], [2, 2, 3]])
    out = check_layer(
        Embedding,
        {"input_dim": 5, "output_dim": 3},
        input_data=ids.astype("float32"),
        expected_output_shape=(None, 3, 3),
        input_grad=False,
    )
    layer = Embedding(5, 3)
    np.testing.assert_array_equal(layer(ids.astype("float32")), layer(ids))
    assert out.dtype == np.float32


def test_embedding_lookup_values_with_weights_argument():
    matrix = np.arange(12, dtype="float32").reshape(4, 3)
    layer = Embedding(4, 3, weights=[matrix])
    ids = np.array([[3, 0], [1, 1]], "int32")
    out = layer(ids)
    np.testing.assert_array_equal(out, matrix[ids])
    assert out.dtype == np.float32 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(layer.get_weights()[0], matrix)
    assert layer.weights[0].name == f"{layer.name}/embeddings:0"


def test_embedding_gradient_scatter_adds_repeated_ids():
    layer = Embedding(5, 2)
    ids = np.array([[1, 1, 3], [1, 0, 3]])
    with GradientTape() as tape:
        loss = ops.sum(layer(ids))
    (g,) = tape.gradient(loss, layer.trainable_weights)
    counts = np.bincount(ids.ravel(), minlength=5).astype("float32")
    np.testing.assert_array_equal(g, np.repeat(counts[:, None], 2, axis=1))
    assert g.dtype == np.float32


def test_embedding_mask_zero():
    layer = Embedding(5, 2, mask_zero=True)
    ids = np.array([[0, 1, 2], [3, 0, 0]])
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    assert layer.supports_masking
    assert Embedding(5, 2).compute_mask(ids) is None
    inp = Input(shape=(3,), dtype="int32")
    model = Model(
        inp, [MaskEcho()(Embedding(5, 2, mask_zero=True)(inp)), MaskEcho()(Embedding(5, 2)(inp))]
    )
    masked, unmasked = model.predict(ids)
    np.testing.assert_array_equal(masked, (ids != 0).astype("float32"))
    np.testing.assert_array_equal(unmasked, -np.ones((2, 3)))


def test_embedding_mask_through_dense_in_sequential():
    model = Sequential([Embedding(10, 4, mask_zero=True, input_length=3), Dense(2), MaskEcho()])
    ids = np.array([[0, 5, 9]])
    np.testing.assert_array_equal(model.predict(ids), [[0.0, 1.0, 1.0]])


def test_embedding_input_length_shapes_and_config():
    layer = Embedding(10, 4, input_length=5)
    cfg = layer.get_config()
    assert cfg["batch_input_shape"] == (None, 5) and cfg["input_length"] == 5
    assert Embedding(10, 4).get_config()["batch_input_shape"] == (None, None)
    model = Sequential([Embedding(10, 4, input_length=5), Flatten(), Dense(1)])
    assert model.output_shape == (None, 1)
    assert model.predict(np.zeros((3, 5), "int32")).shape == (3, 1)
    assert Embedding(10, 4)(Input(shape=(7,), dtype="int32")).shape == (None, 7, 4)
    with pytest.raises(ValueError, match='"input_length" is 5, but received input has shape'):
        Embedding(10, 4, input_length=5)(Input(shape=(6,), dtype="int32"))
    with pytest.raises(ValueError, match="last dimension of the inputs to a Dense layer"):
        Sequential([Embedding(10, 4), Flatten(), Dense(1)])


def test_embedding_config_keys_and_defaults():
    layer = Embedding(7, 3, name="emb")
    cfg = layer.get_config()
    assert set(cfg) == BASE_KEYS | EMBEDDING_KEYS
    assert cfg["name"] == "emb" and cfg["input_dim"] == 7 and cfg["output_dim"] == 3
    assert cfg["mask_zero"] is False and cfg["input_length"] is None
    assert cfg["embeddings_regularizer"] is None and cfg["embeddings_constraint"] is None
    assert cfg["embeddings_initializer"]["class_name"] == "RandomUniform"
    clone = Embedding.from_config(cfg)
    assert clone.get_config() == cfg


def test_embedding_keras1_arguments():
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = Embedding(
            6, 2, init="zeros", W_regularizer=regularizers.l2(0.1), W_constraint="non_neg"
        )
    assert isinstance(layer.embeddings_initializer, initializers.Zeros)
    assert isinstance(layer.embeddings_regularizer, regularizers.L2)
    assert isinstance(layer.embeddings_constraint, constraints.NonNeg)
    out = layer(np.array([[1, 2]]))
    assert not out.any()
    assert len(layer.losses) == 1
    with pytest.raises(TypeError, match="`dropout` was removed in Keras 2.*SpatialDropout1D"):
        Embedding(6, 2, dropout=0.2)


def test_embedding_out_of_range_ids():
    layer = Embedding(10, 3)
    with pytest.raises(ValueError, match=r"input id 12 .* must be in \[0, 10\).*input_dim=10"):
        layer(np.array([[1, 12, 3]]))
    with pytest.raises(ValueError, match=r"input id -1 .*input_dim=10"):
        layer(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match=r"input id 10 .*input_dim=10"):
        layer(np.array([[10.0]], "float32"))
    model = Sequential([Embedding(4, 2, input_length=2)])
    with pytest.raises(ValueError, match=r"input id 4 .*\[0, 4\)"):
        model.predict(np.array([[0, 4]]))


def test_embedding_errors():
    with pytest.raises(TypeError) as info:
        Embedding(5, 2, foo=1)
    assert info.value.args == ("Keyword argument not understood:", "foo")
    with pytest.raises(ValueError, match="Both `input_dim` and `output_dim` should be positive"):
        Embedding(0, 2)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'output_dim'"):
        Embedding(5)
    with pytest.raises(ValueError, match="expected min_ndim=1, found ndim=0"):
        Embedding(5, 2)(np.array(3))


def test_embedding_training_reduces_loss_only_on_used_rows():
    layer = Embedding(6, 2)
    ids = np.array([[1, 2], [2, 3]])
    layer(ids)
    before = layer.get_weights()[0].copy()
    with GradientTape() as tape:
        loss = ops.mean(ops.square(layer(ids) - 1.0))
    (g,) = tape.gradient(loss, layer.trainable_weights)
    layer.embeddings.assign(layer.embeddings.data - 0.5 * g)
    after = layer.get_weights()[0]
    np.testing.assert_array_equal(after[[0, 4, 5]], before[[0, 4, 5]])
    assert not np.allclose(after[[1, 2, 3]], before[[1, 2, 3]])
