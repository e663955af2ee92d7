# cython: language_level=3
"""Cython convolution kernels: per-image im2col + BLAS GEMM (scipy's cython_blas), col2im for dx.

Same contract and maths as kernels/reference/conv.py:
    out[n,o,i,j] = sum_{c,p,q} x_padded[n, c, i*sh + p*dh, j*sw + q*dw] * w[o,c,p,q]
One image's columns cols[(c,p,q), i*OW + j] fit in L2 for the layers we train, so each
thread owns a one-image im2col buffer; OpenMP prange runs over the batch (serially when the
extension was built without OpenMP). Inputs are const memoryviews so read-only arrays work.
"""
import os

import numpy as np

from cython.parallel cimport prange, threadid
from cython cimport floating
from libc.string cimport memcpy
from scipy.linalg.cython_blas cimport dgemm, sgemm

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int minigrad_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int minigrad_max_threads(void) { return 1; }
    #endif
    """
    int minigrad_max_threads() nogil

# GNU OpenMP is not fork-safe: a forked child that enters a parallel region after the parent
# has used one hangs. Like PyTorch, a forked child runs the kernels on one thread: a region
# with num_threads(1) does not touch the parent's (dead) thread pool.
cdef bint _forked_child = False


def _after_fork_in_child():
    global _forked_child
    _forked_child = True


os.register_at_fork(after_in_child=_after_fork_in_child)


cdef int _num_threads():
    return 1 if _forked_child else max(1, minigrad_max_threads())


# ---------------------------------------------------------------- BLAS in row-major terms

cdef inline void _gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                       const floating* a, int lda, const floating* b, int ldb, floating beta,
                       floating* c, int ldc) noexcept nogil:
    """Row-major c[m,n] = alpha * op(a)[m,k] @ op(b)[k,n] + beta * c.

    BLAS is column-major: a row-major matrix is its transpose there, so we ask for
    c^T = op(b)^T @ op(a)^T, i.e. swap the operands and keep the transpose flags.
    """
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float*> b, &ldb, <float*> a, &lda, &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double*> b, &ldb, <double*> a, &lda, &beta, c, &ldc)


# ---------------------------------------------------------------- im2col / col2im, one image

cdef inline void _valid_range(Py_ssize_t size, Py_ssize_t offset, Py_ssize_t stride,
                              Py_ssize_t count, Py_ssize_t* j0, Py_ssize_t* j1) noexcept nogil:
    """The output columns j in [j0, j1) with 0 <= j*stride + offset < size, j in [0, count)."""
    j0[0] = 0
    if offset < 0:
        j0[0] = min((-offset + stride - 1) // stride, count)
    j1[0] = 0
    if offset <= size - 1:
        j1[0] = min((size - 1 - offset) // stride + 1, count)
    j1[0] = max(j0[0], j1[0])


cdef void _im2col_image(const floating* x, floating* cols, Py_ssize_t channels,
                        Py_ssize_t height, Py_ssize_t width, Py_ssize_t kh, Py_ssize_t kw,
                        Py_ssize_t oh, Py_ssize_t ow, Py_ssize_t sh, Py_ssize_t sw,
                        Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """cols[(c,p,q), i*OW + j] = x_padded[c, i*sh + p*dh, j*sw + q*dw] for one image x[C,H,W]."""
    cdef Py_ssize_t c, p, q, i, j, j0, j1, hi
    cdef floating* dst
    cdef const floating* src
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                _valid_range(width, q * dw - pw, sw, ow, &j0, &j1)
                for i in range(oh):
                    dst = cols + (((c * kh + p) * kw + q) * oh + i) * ow
                    hi = i * sh + p * dh - ph
                    if hi < 0 or hi >= height:  # a padding row
                        for j in range(ow):
                            dst[j] = 0
                        continue
                    for j in range(j0):  # left padding
                        dst[j] = 0
                    for j in range(j1, ow):  # right padding
                        dst[j] = 0
                    if j1 == j0:
                        continue
                    dst += j0
                    src = x + (c * height + hi) * width + j0 * sw + q * dw - pw  # first valid
                    if sw == 1:  # memcpy measured faster than a loop for these short rows
                        memcpy(dst, src, (j1 - j0) * sizeof(floating))
                    else:
                        for j in range(j1 - j0):
                            dst[j] = src[j * sw]


cdef void _col2im_image(const floating* cols, floating* grad_x, Py_ssize_t channels,
                        Py_ssize_t height, Py_ssize_t width, Py_ssize_t kh, Py_ssize_t kw,
                        Py_ssize_t oh, Py_ssize_t ow, Py_ssize_t sh, Py_ssize_t sw,
                        Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """grad_x[C,H,W] = the adjoint of _im2col_image applied to cols (overlaps accumulate)."""
    cdef Py_ssize_t c, p, q, i, j, j0, j1, hi
    cdef const floating* src
    cdef floating* dst
    for j in range(channels * height * width):
        grad_x[j] = 0
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                _valid_range(width, q * dw - pw, sw, ow, &j0, &j1)
                for i in range(oh):
                    hi = i * sh + p * dh - ph
                    if hi < 0 or hi >= height or j1 == j0:
                        continue
                    src = cols + (((c * kh + p) * kw + q) * oh + i) * ow + j0
                    dst = grad_x + (c * height + hi) * width + j0 * sw + q * dw - pw
                    if sw == 1:
                        for j in range(j1 - j0):
                            dst[j] += src[j]
                    else:
                        for j in range(j1 - j0):
                            dst[j * sw] += src[j]


# ---------------------------------------------------------------- kernels

def conv2d_forward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] w,
                   floating[:, :, :, ::1] out, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph,
                   Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw):
    """out[n] = W2 @ im2col(x[n]) with W2 = w.reshape(O, C*KH*KW)."""
    cdef Py_ssize_t n_batch = out.shape[0], o = out.shape[1], oh = out.shape[2], ow = out.shape[3]
    cdef Py_ssize_t c = w.shape[1], kh = w.shape[2], kw = w.shape[3]
    cdef Py_ssize_t ckk = c * kh * kw, l = oh * ow, n
    cdef int threads = _num_threads()
    cdef floating[:, ::1] cols = np.empty((threads, ckk * l),
                                          dtype=np.float32 if floating is float else np.float64)
    cdef floating* buf
    for n in prange(n_batch, nogil=True, schedule="static", num_threads=threads):
        buf = &cols[threadid(), 0]
        _im2col_image(&x[n, 0, 0, 0], buf, c, x.shape[2], x.shape[3], kh, kw, oh, ow,
                      sh, sw, ph, pw, dh, dw)
        _gemm(False, False, o, l, ckk, 1, &w[0, 0, 0, 0], ckk, buf, l, 0, &out[n, 0, 0, 0], l)


def conv2d_backward_input(const floating[:, :, :, ::1] grad_out, const floating[:, :, :, ::1] w,
                          floating[:, :, :, ::1] grad_x, Py_ssize_t sh, Py_ssize_t sw,
                          Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw):
    """grad_x[n] = col2im(W2^T @ grad_out[n])."""
    cdef Py_ssize_t n_batch = grad_out.shape[0], o = grad_out.shape[1]
    cdef Py_ssize_t oh = grad_out.shape[2], ow = grad_out.shape[3]
    cdef Py_ssize_t c = w.shape[1], kh = w.shape[2], kw = w.shape[3]
    cdef Py_ssize_t ckk = c * kh * kw, l = oh * ow, n
    cdef int threads = _num_threads()
    cdef floating[:, ::1] cols = np.empty((threads, ckk * l),
                                          dtype=np.float32 if floating is float else np.float64)
    cdef floating* buf
    for n in prange(n_batch, nogil=True, schedule="static", num_threads=threads):
        buf = &cols[threadid(), 0]
        _gemm(True, False, ckk, l, o, 1, &w[0, 0, 0, 0], ckk, &grad_out[n, 0, 0, 0], l, 0, buf, l)
        _col2im_image(buf, &grad_x[n, 0, 0, 0], c, grad_x.shape[2], grad_x.shape[3], kh, kw,
                      oh, ow, sh, sw, ph, pw, dh, dw)


def conv2d_backward_weight(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] grad_out,
                           floating[:, :, :, ::1] grad_w, Py_ssize_t sh, Py_ssize_t sw,
                           Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw):
    """grad_W2 = sum_n grad_out[n] @ im2col(x[n])^T; each thread sums its images, then we add."""
    cdef Py_ssize_t n_batch = grad_out.shape[0], o = grad_out.shape[1]
    cdef Py_ssize_t oh = grad_out.shape[2], ow = grad_out.shape[3]
    cdef Py_ssize_t c = grad_w.shape[1], kh = grad_w.shape[2], kw = grad_w.shape[3]
    cdef Py_ssize_t ckk = c * kh * kw, l = oh * ow, n, t, k
    cdef int threads = _num_threads()
    dtype = np.float32 if floating is float else np.float64
    cdef floating[:, ::1] cols = np.empty((threads, ckk * l), dtype=dtype)
    cdef floating[:, ::1] partial = np.zeros((threads, o * ckk), dtype=dtype)
    cdef floating* buf
    for n in prange(n_batch, nogil=True, schedule="static", num_threads=threads):
        t = threadid()
        buf = &cols[t, 0]
        _im2col_image(&x[n, 0, 0, 0], buf, c, x.shape[2], x.shape[3], kh, kw, oh, ow,
                      sh, sw, ph, pw, dh, dw)
        # partial[t] (O x CKK) += grad_out[n] (O x L) @ cols^T (L x CKK)
        _gemm(False, True, o, ckk, l, 1, &grad_out[n, 0, 0, 0], l, buf, l, 1, &partial[t, 0], ckk)
    cdef floating* gw = &grad_w[0, 0, 0, 0]
    with nogil:
        for k in range(o * ckk):
            gw[k] = partial[0, k]
        for t in range(1, threads):
            for k in range(o * ckk):
                gw[k] += partial[t, k]
