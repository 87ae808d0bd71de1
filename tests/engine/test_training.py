"""compile/fit/evaluate/predict and the on-batch API: Keras semantics, errors, data forms."""

import re

import numpy as np
import pytest

from kviz.engine import Callback, Sequence
from kviz.layers import Dense, Dropout, Input
from kviz.models import Model, Sequential


def xor_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2)).astype("float32")
    y = ((x[:, 0] > 0.5) ^ (x[:, 1] > 0.5)).astype("float32")[:, None]
    return x, y


def classifier(loss="binary_crossentropy", metrics=("accuracy",), optimizer="adam"):
    model = Sequential(
        [Dense(16, activation="relu", input_shape=(2,)), Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


def test_fit_lowers_loss_and_returns_history():
    x, y = xor_data()
    model = classifier()
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.epoch == list(range(30))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["acc"] is history.history["accuracy"]  # Keras 2.2 spelling works too
    assert model.history is history


def test_validation_split_takes_last_fraction_and_logs_val_keys():
    x, y = xor_data(100)
    model = classifier()

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.logs = logs

    spy = Spy()
    model.fit(x, y, epochs=1, validation_split=0.2, verbose=0, callbacks=[spy])
    seen = spy.logs
    assert set(seen) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert seen["val_acc"] == seen["val_accuracy"]
    expected = model.evaluate(x[80:], y[80:], verbose=0)
    np.testing.assert_allclose([seen["val_loss"], seen["val_accuracy"]], expected, rtol=1e-5)


def test_evaluate_scalar_vs_list_and_metrics_names():
    x, y = xor_data(50)
    model = classifier(metrics=())
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model = classifier(metrics=("accuracy", "mse"))
    result = model.evaluate(x, y, verbose=0)
    assert model.metrics_names == ["loss", "accuracy", "mse"]
    assert len(result) == 3
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "accuracy", "mse"}


def test_train_on_batch_reports_loss_before_update():
    x, y = xor_data(32)
    model = classifier(metrics=())
    before = model.test_on_batch(x, y)
    reported = model.train_on_batch(x, y)
    after = model.test_on_batch(x, y)
    assert reported == pytest.approx(before, rel=1e-6)
    assert after != pytest.approx(before)


def test_initial_epoch_and_nb_epoch_alias():
    x, y = xor_data(40)
    model = classifier()
    h = model.fit(x, y, initial_epoch=1, epochs=3, verbose=0)
    assert h.epoch == [1, 2]
    with pytest.warns(UserWarning, match="nb_epoch"):
        h = model.fit(x, y, nb_epoch=2, verbose=0)
    assert len(h.epoch) == 2


def test_fit_before_compile_is_a_runtime_error():
    model = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(RuntimeError, match="You must compile your model before training"):
        model.fit(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        model.evaluate(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)
    assert model.predict(np.zeros((2, 2))).shape == (2, 1)


def test_errors_checked_before_weights_change():
    model = classifier()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="Data cardinality is ambiguous: x sizes: 4 y sizes: 5"):
        model.fit(np.zeros((4, 2)), np.zeros((5, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 2\), found shape=\(None, 3\)"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(ValueError, match="expected dense_1 to have shape"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 3)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_integer_labels_with_categorical_crossentropy_suggest_fixes():
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="(?s)to_categorical.*sparse_categorical_crossentropy"):
        model.fit(np.zeros((4, 2)), np.array([[0], [1], [2], [1]]), verbose=0)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(np.random.rand(4, 2), np.array([0, 1, 2, 1]), epochs=2, verbose=0)
    assert "accuracy" in h.history


def test_unknown_names_list_valid_ones():
    model = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="(?s)foo_loss.*Valid loss names.*'mean_squared_error'"):
        model.compile("sgd", "foo_loss")
    with pytest.raises(ValueError, match=r"(?s)foo_opt.*Valid names are \[.*'rmsprop', 'sgd'\]"):
        model.compile("foo_opt", "mse")
    model.compile("sgd", "mse", metrics=["foo_metric"])  # resolved at the first batch
    with pytest.raises(ValueError, match="(?s)foo_metric.*Valid metric names.*'accuracy'"):
        model.fit(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)


def test_multi_output_loss_weights_and_log_names():
    inp = Input(shape=(3,))
    h = Dense(8, activation="relu")(inp)
    a = Dense(1, name="reg")(h)
    b = Dense(2, activation="softmax", name="cls")(h)
    model = Model(inp, [a, b])
    model.compile(
        "adam",
        loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
        loss_weights={"reg": 1.0, "cls": 0.5},
        metrics={"cls": "accuracy"},
    )
    x = np.random.rand(20, 3)
    ya, yb = np.random.rand(20, 1), np.random.randint(0, 2, 20)
    h = model.fit(x, {"reg": ya, "cls": yb}, epochs=2, verbose=0)
    assert set(h.history) == {"loss", "reg_loss", "cls_loss", "cls_accuracy"}
    loss, reg_loss, cls_loss, acc = model.evaluate(x, [ya, yb], verbose=0)
    assert loss == pytest.approx(reg_loss + 0.5 * cls_loss, rel=1e-5)
    assert model.metrics_names == ["loss", "reg_loss", "cls_loss", "cls_accuracy"]


def test_custom_loss_function_and_metric_function():
    def my_loss(y_true, y_pred):
        from kviz import backend as K

        return K.mean(K.square(y_pred - y_true), axis=-1)

    def mean_pred(y_true, y_pred):
        from kviz import backend as K

        return K.mean(y_pred)

    x, y = xor_data(40)
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", loss=my_loss, metrics=[mean_pred])
    h = model.fit(x, y, epochs=2, verbose=0)
    assert set(h.history) == {"loss", "mean_pred"}


def test_identity_loss_lambda_from_seed():
    inp = Input(shape=(2,))
    out = Dense(1)(inp)
    model = Model(inp, out)
    model.compile("sgd", loss=lambda y_true, y_pred: y_pred)
    model.fit(np.random.rand(8, 2), np.zeros((8, 1)), verbose=0)


def test_sample_weight_and_class_weight():
    x, y = xor_data(40)
    model = classifier(metrics=())
    w = np.ones(40)
    w[:20] = 0
    loss_w = model.evaluate(x, y, sample_weight=w, verbose=0)
    per = model.evaluate(x[20:], y[20:], verbose=0)
    assert loss_w == pytest.approx(per * 0.5, rel=1e-4)  # tf.keras: sum(w*l)/N
    model.fit(x, y, class_weight={0: 1.0, 1: 3.0}, epochs=1, verbose=0)


def test_temporal_sample_weight_mode():
    inp = Input(shape=(4, 3))
    out = Dense(2)(inp)
    model = Model(inp, out)
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    x, y = np.random.rand(6, 4, 3), np.random.rand(6, 4, 2)
    sw = np.ones((6, 4))
    model.fit(x, y, sample_weight=sw, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="temporal"):
        model.compile("sgd", "mse")
        model.fit(x, y, sample_weight=sw, epochs=1, verbose=0)


def test_generators_and_sequences_with_workers():
    x, y = xor_data(64)

    class Batches(Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 16 : (i + 1) * 16], y[i * 16 : (i + 1) * 16]

    def gen():
        while True:
            for i in range(4):
                yield x[i * 16 : (i + 1) * 16], y[i * 16 : (i + 1) * 16]

    model = classifier()
    h1 = model.fit(Batches(), epochs=2, verbose=0, workers=2)
    h2 = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0, validation_data=Batches())
    h3 = model.fit_generator(gen(), steps_per_epoch=4, epochs=1, verbose=0)
    assert len(h1.epoch) == 2 and "val_loss" in h2.history and len(h3.epoch) == 1
    assert np.all(np.isfinite(model.evaluate_generator(Batches())))
    assert model.predict_generator(Batches()).shape == (64, 1)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(gen(), epochs=1, verbose=0)


