"""Turn what users pass to ``fit``/``evaluate``/``predict`` into batches.

Accepted: NumPy arrays (or anything array-like, h5py datasets included), lists and dicts of
them keyed by input/output names, Python generators, and :class:`~kviz.engine.sequence.Sequence`
objects (prefetched by worker threads when ``workers > 1``).
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from kviz import config
from kviz.engine.sequence import Sequence

_END = object()


def _is_array_like(x):
    return hasattr(x, "shape") and hasattr(x, "__getitem__") and hasattr(x, "dtype")


def to_list(data, names, what):
    """Align ``data`` (array, list/tuple, dict) with ``names`` (the model's inputs/outputs)."""
    if data is None:
        return None
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(
                f"No data provided for {what} {missing[0]!r}. Need data for each key in: "
                f"{names}; received keys {sorted(data)}"
            )
        if unknown:
            raise ValueError(
                f"Unknown entries in {what} dictionary: {unknown}. Only expected the following "
                f"keys: {names}"
            )
        return [data[n] for n in names]
    if isinstance(data, (list, tuple)):
        if len(names) == 1 and len(data) != 1:
            return [np.asarray(data)]
        if len(data) != len(names):
            raise ValueError(
                f"The model expects {len(names)} {what} array(s) ({names}), but received "
                f"a list of {len(data)} arrays."
            )
        return list(data)
    if len(names) != 1:
        raise ValueError(
            f"The model has {len(names)} {what}s ({names}) but received a single array; "
            "pass a list of arrays or a dict keyed by name."
        )
    return [data]


def as_array(x, dtype=None):
    if _is_array_like(x) and not isinstance(x, np.ndarray):
        return x  # h5py datasets and friends: index lazily
    arr = np.asarray(x)
    if dtype is not None and arr.dtype.kind == "f" and np.dtype(dtype).kind == "f":
        arr = arr.astype(dtype, copy=False)
    return arr


def num_samples(arrays, what="x"):
    return [int(a.shape[0]) for a in arrays if a is not None]


def check_cardinality(xs, ys, sws):
    xn = num_samples(xs)
    yn = num_samples(ys or [])
    wn = num_samples([w for w in (sws or []) if w is not None])
    if len(set(xn + yn + wn)) > 1:
        parts = [f"x sizes: {', '.join(map(str, xn))}"]
        if yn:
            parts.append(f"y sizes: {', '.join(map(str, yn))}")
        if wn:
            parts.append(f"sample_weight sizes: {', '.join(map(str, wn))}")
        raise ValueError(
            "Data cardinality is ambiguous: "
            + " ".join(parts)
            + " Make sure all arrays contain the same number of samples."
        )
    return xn[0] if xn else (yn[0] if yn else 0)


def _take(a, idx):
    if isinstance(a, np.ndarray):
        return a[idx]
    if isinstance(idx, slice):
        return np.asarray(a[idx])
    # h5py needs increasing indices
    order = np.argsort(idx)
    sorted_idx = idx[order]
    out = np.asarray(a[sorted_idx.tolist()])
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return out[inverse]


class ArrayBatches:
    """Mini-batches over aligned arrays, reshuffled each epoch (``shuffle=True`` or ``'batch'``)."""

    def __init__(self, xs, ys, sws, batch_size, shuffle=False, rng=None):
        self.xs, self.ys, self.sws = xs, ys, sws
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.n = check_cardinality(xs, ys, sws)
        self.rng = rng or np.random.default_rng()

    @property
    def steps(self):
        return int(np.ceil(self.n / self.batch_size)) if self.n else 0

    def _order(self):
        if self.shuffle == "batch":
            starts = np.arange(0, self.n, self.batch_size)
            self.rng.shuffle(starts)
            return [slice(s, min(s + self.batch_size, self.n)) for s in starts]
        if self.shuffle:
            perm = self.rng.permutation(self.n)
            return [perm[s : s + self.batch_size] for s in range(0, self.n, self.batch_size)]
        return [
            slice(s, min(s + self.batch_size, self.n)) for s in range(0, self.n, self.batch_size)
        ]

    def __iter__(self):
        for idx in self._order():
            xb = [_take(a, idx) for a in self.xs]
            yb = None if self.ys is None else [_take(a, idx) for a in self.ys]
            wb = (
                None
                if self.sws is None
                else [None if w is None else _take(w, idx) for w in self.sws]
            )
            yield xb, yb, wb


def unpack_batch(batch):
    """A generator item -> (x, y, sample_weight)."""
    if isinstance(batch, tuple) or (
        isinstance(batch, list) and len(batch) in (2, 3) and not _is_array_like(batch)
    ):
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        if len(batch) == 1:
            return batch[0], None, None
    return batch, None, None


def is_generator_like(x):
    return isinstance(x, Sequence) or (
        hasattr(x, "__next__")
        or (
            hasattr(x, "__iter__")
            and not _is_array_like(x)
            and not isinstance(x, (list, tuple, dict))
        )
    )


class GeneratorBatches:
    """Batches from a generator or Sequence; ``workers > 1`` prefetches on threads."""

    def __init__(self, data, steps=None, workers=1, max_queue_size=10, shuffle=False):
        self.data = data
        self.is_sequence = isinstance(data, Sequence)
        if steps is None:
            if self.is_sequence:
                steps = len(data)
            elif hasattr(data, "__len__"):
                steps = len(data)
            else:
                raise ValueError(
                    "`steps_per_epoch` (or `steps`) is required when the data is a generator: "
                    "a generator does not know how many batches make one epoch."
                )
        self.steps = int(steps)
        self.workers = max(int(workers or 1), 1)
        self.max_queue_size = max(int(max_queue_size or 1), 1)
        self.shuffle = shuffle
        self._iterator = None

    def _sequence_indices(self):
        idx = np.arange(len(self.data))
        if self.shuffle:  # kviz's generator: reproducible after config.set_random_seed
            config.rng().shuffle(idx)
        while len(idx) < self.steps:
            idx = np.concatenate([idx, idx])
        return idx[: self.steps]

    def _source(self):
        if self.is_sequence:
            for i in self._sequence_indices():
                yield self.data[int(i)]
        else:
            if self._iterator is None:
                self._iterator = iter(self.data)
            for _ in range(self.steps):
                try:
                    yield next(self._iterator)
                except StopIteration:
                    return

    def __iter__(self):
        if self.workers <= 1:
            yield from (unpack_batch(b) for b in self._source())
        elif self.is_sequence:
            yield from self._threaded_sequence()
        else:
            yield from self._threaded_generator()
        if self.is_sequence:
            self.data.on_epoch_end()

    def _threaded_sequence(self):
        from concurrent.futures import ThreadPoolExecutor

        indices = list(self._sequence_indices())
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = []
            pos = 0
            while pos < len(indices) and len(futures) < self.max_queue_size:
                futures.append(pool.submit(self.data.__getitem__, int(indices[pos])))
                pos += 1
            while futures:
                batch = futures.pop(0).result()
                if pos < len(indices):
                    futures.append(pool.submit(self.data.__getitem__, int(indices[pos])))
                    pos += 1
                yield unpack_batch(batch)

    def _threaded_generator(self):
        q: queue.Queue = queue.Queue(maxsize=self.max_queue_size)
        lock = threading.Lock()
        source = self._source()

        def work():
            while True:
                try:
                    with lock:
                        item = next(source)
                except StopIteration:
                    q.put(_END)
                    return
                except BaseException as e:  # surface errors in the main thread
                    q.put(e)
                    return
                q.put(item)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        while True:
            item = q.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            yield unpack_batch(item)
        thread.join()


def split_validation(xs, ys, sws, split):
    """Keras's ``validation_split``: the last fraction, taken before any shuffling."""
    if not 0 < split < 1:
        raise ValueError(f"`validation_split` must be in (0, 1); received {split}")
    n = check_cardinality(xs, ys, sws)
    cut = int(n * (1.0 - split))
    if cut == 0 or cut == n:
        raise ValueError(
            f"validation_split={split} leaves no {'training' if cut == 0 else 'validation'} "
            f"samples out of {n}."
        )

    def head(arrs):
        return None if arrs is None else [None if a is None else a[:cut] for a in arrs]

    def tail(arrs):
        return None if arrs is None else [None if a is None else a[cut:] for a in arrs]

    return (head(xs), head(ys), head(sws)), (tail(xs), tail(ys), tail(sws))


def class_weights_to_sample_weights(y, class_weight):
    """Per-sample weights from ``{class: weight}`` (class = argmax of one-hot targets)."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        classes = y.argmax(axis=-1)
    else:
        classes = y.reshape(y.shape[0], -1)[:, 0] if y.ndim > 1 else y
    classes = np.round(classes).astype("int64")
    weights = np.ones(classes.shape, dtype="float32")
    for cls, w in class_weight.items():
        weights[classes == int(cls)] = w
    return weights
