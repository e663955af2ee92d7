"""How many threads the kernels may use: BLAS, OpenMP (the Cython kernels) and Numba alike."""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def limit_threads(n: int | None):
    """Run the block with at most ``n`` threads in BLAS, OpenMP and Numba (None: no limit).

    The course's models are small: on a 2-core machine a second thread gains little, and when
    the other core is busy, threads that wait on each other can stall a step 10-1000x.
    """
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    from .backend import available_backends
    available_backends()  # load the kernels first: threadpoolctl limits only the libraries already loaded
    try:
        import numba
        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    except ImportError:
        numba = None
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        if numba is not None:
            numba.set_num_threads(previous)
