"""Cython kernels: compiled twins of the reference kernels, built by setup.py."""
