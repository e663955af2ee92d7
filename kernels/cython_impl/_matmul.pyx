"""Blocked matrix product in Cython, written to be read and measured (the op layer's fast path
calls BLAS instead).

Scheme: i-k-j order over blocks. For a block of KB rows x NB columns of B (it stays in cache)
and a tile of 4 rows of ``out`` (4 x NB, in L1), each k adds a[i + r, k] * b[k, j0:j1] to the
4 output rows: one load of b[k, j] serves 4 multiply-adds, and the inner j loop runs over
contiguous rows, so the C compiler vectorises it without any reordering of sums.

Why not a register tile kept across k, as the Numba kernel does? That needs the compiler to
split each dot product over SIMD lanes (reassociation, i.e. -ffast-math), which setup.py
rightly does not pass. Note also that setup.py compiles for the baseline x86-64 ISA (SSE2:
4 float32 lanes, no FMA), so this kernel cannot approach an AVX-512 BLAS whatever the loop.

The row tiles of one block are independent, so they run under OpenMP ``prange`` when the
module was built with OpenMP (serially otherwise, and always serially in a forked child).
"""
import os

from cython cimport floating
from cython.parallel import prange

cdef enum:
    NB = 256    # columns of a block: 4 output rows of NB float32 are 4 KiB
    KB = 128    # rows of a block: the KB x NB block of B is 128 KiB of float32 (L2)

# GNU OpenMP hangs in a forked child that enters a parallel region after its parent used one.
cdef bint _in_forked_child = False


def _mark_forked_child():
    global _in_forked_child
    _in_forked_child = True


os.register_at_fork(after_in_child=_mark_forked_child)


cdef void _row_tile(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out,
                    Py_ssize_t i, Py_ssize_t j0, Py_ssize_t j1, Py_ssize_t k0, Py_ssize_t k1) noexcept nogil:
    """out[i:i+4, j0:j1] += a[i:i+4, k0:k1] @ b[k0:k1, j0:j1]."""
    cdef Py_ssize_t j, k
    cdef floating a0, a1, a2, a3, bkj
    for k in range(k0, k1):
        a0 = a[i, k]
        a1 = a[i + 1, k]
        a2 = a[i + 2, k]
        a3 = a[i + 3, k]
        for j in range(j0, j1):
            bkj = b[k, j]
            out[i, j] += a0 * bkj
            out[i + 1, j] += a1 * bkj
            out[i + 2, j] += a2 * bkj
            out[i + 3, j] += a3 * bkj


cdef void _row(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out,
               Py_ssize_t i, Py_ssize_t j0, Py_ssize_t j1, Py_ssize_t k0, Py_ssize_t k1) noexcept nogil:
    """out[i, j0:j1] += a[i, k0:k1] @ b[k0:k1, j0:j1]: the rows left over when M % 4 != 0."""
    cdef Py_ssize_t j, k
    cdef floating aik
    for k in range(k0, k1):
        aik = a[i, k]
        for j in range(j0, j1):
            out[i, j] += aik * b[k, j]


cdef void _matmul(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out,
                  bint parallel) noexcept nogil:
    cdef Py_ssize_t M = a.shape[0], K = a.shape[1], N = b.shape[1]
    cdef Py_ssize_t tiles = M // 4, i, j, t, jb, kb, j0, j1, k0, k1
    for i in range(M):
        for j in range(N):
            out[i, j] = 0
    for jb in range((N + NB - 1) // NB):
        j0 = jb * NB
        j1 = min(j0 + NB, N)
        for kb in range((K + KB - 1) // KB):
            k0 = kb * KB
            k1 = min(k0 + KB, K)
            if parallel:
                for t in prange(tiles, schedule="static"):
                    _row_tile(a, b, out, 4 * t, j0, j1, k0, k1)
            else:
                for t in range(tiles):
                    _row_tile(a, b, out, 4 * t, j0, j1, k0, k1)
            for i in range(4 * tiles, M):
                _row(a, b, out, i, j0, j1, k0, k1)


def matmul_blocked(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out):
    """out[M, N] = a[M, K] @ b[K, N]."""
    cdef bint parallel = not _in_forked_child
    with nogil:
        _matmul(a, b, out, parallel)
