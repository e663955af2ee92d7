# cython: language_level=3
"""Cython convolution kernels: per-image im2col + BLAS GEMM (scipy's cython_blas), col2im for dx.

Same contract and maths as kernels/reference/conv.py:
    out[n,o,i,j] = sum_{c,p,q} x_padded[n, c, i*sh + p*dh, j*sw + q*dw] * w[o,c,p,q]
One image's columns cols[(c,p,q), i*OW + j] fit in L2 for the layers we train, so a
single one-image im2col buffer is reused. The batch loop is serial: BLAS threads the GEMMs itself,
and an OpenMP prange around BLAS calls made OpenBLAS (a pthreads build) print "Detect OpenMP
Loop and this application may hang" on every call once PyTorch was imported in the process.
With no OpenMP region the kernels are also safe in forked children (GNU OpenMP is not
fork-safe: a child entering a parallel region hangs).
Inputs are const memoryviews so read-only arrays work.
"""
import numpy as np

from cython cimport floating
from libc.string cimport memcpy

from _blas cimport gemm

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
    cdef floating[::1] cols = np.empty(ckk * l, dtype=np.float32 if floating is float else np.float64)
    with nogil:
        for n in range(n_batch):
            _im2col_image(&x[n, 0, 0, 0], &cols[0], c, x.shape[2], x.shape[3], kh, kw, oh, ow,
                          sh, sw, ph, pw, dh, dw)
            gemm(False, False, o, l, ckk, 1, &w[0, 0, 0, 0], ckk, &cols[0], l, 0, &out[n, 0, 0, 0], l)


def conv2d_backward_input(const floating[:, :, :, ::1] grad_out, const floating[:, :, :, ::1] w,
                          floating[:, :, :, ::1] grad_x, Py_ssize_t sh, Py_ssize_t sw,
                          Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw):
    """grad_x[n] = col2im(W2^T @ grad_out[n])."""
    cdef Py_ssize_t n_batch = grad_out.shape[0], o = grad_out.shape[1]
    cdef Py_ssize_t oh = grad_out.shape[2], ow = grad_out.shape[3]
    cdef Py_ssize_t c = w.shape[1], kh = w.shape[2], kw = w.shape[3]
    cdef Py_ssize_t ckk = c * kh * kw, l = oh * ow, n
    cdef floating[::1] cols = np.empty(ckk * l, dtype=np.float32 if floating is float else np.float64)
    with nogil:
        for n in range(n_batch):
            gemm(True, False, ckk, l, o, 1, &w[0, 0, 0, 0], ckk, &grad_out[n, 0, 0, 0], l, 0, &cols[0], l)
            _col2im_image(&cols[0], &grad_x[n, 0, 0, 0], c, grad_x.shape[2], grad_x.shape[3], kh, kw,
                          oh, ow, sh, sw, ph, pw, dh, dw)


def conv2d_backward_weight(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] grad_out,
                           floating[:, :, :, ::1] grad_w, Py_ssize_t sh, Py_ssize_t sw,
                           Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw):
    """grad_W2 = sum_n grad_out[n] @ im2col(x[n])^T, accumulated by GEMM with beta = 1."""
    cdef Py_ssize_t n_batch = grad_out.shape[0], o = grad_out.shape[1]
    cdef Py_ssize_t oh = grad_out.shape[2], ow = grad_out.shape[3]
    cdef Py_ssize_t c = grad_w.shape[1], kh = grad_w.shape[2], kw = grad_w.shape[3]
    cdef Py_ssize_t ckk = c * kh * kw, l = oh * ow, n
    cdef floating[::1] cols = np.empty(ckk * l, dtype=np.float32 if floating is float else np.float64)
    with nogil:
        for n in range(n_batch):
            _im2col_image(&x[n, 0, 0, 0], &cols[0], c, x.shape[2], x.shape[3], kh, kw, oh, ow,
                          sh, sw, ph, pw, dh, dw)
            # grad_W2 (O x CKK) = grad_out[n] (O x L) @ cols^T (L x CKK) + (grad_W2, or 0 at n = 0)
            gemm(False, True, o, ckk, l, 1, &grad_out[n, 0, 0, 0], l, &cols[0], l,
                  1 if n > 0 else 0, &grad_w[0, 0, 0, 0], ckk)
