"""summary(): tf-keras 2.x table format, functional 'Connected to' column, nested models."""

import pytest

from kviz.layers import Dense, Input, Lambda
from kviz.models import Model, Sequential
from kviz.models.summary import readable_memory_size

EXPECTED_SEQUENTIAL = """Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #   
=================================================================
 dense (Dense)               (None, 4)                 16        
                                                                 
 dense_1 (Dense)             (None, 2)                 10        
                                                                 
=================================================================
Total params: 26 (104.00 Byte)
Trainable params: 26 (104.00 Byte)
Non-trainable params: 0 (0.00 Byte)
_________________________________________________________________"""


def capture(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def test_sequential_summary_exact_text():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    assert capture(model) == EXPECTED_SEQUENTIAL


def test_readable_memory_size():
    assert readable_memory_size(104) == "104.00 Byte"
    assert readable_memory_size(27180 * 4) == "106.17 KB"


def test_functional_branching_summary_has_connections():
    a = Input(shape=(3,))
    b = Input(shape=(3,))
    h = Lambda(lambda t: t[0] + t[1])([Dense(2)(a), Dense(2)(b)])
    model = Model([a, b], Dense(1)(h))
    text = capture(model)
    assert "Connected to" in text
    assert "['dense[0][0]'," in text
    assert "'dense_1[0][0]']" in text
    assert text.splitlines()[1] == "_" * 98


def test_nested_model_row_and_expand_nested():
    inner = Sequential([Dense(4, input_shape=(3,)), Dense(2)], name="inner")
    x = Input(shape=(3,))
    model = Model(x, Dense(1)(inner(x)))
    text = capture(model)
    assert "inner (Sequential)" in text
    assert "Total params: 29" in text
    expanded = capture(model, expand_nested=True)
    assert "| dense" in expanded


def test_show_trainable_column():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    text = capture(model, show_trainable=True)
    assert "Trainable" in text
    assert "Non-trainable params: 16 (64.00 Byte)" in text


def test_unbuilt_model_summary_error():
    with pytest.raises(ValueError, match="This model has not yet been built"):
        Sequential([Dense(2)]).summary()
