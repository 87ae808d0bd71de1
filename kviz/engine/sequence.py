"""``Sequence``: a dataset of batches with a length, safe to prefetch from threads.

>>> import numpy as np
>>> class Batches(Sequence):
...     def __init__(self, x, y, batch_size):
...         self.x, self.y, self.batch_size = x, y, batch_size
...     def __len__(self):
...         return int(np.ceil(len(self.x) / self.batch_size))
...     def __getitem__(self, idx):
...         s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
...         return self.x[s], self.y[s]
>>> len(Batches(np.zeros(10), np.zeros(10), 4))
3
"""

from __future__ import annotations


class Sequence:
    """Subclass and implement ``__getitem__(index)`` (a batch) and ``__len__`` (number of batches)."""

    def __getitem__(self, index):
        raise NotImplementedError("Sequence subclasses must implement __getitem__(index)")

    def __len__(self):
        raise NotImplementedError("Sequence subclasses must implement __len__()")

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
