"""Matrix product in NumPy: the spec of the blocked matmul kernel, computed by BLAS."""
from __future__ import annotations

import numpy as np


def matmul_blocked(a, b, out):
    """out[M, N] = a[M, K] @ b[K, N]."""
    np.matmul(a, b, out=out)
