# cython: language_level=3
"""BLAS matmul in row-major terms, for every Cython kernel that multiplies (cimport gemm from here)."""
from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                      const floating *a, int lda, const floating *b, int ldb, floating beta,
                      floating *c, int ldc) noexcept nogil:
    """Row-major c[m, n] = alpha * op(a)[m, k] @ op(b)[k, n] + beta * c; lda, ldb, ldc are the row
    lengths of a, b, c as stored.

    BLAS is column-major: a row-major matrix is its transpose there, so this asks for
    c^T = op(b)^T @ op(a)^T, i.e. swaps the operands and keeps the transpose flags.
    """
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float *>b, &ldb, <float *>a, &lda, &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double *>b, &ldb, <double *>a, &lda, &beta, c, &ldc)
