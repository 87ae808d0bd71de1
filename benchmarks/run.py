"""kviz against Keras 3 on TensorFlow, tf-keras 2, Keras 3 on PyTorch and plain PyTorch (CPU).

    python benchmarks/run.py [--quick] [--workloads W1,W2,W3,W4,W5] [--frameworks kviz,torch,...]

Every (framework, workload) pair runs in its own fresh subprocess, one after the other, on the
same synthetic data (``benchmarks/_common.py``, fixed seed). Workloads (issue #4):

* W1 ``mnist_mlp``: 784-512-512-10, dropout 0.2, RMSprop, 60k samples, batch 128;
* W2 ``mnist_cnn``: Conv32-Conv64-MaxPool-Dropout-Dense128-Dense10, Adadelta, 10k 28x28x1, batch 128;
* W3 ``imdb_lstm``: Embedding(20000,128)-LSTM(128)-Dense(1), Adam, 5k sequences of 80, batch 32;
  (W1-W3: one warm-up epoch, then the median of 3 epochs)
* W4 per-call latency on the W1 model: ``train_on_batch`` of 32, ``model.predict`` of one
  sample, ``predict_on_batch`` of one sample (medians over >= 3 s of calls);
* W5 time from a fresh ``python -c`` start to the end of a first ``fit`` (W1 model, 1000
  samples, one epoch): kviz with a cold (empty ``NUMBA_CACHE_DIR``) and a warm Numba cache.

The interpreters: kviz, Keras 3 + TensorFlow and tf-keras run in ``.venv``; Keras 3 + PyTorch and
plain PyTorch run in ``.venv-bench`` (created here on first use: ``python -m venv`` and
``pip install torch numpy keras==<the .venv version>``; a local torch wheel under
``/opt/wheels`` is used when present). A framework that cannot be imported is reported as
missing, never faked. ``--python-kviz``/``--python-torch`` point at other interpreters.

It prints the times, the kviz/peer ratios against each peer and the best peer, the BLAS
GFLOP/s on the W1 GEMM shape and the W1 lower bound (GEMM FLOPs / that rate), and the CPU time
other processes used while each measurement ran ("background", in cores: figures taken with a
background above 0.5 cores are flagged provisional). Results go to
``benchmarks/results/<date>-<time>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import _common as C  # noqa: E402

FRAMEWORKS = ["kviz", "keras3-tf", "tf-keras", "keras3-torch", "torch"]
PEERS = FRAMEWORKS[1:]
WORKLOADS = ["W1", "W2", "W3", "W4", "W5"]
PROVISIONAL_BACKGROUND = 0.5  # cores used by other processes during a measurement


# ------------------------------------------------------------------------ environment
def bench_venv_python(setup=True):
    """The interpreter of ``.venv-bench`` (created with torch + keras when missing), or None."""
    venv = os.path.join(ROOT, ".venv-bench")
    py = os.path.join(venv, "bin", "python")
    if os.path.exists(py) or not setup:
        return py if os.path.exists(py) else None
    print(f"[setup] creating {venv} (torch, numpy, keras) ...", flush=True)
    keras_version = _probe(
        os.path.join(ROOT, ".venv", "bin", "python"),
        "import importlib.metadata as m; print(m.version('keras'))",
    )
    wheels = sorted(glob.glob("/opt/wheels/torch-*.whl"))
    torch_req = wheels[-1] if wheels else "torch"
    keras_req = f"keras=={keras_version}" if keras_version else "keras"
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run(
            [py, "-m", "pip", "install", "-q", torch_req, "numpy", keras_req],
            check=True,
        )
    except (subprocess.CalledProcessError, OSError) as err:
        print(f"[setup] failed ({err}); PyTorch peers will be reported missing", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        return None
    return py


def _probe(python, code, env=None):
    if not python or not os.path.exists(python):
        return None
    try:
        r = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, timeout=300, env=env
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def base_env():
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a student's Python writes .pyc files
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".numba_cache"))
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def framework_table(py_kviz, py_torch):
    """name -> (python, env additions, worker argv) for each framework."""
    wk = os.path.join(HERE, "worker_keras.py")
    wt = os.path.join(HERE, "worker_torch.py")
    return {
        "kviz": (py_kviz, {}, [wk, "--framework", "kviz"], "import kviz"),
        "keras3-tf": (
            py_kviz,
            {"KERAS_BACKEND": "tensorflow"},
            [wk, "--framework", "keras3"],
            "import keras",
        ),
        "tf-keras": (py_kviz, {}, [wk, "--framework", "tf-keras"], "import tf_keras"),
        "keras3-torch": (
            py_torch,
            {"KERAS_BACKEND": "torch"},
            [wk, "--framework", "keras3"],
            "import keras, torch",
        ),
        "torch": (py_torch, {}, [wt], "import torch"),
    }


# ---------------------------------------------------------------------- measurement
def _cpu_busy_seconds():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / hz


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(argv, env, timeout):
    """Run a subprocess; return (stdout, stderr, returncode, wall, background cores)."""
    busy0, own0, t0 = _cpu_busy_seconds(), _children_cpu(), time.perf_counter()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = f"timed out after {timeout} s", -1
    wall = time.perf_counter() - t0
    busy = _cpu_busy_seconds() - busy0
    own = _children_cpu() - own0
    background = max(0.0, (busy - own) / wall) if wall > 0 else 0.0
    return out, err, rc, wall, background


def background_now(seconds=1.0):
    """Cores busy with other processes right now (sampled over ``seconds``)."""
    b0 = _cpu_busy_seconds()
    time.sleep(seconds)
    return (_cpu_busy_seconds() - b0) / seconds


def run_worker(name, spec, workload, quick, timeout):
    python, env_add, argv, _ = spec
    env = base_env()
    env.update(env_add)
    cmd = [python, *argv, "--workload", workload] + (["--quick"] if quick else [])
    out, err, rc, wall, bg = run_measured(cmd, env, timeout)
    result = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    if result is None:
        tail = (err or out).strip().splitlines()[-3:]
        result = {"error": f"exit code {rc}: " + " | ".join(tail)}
    result["wall_s"] = wall
    result["background_cores"] = bg
    return result


W5_CODE = {
    "keras": """
