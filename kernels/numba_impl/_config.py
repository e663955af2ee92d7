"""Numba flags for every kernel, set in one place."""
from numba import njit

from minigrad._process import apply_process_settings

# cache=True: compile once, load from disk in later processes (first-call cost is measured).
# fastmath stays off: it may reorder reductions and assume no NaN/inf, which would change
# NaN propagation in max-pooling and the float results the parity tests compare.
# error_model="numpy": division by zero gives inf/nan as NumPy does instead of raising.
# nogil: lets a caller run kernels from several Python threads.
SERIAL = dict(cache=True, fastmath=False, nogil=True, error_model="numpy")

serial_kernel = njit(**SERIAL)


# A damaged on-disk cache must cost a recompile, not a wrong result: minigrad's process settings
# install that guard, and can only once Numba is imported, which is now.
apply_process_settings()
