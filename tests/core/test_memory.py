"""import minigrad keeps freed memory for reuse (glibc): a large array allocated and freed over and
over faults its pages in once, not every time; the user's own malloc settings win."""
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                                reason="malloc tuning applies to glibc only")

# A training step in miniature: four 3 MB arrays (below NumPy's 4 MB huge-page size, so faults count
# 4 KiB pages), every page touched, all freed at the end; 20 steps.  Prints the page faults per
# step after the first.  With glibc's defaults the heap top (12 MB) exceeds its trim threshold
# (twice the largest freed mmap, 6 MB) and goes back to the system every step.
PROGRAM = """
import resource
import minigrad
import numpy as np
for i in range(21):
    if i == 1:
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.empty(750_000, np.float32) for _ in range(4)]
    for a in arrays:
        a.fill(1.0)
    del arrays, a
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start) / 20)
"""
PAGES_A_STEP = 4 * 3_000_000 // 4096  # ~2900


def faults_per_round(**env) -> float:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("MALLOC_") and k not in ("GLIBC_TUNABLES", "MINIGRAD_KEEP_FREED_MEMORY", "MINIGRAD_NO_PROCESS_SETTINGS")}
    out = subprocess.run([sys.executable, "-c", PROGRAM], env={**clean, **env}, capture_output=True, text=True,
                         timeout=120, check=True)
    return float(out.stdout.strip())


def test_freed_arrays_are_reused_without_page_faults():
    assert faults_per_round() < PAGES_A_STEP / 20
    # and the contrast that makes the test mean something: glibc's defaults fault every page
    assert faults_per_round(MINIGRAD_KEEP_FREED_MEMORY="0") > PAGES_A_STEP / 2
    assert faults_per_round(MINIGRAD_NO_PROCESS_SETTINGS="1") > PAGES_A_STEP / 2


def test_the_users_own_malloc_settings_are_left_alone():
    assert faults_per_round(MALLOC_TRIM_THRESHOLD_="0", MALLOC_MMAP_THRESHOLD_="65536") > PAGES_A_STEP / 2


def test_keep_freed_memory_reports_whether_it_set_anything(monkeypatch):
    from minigrad._process import keep_freed_memory
    monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", "0")
    assert keep_freed_memory() is False
    monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", "1")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert keep_freed_memory() is False
    monkeypatch.delenv("GLIBC_TUNABLES")
    for name in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_"):
        monkeypatch.delenv(name, raising=False)
    assert keep_freed_memory() is True
