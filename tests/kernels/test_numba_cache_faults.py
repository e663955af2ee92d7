"""Numba's on-disk cache can be unwritable, stale, truncated or shared by two processes compiling
at once: each case must still give the reference results (Numba falls back to compiling).

Each case runs in a fresh process with its own NUMBA_CACHE_DIR, calling a few kernels and
comparing them with the NumPy reference."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("numba")
# With the JIT disabled (the CI run that covers the kernels as Python) there is no cache at all.
pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") != "0",
                                reason="NUMBA_DISABLE_JIT: nothing is compiled, so there is no cache to damage")

PROBE = """
import numpy as np
from minigrad.kernels import load_backend
from minigrad.kernels.samples import sample_call, copy_call
numba_kernels, reference = load_backend("numba"), load_backend("numpy")
for name in ("max_pool2d_forward", "avg_pool2d_backward", "rnn_cell_forward"):
    args, outputs = sample_call(name, np.float32)
    mine, theirs = copy_call(args), copy_call(args)
    getattr(numba_kernels, name)(*mine)
    getattr(reference, name)(*theirs)
    for i in outputs:
        assert np.allclose(mine[i], theirs[i], atol=1e-5), (name, i)
print("kernels agree")
"""


def run_probe(cache_dir, wait=True):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    process = subprocess.Popen([sys.executable, "-c", PROBE], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return process.communicate(timeout=600) + (process.returncode,) if wait else process


def assert_agrees(result):
    out, err, code = result
    assert code == 0 and "kernels agree" in out, err[-2000:]


def cache_files(folder):
    return [os.path.join(root, f) for root, _, files in os.walk(folder) for f in files]


def test_unwritable_cache_folder_still_gives_correct_results():
    # /proc refuses new folders even to root, unlike a chmod-ed folder
    assert_agrees(run_probe("/proc/minigrad-numba-cache"))


def test_truncated_and_stale_cache_files_are_recompiled(tmp_path):
    assert_agrees(run_probe(tmp_path))
    files = cache_files(tmp_path)
    assert any(f.endswith(".nbc") for f in files), "the first run should have filled the cache"
    for path in files:  # truncate every data file, and scramble every index
        with open(path, "r+b") as f:
            if path.endswith(".nbc"):
                f.truncate(max(os.path.getsize(path) // 3, 1))
            else:
                f.seek(0)
                f.write(b"\x00garbage\x00")
    assert_agrees(run_probe(tmp_path))


def test_two_processes_compiling_into_one_cache_at_once(tmp_path):
    first, second = run_probe(tmp_path, wait=False), run_probe(tmp_path, wait=False)
    for process in (first, second):
        out, err = process.communicate(timeout=600)
        assert_agrees((out, err, process.returncode))
    assert_agrees(run_probe(tmp_path))  # and the cache they left behind is usable
