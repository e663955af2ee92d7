"""Shared test fixtures: kernel backends, seeded RNG, optional PyTorch oracle."""
import os

import numpy as np
import pytest

from minigrad.kernels import BACKENDS, BackendUnavailable, load_backend
from minigrad.threads import limit_threads

# CI sets MINIGRAD_REQUIRE_BACKENDS=numba,cython so a backend that failed to build fails the
# run instead of being skipped.
REQUIRED_BACKENDS = {b for b in os.environ.get("MINIGRAD_REQUIRE_BACKENDS", "").split(",") if b}


# One thread for BLAS, OpenMP and Numba by default: the test tensors are tiny, and on a 2-core
# machine whose second core is busy, threads waiting on each other stall tests 10-1000x.
# MINIGRAD_TEST_THREADS=2 (or 0 for no limit) runs the parallel kernel paths with threads.
TEST_THREADS = int(os.environ.get("MINIGRAD_TEST_THREADS", "1")) or None


@pytest.fixture(scope="session", autouse=True)
def limited_threads():
    with limit_threads(TEST_THREADS):
        yield


def get_kernels(name: str):
    """The kernel namespace of backend ``name``; skip (or fail, if required) when it is missing."""
    try:
        return load_backend(name)
    except BackendUnavailable as exc:
        if name in REQUIRED_BACKENDS:
            pytest.fail(f"required backend {name!r} unavailable: {exc}")
        pytest.skip(f"backend {name!r} unavailable: {exc}")


@pytest.fixture(params=BACKENDS)
def kernels(request):
    """Each backend's kernel namespace in turn."""
    return get_kernels(request.param)


@pytest.fixture
def reference():
    return load_backend("numpy")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
