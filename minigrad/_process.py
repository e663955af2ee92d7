"""Process-wide settings minigrad makes for speed and safety: all of them, in one place.

``apply_process_settings()`` makes them; ``import minigrad`` calls it first, and the Numba kernels'
config calls it again once Numba is imported (its part needs Numba loaded, and importing Numba
at ``import minigrad`` would cost half a second to every user of the NumPy backend).  Setting
``MINIGRAD_NO_PROCESS_SETTINGS=1`` turns every one of them off.

1. ``OPENBLAS_THREAD_TIMEOUT=20`` unless set.  An idle OpenBLAS worker spins for ~0.1 s (2**28
   cycles) before it sleeps, holding a core the batch threads or another library in the process
   need; 2**20 cycles (~0.4 ms) keeps the workers warm within a training step and lets them sleep
   between steps.  OpenBLAS reads it when it loads, so it helps only if minigrad is imported
   before NumPy.
2. ``OMP_WAIT_POLICY=PASSIVE`` unless set.  OpenMP threads that spin while waiting stalled 10-100x
   when the machine's other core was busy (the course CNN); sleeping waiters cost little for
   kernels this size.  libgomp reads it once, when the first Cython kernel loads it.
3. glibc's malloc keeps freed memory for reuse (``keep_freed_memory``).  A training step allocates
   the same large arrays every time and frees them by its end; glibc serves a large request with
   fresh pages (mmap) or returns the free top of its heap (trim), so the next step faults every
   page in again, zeroed: 2,000-3,500 page faults a step for the course's LSTM and GRU
   classifiers, 30-40 % of their step time on this machine's VM.  Raised mmap and trim thresholds
   keep that memory in the heap: no faults after the first step.  The cost: freed memory stays
   resident, up to TRIM_THRESHOLD beyond what is in use; the peak is unchanged.  Left alone when
   the user tuned malloc already (MALLOC_*_ or GLIBC_TUNABLES), asked for it not to be
   (MINIGRAD_KEEP_FREED_MEMORY=0), or the C library is not glibc.
4. A damaged Numba cache file is a cache miss (``guard_numba_cache``).  Numba treats a missing
   cache file as a miss but lets a truncated or corrupt one raise from deep inside the first call
   (an UnpicklingError or EOFError); the guard turns that into a recompile that overwrites the
   damaged entry, with one warning.  (A stale cache Numba handles itself: its index records the
   source file's timestamp and size.)
"""
from __future__ import annotations

import ctypes
import os
import platform
import sys
import warnings

OPT_OUT = "MINIGRAD_NO_PROCESS_SETTINGS"

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 << 20    # requests below this come from the heap; glibc's own ceiling is 32 MiB
TRIM_THRESHOLD = 256 << 20   # free memory at the top of the heap kept, not returned to the system
TOP_PAD = 16 << 20           # extra taken from the system each time the heap grows

USER_MALLOC_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")

_malloc_set: list = []  # [result] once keep_freed_memory has run at import


def apply_process_settings() -> None:
    """Make the settings the module docstring lists, unless MINIGRAD_NO_PROCESS_SETTINGS=1."""
    if os.environ.get(OPT_OUT, "0") == "1":
        return
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if not _malloc_set:
        _malloc_set.append(keep_freed_memory())
    if "numba" in sys.modules:
        guard_numba_cache()


def keep_freed_memory() -> bool:
    """Set glibc's malloc to keep freed memory for reuse (setting 3 above); True if set."""
    if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if any(name in os.environ for name in USER_MALLOC_SETTINGS):
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


def guard_numba_cache() -> None:
    """Make a truncated or corrupt Numba cache file a cache miss (setting 4 above); once."""
    from numba.core import caching

    cache_file = caching.IndexDataCacheFile
    if getattr(cache_file, "_minigrad_guarded", False):
        return
    load_index, load = cache_file._load_index, cache_file.load

    def warn(path, exc):
        warnings.warn(f"minigrad: Numba cache file under {os.path.dirname(path)!r} is damaged "
                      f"({type(exc).__name__}); recompiling", RuntimeWarning, stacklevel=2)

    def guarded_load_index(self):
        try:
            return load_index(self)
        except Exception as exc:  # truncated or corrupt index
            warn(self._index_path, exc)
            return {}

    def guarded_load(self, key):
        try:
            return load(self, key)
        except Exception as exc:  # truncated or corrupt data file
            warn(self._index_path, exc)
            return None

    cache_file._load_index, cache_file.load = guarded_load_index, guarded_load
    cache_file._minigrad_guarded = True
