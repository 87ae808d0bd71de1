"""LambdaCallback: each function is called at its hook with Keras's positional arguments."""

from __future__ import annotations

from cb_helpers import classifier, data, fit

from kviz.callbacks import LambdaCallback


def test_all_six_keras_hooks():
    events = []
    cb = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, sorted(logs))),
        on_batch_begin=lambda batch, logs: events.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: events.append(("batch_end", batch, sorted(logs))),
        on_train_begin=lambda logs: events.append(("train_begin",)),
        on_train_end=lambda logs: events.append(("train_end",)),
    )
    fit(classifier(), [cb], epochs=2)  # 30 training samples, batch 16: 2 batches
    batch_keys = ["accuracy", "loss"]
    epoch_keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    per_epoch = lambda e: [  # noqa: E731
        ("epoch_begin", e),
        ("batch_begin", 0),
        ("batch_end", 0, batch_keys),
        ("batch_begin", 1),
        ("batch_end", 1, batch_keys),
        ("epoch_end", e, epoch_keys),
    ]
    assert events == [("train_begin",)] + per_epoch(0) + per_epoch(1) + [("train_end",)]


def test_only_some_hooks_and_positional_calls():
    seen = []
    # functions without keyword names for their arguments: called positionally
    cb = LambdaCallback(on_epoch_end=lambda *args: seen.append(len(args)))
    fit(classifier(), [cb], epochs=2)
    assert seen == [2, 2]


def test_other_hooks_as_keywords_and_extra_attributes():
    seen = []
    cb = LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(("train_batch_end", batch)),
        on_test_begin=lambda logs: seen.append("test_begin"),
        on_test_end=lambda logs: seen.append(("test_end", sorted(logs))),
        on_predict_end=lambda logs: seen.append("predict_end"),
        tag="mine",
    )
    assert cb.tag == "mine"
    model = classifier()
    fit(model, [cb], epochs=1, validation=False)
    x, y = data()
    model.evaluate(x, y, callbacks=[cb], verbose=0)
    model.predict(x, callbacks=[cb])
    assert seen == [
        ("train_batch_end", 0),
        ("train_batch_end", 1),
        ("train_batch_end", 2),
        "test_begin",
        ("test_end", ["accuracy", "loss"]),
        "predict_end",
    ]


def test_batch_hook_alias_both_given():
    # on_train_batch_end given explicitly wins over the on_batch_end alias (Keras: the alias is
    # only what on_train_batch_end calls by default)
    seen = []
    cb = LambdaCallback(
        on_batch_end=lambda batch, logs: seen.append("alias"),
        on_train_batch_end=lambda batch, logs: seen.append("train"),
    )
    fit(classifier(), [cb], epochs=1, validation=False)
    assert seen == ["train"] * 3  # 40 samples, batch 16


def test_test_hooks_run_during_fit_validation():
    seen = []
    cb = LambdaCallback(
        on_test_begin=lambda logs: seen.append(("test_begin", dict(logs))),
        on_test_end=lambda logs: seen.append(("test_end", sorted(logs))),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch)),
    )
    fit(classifier(), [cb], epochs=2)
    assert seen == [
        ("test_begin", {}),
        ("test_end", ["accuracy", "loss"]),
        ("epoch_end", 0),
        ("test_begin", {}),
        ("test_end", ["accuracy", "loss"]),
        ("epoch_end", 1),
    ]
