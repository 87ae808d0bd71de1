"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, their
function forms, Keras 1's ``merge(mode=...)``, broadcasting, masks and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from layer_harness import check_layer, make_input

import kviz.layers
from kviz import ops
from kviz.autodiff import GradientTape
from kviz.layers import (
    Add,
    Average,
    Concatenate,
    Dense,
    Dot,
    Input,
    Masking,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from kviz.layers.merge import (
    add,
    average,
    concatenate,
    dot,
    maximum,
    merge,
    minimum,
    multiply,
    subtract,
)
from kviz.models import Model, model_from_json

ELEMENTWISE = [
    (Add, lambda xs: sum(xs[1:], xs[0])),
    (Multiply, lambda xs: np.prod(np.stack(np.broadcast_arrays(*xs)), axis=0)),
    (Average, lambda xs: sum(xs[1:], xs[0]) / len(xs)),
    (Maximum, lambda xs: np.max(np.stack(np.broadcast_arrays(*xs)), axis=0)),
    (Minimum, lambda xs: np.min(np.stack(np.broadcast_arrays(*xs)), axis=0)),
]
ELEMENTWISE_IDS = [cls.__name__ for cls, _ in ELEMENTWISE]


def _inputs(*shapes):
    return [make_input(s, seed=i) for i, s in enumerate(shapes)]


# ------------------------------------------------------------------ harness (all layers)


@pytest.mark.parametrize(("cls", "ref"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        ([(2, 3), (2, 3)], (None, 3)),
        ([(2, 3), (2, 3), (2, 3)], (None, 3)),
        ([(2, 3), (2, 4, 3)], (None, 4, 3)),  # lower rank: new axes after the batch axis
        ([(2, 1, 3), (2, 4, 1)], (None, 4, 3)),  # size-1 dims broadcast
    ],
    ids=["two", "three", "ranks", "ones"],
)
def test_elementwise_harness(cls, ref, shapes, expected):
    out = check_layer(
        cls,
        multi_input_shapes=shapes,
        expected_output_shape=expected,
        expected_num_weights=0,
    )
    xs = _inputs(*shapes)
    ndim = max(len(s) for s in shapes)
    xs = [x.reshape(x.shape[:1] + (1,) * (ndim - x.ndim) + x.shape[1:]) for x in xs]
    np.testing.assert_allclose(out, ref(xs), rtol=1e-6)


def test_subtract_harness():
    out = check_layer(
        Subtract, multi_input_shapes=[(2, 3), (2, 3)], expected_output_shape=(None, 3)
    )
    a, b = _inputs((2, 3), (2, 3))
    np.testing.assert_allclose(out, a - b, rtol=1e-6)


def test_subtract_broadcasts():
    out = check_layer(
        Subtract, multi_input_shapes=[(2, 4, 3), (2, 3)], expected_output_shape=(None, 4, 3)
    )
    a, b = _inputs((2, 4, 3), (2, 3))
    np.testing.assert_allclose(out, a - b[:, None, :], rtol=1e-6)


@pytest.mark.parametrize(
    ("axis", "shapes", "expected"),
    [
        (-1, [(2, 3), (2, 4)], (None, 7)),
        (-1, [(2, 3), (2, 4), (2, 1)], (None, 8)),
        (1, [(2, 3, 4), (2, 2, 4)], (None, 5, 4)),
        (-2, [(2, 3, 4), (2, 2, 4)], (None, 5, 4)),
        (2, [(2, 3, 4), (2, 3, 1)], (None, 3, 5)),
    ],
)
def test_concatenate_harness(axis, shapes, expected):
    out = check_layer(
        Concatenate,
        {"axis": axis},
        multi_input_shapes=shapes,
        expected_output_shape=expected,
        expected_num_weights=0,
    )
    np.testing.assert_array_equal(out, np.concatenate(_inputs(*shapes), axis=axis))


@pytest.mark.parametrize(
    ("kwargs", "shapes", "subscripts", "expected"),
    [
        ({"axes": 1}, [(2, 3), (2, 3)], "bi,bi->b", (None, 1)),
        ({"axes": -1}, [(2, 3), (2, 3)], "bi,bi->b", (None, 1)),
        ({"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)], "bij,bki->bjk", (None, 4, 5)),
        ({"axes": [2, 1]}, [(2, 3, 4), (2, 4, 5)], "bij,bjk->bik", (None, 3, 5)),
        ({"axes": [-1, -2]}, [(2, 3, 4), (2, 4, 5)], "bij,bjk->bik", (None, 3, 5)),
        ({"axes": 2}, [(2, 3, 4), (2, 5, 4)], "bij,bkj->bik", (None, 3, 5)),
        ({"axes": (2, 1)}, [(2, 3, 4), (2, 4)], "bij,bj->bi", (None, 3)),
    ],
)
def test_dot_harness(kwargs, shapes, subscripts, expected):
    out = check_layer(Dot, kwargs, multi_input_shapes=shapes, expected_output_shape=expected)
    a, b = _inputs(*shapes)
    ref = np.einsum(subscripts, a, b)
    if ref.ndim == 1:
        ref = ref[:, None]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_dot_normalize_is_cosine_similarity():
    out = check_layer(
        Dot,
        {"axes": 1, "normalize": True},
        multi_input_shapes=[(4, 5), (4, 5)],
        expected_output_shape=(None, 1),
    )
    a, b = _inputs((4, 5), (4, 5))
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(out[:, 0], cos, rtol=1e-5)
    assert np.all(np.abs(out) <= 1 + 1e-6)


def test_dot_normalize_3d():
    out = check_layer(
        Dot,
        {"axes": (2, 2), "normalize": True},
        multi_input_shapes=[(2, 3, 4), (2, 5, 4)],
        expected_output_shape=(None, 3, 5),
    )
    a, b = _inputs((2, 3, 4), (2, 5, 4))
    a = a / np.linalg.norm(a, axis=2, keepdims=True)
    b = b / np.linalg.norm(b, axis=2, keepdims=True)
    np.testing.assert_allclose(out, np.einsum("bij,bkj->bik", a, b), rtol=1e-5)


# ------------------------------------------------------------------------ shapes


def test_symbolic_broadcast_shapes_and_batch():
    a = Input(shape=(3,))
    b = Input(shape=(4, 3))
    assert Add()([a, b]).shape == (None, 4, 3)
    c = Input(batch_shape=(5, 1, 3))
    assert Multiply()([c, Input(shape=(4, 1))]).shape == (5, 4, 3)
    # an unknown dimension stays unknown, as in tf.keras
    assert Maximum()([Input(shape=(None, 3)), Input(shape=(4, 3))]).shape == (None, None, 3)


def test_compute_output_shape():
    assert Add().compute_output_shape([(None, 1, 3), (None, 5, 1)]) == (None, 5, 3)
    assert Add().compute_output_shape([(2, 3), (None, 3)]) == (2, 3)
    assert Concatenate().compute_output_shape([(None, 2), (None, 3)]) == (None, 5)
    assert Concatenate().compute_output_shape([(None, None), (None, 3)]) == (None, None)
    assert Dot(axes=(1, 2)).compute_output_shape([(None, 3, 4), (None, 5, 3)]) == (None, 4, 5)
    assert Dot(axes=1).compute_output_shape([(None, 3), (None, 3)]) == (None, 1)


def test_broadcast_with_unequal_batch_runs_eagerly():
    # None batch dims in the graph accept any size at run time
    a, b = Input(shape=(3,)), Input(shape=(2, 3))
    model = Model([a, b], Add()([a, b]))
    x, y = _inputs((4, 3), (4, 2, 3))
    np.testing.assert_allclose(model.predict([x, y]), x[:, None] + y, rtol=1e-6)


# ------------------------------------------------------------------------ errors


@pytest.mark.parametrize("cls", [Add, Subtract, Multiply, Average, Maximum, Minimum])
def test_single_input_errors(cls):
    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs."):
        cls()(x)
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs."):
        cls()(Input(shape=(3,)))
    with pytest.raises(ValueError, match="on a list of at least 2 inputs. Got 1 inputs."):
        cls()([x])


def test_concatenate_and_dot_single_input_errors():
    x = np.ones((2, 3), "float32")
    for layer in (Concatenate(), Dot(axes=1)):
        with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs"):
            layer(x)
    with pytest.raises(ValueError, match="at least 2 inputs"):
        Concatenate()([x])
    with pytest.raises(ValueError, match="A `Dot` layer should be called on a list of 2 inputs"):
        Dot(axes=1)([x, x, x])


def test_incompatible_shapes_error():
    with pytest.raises(ValueError, match=r"incompatible shapes. Received shapes \(3,\) and \(4,\)"):
        Add()([Input(shape=(3,)), Input(shape=(4,))])
    with pytest.raises(ValueError, match=r"Received shapes \(4, 3\) and \(4,\)"):
        Add()([np.ones((2, 4), "float32"), np.ones((2, 4, 3), "float32")])


def test_different_batch_sizes_error():
    with pytest.raises(ValueError, match="Cannot merge tensors with different batch sizes"):
        Add()([np.ones((2, 3), "float32"), np.ones((3, 3), "float32")])


def test_subtract_needs_exactly_two():
    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2 inputs"):
        Subtract()([x, x, x])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        subtract([Input(shape=(3,))] * 3)


def test_concatenate_shape_mismatch_names_shapes():
    with pytest.raises(ValueError) as info:
        Concatenate()([Input(shape=(3, 4)), Input(shape=(2, 5))])
    msg = str(info.value)
    assert "matching shapes except for the concatenation axis" in msg
    assert "(None, 3, 4)" in msg and "(None, 2, 5)" in msg
    with pytest.raises(ValueError, match="matching shapes"):
        Concatenate()([np.ones((2, 3), "float32"), np.ones((2, 3, 1), "float32")])
    with pytest.raises(ValueError, match="out of range"):
        Concatenate(axis=3)([Input(shape=(3,)), Input(shape=(3,))])
    # None dims are compatible with anything
    assert Concatenate(axis=1)([Input(shape=(None, 4)), Input(shape=(2, 4))]).shape == (
        None,
        None,
        4,
    )


def test_dot_errors():
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4 \(at axis 1\)"):
        Dot(axes=1)([Input(shape=(3,)), Input(shape=(4,))])
    with pytest.raises(TypeError, match="should be a list or an int"):
        Dot(axes="1")
    with pytest.raises(ValueError, match="should contain two elements"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="should be integers"):
        Dot(axes=(1, 2.0))
    with pytest.raises(ValueError, match="batch axis"):
        Dot(axes=0)([Input(shape=(3,)), Input(shape=(3,))])


def test_revalidates_on_later_calls():
    layer = Add()
    layer([np.ones((2, 3), "float32")] * 2)
    with pytest.raises(ValueError, match="incompatible shapes"):
        layer([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])


# ------------------------------------------------------------------------- masks


def test_merge_mask_is_logical_and():
    m1 = np.array([[1, 1, 0], [1, 0, 1]], bool)
    m2 = np.array([[1, 0, 1], [1, 1, 1]], bool)
    x = np.ones((2, 3, 4), "float32")
    np.testing.assert_array_equal(Add().compute_mask([x, x], [m1, m2]), m1 & m2)
    np.testing.assert_array_equal(Multiply().compute_mask([x, x], [m1, None]), m1)
    assert Add().compute_mask([x, x], [None, None]) is None
    assert Add().compute_mask([x, x], None) is None
    with pytest.raises(ValueError, match="`mask` should be a list"):
        Add().compute_mask([x, x], m1)
    with pytest.raises(ValueError, match="same length"):
        Add().compute_mask([x, x], [m1])


def test_concatenate_mask():
    m1 = np.array([[1, 1, 0], [1, 0, 1]], bool)
    x = np.ones((2, 3, 4), "float32")
    # feature axis: a timestep is kept only if kept in every input
    np.testing.assert_array_equal(Concatenate().compute_mask([x, x], [m1, None]), m1)
    # time axis: masks are concatenated, unmasked inputs count as all-true
    y = np.ones((2, 2, 4), "float32")
    got = Concatenate(axis=1).compute_mask([x, y], [m1, None])
    np.testing.assert_array_equal(got, np.concatenate([m1, np.ones((2, 2), bool)], axis=1))
    assert Concatenate().compute_mask([x, x], [None, None]) is None
    assert Dot(axes=2).compute_mask([x, x], [m1, m1]) is None


def test_mask_propagates_through_functional_models():
    s, t = Input(shape=(3, 2)), Input(shape=(3, 2))
    masked = Masking(0.0)(s)
    xs = np.ones((2, 3, 2), "float32")
    xs[0, 1] = 0
    xt = np.ones((2, 3, 2), "float32")
    expected = np.array([[True, False, True], [True, True, True]])
    for layer in (Add(), Concatenate(), Average()):
        model = Model([s, t], layer([masked, t]))
        model([xs, xt])
        np.testing.assert_array_equal(model.compute_mask(None), expected)
    model = Model([s, t], Dot(axes=2)([masked, t]))
    model([xs, xt])
    assert model.compute_mask(None) is None


# ------------------------------------------------------------------ function forms


def test_function_forms_match_layers():
    a, b = _inputs((2, 3), (2, 3))
    np.testing.assert_allclose(add([a, b]), a + b)
    np.testing.assert_allclose(subtract([a, b]), a - b)
    np.testing.assert_allclose(multiply([a, b]), a * b)
    np.testing.assert_allclose(average([a, b]), (a + b) / 2)
    np.testing.assert_allclose(maximum([a, b]), np.maximum(a, b))
    np.testing.assert_allclose(minimum([a, b]), np.minimum(a, b))
    np.testing.assert_allclose(concatenate([a, b], axis=0), np.concatenate([a, b], 0))
    np.testing.assert_allclose(dot([a, b], axes=1)[:, 0], np.sum(a * b, axis=1), rtol=1e-6)


def test_function_forms_pass_kwargs():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = add([a, b], name="my_sum")
    assert out._keras_history[0].name == "my_sum"
    out = concatenate([a, b], axis=-1, name="cat")
    layer = out._keras_history[0]
    assert isinstance(layer, Concatenate) and layer.name == "cat" and layer.axis == -1
    out = dot([a, b], axes=1, normalize=True, name="cos")
    layer = out._keras_history[0]
    assert isinstance(layer, Dot) and layer.normalize and layer.axes == 1


def test_import_paths():
    from kviz.layers.merge import Concatenate as C2
    from kviz.layers.merge import Dot as D2
    from kviz.layers.merge import concatenate as c2
    from kviz.layers.merge import dot as d2

    assert C2 is Concatenate and D2 is Dot and c2 is concatenate and d2 is dot
    assert kviz.layers.add is add and kviz.layers.dot is dot
    assert kviz.layers.merge.Concatenate is Concatenate
    assert kviz.layers.merge.add is add  # the function, not the module add.py
    assert callable(kviz.layers.merge)


def test_functional_guide_two_inputs_concatenate():
    """Keras guide style: two Inputs -> Dense -> concatenate -> Dense, trained one step."""
    a, b = Input(shape=(4,), name="a"), Input(shape=(5,), name="b")
    x = concatenate([Dense(8, activation="relu")(a), Dense(8, activation="relu")(b)])
    out = Dense(1, activation="sigmoid")(x)
    model = Model(inputs=[a, b], outputs=out)
    assert x.shape == (None, 16)
    assert [layer.name for layer in model.layers][-2:] == ["concatenate", "dense_2"]
    assert model.count_params() == (4 * 8 + 8) + (5 * 8 + 8) + (16 + 1)
    xa, xb = _inputs((6, 4), (6, 5))
    pred = model.predict([xa, xb])
    assert pred.shape == (6, 1)

    # the same model rebuilt from JSON predicts the same
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([xa, xb]), pred, rtol=1e-6)

    # gradients flow through the concatenation into both branches
    y = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0]], "float32")

    def loss():
        return ops.mean(ops.square(ops.subtract(model([xa, xb], training=True), y)))

    weights = model.trainable_weights
    before = float(loss())
    for _ in range(5):
        with GradientTape() as tape:
            value = loss()
        grads = tape.gradient(value, weights)
        assert all(g is not None for g in grads)
        for w, g in zip(weights, grads, strict=True):
            w.assign(w.data - 0.1 * g)
    assert float(loss()) < before


