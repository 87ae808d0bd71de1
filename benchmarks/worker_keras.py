"""One workload on one Keras-API framework, in this process; prints ``RESULT {json}`` last.

``python benchmarks/worker_keras.py --framework kviz|keras3|tf-keras --workload W1 [--quick]``

The same model code runs on kviz, Keras 3 (the backend comes from ``KERAS_BACKEND``, set by
``run.py``) and tf-keras 2: only the import differs. Peers run with their defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402


def load(framework):
    """A namespace with ``layers``, ``Sequential``, ``optimizers``, ``Callback`` and facts."""
    if framework == "kviz":
        import kviz
        from kviz import callbacks, layers, models, optimizers, utils

        info = {"kviz": getattr(kviz, "__version__", "?")}
        try:
            from kviz.kernels import blas

            info["blas_policy"] = blas.describe()
        except ImportError:  # older trees: no policy module
            info["blas_policy"] = "none (BLAS defaults)"
        utils.set_random_seed(C.SEED)
        ns = types.SimpleNamespace(
            layers=layers,
            Sequential=models.Sequential,
            optimizers=optimizers,
            Callback=callbacks.Callback,
            info=info,
        )
    elif framework == "keras3":
        import keras

        keras.utils.set_random_seed(C.SEED)
        backend = keras.backend.backend()
        info = {"keras": keras.__version__, "backend": backend}
        if backend == "tensorflow":
            import tensorflow as tf

            info["tensorflow"] = tf.__version__
        elif backend == "torch":
            import torch

            info["torch"] = torch.__version__
            info["torch_threads"] = torch.get_num_threads()
        ns = types.SimpleNamespace(
            layers=keras.layers,
            Sequential=keras.Sequential,
            optimizers=keras.optimizers,
            Callback=keras.callbacks.Callback,
            info=info,
        )
    elif framework == "tf-keras":
        import tensorflow as tf
        import tf_keras

        tf_keras.utils.set_random_seed(C.SEED)
        ns = types.SimpleNamespace(
            layers=tf_keras.layers,
            Sequential=tf_keras.Sequential,
            optimizers=tf_keras.optimizers,
            Callback=tf_keras.callbacks.Callback,
            info={"tf_keras": tf_keras.__version__, "tensorflow": tf.__version__},
        )
    else:
        raise SystemExit(f"unknown framework {framework!r}")
    ns.info["numpy"] = np.__version__
    return ns


# ----------------------------------------------------------------------------- models
class Missing(Exception):
    """The framework lacks something the workload needs (reported, not faked)."""


def need(K, *names):
    absent = [n for n in names if not hasattr(K.layers, n)]
    if absent:
        raise Missing(f"no layers.{', layers.'.join(absent)} in this framework (yet)")


def mlp(K):
    L = K.layers
    model = K.Sequential(
        [
            L.Input(shape=(784,)),
            L.Dense(512, activation="relu"),
            L.Dropout(0.2),
            L.Dense(512, activation="relu"),
            L.Dropout(0.2),
            L.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=K.optimizers.RMSprop(learning_rate=0.001),
        metrics=["accuracy"],
    )
    return model


def cnn(K):
    need(K, "Conv2D", "MaxPooling2D", "Flatten")
    L = K.layers
    model = K.Sequential(
        [
            L.Input(shape=(28, 28, 1)),
            L.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.MaxPooling2D(pool_size=(2, 2)),
            L.Dropout(0.25),
            L.Flatten(),
            L.Dense(128, activation="relu"),
            L.Dropout(0.5),
            L.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=K.optimizers.Adadelta(learning_rate=1.0, rho=0.95),
        metrics=["accuracy"],
    )
    return model


def lstm(K, vocab, maxlen):
    need(K, "Embedding", "LSTM")
    L = K.layers
    model = K.Sequential(
        [
            L.Input(shape=(maxlen,), dtype="int32"),
            L.Embedding(vocab, 128),
            L.LSTM(128),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        loss="binary_crossentropy",
        optimizer=K.optimizers.Adam(learning_rate=0.001),
        metrics=["accuracy"],
    )
    return model


# -------------------------------------------------------------------------- workloads
def epochs(K, model, x, y, batch, n_epochs):
    """A warm-up epoch, then ``n_epochs`` timed epochs in one ``fit`` (a callback times each)."""

    class Timer(K.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)
            accs.append(float((logs or {}).get("accuracy", float("nan"))))

    times, accs = [], []
    t = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    warmup = time.perf_counter() - t
    times.clear()
    accs.clear()
    model.fit(x, y, batch_size=batch, epochs=n_epochs, verbose=0, callbacks=[Timer()])
    return {
        "epoch_s": C.median(times),
        "epochs_s": times,
        "warmup_epoch_s": warmup,
        "accuracy": accs,
    }


def run(framework, workload, quick):
    t_import = time.perf_counter()
    K = load(framework)
    out = {"import_s": time.perf_counter() - t_import, "versions": K.info}
    if workload == "W1":
        n = C.size("W1", "n", quick)
        x, y, _ = C.mnist_like(n)
        out.update(n=n, **epochs(K, mlp(K), x, y, 128, C.size("W1", "epochs", quick)))
    elif workload == "W2":
        n = C.size("W2", "n", quick)
        x, y, _ = C.mnist_like(n, flat=False)
        out.update(n=n, **epochs(K, cnn(K), x, y, 128, C.size("W2", "epochs", quick)))
    elif workload == "W3":
        n = C.size("W3", "n", quick)
        vocab, maxlen = C.SIZES["W3"]["vocab"], C.SIZES["W3"]["maxlen"]
        x, y = C.imdb_like(n, vocab, maxlen)
        model = lstm(K, vocab, maxlen)
        out.update(n=n, **epochs(K, model, x, y, 32, C.size("W3", "epochs", quick)))
    elif workload == "W4":
        x, y, _ = C.mnist_like(64)
        model = mlp(K)
        xb, yb, x1 = x[:32], y[:32], x[:1]
        timing = (
            C.size("W4", "seconds", quick),
            C.size("W4", "min_calls", quick),
            C.size("W4", "max_calls", quick),
        )
        out["train_on_batch_32"] = C.summary(
            C.time_calls(lambda: model.train_on_batch(xb, yb), *timing)
        )
        out["predict_1"] = C.summary(C.time_calls(lambda: model.predict(x1, verbose=0), *timing))
        out["predict_on_batch_1"] = C.summary(
            C.time_calls(lambda: model.predict_on_batch(x1), *timing)
        )
    else:
        raise SystemExit(f"unknown workload {workload!r}")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework", required=True)
    p.add_argument("--workload", required=True)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    try:
        result = run(a.framework, a.workload, a.quick)
    except ImportError as err:
        result = {"missing": f"{type(err).__name__}: {err}"}
    except Missing as err:
        result = {"missing": str(err)}
    C.emit(result)


if __name__ == "__main__":
    main()
