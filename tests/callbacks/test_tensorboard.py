"""TensorBoard: the event files kviz writes (through tensorboardX) are read back by TensorBoard's
own reader (``tensorboard.backend.event_processing.event_accumulator``) with tf.keras's
layout: ``train/`` and ``validation/`` runs, ``epoch_<metric>`` scalars at step = epoch, batch
scalars, weight histograms/images, and the Keras model JSON for the graph plugin."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from cb_helpers import classifier, data, fit

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

from kviz.callbacks import TensorBoard  # noqa: E402


def load(run_dir):
    acc = event_accumulator.EventAccumulator(
        str(run_dir),
        size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0},
    )
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_epoch_scalars_in_train_and_validation_runs(tmp_path):
    history = fit(classifier(), [TensorBoard(log_dir=tmp_path, write_graph=False)], epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = load(tmp_path / "train"), load(tmp_path / "validation")
    assert sorted(train.Tags()["scalars"]) == ["epoch_accuracy", "epoch_loss"]
    # tf-keras 2.21 also writes the validation of each epoch as evaluation_*_vs_iterations
    # (its on_test_end runs during fit too), at step = optimizer iterations (2 steps per epoch)
    assert sorted(val.Tags()["scalars"]) == [
        "epoch_accuracy",
        "epoch_loss",
        "evaluation_accuracy_vs_iterations",
        "evaluation_loss_vs_iterations",
    ]
    for acc, prefix in ((train, ""), (val, "val_")):
        for name in ("loss", "accuracy"):
            got = scalars(acc, "epoch_" + name)
            assert [s for s, _ in got] == [0, 1, 2]
            np.testing.assert_allclose(
                [v for _, v in got], history.history[prefix + name], rtol=1e-6
            )
    for name in ("loss", "accuracy"):
        got = scalars(val, f"evaluation_{name}_vs_iterations")
        assert [s for s, _ in got] == [2, 4, 6]
        np.testing.assert_allclose([v for _, v in got], history.history["val_" + name], rtol=1e-6)
    assert train.Tags()["histograms"] == [] and train.Tags()["tensors"] == []


def test_no_validation_writes_train_only(tmp_path):
    fit(
        classifier(),
        [TensorBoard(log_dir=str(tmp_path), write_graph=False)],
        epochs=1,
        validation=False,
    )
    assert os.listdir(tmp_path) == ["train"]


def test_lr_from_callbacks_is_a_scalar(tmp_path):
    from kviz.callbacks import ReduceLROnPlateau

    fit(classifier(), [ReduceLROnPlateau(), TensorBoard(log_dir=tmp_path)], epochs=2)
    got = scalars(load(tmp_path / "train"), "epoch_lr")
    assert [s for s, _ in got] == [0, 1]
    np.testing.assert_allclose([v for _, v in got], [0.01, 0.01], rtol=1e-6)


def test_histograms_every_histogram_freq_epochs(tmp_path):
    model = classifier()
    fit(model, [TensorBoard(log_dir=tmp_path, histogram_freq=2)], epochs=5)
    train = load(tmp_path / "train")
    expected = [
        "dense/kernel_0/histogram",
        "dense/bias_0/histogram",
        "dense_1/kernel_0/histogram",
        "dense_1/bias_0/histogram",
    ]
    assert train.Tags()["histograms"] == expected
    events = train.Histograms("dense_1/kernel_0/histogram")
    assert [e.step for e in events] == [0, 2, 4]
    last = events[-1].histogram_value
    kernel = model.layers[1].get_weights()[0]
    assert last.num == kernel.size
    assert last.min == pytest.approx(kernel.min()) and last.max == pytest.approx(kernel.max())
    assert last.sum == pytest.approx(kernel.sum(), rel=1e-5, abs=1e-6)


def test_weight_images(tmp_path):
    fit(
        classifier(), [TensorBoard(log_dir=tmp_path, histogram_freq=1, write_images=True)], epochs=1
    )
    train = load(tmp_path / "train")
    assert sorted(train.Tags()["images"]) == [
        "dense/bias_0/image",
        "dense/kernel_0/image",
        "dense_1/bias_0/image",
        "dense_1/kernel_0/image",
    ]
    img = train.Images("dense/kernel_0/image")[0]
    # the (4, 8) kernel is drawn as a 4x8 image (tf.keras transposes tall kernels only)
    assert (img.height, img.width) == (4, 8) and img.step == 0


def test_batch_scalars_with_update_freq(tmp_path):
    # 30 training samples, batch 16: 2 batches per epoch, 6 in all
    fit(classifier(), [TensorBoard(log_dir=tmp_path, update_freq="batch")], epochs=3)
    train = load(tmp_path / "train")
    assert [s for s, _ in scalars(train, "batch_loss")] == [1, 2, 3, 4, 5, 6]
    assert "batch_accuracy" in train.Tags()["scalars"]
    tmp2 = tmp_path / "every3"
    fit(classifier(), [TensorBoard(log_dir=tmp2, update_freq=3)], epochs=3)
    assert [s for s, _ in scalars(load(tmp2 / "train"), "batch_loss")] == [3, 6]


def test_batch_values_are_running_means(tmp_path):
    from kviz.callbacks import LambdaCallback

    seen = []
    cb = LambdaCallback(on_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    fit(classifier(), [cb, TensorBoard(log_dir=tmp_path, update_freq="batch")], epochs=1)
    got = scalars(load(tmp_path / "train"), "batch_loss")
    np.testing.assert_allclose([v for _, v in got], seen, rtol=1e-6)


def test_keras_model_json_for_the_graph_plugin(tmp_path):
    model = classifier()
    fit(model, [TensorBoard(log_dir=tmp_path)], epochs=1)
    train = load(tmp_path / "train")
    assert "keras" in train.Tags()["tensors"]
    event = train.Tensors("keras")[0]
    assert event.step == 0
    config = json.loads(event.tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]][-2:] == ["Dense", "Dense"]
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"


def test_steps_per_second(tmp_path):
    fit(classifier(), [TensorBoard(log_dir=tmp_path, write_steps_per_second=True)], epochs=2)
    got = scalars(load(tmp_path / "train"), "epoch_steps_per_second")
    assert [s for s, _ in got] == [0, 1] and all(v > 0 for _, v in got)


def test_evaluate_writes_evaluation_vs_iterations(tmp_path):
    model = classifier()
    fit(model, [], epochs=1)  # 2 optimizer steps
    x, y = data()
    loss, accuracy = model.evaluate(x, y, callbacks=[TensorBoard(log_dir=tmp_path)], verbose=0)
    val = load(tmp_path / "validation")
    got = scalars(val, "evaluation_loss_vs_iterations")
    assert got[0][0] == 2
    assert got[0][1] == pytest.approx(loss, rel=1e-6)
    assert scalars(val, "evaluation_accuracy_vs_iterations")[0][1] == pytest.approx(accuracy)


def test_second_fit_appends_a_new_event_file(tmp_path):
    model = classifier()
    tb = TensorBoard(log_dir=tmp_path, write_graph=False)
    fit(model, [tb], epochs=1)
    fit(model, [tb], epochs=3, initial_epoch=1)
    got = scalars(load(tmp_path / "train"), "epoch_loss")
    assert [s for s, _ in got] == [0, 1, 2]


def test_arguments():
    with pytest.raises(ValueError, match="Unrecognized arguments in `TensorBoard` Callback"):
        TensorBoard(foo=1)
    with pytest.warns(UserWarning, match="`batch_size` is no longer needed"):
        TensorBoard(batch_size=32, write_grads=False)  # Keras 2.2 arguments
    with pytest.warns(UserWarning, match="does not profile"):
        TensorBoard(profile_batch=2)
    with pytest.raises(ValueError, match="update_freq must be"):
        TensorBoard(update_freq="week")


def test_missing_tensorboardx_explains_how_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorboardX" else real(name, *a),
    )
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        TensorBoard()
