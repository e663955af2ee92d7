"""Cython kernels: compiled twins of the reference kernels, built by setup.py.

OMP_WAIT_POLICY, which libgomp reads when the first of them loads, is set by
minigrad/_process.py at ``import minigrad``.
"""
