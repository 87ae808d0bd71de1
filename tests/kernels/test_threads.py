"""kviz.kernels.threads: the chunk worker pool, BLAS thread switching and workspaces."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from kviz.kernels import threads


@pytest.fixture(autouse=True)
def _default_workers():
    yield
    threads.set_num_workers(None)


def test_num_workers_from_environment(monkeypatch):
    monkeypatch.setenv("KVIZ_NUM_THREADS", "3")
    threads.set_num_workers(None)
    assert threads.num_workers() == 3
    monkeypatch.delenv("KVIZ_NUM_THREADS")
    threads.set_num_workers(None)
    assert 1 <= threads.num_workers() <= 8


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_run_chunks_keeps_order_and_uses_the_pool(workers):
    threads.set_num_workers(workers)
    names = set()

    def fn(a, b):
        names.add(threading.current_thread().name)
        return list(range(a, b))

    chunks = [(i, i + 3) for i in range(0, 30, 3)]
    assert threads.run_chunks(fn, chunks) == [list(range(a, b)) for a, b in chunks]
    if workers == 1:
        assert names == {threading.current_thread().name}
    else:
        assert all(n.startswith("kviz-kernels") for n in names)


def test_blas_threads_is_restored():
    found = threads._openblas()
    if found is None:
        pytest.skip("no OpenBLAS reachable through ctypes")
    setter, getter = found
    before = getter()
    with threads.blas_threads(1):
        assert getter() == 1
    assert getter() == before
    with pytest.raises(RuntimeError):
        with threads.blas_threads(1):
            raise RuntimeError("restored on errors too")
    assert getter() == before


def test_workspace_is_reused_per_thread_and_slot():
    a = threads.workspace((10, 4), np.float32)
    b = threads.workspace((5, 2), np.float32)
    assert a.shape == (10, 4) and b.shape == (5, 2) and np.shares_memory(a, b)
    c = threads.workspace((5, 2), np.float32, slot=1)
    assert not np.shares_memory(a, c)
    d = threads.workspace((3,), np.float64)
    assert d.dtype == np.float64 and d.flags.c_contiguous
    other = []
    t = threading.Thread(target=lambda: other.append(threads.workspace((10, 4), np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(other[0], a)
    big = threads.workspace((threads.MAX_KEPT // 4 + 1,), np.float32)
    assert not np.shares_memory(big, threads.workspace((threads.MAX_KEPT // 4 + 1,), np.float32))
