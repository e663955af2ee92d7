"""Numba kernels: @njit(cache=True) twins of the reference kernels."""
