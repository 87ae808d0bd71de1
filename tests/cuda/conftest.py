"""tests/cuda: the CUDA kernels under the Numba CUDA simulator.

The ``sim_*.py`` files need ``NUMBA_ENABLE_CUDASIM=1`` set before ``numba.cuda`` is first
imported, so the normal test run does not collect them (their names do not match ``test_*``):
``test_cuda_sim.py`` runs them in a subprocess with that environment. Running them directly
(``pytest tests/cuda/sim_kernels.py``) also works: when every path on the command line is a
``sim_*`` file, this conftest sets the variable before anything imports numba.cuda, unless
it is already set: ``NUMBA_ENABLE_CUDASIM=0 pytest tests/cuda/sim_*.py`` runs them on a real
GPU.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def _sim_only(args) -> bool:
    paths = [Path(a.split("::")[0]) for a in args if not a.startswith("-")]
    return bool(paths) and all(p.name.startswith("sim_") for p in paths)


def pytest_configure(config):
    if _sim_only(config.args) and "numba.cuda" not in sys.modules:
        os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")  # =0 on a GPU: the real device


@pytest.fixture(autouse=True)
def _cpu_device_after_test():
    """Every test leaves kviz on the default device ('auto')."""
    yield
    from kviz import config

    config.set_device("auto")
