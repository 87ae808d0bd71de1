"""The seed's mnist_mlp on the real data: 784-512-512-10 with dropout, RMSprop, one epoch of
batch 128 reaches >= 0.95 test accuracy on MNIST and >= 0.80 on Fashion-MNIST."""

import numpy as np
import pytest

from kviz.layers import Dense, Dropout
from kviz.models import Sequential
from kviz.optimizers import RMSprop
from kviz.utils import to_categorical


def mnist_mlp():
    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])
    return model


def prepare(data):
    (x_train, y_train), (x_test, y_test) = data
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    x_test = x_test.reshape(10000, 784).astype("float32") / 255
    return x_train, to_categorical(y_train, 10), x_test, to_categorical(y_test, 10)


@pytest.mark.slow
@pytest.mark.parametrize("name, threshold", [("mnist", 0.95), ("fashion_mnist", 0.80)])
def test_mnist_mlp_one_epoch(name, threshold, keras_datasets_dir):
    import importlib

    dataset = importlib.import_module(f"kviz.datasets.{name}")
    x_train, y_train, x_test, y_test = prepare(dataset.load_data())
    model = mnist_mlp()
    history = model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=0)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    assert np.isfinite(loss)
    assert acc >= threshold, f"{name}: test accuracy {acc:.4f} < {threshold}"
    assert history.history["accuracy"][0] > 0.5
