"""The flagship demo: build a small Keras-2 model, train it, evaluate it, show its summary.

Run it with ``python -m kviz.demo``. It needs no data download: it learns to separate two
interleaved spirals, a classic toy problem that a linear model cannot solve.

``python -m kviz.demo --warm-kernels`` instead compiles the Numba kernels that the teaching
models use (convolutions, pooling, recurrent layers, optimizers) into Numba's on-disk cache, so
that the first ``fit`` of a CNN or an LSTM in a classroom or on Binder does not pay for the
compilation (see ``docs/performance.md``, "Numba compile times"); Binder's ``postBuild`` runs it.

The training loop here is written out with a gradient tape so that each step is visible;
``model.compile``/``model.fit`` wrap exactly this.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from kviz import layers as L
from kviz import ops
from kviz.autodiff import GradientTape
from kviz.layers import Dense, Input
from kviz.models import Model, Sequential


def two_spirals(n_per_class=200, noise=0.1, seed=0):
    """Points on two interleaved spirals, labels 0/1 (float32 inputs, int labels)."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n_per_class)) * 2 * np.pi + 0.3
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (2 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / (2 * np.pi), (2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)]).astype("int64")
    order = rng.permutation(len(y))
    return x[order].astype("float32"), y[order]


def build_model():
    inputs = Input(shape=(2,), name="point")
    x = Dense(32, activation="relu", name="hidden_1")(inputs)
    x = Dense(32, activation="relu", name="hidden_2")(x)
    outputs = Dense(2, activation="softmax", name="class_probabilities")(x)
    return Model(inputs=inputs, outputs=outputs, name="spiral_classifier")


def accuracy(model, x, y):
    return float(np.mean(model.predict(x, verbose=0).argmax(axis=1) == y))


def train(model, x, y, epochs=100, batch_size=32, learning_rate=0.05, log=print):
    """Mini-batch gradient descent with momentum on the cross-entropy loss."""
    targets = np.eye(2, dtype="float32")[y]
    weights = model.trainable_weights
    velocity = [np.zeros_like(w.numpy()) for w in weights]
    rng = np.random.default_rng(1)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            with GradientTape() as tape:
                probs = model(x[idx], training=True)
                loss = ops.mean(
                    ops.negative(
                        ops.sum(targets[idx] * ops.log(ops.clip(probs, 1e-7, 1.0)), axis=1)
                    )
                )
            grads = tape.gradient(loss, weights)
            for w, g, v in zip(weights, grads, velocity, strict=True):
                v *= 0.9
                v -= learning_rate * g
                w.assign(w.numpy() + v)
            total += float(loss) * len(idx)
        if epoch == 1 or epoch % 25 == 0:
            log(
                f"epoch {epoch:3d}  loss {total / len(x):.4f}  accuracy {accuracy(model, x, y):.3f}"
            )


def warm_kernels(log=print):
    """Compile (or load from the cache) the float32 kernels of the classic teaching models: a
    tiny CNN (im2col and Winograd convolutions, max pooling, dropout) trained one step with each
    of SGD, RMSprop, Adam and Adadelta, and tiny Embedding-LSTM and GRU models. Returns the
    seconds it took.

    >>> seconds = warm_kernels(log=lambda *a: None)
    """
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    images = rng.random((8, 10, 10, 1), dtype=np.float32)
    labels = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
    for optimizer in ("sgd", "rmsprop", "adam", "adadelta"):
        cnn = Sequential(
            [
                Input((10, 10, 1)),
                L.Conv2D(16, 3, activation="relu"),
                L.Conv2D(16, 3, activation="relu"),  # 16 channels: the Winograd path
                L.MaxPooling2D(),
                L.Dropout(0.25),
                L.Flatten(),
                L.Dense(3, activation="softmax"),
            ]
        )
        cnn.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
        cnn.fit(images, labels, batch_size=4, epochs=1, verbose=0)
    words = rng.integers(1, 50, (8, 6))
    target = rng.integers(0, 2, (8, 1)).astype(np.float32)
    for cell in (L.LSTM, L.GRU):
        rnn = Sequential(
            [Input((6,)), L.Embedding(50, 8), cell(8), L.Dense(1, activation="sigmoid")]
        )
        rnn.compile(optimizer="adam", loss="binary_crossentropy")
        rnn.fit(words, target, batch_size=4, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    log(f"kviz kernels ready ({seconds:.1f} s)")
    return seconds


def main(argv=None):
    if argv and "--warm-kernels" in argv:
        warm_kernels()
        return 0
    from kviz.config import set_random_seed

    set_random_seed(0)
    x_train, y_train = two_spirals(300, seed=0)
    x_test, y_test = two_spirals(100, seed=1)
    model = build_model()
    model.summary()
    before = accuracy(model, x_test, y_test)
    start = time.perf_counter()
    train(model, x_train, y_train)
    seconds = time.perf_counter() - start
    after = accuracy(model, x_test, y_test)
    print(f"test accuracy: {before:.3f} before training, {after:.3f} after ({seconds:.1f} s)")
    return 0 if after > 0.9 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
