"""Run a serial kernel on slices of the batch in several threads at once.

The kernels are plain serial functions (kernels/README.md).  A convolution or a pooling treats
each sample of the batch on its own, so the op layer can hand each thread a contiguous run of
samples: a slice along axis 0 of a C-contiguous array is itself C-contiguous, so the kernel sees
ordinary arrays.  The compiled kernels release the GIL, so the threads really run side by side.
An output that sums over the batch (the weight gradient of a convolution) gets one buffer per
extra thread, added up at the end.

Why threads here and not inside the kernels: a Numba ``prange`` aborts in a forked child or
under concurrent calls (without TBB), and an OpenMP loop around BLAS calls makes OpenBLAS warn
that it may hang; a pool of Python threads does neither, and is the same for both backends.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .threads import get_num_threads

# Below this many input elements per thread, waking a thread costs more than it saves.
MIN_ELEMENTS_PER_THREAD = 1 << 14

_pool: list = []  # [ThreadPoolExecutor] once needed
_pool_lock = threading.Lock()


def _executor(workers: int) -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pool or _pool[0]._max_workers < workers:
            if _pool:
                _pool[0].shutdown(wait=False)
            _pool[:] = [ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minigrad-batch")]
        return _pool[0]


def _forget_pool_in_child() -> None:
    """A forked child inherits the pool object but not its threads: start afresh."""
    _pool.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def batch_slices(n: int, parts: int) -> list[slice]:
    """``parts`` contiguous slices covering range(n) as evenly as possible (none empty)."""
    parts = max(1, min(parts, n))
    bounds = [k * n // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def over_batch(kernel, args: list, batched: tuple, summed: tuple = ()) -> None:
    """Call ``kernel(*args)``, splitting the arrays at positions ``batched`` along axis 0 across
    threads; the arrays at ``summed`` are outputs that sum over the batch (each extra thread
    fills its own buffer, added into the caller's array at the end).  Other arguments are shared.
    """
    n = args[batched[0]].shape[0]
    size = args[batched[0]].size
    threads = min(get_num_threads(), n, max(1, size // MIN_ELEMENTS_PER_THREAD))
    if threads <= 1:
        kernel(*args)
        return
    slices = batch_slices(n, threads)
    calls = []
    for k, part in enumerate(slices):
        call = list(args)
        for i in batched:
            call[i] = args[i][part]
        if k > 0:
            for i in summed:
                call[i] = np.empty_like(args[i])
        calls.append(call)
    run_tasks([(kernel, call) for call in calls])
    for i in summed:
        for call in calls[1:]:
            args[i] += call[i]


def run_tasks(tasks: list) -> None:
    """Run every ``(function, args)`` of ``tasks`` side by side: the calling thread takes the first,
    pool threads the rest; returns when all are done, re-raising the first error."""
    if len(tasks) == 1:
        function, args = tasks[0]
        function(*args)
        return
    pool = _executor(len(tasks) - 1)
    futures = [pool.submit(function, *args) for function, args in tasks[1:]]
    try:
        function, args = tasks[0]
        function(*args)
    finally:
        for future in futures:
            future.result()  # re-raises a worker's exception here


def run_kernel(backend, function, args: list, batched: tuple, summed: tuple = ()) -> None:
    """``over_batch`` for a kernel of ``backend`` (a loaded kernel namespace): ``function`` is a
    kernel name, or a function of the arguments that calls the kernels (and may do more to its
    slice, such as adding a bias).  The NumPy reference runs whole: NumPy's BLAS threads its
    matmuls already."""
    if isinstance(function, str):
        function = getattr(backend, function)
    if backend.name == "numpy":
        function(*args)
    else:
        over_batch(function, args, batched, summed)
