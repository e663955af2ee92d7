"""Recurrent training steps, minigrad (every available backend) beside PyTorch in the same run.

A step is forward, loss, backward and optimiser step, float32.  Models: LSTM 28→128 over 28
steps, batch 64, last hidden → Linear 128→10, cross-entropy, SGD; the same with GRU and with a
tanh RNN (--models rnn, not in the default set); the tiny
char-LSTM (vocab 5 one-hot, hidden 6, 6 steps, batch 1, Linear 6→5 per step, Adam).  Both
libraries start from the same weights.  Steps are interleaved one by one (PyTorch, minigrad
backend A, B, ..., then again), median of --steps steps after --warmup steps (ten times as many
for the ~1 ms char-LSTM step).  On a busy machine the scheduler's time slices (~4 ms) land on
whichever step is running: interleaving spreads them evenly, the median discards most of them.
Thread limits (torch.set_num_threads and NUMBA/OMP/OPENBLAS/MKL_NUM_THREADS) are set before
any import, so each thread count runs in its own process: without --threads the script runs
itself once per count in (1, 2) and prints one markdown table.
Usage: python benchmarks/recurrent.py [--threads N] [--steps 30] [--profile lstm:numba]
       python benchmarks/recurrent.py --models lstm gru rnn --backends cython:avx512 cython:avx2 cython:blas
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="run at this many threads in this process")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per model (>= 20)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=["lstm", "gru", "char_lstm"])
    parser.add_argument("--backends", nargs="+",
                        help="minigrad backends to run (default: every available one); cython:ROUTE runs the "
                             "Cython backend with that step-matmul route (avx512, avx2, blas; see kernels/cython_impl/recurrent.py)")
    parser.add_argument("--json", action="store_true", help="print results as JSON (used by the parent run)")
    parser.add_argument("--profile", metavar="MODEL:BACKEND",
                        help="cProfile 50 minigrad steps of one model on one backend and print the top entries")
    return parser.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None and ARGS.profile and not ARGS.threads:
    ARGS.threads = 1
if ARGS is not None and ARGS.threads:
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
                 "MINIGRAD_NUM_THREADS"):
        os.environ[_var] = str(ARGS.threads)

import statistics  # noqa: E402
import time  # noqa: E402

import minigrad  # noqa: E402,F401  (before NumPy, as in models.py: it configures OpenBLAS)
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import build  # noqa: E402  (the models, shared with the end-to-end benchmark)

DESCRIPTIONS = {
    "lstm": "LSTM 28→128, 28 steps, batch 64, SGD",
    "gru": "GRU 28→128, 28 steps, batch 64, SGD",
    "rnn": "RNN (tanh) 28→128, 28 steps, batch 64, SGD",
    "char_lstm": "char-LSTM vocab 5, hidden 6, 6 steps, batch 1, Adam",
}
AIMS = {"lstm": 1.0, "gru": 1.0, "rnn": 1.0, "char_lstm": 2.0}


def make_step(model, loss_fn, opt, x, y, backend: str | None = None):
    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    if backend is None:
        return step
    import minigrad as mg

    backend, _, route = backend.partition(":")
    if route:  # "cython:avx2": the Cython kernels' float32 step matmul by that route (one process, interleaved)
        from minigrad.kernels.cython_impl import recurrent

        def on_route():
            previous = recurrent.set_step_matmul_route(route)
            try:
                with mg.use_backend(backend):
                    return step()
            finally:
                recurrent.set_step_matmul_route(previous)
        return on_route

    def on_backend():
        with mg.use_backend(backend):
            return step()
    return on_backend


def steps_for(name: str, backends: list) -> dict:
    """One step function per run (PyTorch and each backend), all from PyTorch's initial weights."""
    import torch

    torch.manual_seed(0)
    reference = build("torch", name)
    state = {k: v.detach().numpy().copy() for k, v in reference[0].state_dict().items()}
    runs = {"torch": make_step(*reference)}
    for backend in backends:
        runs[backend] = make_step(*build("minigrad", name, state), backend=backend)
    return runs


def measure(name: str, backends: list, steps: int, warmup: int) -> tuple[dict, dict]:
    """Median wall-clock and CPU milliseconds per step of each run, steps interleaved one by one.

    CPU time (all threads of the process) is immune to the scheduler giving the core to another
    process; at one thread it is the compute alone, at two it also counts threads spinning idle.
    """
    runs = steps_for(name, backends)
    for _ in range(warmup):
        for step in runs.values():
            step()
    wall, cpu = {run: [] for run in runs}, {run: [] for run in runs}
    for _ in range(steps):
        for run, step in runs.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            step()
            wall[run].append(time.perf_counter() - started)
            cpu[run].append(time.process_time() - started_cpu)
    median = (lambda samples: {run: statistics.median(v) * 1e3 for run, v in samples.items()})
    return median(wall), median(cpu)


def run_here(args) -> list:
    import torch

    import minigrad as mg

    torch.set_num_threads(args.threads)
    backends = args.backends or mg.available_backends()
    rows = []
    for name in args.models:
        # ~1 ms steps: ten times as many, so a scheduler preemption (a few ms) cannot move the median
        steps = max(args.steps, 20) * (10 if name == "char_lstm" else 1)
        times, cpu = measure(name, backends, steps, args.warmup)
        rows.append(dict(model=name, threads=args.threads, times=times, cpu=cpu))
        if not args.json:
            print(f"{name} @ {args.threads} thread(s): "
                  + ", ".join(f"{k} {v:.2f} ms" for k, v in times.items()), flush=True)
    return rows


def table(rows: list) -> str:
    """Wall-clock medians and their ratio to PyTorch; in brackets the ratio of CPU-time medians."""
    backends = [k for k in rows[0]["times"] if k != "torch"]
    lines = ["| model | threads | " + " | ".join(f"{b} ms" for b in backends)
             + " | PyTorch ms | " + " | ".join(f"{b}/PyTorch (CPU time)" for b in backends) + " | aim |",
             "|---|---:|" + "---:|" * (2 * len(backends) + 1) + "---|"]
    for row in rows:
        t, c = row["times"], row["cpu"]
        lines.append(f"| {DESCRIPTIONS[row['model']]} | {row['threads']} | "
                     + " | ".join(f"{t[b]:.2f}" for b in backends) + f" | {t['torch']:.2f} | "
                     + " | ".join(f"{t[b] / t['torch']:.2f}× ({c[b] / c['torch']:.2f}×)" for b in backends)
                     + f" | ≤ {AIMS[row['model']]}× |")
    return "\n".join(lines)


def profile(args) -> None:
    import cProfile
    import pstats

    name, backend = args.profile.split(":")
    state_runs = steps_for(name, [backend])
    step = state_runs[backend]
    for _ in range(args.warmup):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(50):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    args = ARGS
    if args.profile:
        import torch
        torch.set_num_threads(args.threads)
        profile(args)
        return
    if args.threads:
        rows = run_here(args)
        print(json.dumps(rows) if args.json else table(rows))
        return
    rows = []
    for threads in (1, 2):
        command = [sys.executable, os.path.abspath(__file__), "--threads", str(threads), "--json",
                   "--steps", str(args.steps), "--warmup", str(args.warmup), "--models", *args.models]
        if args.backends:
            command += ["--backends", *args.backends]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.extend(json.loads(done.stdout.strip().splitlines()[-1]))
    import minigrad as mg
    import platform
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f} at the end); backends: {', '.join(mg.available_backends())}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