def test_functional_cosine_similarity_model():
    a, b = Input(shape=(5,)), Input(shape=(5,))
    ea, eb = Dense(3, name="proj_a")(a), Dense(3, name="proj_b")(b)
    sim = dot([ea, eb], axes=1, normalize=True)
    model = Model([a, b], sim)
    assert sim.shape == (None, 1)
    xa, xb = _inputs((4, 5), (4, 5))
    pa = (
        xa @ model.get_layer("proj_a").get_weights()[0] + model.get_layer("proj_a").get_weights()[1]
    )
    pb = (
        xb @ model.get_layer("proj_b").get_weights()[0] + model.get_layer("proj_b").get_weights()[1]
    )
    cos = np.sum(pa * pb, axis=1) / (np.linalg.norm(pa, axis=1) * np.linalg.norm(pb, axis=1))
    np.testing.assert_allclose(model.predict([xa, xb])[:, 0], cos, rtol=1e-4, atol=1e-6)


def test_functional_attention_style_dot():
    q, v = Input(shape=(3, 4)), Input(shape=(5, 4))
    scores = dot([q, v], axes=2)  # (None, 3, 5)
    weighted = dot([scores, v], axes=(2, 1))  # (None, 3, 4)
    assert scores.shape == (None, 3, 5) and weighted.shape == (None, 3, 4)
    model = Model([q, v], weighted)
    xq, xv = _inputs((2, 3, 4), (2, 5, 4))
    ref = np.einsum("bts,bsd->btd", np.einsum("btd,bsd->bts", xq, xv), xv)
    np.testing.assert_allclose(model.predict([xq, xv]), ref, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------- config


def test_configs():
    assert Concatenate(axis=1).get_config()["axis"] == 1
    cfg = Dot(axes=(1, 2), normalize=True).get_config()
    assert cfg["axes"] == [1, 2] and cfg["normalize"] is True
    assert Dot(axes=-1).get_config()["axes"] == -1
    cfg = Add(name="plus").get_config()
    assert cfg["name"] == "plus" and set(cfg) >= {"name", "trainable", "dtype"}
    layer = Dot.from_config(Dot(axes=2, normalize=True, name="d").get_config())
    assert (layer.axes, layer.normalize, layer.name) == (2, True, "d")


# ------------------------------------------------------------------ legacy merge()


@pytest.mark.parametrize(
    ("mode", "cls", "ref"),
    [
        ("sum", Add, lambda a, b: a + b),
        ("mul", Multiply, lambda a, b: a * b),
        ("ave", Average, lambda a, b: (a + b) / 2),
        ("max", Maximum, np.maximum),
        ("concat", Concatenate, lambda a, b: np.concatenate([a, b], axis=-1)),
        ("dot", Dot, lambda a, b: np.sum(a * b, axis=1, keepdims=True)),
        (
            "cos",
            Dot,
            lambda a, b: (
                np.sum(a * b, axis=1, keepdims=True)
                / (
                    np.linalg.norm(a, axis=1, keepdims=True)
                    * np.linalg.norm(b, axis=1, keepdims=True)
                )
            ),
        ),
    ],
)
def test_legacy_merge_modes(mode, cls, ref):
    a, b = Input(shape=(3,)), Input(shape=(3,))
    with pytest.warns(UserWarning, match="The `merge` function is deprecated"):
        out = merge([a, b], mode=mode)
    layer = out._keras_history[0]
    assert type(layer) is cls
    if mode == "cos":
        assert layer.normalize
    xa, xb = _inputs((2, 3), (2, 3))
    np.testing.assert_allclose(Model([a, b], out).predict([xa, xb]), ref(xa, xb), rtol=1e-5)


def test_legacy_merge_options():
    a, b = Input(shape=(2, 3)), Input(shape=(4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = merge([a, b], mode="concat", concat_axis=1, name="joined")
        assert out.shape == (None, 6, 3) and out._keras_history[0].name == "joined"
        out = merge([a, b], mode="dot", dot_axes=[2, 2])
        assert out.shape == (None, 2, 4)
        out = merge([a, b], mode="dot", dot_axes=[[2], [2]])
        assert out.shape == (None, 2, 4)
        out = merge([Input(shape=(3,)), Input(shape=(3,))])  # mode='sum' by default
        assert isinstance(out._keras_history[0], Add)
        # eager use computes directly
        xa, xb = _inputs((2, 3), (2, 3))
        np.testing.assert_allclose(merge([xa, xb], mode="sum"), xa + xb)
        # a callable mode becomes a Lambda layer
        out = merge(
            [Input(shape=(3,)), Input(shape=(3,))],
            mode=lambda xs: xs[0] - xs[1],
            output_shape=(3,),
        )
        assert type(out._keras_history[0]).__name__ == "Lambda"
        with pytest.raises(ValueError, match="Invalid merge mode: foo"):
            merge([a, b], mode="foo")


def test_legacy_merge_module_is_callable():
    from kviz.layers import merge as merge_from_layers

    a, b = Input(shape=(3,)), Input(shape=(5,))
    with pytest.warns(UserWarning, match="deprecated"):
        out = merge_from_layers([a, b], mode="concat")
    assert out.shape == (None, 8)
