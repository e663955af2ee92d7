"""Shared benchmark plumbing: thread limits for both libraries, interleaved timing, tables."""
from __future__ import annotations

import contextlib
import os
import platform
import statistics
import time


def machine_line() -> str:
    import numpy as np
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, NumPy {np.__version__}, torch {torch_version}")


@contextlib.contextmanager
def limit_threads(n: int):
    """Limit PyTorch, Numba, OpenMP (the Cython kernels) and BLAS to ``n`` threads alike."""
    from minigrad.threads import limit_threads as limit_minigrad
    try:
        import torch
    except ImportError:
        torch = None
    previous = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        with limit_minigrad(n):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(previous)


def interleaved(steps: dict, blocks: int = 5, repeats: int = 4, warmup: int = 2) -> dict:
    """Median seconds per call of each step, timing blocks that alternate between the steps
    (so a stall of the machine hits every library alike)."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples = {name: [] for name in steps}
    for _ in range(blocks):
        for name, step in steps.items():
            for _ in range(repeats):
                started = time.perf_counter()
                step()
                samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(f"{c:.3g}" if isinstance(c, float) else str(c) for c in row) + " |")
    return "\n".join(lines)