def test_dropout_active_only_in_training():
    model = Sequential([Dropout(0.5, input_shape=(100,))])
    model.compile("sgd", "mse")
    x = np.ones((4, 100))
    np.testing.assert_array_equal(model.predict(x), x)
    assert model.evaluate(x, x, verbose=0) == 0.0


def test_trainable_change_needs_recompile():
    model = classifier(metrics=())
    model.layers[0].trainable = False
    x, y = xor_data(16)
    before = model.layers[0].get_weights()[0].copy()
    with pytest.warns(UserWarning, match="Discrepancy"):
        model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(before, model.layers[0].get_weights()[0])
    model.compile("adam", "binary_crossentropy")
    before = model.layers[0].get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(before, model.layers[0].get_weights()[0])


def test_regularization_losses_are_added():
    from kviz import regularizers

    model = Sequential(
        [
            Dense(
                1,
                input_shape=(2,),
                kernel_regularizer=regularizers.l2(1.0),
                kernel_initializer="ones",
            )
        ]
    )
    model.compile("sgd", "mse")
    loss = model.evaluate(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)
    assert loss == pytest.approx(2.0)


def test_verbose_progress_output(capsys):
    x, y = xor_data(64)
    model = classifier()
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "2/2 [==============================]" in out
    assert "loss:" in out and "accuracy:" in out
    model.fit(x, y, epochs=1, batch_size=32, verbose=2)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and re.search(r" - \d+(s|ms|us)/epoch - ", out)


def test_predict_batches_and_multi_output_lists():
    inp = Input(shape=(3,))
    model = Model(inp, [Dense(1)(inp), Dense(2)(inp)])
    out = model.predict(np.random.rand(70, 3), batch_size=32)
    assert isinstance(out, list) and out[0].shape == (70, 1) and out[1].shape == (70, 2)


def test_mnist_mlp_style_training_reaches_high_accuracy_on_separable_data():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(10, 20)) * 3
    labels = rng.integers(0, 10, 2000)
    x = (centers[labels] + rng.normal(size=(2000, 20))).astype("float32")
    from kviz.utils import to_categorical

    y = to_categorical(labels, 10)
    model = Sequential(
        [
            Dense(64, activation="relu", input_shape=(20,)),
            Dropout(0.2),
            Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=5, verbose=0, validation_split=0.1)
    score = model.evaluate(x, y, verbose=0)
    assert score[1] > 0.95
