"""``benchmarks/run.py``: the round merging and a quick kviz-only smoke run (no figures: the
benchmark is never a timed assertion; this only checks that the runner works end to end)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import run as bench  # noqa: E402


def test_merge_rounds_takes_the_median_of_the_rounds():
    rounds = [
        {"epoch_s": 3.0, "epochs_s": [3.0, 3.1], "background_cores": 0.1},
        {"epoch_s": 2.0, "epochs_s": [2.0, 2.2], "background_cores": 0.6},
        {"error": "exit code 1"},
        {"epoch_s": 2.5, "epochs_s": [2.5, 2.4], "background_cores": 0.0},
    ]
    merged = bench.merge_rounds("W2", rounds)
    assert merged["epoch_s"] == 2.5
    assert merged["epochs_s"] == [3.0, 3.1, 2.0, 2.2, 2.5, 2.4]
    assert merged["background_cores"] == 0.6  # the worst round flags the figure
    assert merged["rounds"] == rounds
    w4 = [{k: {"median": m, "n": 5} for k in bench.W4_KEYS} for m in (0.003, 0.001, 0.002)]
    merged = bench.merge_rounds("W4", w4)
    assert merged["train_on_batch_32"]["median"] == 0.002
    assert merged["predict_1"]["round_medians"] == [0.003, 0.001, 0.002]
    assert bench.merge_rounds("W1", rounds[:1]) is rounds[0]


def test_quick_round_robin_run_writes_a_report(tmp_path):
    out = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "run.py"), "--quick",
         "--workloads", "W4", "--frameworks", "kviz", "--rounds", "2", "--output", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "round 2 of 2" in run.stdout
    report = json.loads(out.read_text())
    assert report["rounds"] == 2
    w4 = report["results"]["W4"]["kviz"]
    assert len(w4["rounds"]) == 2
    assert w4["train_on_batch_32"]["median"] > 0
