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


# -- No silent skips: the end of every run says what did not run, and why. ----------------------
ORACLE_INSTALL = 'pip install -e ".[oracle]"'


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    oracle = [r for r in skipped if "'torch'" in _skip_reason(r)]
    others: dict[str, int] = {}
    for report in skipped:
        if report not in oracle:
            reason = _skip_reason(report).removeprefix("Skipped: ")
            others[reason] = others.get(reason, 0) + 1
    write = terminalreporter.write_line
    terminalreporter.section("what did not run", sep="=", yellow=True, bold=True)
    if oracle:
        # A module that imports torch at its top is skipped whole: one report for all its tests.
        modules = sum(1 for r in oracle if r.when == "collect" or "::" not in r.nodeid)
        tests = len(oracle) - modules
        write(f"PYTORCH ORACLE NOT INSTALLED: {tests} oracle tests and {modules} whole test modules did not "
              f"run; install it with: {ORACLE_INSTALL}", yellow=True, bold=True)
    for reason, count in sorted(others.items(), key=lambda item: -item[1]):
        write(f"{count} skipped: {reason}", yellow=True)


# -- Hypothesis profiles of the fuzz test (tests/core/test_fuzz_vs_torch.py): "ci", the default, is
# derandomized, so every run of the test command draws the same examples and a red run is
# reproducible; MINIGRAD_FUZZ_PROFILE=explore draws new ones (to look for bugs, not to gate).
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, database=None,
                                          print_blob=True)
    _hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
except ImportError:  # hypothesis is optional: its tests skip
    pass


def pytest_report_header(config):
    profile = os.environ.get("MINIGRAD_FUZZ_PROFILE") or "ci"
    return f"fuzz vs torch: hypothesis profile {profile!r} (derandomized: {profile == 'ci'})"
