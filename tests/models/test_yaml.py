"""``Model.to_yaml()`` and ``kviz.models.model_from_yaml()`` (Keras 2.2; tf.keras removed them).

The YAML holds the same structure as ``to_json()``, written by PyYAML's safe dumper and read
with ``yaml.safe_load``, so a YAML string can never build Python objects."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from kviz.layers import LSTM, Conv2D, Dense, Flatten, Input, concatenate
from kviz.models import Model, Sequential, model_from_json, model_from_yaml


def _same_architecture(a, b):
    assert json.loads(a.to_json())["config"] == json.loads(b.to_json())["config"]


def test_sequential_round_trip_with_weights():
    model = Sequential(
        [Conv2D(2, (3, 3), input_shape=(5, 5, 1), name="conv"), Flatten(), Dense(3, name="out")]
    )
    text = model.to_yaml()
    assert yaml.safe_load(text) == json.loads(model.to_json())  # the JSON structure, as YAML
    rebuilt = model_from_yaml(text)
    assert type(rebuilt) is Sequential
    _same_architecture(model, rebuilt)
    rebuilt.set_weights(model.get_weights())
    x = np.random.default_rng(0).random((2, 5, 5, 1)).astype("float32")
    np.testing.assert_allclose(rebuilt.predict(x), model.predict(x), rtol=1e-6)


def test_functional_multi_input_and_nested_model_round_trip():
    a, b = Input(shape=(4,), name="a"), Input(shape=(3, 2), name="b")
    inner = Sequential([Dense(2, input_shape=(4,))], name="inner")
    merged = concatenate([inner(a), LSTM(3)(b)])
    model = Model([a, b], Dense(1)(merged), name="two_inputs")
    rebuilt = model_from_yaml(model.to_yaml())
    assert rebuilt.name == "two_inputs" and rebuilt.input_names == ["a", "b"]
    _same_architecture(model, rebuilt)
    assert [type(lyr).__name__ for lyr in rebuilt.layers] == [
        type(lyr).__name__ for lyr in model.layers
    ]


def test_yaml_and_json_give_the_same_model():
    model = Sequential([Dense(4, input_shape=(2,), activation="relu"), Dense(1)])
    _same_architecture(model_from_yaml(model.to_yaml()), model_from_json(model.to_json()))


def test_to_yaml_passes_keyword_arguments_to_the_dumper():
    model = Sequential([Dense(1, input_shape=(2,))])
    flow = model.to_yaml(default_flow_style=True)
    assert flow.startswith("{") and model_from_yaml(flow).count_params() == 3
    assert "    " in model.to_yaml(indent=4)


def test_custom_objects():
    class Twice(Dense):
        pass

    model = Sequential([Twice(2, input_shape=(3,), name="twice")])
    text = model.to_yaml()
    with pytest.raises(ValueError, match="Twice"):
        model_from_yaml(text)
    assert type(model_from_yaml(text, custom_objects={"Twice": Twice}).layers[0]) is Twice


def test_python_object_tags_are_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    evil = f"class_name: Sequential\nconfig: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ValueError, match="refused.*could not determine a constructor"):
        model_from_yaml(evil)
    assert not marker.exists()
    keras22 = "class_name: Sequential\nconfig:\n  layers: []\n  shape: !!python/tuple [1, 2]\n"
    with pytest.raises(ValueError, match=r"python/tuple.*line 4"):
        model_from_yaml(keras22)


def test_invalid_yaml_and_yaml_that_is_not_a_model():
    with pytest.raises(ValueError, match=r"expected ',' or '\]'"):
        model_from_yaml("class_name: [Sequential")
    with pytest.raises(ValueError, match="a mapping with 'class_name'"):
        model_from_yaml("- just\n- a list\n")
    with pytest.raises(ValueError, match="a mapping with 'class_name'"):
        model_from_yaml("name: no class")


def test_yaml_is_imported_lazily():
    code = "import sys, kviz.models; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_docstring_examples():
    import doctest

    import kviz.backend
    from kviz.models import functional, graph_config

    for module in (functional, graph_config):
        kviz.backend.clear_session()
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
