"""How many threads minigrad uses, and which thread pool does what.

Three kinds of threads can run minigrad's work:

* NumPy's BLAS threads the op layer's matmuls (Linear, the recurrent input projections).
* minigrad's own batch threads run a compiled convolution, pooling or recurrent-sequence kernel
  on parts of the batch side by side (``minigrad.parallel``); the kernels release the GIL.
* The BLAS the compiled kernels call (scipy's bundled OpenBLAS, a second copy of OpenBLAS when
  NumPy has its own) is kept at one thread: parallelism comes from the batch threads instead.
  Two OpenBLAS pools that each own every core fight for them: an idle OpenBLAS worker spins
  for a while before it sleeps, and on 2 cores that made a course-CNN step 2-3x slower at
  2 threads than at 1.  For the same reason ``import minigrad`` shortens that spin
  (OPENBLAS_THREAD_TIMEOUT, when minigrad is imported before NumPy): at 2 threads in one
  process with PyTorch, minigrad's spinning workers had doubled PyTorch's stock-MLP step.

``set_num_threads(n)`` sets NumPy's BLAS and the batch threads to n (and Numba's and OpenMP's
thread counts); ``limit_threads(n)`` does the same for a block.  The default is the number of
CPUs this process may run on, or MINIGRAD_NUM_THREADS.
"""
from __future__ import annotations

import contextlib
import os

from .backend import available_backends, kernel_blas_libraries

_threads: list = []  # [n] once decided


def _default_threads() -> int:
    requested = os.environ.get("MINIGRAD_NUM_THREADS", "")
    if requested:
        try:
            n = int(requested)
        except ValueError:
            raise ValueError(f"MINIGRAD_NUM_THREADS must be a whole number >= 1, got {requested!r}") from None
        if n < 1:
            raise ValueError(f"MINIGRAD_NUM_THREADS must be >= 1, got {n}")
        return n
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def get_num_threads() -> int:
    """The number of threads minigrad's batch-parallel kernels use."""
    if not _threads:
        _threads.append(_default_threads())
    return _threads[0]


def _check(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of threads must be an int >= 1, got {n!r}")
    return n


def set_num_threads(n: int) -> None:
    """Use n threads: NumPy's BLAS, the batch threads, Numba and OpenMP (like torch.set_num_threads)."""
    from threadpoolctl import ThreadpoolController
    _check(n)
    available_backends()  # load the kernels first: only libraries already loaded can be set
    _set_numba(n)  # first: starting Numba's threading layer can reset OpenMP's thread count
    controller = ThreadpoolController()
    controller.limit(limits=n)
    for lib in kernel_blas_libraries(controller):
        lib.set_num_threads(1)
    _threads[:] = [n]


def _set_numba(n: int):
    """Set Numba's thread count (its parallel layer; the kernels are serial); return the old one."""
    try:
        import numba
    except ImportError:
        return None
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    return previous


@contextlib.contextmanager
def limit_threads(n: int | None):
    """Run the block with at most ``n`` threads (None: no change); see ``set_num_threads``.

    The course's models are small: on a 2-core machine a second thread gains little, and when
    the other core is busy, threads that wait on each other can stall a step 10-1000x.
    """
    if n is None:
        yield
        return
    _check(n)
    from threadpoolctl import ThreadpoolController

    available_backends()  # load the kernels first: threadpoolctl limits only the libraries already loaded
    controller = ThreadpoolController()
    previous_numba = _set_numba(n)
    previous_threads = get_num_threads()
    _threads[:] = [n]
    try:
        with controller.limit(limits=n):
            for lib in kernel_blas_libraries(controller):
                lib.set_num_threads(1)
            yield
    finally:
        _threads[:] = [previous_threads]
        if previous_numba is not None:
            import numba
            numba.set_num_threads(previous_numba)
