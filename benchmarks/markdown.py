"""A results file of ``run.py`` as Markdown tables (the ones in ``docs/performance.md``).

    python benchmarks/markdown.py [benchmarks/results/<file>.json]   (default: the newest)

Prints the times per framework with the best peer, kviz/best and the issue #4 target of each
row, then the BLAS bounds. Figures measured while other processes used more than 0.5 cores are
marked ``*`` (provisional), as in ``run.py``'s own table.
"""

from __future__ import annotations

import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _common as C  # noqa: E402
import run as R  # noqa: E402

#: (row label, target text, test on kviz/best -> bool) per ROWS entry with a target
TARGETS = {
    "W1 mnist_mlp epoch (s)": ("<= 0.9x", lambda r: r <= 0.9),
    "W2 mnist_cnn epoch (s)": ("<= 0.9x", lambda r: r <= 0.9),
    "W3 imdb_lstm epoch (s)": ("<= 0.9x", lambda r: r <= 0.9),
    "W4 model.predict(1) (ms)": (">= 10x faster", lambda r: r <= 0.1),
    "W5 first fit, warm cache (s)": (">= 3x faster", lambda r: r <= 1 / 3),
}


def newest():
    files = [f for f in glob.glob(os.path.join(HERE, "results", "*.json")) if "quick" not in f]
    return max(files) if files else None


def tables(report):
    results = report["results"]
    frameworks = [f for f in R.FRAMEWORKS if any(f in results.get(w, {}) for w in results)]
    peers = [f for f in frameworks if f != "kviz"]
    head = ["measurement", *frameworks, "best peer", "kviz/best", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for wl, key, label in R.ROWS:
        if wl not in results:
            continue
        row = [label] + [R.cell(results, f, wl, key) for f in frameworks]
        k = R.value(results, "kviz", wl, key)
        pkey = "warm_s" if wl == "W5" else key
        pv = {f: R.value(results, f, wl, pkey) for f in peers}
        pv = {f: v for f, v in pv.items() if v is not None}
        target, ok = TARGETS.get(label, ("", None))
        if pv and k:
            best = min(pv, key=pv.get)
            ratio = k / pv[best]
            row += [f"{best} {pv[best]:.3g}", f"{ratio:.2f}", target]
            row.append("" if ok is None else ("yes" if ok(ratio) else "**no**"))
        else:
            row += ["-", "-", target, ""]
        lines.append("| " + " | ".join(row) + " |")
    out = "\n".join(lines)
    blas = report.get("blas") or {}
    if blas and "error" not in blas:
        n = (results.get("W1", {}).get("kviz") or {}).get("n", 60000)
        flops = C.w1_epoch_flops(n)
        step32 = C.w1_gemm_flops(32)
        w1 = R.value(results, "kviz", "W1", "epoch_s")
        tob = R.value(results, "kviz", "W4", "train_on_batch_32")
        rows = ["| BLAS mode | threads | GFLOP/s 128x784x512 | GFLOP/s 32x784x512 | W1 bound (s) "
                "| kviz W1 / bound | train_on_batch(32) bound (ms) | kviz / bound |",
                "|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for mode in ("kviz", "one", "default"):
            m = blas.get(mode)
            if not m:
                continue
            threads = str(m["threads"])
            if m.get("wide_threads") not in (None, m["threads"]):
                threads += f" ({m['wide_threads']} for large products)"
            b1 = flops / (m["w1_gflops"] * 1e9)
            b4 = step32 / (m["w4_gflops"] * 1e9) * 1e3
            rows.append(
                f"| {mode} | {threads} | {m['w1_gflops']:.1f} | {m['w4_gflops']:.1f} | {b1:.2f} | "
                + (f"{w1 / b1:.2f}" if w1 else "-")
                + f" | {b4:.2f} | "
                + (f"{tob / b4:.2f}" if tob else "-")
                + " |"
            )
        out += "\n\n" + "\n".join(rows)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else newest()
    if not path:
        raise SystemExit("no results file")
    with open(path) as f:
        report = json.load(f)
    print(f"<!-- {os.path.relpath(path, os.path.dirname(HERE))} -->")
    print(tables(report))


if __name__ == "__main__":
    main()
