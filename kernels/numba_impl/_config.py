"""Numba flags for every kernel, set in one place."""
import os

from numba import njit

# cache=True: compile once, load from disk in later processes (first-call cost is measured).
# fastmath stays off: it may reorder reductions and assume no NaN/inf, which would change
# NaN propagation in max-pooling and the float results the parity tests compare.
# error_model="numpy": division by zero gives inf/nan as NumPy does instead of raising.
# nogil: lets a caller run kernels from several Python threads.
SERIAL = dict(cache=True, fastmath=False, nogil=True, error_model="numpy")
PARALLEL = dict(SERIAL, parallel=True)

serial_kernel = njit(**SERIAL)
parallel_kernel = njit(**PARALLEL)


# A damaged on-disk cache must cost a recompile, never a wrong result or a crash.  Numba treats a
# missing cache file as a miss but lets a truncated or corrupt one raise from deep inside the
# first call (an UnpicklingError or EOFError); these two wrappers turn that into a cache miss, so
# the kernel is compiled again and the damaged entry overwritten.  (A stale cache is already
# handled by Numba: its index records the source file's timestamp and size.)
def _cache_damage_is_a_miss() -> None:
    import warnings

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


_cache_damage_is_a_miss()
