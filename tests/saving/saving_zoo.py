"""Models for the saving tests: every core layer type, Sequential and functional, merge layers,
shared layers, nested models. Each builder returns ``(model, x)``."""

from __future__ import annotations

import numpy as np

from kviz import layers as L
from kviz.models import Model, Sequential


def _rs():
    return np.random.RandomState(0)


def dense():
    model = Sequential(
        [
            L.Dense(4, activation="relu", input_shape=(6,), kernel_regularizer="l2"),
            L.Activation("tanh"),
            L.Dropout(0.2),
            L.Dense(3, activation="softmax", use_bias=False),
        ]
    )
    return model, _rs().rand(4, 6).astype("float32")


def reshaping():
    model = Sequential(
        [
            L.Reshape((3, 2), input_shape=(6,)),
            L.Permute((2, 1)),
            L.Flatten(),
            L.RepeatVector(2),
            L.Flatten(),
            L.ActivityRegularization(0.01, 0.01),
            L.Dense(2),
        ]
    )
    return model, _rs().rand(4, 6).astype("float32")


def embedding():
    model = Sequential([L.Embedding(10, 3, input_length=5), L.Flatten(), L.Dense(2)])
    model.build((None, 5))
    return model, _rs().randint(0, 10, (4, 5))


def masking():
    model = Sequential([L.Masking(0.0, input_shape=(5, 3)), L.Flatten(), L.Dense(2)])
    return model, _rs().rand(4, 5, 3).astype("float32")


def normalization():
    model = Sequential(
        [
            L.Dense(4, input_shape=(6,)),
            L.BatchNormalization(),
            L.LayerNormalization(),
            L.Dense(2),
        ]
    )
    return model, _rs().rand(4, 6).astype("float32")


def activations():
    model = Sequential(
        [
            L.Dense(5, input_shape=(6,)),
            L.LeakyReLU(0.2),
            L.PReLU(),
            L.ELU(0.5),
            L.ReLU(max_value=3.0),
            L.ThresholdedReLU(0.1),
            L.Softmax(),
        ]
    )
    return model, _rs().randn(4, 6).astype("float32")


def noise():
    model = Sequential(
        [
            L.Dense(5, input_shape=(6,)),
            L.GaussianNoise(0.1),
            L.GaussianDropout(0.1),
            L.AlphaDropout(0.1),
        ]
    )
    return model, _rs().randn(4, 6).astype("float32")


def lambda_layer():
    model = Sequential([L.Dense(5, input_shape=(6,)), L.Lambda(lambda x: x * 2.0 + 1.0)])
    return model, _rs().randn(4, 6).astype("float32")


def merge():
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    outs = [
        L.Add()([a, b]),
        L.Subtract()([a, b]),
        L.Multiply()([a, b]),
        L.Average()([a, b]),
        L.Maximum()([a, b]),
        L.Minimum()([a, b]),
        L.Dot(axes=1)([a, b]),
        L.Dot(axes=1, normalize=True)([a, b]),
    ]
    model = Model([a, b], L.Dense(2)(L.Concatenate()(outs)))
    rs = _rs()
    return model, [rs.rand(4, 4).astype("float32"), rs.rand(4, 4).astype("float32")]


def shared():
    a = L.Input((4,))
    b = L.Input((4,))
    d = L.Dense(3)
    model = Model([a, b], L.Concatenate()([d(a), d(b)]))
    rs = _rs()
    return model, [rs.rand(4, 4).astype("float32"), rs.rand(4, 4).astype("float32")]


def nested():
    inp = L.Input((3,))
    inner_seq = Sequential([L.Dense(2, input_shape=(3,))])
    i2 = L.Input((3,))
    inner_fn = Model(i2, L.Dense(2, name="in_dense")(i2), name="inner_fn")
    c = L.Add()([inner_seq(inp), inner_fn(inp)])
    model = Model(inp, L.BatchNormalization()(c))
    return model, _rs().rand(4, 3).astype("float32")


def multi_output():
    inp = L.Input((5,), name="x")
    h = L.Dense(8, activation="relu")(inp)
    out1 = L.Dense(3, activation="softmax", name="cls")(h)
    out2 = L.Dense(1, name="reg")(h)
    model = Model(inp, [out1, out2])
    return model, _rs().rand(6, 5).astype("float32")


def convolutional():
    model = Sequential(
        [
            L.Conv2D(4, 3, padding="same", input_shape=(8, 8, 2)),
            L.SeparableConv2D(3, 3),
            L.DepthwiseConv2D(2),
            L.Conv2DTranspose(2, 2),
            L.UpSampling2D(),
            L.ZeroPadding2D(1),
            L.Cropping2D(1),
            L.SpatialDropout2D(0.1),
            L.Flatten(),
            L.Dense(2),
        ]
    )
    return model, _rs().rand(2, 8, 8, 2).astype("float32")


def recurrent():
    model = Sequential(
        [
            L.Embedding(10, 3, mask_zero=True, input_length=5),
            L.LSTM(4, return_sequences=True),
            L.GRU(3, reset_after=False, return_sequences=True),
            L.GRU(3),
            L.Dense(2),
        ]
    )
    model.build((None, 5))
    return model, np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8], [9, 0, 0, 0, 0]])


def rnn_wrappers():
    model = Sequential(
        [
            L.Bidirectional(L.LSTM(4, return_sequences=True), input_shape=(5, 3)),
            L.TimeDistributed(L.Dense(2)),
            L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
            L.SimpleRNN(3),
        ]
    )
    return model, _rs().rand(2, 5, 3).astype("float32")


ALL = {
    "dense": dense,
    "reshaping": reshaping,
    "embedding": embedding,
    "masking": masking,
    "normalization": normalization,
    "activations": activations,
    "noise": noise,
    "lambda": lambda_layer,
    "merge": merge,
    "shared": shared,
    "nested": nested,
    "multi_output": multi_output,
    "convolutional": convolutional,
    "recurrent": recurrent,
    "rnn_wrappers": rnn_wrappers,
}


def predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, list) else [np.asarray(out)]


def assert_same_predictions(a, b, x):
    for pa, pb in zip(predict(a, x), predict(b, x), strict=True):
        np.testing.assert_array_equal(pa, pb)


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb, strict=True):
        np.testing.assert_array_equal(x, y)


def regression_data(n=32, d=6, k=3, seed=1):
    rs = np.random.RandomState(seed)
    x = rs.rand(n, d).astype("float32")
    y = np.eye(k, dtype="float32")[rs.randint(0, k, n)]
    return x, y


def small_classifier(optimizer="adam"):
    model = Sequential(
        [
            L.Dense(8, activation="relu", input_shape=(6,)),
            L.BatchNormalization(),
            L.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
