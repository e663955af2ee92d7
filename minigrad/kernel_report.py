"""`minigrad kernels`: every registered kernel on every backend — available or why not, compiled
or loaded from Numba's cache, first-call and steady-state time, largest difference from the reference."""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from . import kernels as _kernels
from .kernels.samples import copy_call, sample_call


def numba_cache_counts(backend_name: str) -> tuple[int, int]:
    """(cache hits, cache misses) summed over every Numba dispatcher of the backend's modules."""
    if backend_name != "numba":
        return 0, 0
    from numba.core.registry import CPUDispatcher

    hits = misses = 0
    package = f"{_kernels.__name__}.{_kernels.BACKEND_PACKAGES['numba']}"
    for module_name in _kernels.KERNELS:
        module = sys.modules.get(f"{package}.{module_name}")
        for value in vars(module).values() if module else ():
            if isinstance(value, CPUDispatcher):
                hits += sum(value.stats.cache_hits.values())
                misses += sum(value.stats.cache_misses.values())
    return hits, misses


def how_loaded(backend_name: str, before: tuple[int, int], after: tuple[int, int]) -> str:
    """How the kernels of a first call got ready: "compiled now (JIT)", "loaded from cache", ...;
    ``before``/``after`` are ``numba_cache_counts`` taken around the call."""
    if backend_name == "numpy":
        return "python (NumPy)"
    if backend_name == "cython":
        return "compiled extension"
    hits, misses = after[0] - before[0], after[1] - before[1]
    if misses:
        return "compiled now (JIT)"
    if hits:
        return "loaded from cache"
    return "already in memory"


def measure(kernel: str, backend_name: str, dtype=np.float32, repeats: int = 5) -> dict:
    """One row of the report for ``kernel`` on ``backend_name``."""
    try:
        backend = _kernels.load_backend(backend_name)
    except _kernels.BackendUnavailable as exc:
        return dict(kernel=kernel, backend=backend_name, status=f"unavailable: {exc}")
    reference = _kernels.load_backend("numpy")
    args, outputs = sample_call(kernel, dtype)
    expected = copy_call(args)
    getattr(reference, kernel)(*expected)
    function = getattr(backend, kernel)
    call = copy_call(args)
    before = numba_cache_counts(backend_name)
    started = time.perf_counter()
    function(*call)
    first = time.perf_counter() - started
    how = how_loaded(backend_name, before, numba_cache_counts(backend_name))
    steady = []
    for _ in range(repeats):
        again = copy_call(args)
        started = time.perf_counter()
        function(*again)
        steady.append(time.perf_counter() - started)
    difference = max(float(np.max(np.abs(call[i].astype(np.float64) - expected[i]))) if call[i].size else 0.0
                     for i in outputs)
    return dict(kernel=kernel, backend=backend_name, status=how, first_ms=first * 1e3,
                steady_ms=statistics.median(steady) * 1e3, max_diff=difference)


def report(backends=None, dtype=np.float32) -> list[dict]:
    backends = backends or list(_kernels.BACKENDS)
    return [measure(kernel, backend, dtype) for _, kernel in _kernels.kernel_names() for backend in backends]


def format_report(rows: list[dict]) -> str:
    header = f"{'kernel':<24} {'backend':<7} {'how it ran':<20} {'first ms':>9} {'steady ms':>9} {'max |diff|':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        if "first_ms" not in row:
            lines.append(f"{row['kernel']:<24} {row['backend']:<7} {row['status']}")
            continue
        lines.append(f"{row['kernel']:<24} {row['backend']:<7} {row['status']:<20} {row['first_ms']:>9.3f} "
                     f"{row['steady_ms']:>9.3f} {row['max_diff']:>10.2e}")
    return "\n".join(lines)


def recurrent_route() -> str:
    """The matmul the Cython recurrent sequence kernels run in float32 on this CPU, now."""
    try:
        from .kernels.cython_impl import recurrent
    except ImportError as exc:
        return f"Cython kernels not built ({exc})"
    return recurrent.step_matmul_route()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="minigrad kernels", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", help="only this backend (repeatable)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--machine", action="store_true", help="only the machine: CPU, SIMD, BLAS kernel, routes")
    args = parser.parse_args(argv)
    from .kernels.cpu import report_lines

    print("\n".join(report_lines(recurrent_route())) + "\n")
    if args.machine:
        return 0
    rows = report(args.backend, np.dtype(args.dtype))
    print(f"Kernels on sample inputs ({args.dtype}); the reference is the numpy backend.\n")
    print(format_report(rows))
    tolerance = 1e-3 if args.dtype == "float32" else 1e-9
    bad = [r for r in rows if r.get("max_diff", 0.0) > tolerance]
    for row in bad:
        print(f"MISMATCH: {row['kernel']} on {row['backend']} differs from the reference by {row['max_diff']:.3g}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
