"""The no-browser demo named in the README: ``python -m kviz.demo`` trains a model that separates
two spirals (the README's main job opens the teaching notebooks; Binder's postBuild runs the demo)."""

from kviz import demo


def test_demo_trains_to_high_accuracy(capsys):
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert 'Model: "spiral_classifier"' in out
    assert "Total params: 1218" in out
    assert "after" in out.splitlines()[-1]


def test_two_spirals_shapes():
    x, y = demo.two_spirals(10)
    assert x.shape == (20, 2) and x.dtype.name == "float32"
    assert sorted(set(y.tolist())) == [0, 1]


def test_warm_kernels_fills_an_empty_numba_cache(tmp_path):
    """``python -m kviz.demo --warm-kernels`` (Binder's postBuild) compiles the teaching models'
    kernels into NUMBA_CACHE_DIR: afterwards the Winograd, im2col-free CNN, pooling, LSTM and
    optimizer kernels are all in the cache."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    run = subprocess.run(
        [sys.executable, "-m", "kviz.demo", "--warm-kernels"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "kviz kernels ready" in run.stdout
    cached = " ".join(str(p) for p in tmp_path.rglob("*.nbi"))
    for kernel in (
        "_input_tiles_kernel",
        "_output_tiles_grad_kernel",
        "_max_pool_backward_kernel",
        "_adadelta_kernel",
        "lstm",
    ):
        assert kernel in cached, (kernel, cached)
