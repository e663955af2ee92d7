"""Kernel walk-through: one conv2d on the NumPy, Numba and Cython backends — timings, agreement, source sizes.

``F.conv2d`` checks its arguments, then calls three kernels of the active backend:
``conv2d_forward`` in forward, ``conv2d_backward_input`` and ``conv2d_backward_weight`` in
backward.  Each exists three times with the same name and signature: in NumPy
(``kernels/reference/conv.py``, the readable spec and the test oracle), in Numba
(``kernels/numba_impl/conv.py``, compiled on first use and cached on disk) and in Cython
(``kernels/cython_impl/_conv.pyx``, compiled when the package is built).  Here the same
convolution and its backward run on each backend: the first call (Numba's compile or cache load
lands there) apart from the steady state, the largest difference from the reference, and how
many lines each implementation takes.  It passes when every available backend agrees.
"""
from __future__ import annotations

import os
import re
import statistics
import time

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import kernels as kernel_registry
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.kernel_report import how_loaded, numba_cache_counts
from minigrad.viz import save_figure

BACKENDS = ("numpy", "numba", "cython")
SOURCES = {"numpy": "reference/conv.py", "numba": "numba_impl/conv.py", "cython": "cython_impl/_conv.pyx"}
TOLERANCE = 1e-4          # float32: relative to the largest reference value


def source_path(backend: str) -> str:
    """The installed file of a backend's conv kernels (the .pyx ships as package data)."""
    return os.path.join(os.path.dirname(kernel_registry.__file__), SOURCES[backend])


def count_lines(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    return {"total": len(lines), "code": len(code)}


def excerpt(path: str, name: str = "conv2d_forward", count: int = 6) -> str:
    """The first lines of a kernel's definition in its source file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    pattern = re.compile(rf"^(c?p?def|def)\s+{name}\(")
    for k, line in enumerate(lines):
        if pattern.match(line):
            start = k - 1 if k and lines[k - 1].startswith("@") else k
            return "\n".join(f"    {start + i + 1:4d}  {text}" for i, text in enumerate(lines[start:start + count]))
    return f"    ({name} not found in {os.path.basename(path)})"


def run_backend(backend: str, x: np.ndarray, w: np.ndarray, b: np.ndarray, repeats: int) -> dict:
    """Forward and backward of one conv on ``backend``: the first call timed apart from the rest."""
    def once():
        xt, wt, bt = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
        started = time.perf_counter()
        y = F.conv2d(xt, wt, bt, stride=1, padding=1)
        middle = time.perf_counter()
        y.backward(mg.ones_like(y))
        done = time.perf_counter()
        return (middle - started, done - middle), (y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy())

    with mg.use_backend(backend):
        before = numba_cache_counts(backend)
        (first_forward, first_backward), outputs = once()
        how = how_loaded(backend, before, numba_cache_counts(backend))
        steady = [once()[0] for _ in range(repeats)]
    return dict(backend=backend, how=how, first_forward=first_forward, first_backward=first_backward,
                forward=statistics.median(s[0] for s in steady), backward=statistics.median(s[1] for s in steady),
                outputs=outputs)


def plot(rows: list, lines: dict, path: str) -> str:
    import matplotlib
    if not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 3.8))
    names = [r["backend"] for r in rows]
    x = np.arange(len(rows))
    for ax, key, title in ((left, "first", "first call (ms, log)"), (middle, "", "steady state (ms, log)")):
        forward = [r[f"{key}_forward" if key else "forward"] * 1e3 for r in rows]
        backward = [r[f"{key}_backward" if key else "backward"] * 1e3 for r in rows]
        ax.bar(x - 0.2, forward, 0.4, label="forward")
        ax.bar(x + 0.2, backward, 0.4, label="backward")
        ax.set_xticks(x, names)
        ax.set_yscale("log")
        ax.set_title(title)
        ax.legend()
    right.bar(x - 0.2, [lines[n]["total"] for n in names], 0.4, label="all lines")
    right.bar(x + 0.2, [lines[n]["code"] for n in names], 0.4, label="code lines")
    right.set_xticks(x, [SOURCES[n] for n in names], fontsize=8)
    right.set_title("source size of the conv kernels")
    right.legend()
    fig.suptitle("one conv2d, forward and backward, on each backend")
    return save_figure(fig, path)


def main(argv=None) -> Result:
    # --threads (default 1) is a standard knob: on a small, busy machine threads that wait on
    # each other would distort the timings
    args = parse_example_args(__doc__.splitlines()[0], argv)
    shape, channels_out, repeats = ((4, 3, 16, 16), 8, 3) if args.quick else ((16, 3, 32, 32), 32, 10)
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((channels_out, shape[1], 3, 3)) * 0.3).astype(np.float32)
    b = rng.standard_normal(channels_out).astype(np.float32)
    print(f"conv2d: input {shape}, weight {w.shape}, stride 1, padding 1, float32; "
          f"steady times are the median of {repeats} runs; threads: {args.threads or 'no limit'}\n")

    status = mg.backend_status()
    rows, lines = [], {}
    for backend in BACKENDS:
        path = source_path(backend)
        lines[backend] = count_lines(path)
        print(f"{backend}: {os.path.relpath(path, os.path.dirname(kernel_registry.__file__))} "
              f"({lines[backend]['total']} lines, {lines[backend]['code']} of code)")
        print(excerpt(path))
        if status[backend] != "available":
            print(f"    unavailable here: {status[backend]}\n")
            continue
        rows.append(run_backend(backend, x, w, b, repeats))
        print()

    reference = rows[0]["outputs"]
    names = ("output", "grad x", "grad w", "grad b")
    header = (f"{'backend':<8} {'first call':<20} {'first fwd ms':>12} {'first bwd ms':>12} {'fwd ms':>8} "
              f"{'bwd ms':>8} {'max |diff| vs numpy':>20}")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for row in rows:
        diffs = [float(np.max(np.abs(a - r))) / max(float(np.max(np.abs(r))), 1e-30)
                 for a, r in zip(row["outputs"], reference)]
        row["max_rel_diff"] = max(diffs)
        worst = max(worst, row["max_rel_diff"])
        print(f"{row['backend']:<8} {row['how']:<20} {row['first_forward'] * 1e3:>12.2f} "
              f"{row['first_backward'] * 1e3:>12.2f} {row['forward'] * 1e3:>8.3f} {row['backward'] * 1e3:>8.3f} "
              f"{row['max_rel_diff']:>20.2e}")
    print(f"\n(differences are relative to the largest reference value, over {', '.join(names)})")
    print("First call: Numba compiles each kernel for this dtype (or loads it from its disk cache);\n"
          "the Cython extension was compiled at install, so its first call costs little more than the next.")

    path = plot(rows, lines, os.path.join(args.out, "kernel_walkthrough.png"))
    ran = [r["backend"] for r in rows]
    return Result(metric="max relative difference from the reference", value=worst, target=f"< {TOLERANCE:g}",
                  passed=worst < TOLERANCE and "numpy" in ran,
                  details={"backends": ran, "lines": lines,
                           **{f"{r['backend']}_steady_ms": (r["forward"] + r["backward"]) * 1e3 for r in rows}},
                  plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
