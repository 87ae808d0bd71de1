"""Run the CUDA simulator tests (``tests/cuda/sim_*.py``) in a subprocess.

The simulator must be chosen (``NUMBA_ENABLE_CUDASIM=1``) before ``numba.cuda`` is imported,
which this process may already have done for other tests; a fresh interpreter sidesteps that,
whatever else runs in this session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SIM_FILES = sorted(str(p.relative_to(REPO)) for p in HERE.glob("sim_*.py"))


@pytest.mark.cuda_sim
def test_cuda_kernels_under_the_simulator():
    assert len(SIM_FILES) >= 2, SIM_FILES
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SIM_FILES],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, f"simulator tests failed:\n{tail}"
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, tail
