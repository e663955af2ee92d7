"""Blocked matrix product: the compiled Cython kernel of _matmul.pyx."""
from ._matmul import matmul_blocked

__all__ = ["matmul_blocked"]
