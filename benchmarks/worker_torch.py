"""One workload in plain PyTorch (CPU), in this process; prints ``RESULT {json}`` last.

``python benchmarks/worker_torch.py --workload W1 [--quick]``

The idiomatic eager training loop on in-memory tensors (a shuffled index per epoch, slicing, no
DataLoader), with the same models, data and optimizer hyper-parameters as the Keras workers
(Keras's ``rho``/``epsilon`` given explicitly). Softmax + cross-entropy is PyTorch's fused
``CrossEntropyLoss`` on logits, sigmoid + binary cross-entropy ``BCEWithLogitsLoss``. PyTorch's
default thread count is kept. "model.predict" has no PyTorch counterpart: the latency of a
``model(x)`` call under ``no_grad`` (NumPy in, NumPy out) is reported as ``predict_on_batch_1``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402


def mlp(nn):
    return nn.Sequential(
        nn.Linear(784, 512),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(512, 512),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(512, 10),
    )


def cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(9216, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


def lstm(nn, vocab):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, 128)
            self.lstm = nn.LSTM(128, 128, batch_first=True)
            self.out = nn.Linear(128, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.emb(x))
            return self.out(h[-1])

    return Net()


def train_epoch(torch, model, opt, loss_fn, x, y, batch):
    model.train()
    n = x.shape[0]
    perm = torch.randperm(n)
    total = 0.0
    for i in range(0, n, batch):
        idx = perm[i : i + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    return total / n


def epochs(torch, model, opt, loss_fn, x, y, batch, n_epochs):
    t = time.perf_counter()
    train_epoch(torch, model, opt, loss_fn, x, y, batch)
    warmup = time.perf_counter() - t
    times, losses = [], []
    for _ in range(n_epochs):
        t = time.perf_counter()
        losses.append(train_epoch(torch, model, opt, loss_fn, x, y, batch))
        times.append(time.perf_counter() - t)
    return {"epoch_s": C.median(times), "epochs_s": times, "warmup_epoch_s": warmup, "loss": losses}


def run(workload, quick):
    t_import = time.perf_counter()
    import torch
    from torch import nn

    torch.manual_seed(C.SEED)
    out = {
        "import_s": time.perf_counter() - t_import,
        "versions": {
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "numpy": np.__version__,
        },
    }
    if workload in ("W1", "W4"):
        model = mlp(nn)
        opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
        loss_fn = nn.CrossEntropyLoss()
    if workload == "W1":
        n = C.size("W1", "n", quick)
        x, _, labels = C.mnist_like(n)
        res = epochs(
            torch,
            model,
            opt,
            loss_fn,
            torch.from_numpy(x),
            torch.from_numpy(labels),
            128,
            C.size("W1", "epochs", quick),
        )
        out.update(n=n, **res)
    elif workload == "W2":
        n = C.size("W2", "n", quick)
        x, _, labels = C.mnist_like(n, flat=False)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        model = cnn(nn)
        opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
        res = epochs(
            torch,
            model,
            opt,
            nn.CrossEntropyLoss(),
            xt,
            torch.from_numpy(labels),
            128,
            C.size("W2", "epochs", quick),
        )
        out.update(n=n, **res)
    elif workload == "W3":
        n = C.size("W3", "n", quick)
        vocab, maxlen = C.SIZES["W3"]["vocab"], C.SIZES["W3"]["maxlen"]
        x, y = C.imdb_like(n, vocab, maxlen)
        model = lstm(nn, vocab)
        opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
        res = epochs(
            torch,
            model,
            opt,
            nn.BCEWithLogitsLoss(),
            torch.from_numpy(x.astype(np.int64)),
            torch.from_numpy(y),
            32,
            C.size("W3", "epochs", quick),
        )
        out.update(n=n, **res)
    elif workload == "W4":
        x, _, labels = C.mnist_like(64)
        xb, yb = torch.from_numpy(x[:32]), torch.from_numpy(labels[:32])
        x1 = x[:1]
        timing = (
            C.size("W4", "seconds", quick),
            C.size("W4", "min_calls", quick),
            C.size("W4", "max_calls", quick),
        )

        def step():
            model.train()
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            return loss.item()

        def call1():
            model.eval()
            with torch.no_grad():
                return torch.softmax(model(torch.from_numpy(x1)), dim=-1).numpy()

        out["train_on_batch_32"] = C.summary(C.time_calls(step, *timing))
        out["predict_1"] = None  # no model.predict in PyTorch
        out["predict_on_batch_1"] = C.summary(C.time_calls(call1, *timing))
    else:
        raise SystemExit(f"unknown workload {workload!r}")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    try:
        result = run(a.workload, a.quick)
    except ImportError as err:
        result = {"missing": f"{type(err).__name__}: {err}"}
    C.emit(result)


if __name__ == "__main__":
    main()
