"""Subclassed models: weights tracked from attributes (nested layers, lists), build, summary."""

import numpy as np
import pytest

from kviz import ops
from kviz.autodiff import GradientTape
from kviz.layers import Dense, Layer
from kviz.models import Model


class Block(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = [Dense(units, activation="relu"), Dense(units)]

    def call(self, inputs):
        x = inputs
        for layer in self.inner:
            x = layer(x)
        return x


class MyModel(Model):
    def __init__(self):
        super().__init__()
        self.block = Block(4)
        self.head = Dense(2, activation="softmax")

    def call(self, inputs, training=None):
        return self.head(self.block(inputs))


def test_weights_tracked_from_attributes_and_lists():
    model = MyModel()
    assert model.name == "my_model"
    out = model(np.zeros((3, 5), "float32"))
    assert np.asarray(out).shape == (3, 2)
    assert len(model.weights) == 6
    assert len(model.trainable_weights) == 6
    assert model.count_params() == 5 * 4 + 4 + 4 * 4 + 4 + 4 * 2 + 2
    assert [lyr.name for lyr in model.layers] == ["block", "dense_2"] or len(model.layers) == 2


def test_build_and_predict_and_summary_shows_multiple():
    model = MyModel()
    model.build((None, 5))
    assert model.built
    assert model.predict(np.zeros((4, 5)), verbose=0).shape == (4, 2)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "multiple" in text
    assert "Total params: 54" in text


def test_trainable_flag_propagates():
    model = MyModel()
    model.build((None, 5))
    model.block.trainable = False
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 4
    assert all(not lyr.trainable for lyr in model.block.inner)


def test_gradients_flow_through_subclassed_model():
    model = MyModel()
    model.build((None, 5))
    x = np.random.rand(3, 5).astype("float32")
    with GradientTape() as tape:
        loss = ops.mean(ops.square(model(x)))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None and g.shape == w.shape for g, w in zip(grads, model.trainable_weights))


def test_subclassed_get_config_raises_clear_error():
    model = MyModel()
    with pytest.raises(NotImplementedError, match="subclassed model"):
        model.get_config()
