"""K.function, K.gradients and K.learning_phase as Keras-2 code uses them."""

import numpy as np
import pytest

from kviz import backend as K
from kviz.layers import Dense, Dropout, Input, Lambda
from kviz.models import Model, Sequential


def small_model():
    inputs = Input(shape=(6,))
    h = Dense(5, activation="tanh", name="hidden")(inputs)
    out = Dense(3, activation="softmax", name="out")(h)
    return Model(inputs, out)


def test_function_returns_layer_outputs_list_and_single():
    model = small_model()
    x = np.random.rand(4, 6)
    f = K.function([model.input], [model.get_layer("hidden").output])
    (h,) = f([x])
    w, b = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(h, np.tanh(x.astype("float32") @ w + b), rtol=1e-5, atol=1e-6)
    single = K.function([model.input], model.output)
    assert isinstance(single([x]), np.ndarray)


def test_function_with_sequential_layers0_input_and_learning_phase():
    model = Sequential([Dense(8, input_shape=(4,)), Dropout(0.5), Dense(8), Dense(2)])
    get_3rd = K.function([model.layers[0].input, K.learning_phase()], [model.layers[2].output])
    x = np.ones((64, 4))
    test_out = get_3rd([x, 0])[0]
    again = get_3rd([x, 0])[0]
    np.testing.assert_allclose(test_out, again)
    train_out = get_3rd([x, 1])[0]
    assert not np.allclose(train_out, test_out)


def test_gradients_wrt_input_match_finite_differences():
    model = small_model()
    loss = K.mean(model.get_layer("out").output[:, 1])
    grads = K.gradients(loss, model.input)[0]
    iterate = K.function([model.input], [loss, grads])
    x = np.random.rand(2, 6)
    loss_value, grads_value = iterate([x])
    assert grads_value.shape == (2, 6)
    eps = 1e-3
    for i, j in [(0, 0), (1, 3), (0, 5)]:
        xp, xm = x.copy(), x.copy()
        xp[i, j] += eps
        xm[i, j] -= eps
        fd = (iterate([xp])[0] - iterate([xm])[0]) / (2 * eps)
        np.testing.assert_allclose(grads_value[i, j], fd, rtol=2e-2, atol=1e-4)


def test_filter_visualization_style_gradient_ascent_increases_loss():
    """The seed's activation-maximization loop, on a dense model."""
    model = small_model()
    input_img = model.input
    layer_output = model.get_layer("hidden").output
    loss = K.mean(layer_output[:, 2])
    grads = K.gradients(loss, input_img)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([input_img], [loss, grads])
    data = np.random.random((1, 6)) * 0.1
    first, _ = iterate([data])
    for _ in range(20):
        loss_value, grads_value = iterate([data])
        data += grads_value * 0.1
    assert loss_value > first


def test_gradients_wrt_weights_and_intermediate_tensor():
    model = small_model()
    hidden = model.get_layer("hidden").output
    loss = K.sum(model.output[:, 0])
    g_w, g_h = K.gradients(loss, [model.get_layer("out").kernel, hidden])
    f = K.function([model.input], [g_w, g_h, hidden])
    x = np.random.rand(3, 6)
    gw, gh, h = f([x])
    assert gw.shape == (5, 3) and gh.shape == (3, 5)
    # d loss / d kernel[:, 0] is sum over batch of h * dsoftmax; check against finite diff
    kernel = model.get_layer("out").kernel
    old = kernel.numpy().copy()
    eps = 1e-3
    f_loss = K.function([model.input], [loss])
    kernel.assign(old + np.eye(5, 3, dtype="float32") * eps)
    up = f_loss([x])[0]
    kernel.assign(old - np.eye(5, 3, dtype="float32") * eps)
    down = f_loss([x])[0]
    kernel.assign(old)
    np.testing.assert_allclose(gw[0, 0] + gw[1, 1] + gw[2, 2], (up - down) / (2 * eps), rtol=2e-2)


def test_placeholder_function_and_errors():
    x = K.placeholder(shape=(None, 3))
    y = K.sum(K.square(x), axis=1)
    f = K.function([x], [y])
    np.testing.assert_allclose(f([np.ones((2, 3))])[0], [3.0, 3.0])
    with pytest.raises(ValueError, match="expects 1 input"):
        f([np.ones((2, 3)), np.ones(2)])
    with pytest.raises(ValueError, match="Cannot feed value of shape"):
        f([np.ones((2, 4))])
    with pytest.raises(TypeError, match="symbolic loss"):
        K.gradients(np.ones(3), [x])


def test_variables_get_set_value_and_int_shape():
    v = K.variable(np.zeros((2, 3)))
    assert K.int_shape(v) == (2, 3)
    K.set_value(v, np.ones((2, 3)))
    np.testing.assert_allclose(K.get_value(v), 1)
    with pytest.raises(ValueError, match="Shape mismatch"):
        K.set_value(v, np.ones((3, 3)))
    assert K.is_keras_tensor(Input(shape=(2,)))
    assert not K.is_keras_tensor(v)
    with pytest.raises(ValueError, match="Expected a symbolic tensor"):
        K.is_keras_tensor(3)


def test_clear_session_resets_names():
    assert Dense(1).name == "dense"
    assert Dense(1).name == "dense_1"
    K.clear_session()
    assert Dense(1).name == "dense"


def test_lambda_with_k_ops_in_model():
    inputs = Input(shape=(4,))
    out = Lambda(lambda t: K.l2_normalize(t, axis=-1))(inputs)
    model = Model(inputs, out)
    x = np.random.rand(3, 4) + 0.1
    np.testing.assert_allclose(
        model.predict(x, verbose=0), x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-5
    )
