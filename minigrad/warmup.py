"""mg.warmup(): compile (or load from Numba's cache) the kernels the course's models use, before the first real step.

A Numba kernel compiles on its first call for each argument type (dtype and dimensions) — a second
or more per kernel — or, once compiled, loads from the on-disk cache in milliseconds.  Without a
warm-up that cost lands inside the first training step and distorts its timing.  ``warmup`` calls
each kernel once on the small sample inputs of ``minigrad.kernels.samples`` (the same calls the
``minigrad kernels`` report makes), with a progress bar, and reports what each call did:

    >>> print(mg.warmup())
    kernel                  backend  dtype    what happened           seconds
    conv2d_forward          numba    float32  loaded from cache         0.012
    ...
    19 kernel calls in 0.41 s: 19 loaded from cache
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import kernels as _kernels
from .kernel_report import how_loaded, numba_cache_counts
from .kernels.samples import sample_call

# Read and benchmarked, never called by an op (matmul runs on BLAS): nothing to warm up.
NOT_USED_BY_OPS = ("matmul_blocked",)


def course_kernels() -> list[str]:
    """The registered kernels the ops and optimisers call: conv, pooling, the recurrent cells and
    sequences, the Adam update."""
    return [name for _, name in _kernels.kernel_names() if name not in NOT_USED_BY_OPS]


@dataclass
class WarmupReport:
    rows: list          # dicts: kernel, backend, dtype, status, seconds
    seconds: float
    skipped: dict       # backend -> why it was not warmed

    def counts(self) -> dict:
        counts: dict = {}
        for row in self.rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return counts

    def __str__(self) -> str:
        lines = [f"{'kernel':<24} {'backend':<8} {'dtype':<8} {'what happened':<22} {'seconds':>8}"]
        for r in self.rows:
            lines.append(f"{r['kernel']:<24} {r['backend']:<8} {r['dtype']:<8} {r['status']:<22} {r['seconds']:>8.3f}")
        counts = self.counts()
        lines.append(f"{len(self.rows)} kernel calls in {self.seconds:.2f} s: "
                     + ", ".join(f"{n} {status}" for status, n in counts.items()))
        lines.extend(f"skipped {backend}: {why}" for backend, why in self.skipped.items())
        return "\n".join(lines)

    __repr__ = __str__


def warmup(backends=None, dtypes=("float32",), kernels=None, progress: bool = True) -> WarmupReport:
    """Call every kernel the ops use once per backend and dtype; return what happened.

    backends: default ``["numba"]`` (the only one that compiles at run time); "cython" may be
    added (it only loads the extension and starts its threads).  A backend that is not
    available is skipped and the report says why.
    dtypes:   "float32" (the default dtype of tensors) and/or "float64".
    kernels:  names from the kernel registry; default: every kernel an op calls.
    progress: a tqdm progress bar.
    """
    backends = list(backends) if backends is not None else ["numba"]
    names = list(kernels) if kernels is not None else course_kernels()
    known = {name for _, name in _kernels.kernel_names()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"warmup: unknown kernel(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    skipped, loaded = {}, {}
    for backend in backends:
        try:
            loaded[backend] = _kernels.load_backend(backend)
        except _kernels.BackendUnavailable as exc:
            skipped[backend] = str(exc)
    jobs = [(b, np.dtype(d), n) for b in loaded for d in dtypes for n in names]
    bar = None
    if progress and jobs:
        try:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(jobs), desc="minigrad warmup", unit="kernel", leave=True)
        except ImportError:
            bar = None
    rows, started_all = [], time.perf_counter()
    try:
        for backend, dtype, name in jobs:
            if bar is not None:
                bar.set_postfix_str(f"{backend} {name} {dtype}", refresh=False)
            args, _ = sample_call(name, dtype)
            before = numba_cache_counts(backend)
            started = time.perf_counter()
            getattr(loaded[backend], name)(*args)
            seconds = time.perf_counter() - started
            rows.append(dict(kernel=name, backend=backend, dtype=str(dtype), seconds=seconds,
                             status=how_loaded(backend, before, numba_cache_counts(backend))))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return WarmupReport(rows, time.perf_counter() - started_all, skipped)
