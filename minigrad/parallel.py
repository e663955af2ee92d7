"""Run a serial kernel on slices of the batch in several threads at once.

The kernels are plain serial functions (kernels/README.md).  A convolution, a pooling or a
recurrent sequence treats each sample of the batch on its own, so the op layer can hand each
thread a contiguous run of samples, and the kernel sees ordinary C-contiguous arrays.  The
compiled kernels release the GIL, so the threads really run side by side.  An output that sums
over the batch (a weight gradient) gets one buffer per extra thread, added up at the end.

Two ways in: ``run_over_batch`` for work whose arrays all have the batch on axis 0 (split,
run, done), and ``BatchParts`` for work whose pieces outlive one call (a recurrent op keeps
each part's arrays from forward for its backward).

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


class BatchParts:
    """A batch of ``n`` samples cut into contiguous runs, one per thread.

    As many parts as threads, but none with less than ``min_work`` of the batch's ``work``
    (elements, gate values: whatever unit both are counted in), and one part for the NumPy
    reference ``kernels``.  ``cut`` gives each part's piece of an array, ``run`` calls a
    function on every part's pieces side by side.  With one part nothing is copied: the piece
    is the array itself.
    """

    def __init__(self, n: int, work: int, kernels=None, min_work: int = MIN_ELEMENTS_PER_THREAD) -> None:
        # The NumPy reference runs whole: NumPy's BLAS threads its matmuls already.
        threaded = kernels is None or kernels.name != "numpy"
        threads = min(get_num_threads(), n, work // min_work) if threaded else 1
        self.slices = batch_slices(n, max(1, threads))

    def __len__(self) -> int:
        return len(self.slices)

    def cut(self, array, axis: int = 0) -> list:
        """Each part's C-contiguous piece of ``array`` (the batch on ``axis``): a view along axis 0
        of a C-contiguous array (so a kernel writing into it fills ``array``), else a copy."""
        if len(self.slices) == 1:
            return [array]
        index = (slice(None),) * axis
        return [np.ascontiguousarray(array[index + (part,)]) for part in self.slices]

    def run(self, work, **pieces) -> list:
        """``work(name=piece, ...)`` for every part, side by side; what each call returned, in
        batch order.  Each keyword holds one piece per part (from ``cut``, or an earlier ``run``)."""
        calls = [{name: values[k] for name, values in pieces.items()} for k in range(len(self.slices))]
        if len(calls) == 1:
            return [work(**calls[0])]
        pool = _executor(len(calls) - 1)
        futures = [pool.submit(work, **call) for call in calls[1:]]
        try:
            first = work(**calls[0])  # the calling thread takes the first part
        finally:
            results = [future.result() for future in futures]  # re-raises a worker's exception
        return [first, *results]


def run_over_batch(work, *, split: dict, summed: dict | None = None, kernels=None) -> None:
    """Call ``work(**split, **summed)`` on runs of the batch, in several threads at once.

    ``split``: the arrays whose axis 0 is the batch; each call gets its own contiguous slice.
    ``summed``: outputs that add up over the batch (a weight gradient): the first call fills
    the caller's array, each other call its own buffer, added into the caller's at the end;
    None stays None.  ``kernels``: the kernel namespace ``work`` calls (the NumPy reference
    runs whole).  Small batches run whole, in the calling thread.
    """
    summed = summed or {}
    first = next(iter(split.values()))
    parts = BatchParts(first.shape[0], first.size, kernels)
    buffers = {name: [out] + [None if out is None else np.empty_like(out) for _ in range(len(parts) - 1)]
               for name, out in summed.items()}
    parts.run(work, **{name: parts.cut(a) for name, a in split.items()}, **buffers)
    for out, *others in buffers.values():
        for other in others:
            if other is not None:
                out += other
