"""Errors are for people: bad input raises ValueError/TypeError naming what must hold and what
was received, at the call the user made, before any state changes."""

import numpy as np
import pytest

from kviz.layers import Dense, Embedding, Input, Reshape
from kviz.models import Model, Sequential


def test_wrong_input_rank_names_expected_and_received():
    layer = Dense(3)
    with pytest.raises(
        ValueError, match=r"expected min_ndim=2, found ndim=1. Full shape received: \(4,\)"
    ):
        layer(np.zeros(4, "float32"))
    assert not layer.built and layer.weights == []


def test_wrong_feature_size_names_axis_and_shapes():
    model = Sequential([Dense(2, input_shape=(3,))])
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(None, 5\)"):
        model.predict(np.zeros((4, 5)))
    layer = model.layers[0]
    with pytest.raises(
        ValueError, match=r"expected axis -1 of input shape to have value 3.*\(2, 7\)"
    ):
        layer(np.zeros((2, 7), "float32"))
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_weights_mismatch_checks_everything_before_assigning():
    layer = Dense(4)
    layer.build((None, 3))
    before = layer.get_weights()
    with pytest.raises(
        ValueError, match=r"weight shape \(4,\) is not compatible with provided weight shape \(5,\)"
    ):
        layer.set_weights([np.ones((3, 4)), np.ones(5)])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)  # the kernel was not assigned either
    with pytest.raises(ValueError, match="was expecting 2 weights"):
        layer.set_weights([np.ones((3, 4))])


def test_model_set_weights_count_mismatch():
    model = Sequential([Dense(2, input_shape=(3,)), Dense(1)])
    with pytest.raises(ValueError, match="expecting 4 weights"):
        model.set_weights(model.get_weights()[:3])


def test_unknown_activation_and_initializer_strings():
    with pytest.raises(ValueError, match="Unknown activation function 'relux'"):
        Dense(2, activation="relux")
    with pytest.raises(ValueError, match="glorot_unifrom"):
        Dense(2, kernel_initializer="glorot_unifrom")


def test_bad_layer_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        Dense(2, foo=3)
    with pytest.raises(TypeError):
        Model(inputs=Input(shape=(2,)), outputs=None, bogus=1)


def test_reshape_incompatible_sizes():
    with pytest.raises(ValueError, match=r"input_shape = \[3, 4\], output_shape = \[5, 5\]"):
        Reshape((5, 5))(Input(shape=(3, 4)))


def test_embedding_id_out_of_range():
    layer = Embedding(10, 3)
    with pytest.raises(ValueError, match="12"):
        layer(np.array([[1, 12]]))


def test_functional_model_non_tensor_io():
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(inputs=np.zeros(3), outputs=np.zeros(3))
