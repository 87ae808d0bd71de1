"""Noise layers: GaussianNoise, GaussianDropout, AlphaDropout (noise only in training)."""

from __future__ import annotations

import numpy as np
import pytest
from layer_harness import check_layer, make_input

from kviz import config, ops
from kviz.autodiff import GradientTape, Variable
from kviz.layers import AlphaDropout, Dense, GaussianDropout, GaussianNoise, Input
from kviz.models import Model, Sequential

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


@pytest.fixture
def train_phase():
    """Set the global learning phase to 1 for one test."""
    old = config.learning_phase()
    config.set_learning_phase(1)
    yield
    config.set_learning_phase(old)


LAYERS = [
    (GaussianNoise, {"stddev": 0.5}),
    (GaussianNoise, {"stddev": 0.5, "seed": 3}),
    (GaussianDropout, {"rate": 0.3}),
    (GaussianDropout, {"rate": 0.3, "seed": 3}),
    (AlphaDropout, {"rate": 0.2}),
    (AlphaDropout, {"rate": 0.2, "noise_shape": (None, 1), "seed": 3}),
]
IDS = [f"{c.__name__}-{'-'.join(map(str, k))}" for c, k in LAYERS]


@pytest.mark.parametrize(("cls", "kwargs"), LAYERS, ids=IDS)
def test_harness_identity_at_inference(cls, kwargs):
    x = make_input((3, 4))
    out = check_layer(
        cls, kwargs, input_data=x, expected_output_shape=(None, 4), expected_num_weights=0
    )
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize(("cls", "kwargs"), LAYERS, ids=IDS)
def test_training_flag(cls, kwargs, train_phase):
    x = make_input((3, 4))
    layer = cls(**kwargs)
    assert not np.allclose(layer(x), x)  # learning phase 1: noise
    assert not np.allclose(layer(x, training=True), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    config.set_learning_phase(0)
    np.testing.assert_array_equal(layer(x), x)


@pytest.mark.parametrize(("cls", "kwargs"), LAYERS, ids=IDS)
def test_models_noise_only_when_training(cls, kwargs):
    inp = Input(shape=(4,))
    model = Model(inp, cls(**kwargs)(inp))
    x = make_input((3, 4))
    np.testing.assert_array_equal(model.predict(x), x)
    np.testing.assert_array_equal(model(x), x)
    assert not np.allclose(model(x, training=True), x)
    seq = Sequential([Dense(4, input_shape=(4,)), cls(**kwargs)])
    assert seq.output_shape == (None, 4)
    first = seq.predict(x)
    np.testing.assert_array_equal(seq.predict(x), first)


def test_gaussian_noise_statistics():
    x = np.full((400, 500), 2.0, "float32")
    out = GaussianNoise(0.3)(x, training=True)
    assert out.dtype == np.float32
    noise = out - x
    assert abs(noise.mean()) < 0.005
    assert noise.std() == pytest.approx(0.3, rel=0.01)


def test_gaussian_dropout_statistics():
    rate = 0.4
    x = np.full((400, 500), 3.0, "float32")
    out = GaussianDropout(rate)(x, training=True)
    assert out.dtype == np.float32
    factor = out / x
    assert factor.mean() == pytest.approx(1.0, abs=0.01)
    assert factor.std() == pytest.approx(np.sqrt(rate / (1 - rate)), rel=0.01)


@pytest.mark.parametrize("rate", [0.0, 1.0, 1.5])
def test_gaussian_dropout_rate_outside_unit_interval_is_identity(rate):
    x = make_input((3, 4))
    np.testing.assert_array_equal(GaussianDropout(rate)(x, training=True), x)


def test_alpha_dropout_statistics():
    rate = 0.2
    x = np.random.default_rng(0).standard_normal((500, 400)).astype("float32")
    out = AlphaDropout(rate)(x, training=True)
    assert out.dtype == np.float32
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    b = -a * ALPHA_P * rate
    dropped = np.isclose(out, a * ALPHA_P + b, atol=1e-6)
    assert dropped.mean() == pytest.approx(rate, abs=0.01)
    kept = ~dropped
    np.testing.assert_allclose(out[kept], a * x[kept] + b, rtol=1e-5, atol=1e-6)
    # self-normalizing: zero mean, unit variance preserved
    assert abs(out.mean()) < 0.02
    assert out.var() == pytest.approx(1.0, abs=0.02)


def test_alpha_dropout_noise_shape():
    x = np.random.default_rng(0).standard_normal((200, 6)).astype("float32")
    out = AlphaDropout(0.5, noise_shape=(None, 1))(x, training=True)
    rate = 0.5
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    b = -a * ALPHA_P * rate
    dropped = np.isclose(out, a * ALPHA_P + b, atol=1e-6)
    # one decision per row, shared along the feature axis
    assert np.all(dropped.all(axis=1) | (~dropped).all(axis=1))
    assert 0.3 < dropped[:, 0].mean() < 0.7
    with pytest.raises(ValueError, match="noise_shape"):
        AlphaDropout(0.5, noise_shape=(1,))(x, training=True)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_alpha_dropout_rate_outside_unit_interval_is_identity(rate):
    x = make_input((3, 4))
    np.testing.assert_array_equal(AlphaDropout(rate)(x, training=True), x)


def test_seed_reproducible():
    x = make_input((4, 5))
    for cls, kw in [
        (GaussianNoise, {"stddev": 1.0}),
        (GaussianDropout, {"rate": 0.5}),
        (AlphaDropout, {"rate": 0.5}),
    ]:
        a, b = cls(seed=7, **kw), cls(seed=7, **kw)
        first = a(x, training=True)
        np.testing.assert_array_equal(first, b(x, training=True))
        assert not np.array_equal(first, a(x, training=True))  # the sequence moves on
        # unseeded layers follow kviz's global generator
        config.set_random_seed(11)
        u1 = cls(**kw)(x, training=True)
        config.set_random_seed(11)
        np.testing.assert_array_equal(cls(**kw)(x, training=True), u1)


def test_gradients_in_training():
    x = make_input((3, 4)).astype("float64")
    v = Variable(x)
    # GaussianNoise: d(x + n)/dx = 1
    with GradientTape() as tape:
        y = ops.sum(GaussianNoise(1.0, dtype="float64")(v, training=True))
    np.testing.assert_allclose(tape.gradient(y, v), np.ones_like(x))
    # GaussianDropout: d(x * n)/dx = n = out / x
    layer = GaussianDropout(0.3, seed=1, dtype="float64")
    with GradientTape() as tape:
        out = layer(v, training=True)
        y = ops.sum(out)
    np.testing.assert_allclose(tape.gradient(y, v), out.data / x, rtol=1e-10)
    # AlphaDropout: gradient a on kept units, 0 on dropped ones
    rate = 0.5
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    with GradientTape() as tape:
        y = ops.sum(AlphaDropout(rate, seed=2, dtype="float64")(v, training=True))
    g = tape.gradient(y, v)
    assert set(np.round(np.unique(g), 8)) <= {0.0, round(a, 8)}


def test_configs_and_keras1_aliases():
    cfg = GaussianNoise(0.1).get_config()
    assert (cfg["stddev"], cfg["seed"]) == (0.1, None)
    cfg = GaussianDropout(0.2, seed=5).get_config()
    assert (cfg["rate"], cfg["seed"]) == (0.2, 5)
    cfg = AlphaDropout(0.1, noise_shape=(None, 1)).get_config()
    assert (cfg["rate"], cfg["noise_shape"], cfg["seed"]) == (0.1, (None, 1), None)
    with pytest.warns(UserWarning, match="GaussianNoise"):
        assert GaussianNoise(sigma=0.4).stddev == 0.4
    with pytest.warns(UserWarning, match="GaussianDropout"):
        assert GaussianDropout(p=0.3).rate == 0.3
    with pytest.raises(TypeError, match="stddev"):
        GaussianNoise()
    with pytest.raises(TypeError, match="rate"):
        GaussianDropout()
    for layer in (GaussianNoise(0.1), GaussianDropout(0.1), AlphaDropout(0.1)):
        assert layer.supports_masking
