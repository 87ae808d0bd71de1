"""fit arguments that the other engine tests do not pin down: ``validation_steps`` (arrays and
generators), ``max_queue_size``/``workers``/``use_multiprocessing``, ``shuffle='batch'``,
``predict_on_batch``, and metric errors raised before the optimizer changes any weight."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from kviz.callbacks import Callback
from kviz.engine.data_adapter import ArrayBatches
from kviz.layers import Dense
from kviz.models import Sequential
from kviz.optimizers import SGD


class CountTestBatches(Callback):
    def __init__(self):
        super().__init__()
        self.per_epoch = []
        self._n = 0

    def on_test_begin(self, logs=None):
        self._n = 0

    def on_test_batch_end(self, batch, logs=None):
        self._n += 1

    def on_test_end(self, logs=None):
        self.per_epoch.append(self._n)


def frozen_model():
    """y = 0 * x, never updated (lr 0): the val_loss says which samples were used."""
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros")])
    model.compile(SGD(learning_rate=0.0), "mse")
    return model


def test_validation_steps_with_arrays_takes_the_first_batches_every_epoch():
    model = frozen_model()
    counter = CountTestBatches()
    val_y = np.arange(5, dtype="float32").reshape(5, 1)
    history = model.fit(
        np.ones((4, 1)),
        np.ones((4, 1)),
        batch_size=1,
        epochs=3,
        verbose=0,
        validation_data=(np.ones((5, 1)), val_y),
        validation_steps=2,
        callbacks=[counter],
    )
    assert counter.per_epoch == [2, 2, 2]
    assert history.history["val_loss"] == [0.5, 0.5, 0.5]  # samples 0 and 1 each time


def test_validation_steps_with_a_generator():
    model = frozen_model()
    counter = CountTestBatches()

    def batches():
        for i in itertools.count():
            yield np.ones((2, 1)), np.full((2, 1), float(i % 3))

    model.fit(
        np.ones((4, 1)),
        np.ones((4, 1)),
        batch_size=2,
        epochs=2,
        verbose=0,
        validation_data=batches(),
        validation_steps=3,
        callbacks=[counter],
    )
    assert counter.per_epoch == [3, 3]


def test_max_queue_size_bounds_the_prefetch():
    produced = []

    def generator():
        for i in itertools.count():
            produced.append(i)
            yield np.ones((2, 1)), np.ones((2, 1))

    ahead = []

    class Watch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            ahead.append(len(produced) - (batch + 1))

    model = frozen_model()
    model.fit(
        generator(),
        steps_per_epoch=12,
        epochs=1,
        verbose=0,
        workers=2,
        max_queue_size=2,
        callbacks=[Watch()],
    )
    assert len(ahead) == 12
    # at most max_queue_size items wait in the queue, plus one the worker holds while blocked
    assert max(ahead) <= 2 + 1


@pytest.mark.parametrize("workers", [1, 3])
def test_use_multiprocessing_is_accepted_and_runs_on_threads(workers):
    model = frozen_model()
    pids = set()

    def generator():
        while True:
            pids.add(os.getpid())
            yield np.ones((2, 1)), np.ones((2, 1))

    history = model.fit(
        generator(),
        steps_per_epoch=3,
        epochs=2,
        verbose=0,
        workers=workers,
        use_multiprocessing=True,
    )
    assert len(history.history["loss"]) == 2
    assert pids == {os.getpid()}  # kviz prefetches on threads in this process
    loss = model.evaluate_generator(generator(), steps=2, workers=workers, use_multiprocessing=True)
    assert loss == pytest.approx(1.0)


def test_shuffle_batch_shuffles_whole_batches():
    x = np.arange(10)
    batches = ArrayBatches(
        [x], None, None, batch_size=3, shuffle="batch", rng=np.random.default_rng(0)
    )
    orders = []
    for _ in range(6):
        got = [xb[0].tolist() for xb, _, _ in batches]
        assert sorted(got) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]  # contiguous blocks
        orders.append([b[0] for b in got])
    assert len({tuple(o) for o in orders}) > 1  # in a new order each epoch


def test_predict_on_batch():
    model = Sequential([Dense(2, input_shape=(3,))])
    x = np.random.default_rng(0).random((5, 3)).astype("float32")
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x), rtol=1e-6)


def test_metric_errors_are_raised_before_any_weight_changes():
    def boom(y_true, y_pred):
        raise RuntimeError("metric boom")

    for metrics, error in ((["no_such_metric"], ValueError), ([boom], RuntimeError)):
        model = Sequential([Dense(1, input_shape=(2,))])
        model.compile("sgd", "mse", metrics=metrics)
        before = [w.copy() for w in model.get_weights()]
        with pytest.raises(error):
            model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
        for a, b in zip(before, model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert int(model.optimizer.iterations.numpy()) == 0


@pytest.mark.keras_oracle
def test_validation_steps_like_tf_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    import tf_keras as tk

    class TkCount(tk.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.n = 0

        def on_test_batch_end(self, batch, logs=None):
            self.n += 1

    tm = tk.Sequential([tk.layers.Dense(1, input_shape=(1,), kernel_initializer="zeros")])
    tm.compile(tk.optimizers.SGD(0.0), "mse")
    km = frozen_model()
    val = (np.ones((5, 1)), np.arange(5, dtype="float32").reshape(5, 1))
    histories, counts = [], []
    for model, counter in ((km, CountTestBatches()), (tm, TkCount())):
        histories.append(
            model.fit(
                np.ones((4, 1)),
                np.ones((4, 1)),
                batch_size=1,
                epochs=2,
                verbose=0,
                validation_data=val,
                validation_steps=2,
                callbacks=[counter],
            ).history
        )
        counts.append(sum(counter.per_epoch) if hasattr(counter, "per_epoch") else counter.n)
    assert histories[0] == histories[1]
    assert counts[0] == counts[1] == 4


def test_class_weight_applies_to_generator_batches():
    rng = np.random.default_rng(0)
    x = rng.random((16, 2)).astype("float32")
    y = np.eye(2, dtype="float32")[rng.integers(0, 2, 16)]

    def batches():
        while True:
            for i in range(0, 16, 4):
                yield x[i : i + 4], y[i : i + 4]

    def model():
        m = Sequential(
            [Dense(2, activation="softmax", input_shape=(2,), kernel_initializer="ones")]
        )
        m.compile(SGD(learning_rate=0.1), "categorical_crossentropy")
        return m

    weights = {0: 3.0, 1: 0.5}
    from_arrays = model().fit(
        x, y, batch_size=4, shuffle=False, epochs=2, verbose=0, class_weight=weights
    )
    from_generator = model().fit(
        batches(), steps_per_epoch=4, epochs=2, verbose=0, class_weight=weights
    )
    unweighted = model().fit(batches(), steps_per_epoch=4, epochs=2, verbose=0)
    np.testing.assert_allclose(
        from_generator.history["loss"], from_arrays.history["loss"], rtol=1e-6
    )
    assert not np.allclose(unweighted.history["loss"], from_arrays.history["loss"])


def test_sequence_shuffle_order_follows_the_random_seed():
    from kviz import config
    from kviz.utils import Sequence

    class Recorded(Sequence):
        def __init__(self):
            self.seen = []

        def __len__(self):
            return 6

        def __getitem__(self, i):
            self.seen.append(i)
            return np.ones((1, 1)), np.ones((1, 1))

    orders = []
    for _ in range(2):
        config.set_random_seed(7)
        seq = Recorded()
        frozen_model().fit(seq, epochs=2, verbose=0, shuffle=True)
        assert sorted(seq.seen[:6]) == list(range(6)) and sorted(seq.seen[6:]) == list(range(6))
        orders.append(seq.seen)
    assert orders[0] == orders[1]
    assert orders[0][:6] != list(range(6)) or orders[0][6:] != list(range(6))
