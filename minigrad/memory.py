"""Keep freed array memory in the process for the next training step (glibc's malloc).

A training step allocates the same large arrays every time (activations, saved values, gradients,
megabytes each) and frees them by the end of the step.  glibc serves a large request with fresh
pages from the kernel (mmap) or returns the free top of its heap to the kernel (trim), so the next
step faults every page in again, zeroed: 2,000-3,500 page faults a step for the course's LSTM and
GRU classifiers, 30-40 % of their step time on this machine's VM.  Raising malloc's mmap and trim
thresholds keeps that memory in the heap to be reused: no faults after the first step.

The cost: memory freed by minigrad (or anything else in the process) stays resident, up to
TRIM_THRESHOLD beyond what is in use, instead of going back to the system at once.  The peak is
unchanged.  It is process-wide, like OPENBLAS_THREAD_TIMEOUT in ``minigrad/__init__.py``, so it is
left alone when the user tuned malloc already (MALLOC_*_ or GLIBC_TUNABLES set) or asked for it
not to be (MINIGRAD_KEEP_FREED_MEMORY=0), and it does nothing where the C library is not glibc.
"""
from __future__ import annotations

import ctypes
import os
import platform

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 << 20    # requests below this come from the heap; glibc's own ceiling is 32 MiB
TRIM_THRESHOLD = 256 << 20   # free memory at the top of the heap kept, not returned to the system
TOP_PAD = 16 << 20           # extra taken from the system each time the heap grows

USER_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")


def keep_freed_memory() -> bool:
    """Set glibc's malloc to keep freed memory for reuse (see the module docstring); True if set."""
    if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if any(name in os.environ for name in USER_SETTINGS):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return all(mallopt(param, value) == 1 for param, value in
               ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD)))
