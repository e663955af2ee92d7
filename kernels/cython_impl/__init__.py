"""Cython kernels: compiled twins of the reference kernels, built by setup.py."""

import os

# OpenMP threads that spin while waiting stall 10-100x when the machine's other core is busy
# (measured on the course CNN); sleeping waiters cost little for kernels this size.  libgomp
# reads this once, when the first extension loads it, so it is set before any is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