import time, numpy as np
{imp}
t_imp = time.time()
rng = np.random.default_rng(0)
x = rng.random((1000, 784), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1000)]
L = keras.layers
model = keras.Sequential([L.Input(shape=(784,)), L.Dense(512, activation='relu'), L.Dropout(0.2),
    L.Dense(512, activation='relu'), L.Dropout(0.2), L.Dense(10, activation='softmax')])
model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
model.fit(x, y, batch_size=128, epochs=1, verbose=0)
print('W5', t_imp, time.time())
""",
    "torch": """
import time, numpy as np
import torch
from torch import nn
t_imp = time.time()
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.random((1000, 784), dtype=np.float32))
y = torch.from_numpy(rng.integers(0, 10, 1000))
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512),
    nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
perm = torch.randperm(1000)
for i in range(0, 1000, 128):
    idx = perm[i:i + 128]
    opt.zero_grad()
    loss = loss_fn(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
    loss.item()
print('W5', t_imp, time.time())
""",
}

W5_IMPORT = {
    "kviz": "import kviz as keras",
    "keras3-tf": "import keras",
    "tf-keras": "import tf_keras as keras",
    "keras3-torch": "import keras",
}


def run_w5_once(spec, code, env_extra):
    python, env_add, _, _ = spec
    env = base_env()
    env.update(env_add)
    env.update(env_extra)
    busy0, own0 = _cpu_busy_seconds(), _children_cpu()
    t0 = time.time()
    try:
        p = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, env=env, timeout=600
        )
    except subprocess.TimeoutExpired:
        return None, None, "timed out", 0.0
    wall = time.time() - t0
    bg = max(0.0, (_cpu_busy_seconds() - busy0 - (_children_cpu() - own0)) / wall)
    for line in p.stdout.splitlines():
        if line.startswith("W5 "):
            _, t_imp, t_end = line.split()
            return float(t_end) - t0, float(t_imp) - t0, None, bg
    tail = p.stderr.strip().splitlines()[-2:]
    return None, None, f"exit code {p.returncode}: " + " | ".join(tail), bg


def run_w5(name, spec, quick):
    code = W5_CODE["torch"] if name == "torch" else W5_CODE["keras"].format(imp=W5_IMPORT[name])
    reps = 1 if quick else 3
    res = {}
    warm_dir = tempfile.mkdtemp(prefix="kviz-bench-numba-")
    try:
        # one discarded start: .pyc files written, files in the OS cache, Numba cache filled
        first, _, err, _ = run_w5_once(spec, code, {"NUMBA_CACHE_DIR": warm_dir})
        if err:
            return {"error": err}
        if name == "kviz":
            cold, bgs = [], []
            for _ in range(reps):
                d = tempfile.mkdtemp(prefix="kviz-bench-numba-cold-")
                try:
                    t, _, err, bg = run_w5_once(spec, code, {"NUMBA_CACHE_DIR": d})
                finally:
                    shutil.rmtree(d, ignore_errors=True)
                if err:
                    return {"error": err}
                cold.append(t)
                bgs.append(bg)
            res["cold_s"] = C.median(cold)
            res["cold_runs_s"] = cold
        warm, imports, bgs = [], [], []
        for _ in range(reps):
            t, ti, err, bg = run_w5_once(spec, code, {"NUMBA_CACHE_DIR": warm_dir})
            if err:
                return {"error": err}
            warm.append(t)
            imports.append(ti)
            bgs.append(bg)
        res.update(
            warm_s=C.median(warm),
            warm_runs_s=warm,
            import_s=C.median(imports),
            first_start_s=first,
            background_cores=max(bgs),
        )
    finally:
        shutil.rmtree(warm_dir, ignore_errors=True)
    return res


def blas_probe(python, quick):
    """GFLOP/s of NumPy float32 GEMMs on the W1 shapes (batch 128 and 32), with the BLAS thread
    count kviz uses for its compute and with the library default."""
    env = base_env()
    code = os.path.join(HERE, "blas_probe.py")
    out, err, rc, wall, bg = run_measured([python, code] + (["--quick"] if quick else []), env, 600)
    for line in out.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["background_cores"] = bg
            return res
    return {"error": (err or out).strip().splitlines()[-1:] or ["no output"]}


# --------------------------------------------------------------------------- report
ROWS = [
    ("W1", "epoch_s", "W1 mnist_mlp epoch (s)"),
    ("W2", "epoch_s", "W2 mnist_cnn epoch (s)"),
    ("W3", "epoch_s", "W3 imdb_lstm epoch (s)"),
    ("W4", "train_on_batch_32", "W4 train_on_batch(32) (ms)"),
    ("W4", "predict_1", "W4 model.predict(1) (ms)"),
    ("W4", "predict_on_batch_1", "W4 predict_on_batch(1) (ms)"),
    ("W5", "cold_s", "W5 first fit, cold cache (s)"),
    ("W5", "warm_s", "W5 first fit, warm cache (s)"),
]


def value(results, fw, wl, key):
    r = results.get(wl, {}).get(fw)
    if not r or "missing" in r or "error" in r:
        return None
    v = r.get(key)
    if isinstance(v, dict):
        v = v.get("median")
    if v is not None and wl == "W4":
        v *= 1e3
    return v


def cell(results, fw, wl, key):
    r = results.get(wl, {}).get(fw)
    if r is None:
        return "-"
    if "missing" in r:
        return "missing"
    if "error" in r:
        return "error"
    v = value(results, fw, wl, key)
    if v is None:
        if wl == "W5" and key == "cold_s":
            return "no JIT"
        return "n/a"
    flag = "*" if r.get("background_cores", 0) > PROVISIONAL_BACKGROUND else ""
    return f"{v:.3g}{flag}"


def table(results, frameworks):
    peers = [f for f in frameworks if f != "kviz"]
    head = ["measurement", *frameworks, "best peer", "kviz/best"]
    rows = [head]
    ratio_rows = [["kviz / peer", *peers]]
    for wl, key, label in ROWS:
        if wl not in results:
            continue
        line = [label] + [cell(results, f, wl, key) for f in frameworks]
        k = value(results, "kviz", wl, key)
        # W5: the peers' cold start is their only start (no JIT cache to warm)
        pkey = "warm_s" if wl == "W5" else key
        pv = {f: value(results, f, wl, pkey) for f in peers}
        pv = {f: v for f, v in pv.items() if v is not None}
        if pv:
            best = min(pv, key=pv.get)
            line += [f"{best} {pv[best]:.3g}", f"{k / pv[best]:.3f}" if k else "-"]
        else:
            line += ["-", "-"]
        rows.append(line)
        ratio_rows.append([label] + [f"{k / pv[f]:.3f}" if (k and f in pv) else "-" for f in peers])
    return _fmt(rows) + "\n\n" + _fmt(ratio_rows)


def _fmt(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append(
            "  ".join(
                str(c).rjust(w) if i else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine():
    info = {"platform": platform.platform(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpus"] = os.cpu_count()
    try:
        info["affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open("/proc/meminfo") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not figures")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    p.add_argument("--python-kviz", default=os.path.join(ROOT, ".venv", "bin", "python"))
    p.add_argument("--python-torch", default=None, help="default: .venv-bench (created)")
    p.add_argument("--no-setup", action="store_true", help="do not create .venv-bench")
    p.add_argument("--timeout", type=float, default=1800, help="per worker, seconds")
    p.add_argument("--output", default=None, help="JSON path (default benchmarks/results/...)")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every (workload, framework) pair this many times, round-robin, and report "
        "the median of the rounds (for a machine whose speed drifts)",
    )
    a = p.parse_args(argv)
    workloads = [w.strip().upper() for w in a.workloads.split(",") if w.strip()]
    frameworks = [f.strip() for f in a.frameworks.split(",") if f.strip()]
    for w in workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w}; choose from {WORKLOADS}")
    for f in frameworks:
        if f not in FRAMEWORKS:
            p.error(f"unknown framework {f}; choose from {FRAMEWORKS}")
    py_torch = a.python_torch
    if py_torch is None and any(f in ("keras3-torch", "torch") for f in frameworks):
        py_torch = bench_venv_python(setup=not a.no_setup)
    specs = framework_table(a.python_kviz, py_torch)

    started = datetime.datetime.now()
    report = {
        "started": started.isoformat(timespec="seconds"),
        "quick": a.quick,
        "machine": machine(),
        "loadavg_start": os.getloadavg(),
        "background_cores_start": background_now(),
        "frameworks": {},
        "results": {},
    }
    print(
        f"machine: {report['machine'].get('cpu', '?')}, {report['machine']['cpus']} CPUs; "
        f"load average {report['loadavg_start'][0]:.2f}; other processes now use "
        f"{report['background_cores_start']:.2f} cores",
        flush=True,
    )
    available = {}
    for f in frameworks:
        python, env_add, _, probe = specs[f]
        env = base_env()
        env.update(env_add)
        ok = _probe(python, probe + "; print('ok')", env) == "ok"
        available[f] = ok
        report["frameworks"][f] = {"python": python, "available": ok}
        if not ok:
            print(f"[{f}] missing: `{probe}` fails with {python}", flush=True)

    if a.python_kviz and os.path.exists(a.python_kviz):
        print("[blas] measuring GEMM rates on the W1 shapes ...", flush=True)
        report["blas"] = blas_probe(a.python_kviz, a.quick)

    results = report["results"]
    rounds = max(1, a.rounds)
    report["rounds"] = rounds
    per_round = {wl: {f: [] for f in frameworks} for wl in workloads}
    for rnd in range(rounds):
        if rounds > 1:
            print(f"--- round {rnd + 1} of {rounds}", flush=True)
        for wl in workloads:
            results.setdefault(wl, {})
            for f in frameworks:
                if not available[f]:
                    results[wl][f] = {"missing": "framework not importable"}
                    continue
                print(f"[{wl}] {f} ...", end=" ", flush=True)
                if wl == "W5":
                    r = run_w5(f, specs[f], a.quick)
                else:
                    r = run_worker(f, specs[f], wl, a.quick, a.timeout)
                per_round[wl][f].append(r)
                results[wl][f] = merge_rounds(wl, per_round[wl][f])
                _print_result(wl, f, r, report)
    report["loadavg_end"] = os.getloadavg()
    report["finished"] = datetime.datetime.now().isoformat(timespec="seconds")

    print()
    print(table(results, frameworks))
    if a.quick:
        print("\n--quick: reduced sizes, a smoke test; these are not comparable figures.")
    print(f"\n* = provisional: other processes used > {PROVISIONAL_BACKGROUND} cores while it ran.")
    print_bounds(report)
    out = a.output or os.path.join(
        HERE, "results", started.strftime("%Y%m%d-%H%M%S") + ("-quick" if a.quick else "") + ".json"
    )
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        json.dump(report, fh, indent=1)
    print(f"\nwritten: {os.path.relpath(out, ROOT)}")
    return report


def _print_result(wl, f, r, report):
    if "missing" in r:
        print("missing:", r["missing"], flush=True)
    elif "error" in r:
        print("ERROR:", r["error"], flush=True)
    else:
        print(_short(wl, r), flush=True)
    if "versions" in r:
        report["frameworks"][f].setdefault("versions", r["versions"])


W4_KEYS = ("train_on_batch_32", "predict_1", "predict_on_batch_1")


def merge_rounds(wl, runs):
    """One result from the results of several rounds: the median of the rounds' figures (the
    first round's other fields; every round's figures kept under ``rounds``).

    >>> merge_rounds("W1", [{"epoch_s": 3.0, "epochs_s": [3.0]}, {"epoch_s": 2.0,
    ...     "epochs_s": [2.0]}, {"epoch_s": 2.5, "epochs_s": [2.5]}])["epoch_s"]
    2.5
    """
    good = [r for r in runs if "error" not in r and "missing" not in r]
    if len(runs) == 1 or not good:
        return runs[-1]
    out = dict(good[0])
    out["rounds"] = runs
    if "background_cores" in out:
        out["background_cores"] = max(r.get("background_cores", 0) for r in good)
    if wl in ("W1", "W2", "W3"):
        out["epoch_s"] = C.median([r["epoch_s"] for r in good])
        out["epochs_s"] = [t for r in good for t in r["epochs_s"]]
    elif wl == "W4":
        for key in W4_KEYS:
            vals = [r[key]["median"] for r in good if r.get(key)]
            if vals:
                out[key] = dict(good[0][key], median=C.median(vals), round_medians=vals)
    elif wl == "W5":
        for key in ("cold_s", "warm_s", "import_s"):
            vals = [r[key] for r in good if key in r]
            if vals:
                out[key] = C.median(vals)
    return out


def _short(wl, r):
    bg = f"(background {r.get('background_cores', 0):.2f} cores)"
    if wl == "W4":
        parts = []
        for k in W4_KEYS:
            v = r.get(k)
            parts.append(f"{k} {v['median'] * 1e3:.3f} ms" if v else f"{k} n/a")
        return ", ".join(parts) + " " + bg
    if wl == "W5":
        cold = f"cold {r['cold_s']:.2f} s, " if "cold_s" in r else ""
        return f"{cold}warm {r['warm_s']:.2f} s (import {r['import_s']:.2f} s) {bg}"
    return (
        f"epoch {r['epoch_s']:.3f} s (epochs {', '.join(f'{t:.2f}' for t in r['epochs_s'])}) {bg}"
    )


def print_bounds(report):
    blas = report.get("blas") or {}
    results = report["results"]
    if "error" in blas or not blas:
        print("\nBLAS probe failed:", blas.get("error"))
        return
    w1res = results.get("W1", {}).get("kviz") or {}
    n = w1res.get("n", 60000)
    flops = C.w1_epoch_flops(n)
    step32 = C.w1_gemm_flops(32)
    print("\nBLAS (NumPy float32 GEMM, this machine, during this run):")
    for mode in ("kviz", "one", "default"):
        m = blas.get(mode)
        if not m:
            continue
        threads = m["threads"]
        if m.get("wide_threads") not in (None, threads):
            threads = f"{threads}, {m['wide_threads']} for large products"
        print(
            f"  {mode:7s} ({threads} thread(s)): {m['w1_gflops']:.1f} GFLOP/s on "
            f"128x784 @ 784x512; {m['w4_gflops']:.1f} GFLOP/s on 32x784 @ 784x512"
            + (f"; W1 bound {flops / (m['w1_gflops'] * 1e9):.2f} s" if mode != "kviz" else "")
        )
    k = blas.get("kviz", {})
    if k:
        bound = flops / (k["w1_gflops"] * 1e9)
        sbound = k.get("w1_shapes_epoch_s")  # measured for 60,000 samples
        if sbound:
            sbound *= flops / C.w1_epoch_flops(60000)
        print(
            f"  W1 lower bound ({n} samples): {flops / 1e9:.1f} GFLOP / {k['w1_gflops']:.1f} "
            f"GFLOP/s = {bound:.2f} s per epoch"
            + (f" (sum of the measured W1 GEMM shapes: {sbound:.2f} s)" if sbound else "")
        )
        w1 = value(results, "kviz", "W1", "epoch_s")
        if w1:
            print(f"  kviz W1 epoch / bound = {w1 / bound:.2f}")
        sb = step32 / (k["w4_gflops"] * 1e9) * 1e3
        print(
            f"  train_on_batch(32) bound: {step32 / 1e6:.1f} MFLOP / {k['w4_gflops']:.1f} "
            f"GFLOP/s = {sb:.2f} ms"
            + (
                f" (measured shapes: {k['w4_shapes_step_ms']:.2f} ms)"
                if k.get("w4_shapes_step_ms")
                else ""
            )
        )
        tob = value(results, "kviz", "W4", "train_on_batch_32")
        if tob:
            print(f"  kviz train_on_batch(32) / bound = {tob / sb:.2f}")


if __name__ == "__main__":
    main()
