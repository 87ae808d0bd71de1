"""The no-browser demo named in the README: ``python -m kviz.demo`` trains a model that separates
two spirals (the README's main job opens the teaching notebooks; Binder's postBuild runs the demo)."""

from kviz import demo


def test_demo_trains_to_high_accuracy(capsys):
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert 'Model: "spiral_classifier"' in out
    assert "Total params: 1218" in out
    assert "after" in out.splitlines()[-1]


def test_two_spirals_shapes():
    x, y = demo.two_spirals(10)
    assert x.shape == (20, 2) and x.dtype.name == "float32"
    assert sorted(set(y.tolist())) == [0, 1]
