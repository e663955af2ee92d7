"""Numba convolution kernels: per-image im2col + BLAS GEMM (np.dot), col2im for the input grad.

Same contract and maths as kernels/reference/conv.py. One image's columns
cols[(c,p,q), i*OW + j] = x_padded[n, c, i*sh + p*dh, j*sw + q*dw] fit in L2 for the layers
we train, so the im2col buffer holds one image and is reused; np.dot calls BLAS on it.

The kernels are serial (no parallel=True): BLAS threads the large GEMMs itself, and a prange
over the batch would call OpenBLAS from OpenMP threads (with PyTorch imported in the same
process, OpenBLAS then prints "Detect OpenMP Loop and this application may hang" per call),
abort forked children under the 'omp' threading layer and abort concurrent callers under
'workqueue' ('tbb' is not installed). On 2 cores it paid off only for small layers such as
LeNet's convs (1.4-2x), whose GEMMs are too small for BLAS to thread; not for 32->64 at 14x14.
"""
from __future__ import annotations

import numpy as np

from ._config import serial_kernel

# The helpers stay in this file: Numba's cache does not notice changes in other files.
#
# Indices are flat offsets cast to np.uint64 once the padding test has shown them
# non-negative: Numba adds a wraparound test (idx < 0 ? idx + len : idx) to every signed
# index it cannot prove non-negative, which here halved the speed of the im2col copy.
# Keep uint64 + uint64 (uint64 + int64 gives float64 in Numba).
_u = np.uint64


@serial_kernel
def _valid_range(size, offset, stride, count):
    """The output columns j in [j0, j1) with 0 <= j*stride + offset < size, j in [0, count)."""
    j0 = 0
    if offset < 0:
        j0 = min((-offset + stride - 1) // stride, count)
    j1 = 0
    if offset <= size - 1:
        j1 = min((size - 1 - offset) // stride + 1, count)
    return j0, max(j0, j1)


@serial_kernel
def _im2col_image(x, n, cols, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw):
    """cols[(c,p,q), i*OW + j] = x_padded[n, c, i*sh + p*dh, j*sw + q*dw] for image n."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    x_flat = x.reshape(-1)
    cols_flat = cols.reshape(-1)
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                j0, j1 = _valid_range(width, q * dw - pw, sw, ow)
                for i in range(oh):
                    dst = _u((((c * kh + p) * kw + q) * oh + i) * ow)
                    hi = i * sh + p * dh - ph
                    if hi < 0 or hi >= height:  # a padding row
                        for j in range(ow):
                            cols_flat[dst + _u(j)] = 0.0
                        continue
                    for j in range(j0):  # left padding
                        cols_flat[dst + _u(j)] = 0.0
                    for j in range(j1, ow):  # right padding
                        cols_flat[dst + _u(j)] = 0.0
                    if j1 == j0:  # (then the offsets below may be negative)
                        continue
                    src = _u(((n * channels + c) * height + hi) * width + j0 * sw + q * dw - pw)
                    dst += _u(j0)
                    if sw == 1:  # a contiguous run: let LLVM vectorise it
                        for j in range(j1 - j0):
                            cols_flat[dst + _u(j)] = x_flat[src + _u(j)]
                    else:
                        for j in range(j1 - j0):
                            cols_flat[dst + _u(j)] = x_flat[src + _u(j * sw)]


@serial_kernel
def _col2im_image(cols, grad_x, n, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw):
    """grad_x[n] = the adjoint of _im2col_image applied to cols (overlaps accumulate)."""
    channels, height, width = grad_x.shape[1], grad_x.shape[2], grad_x.shape[3]
    grad_x[n] = 0.0
    gx_flat = grad_x.reshape(-1)
    cols_flat = cols.reshape(-1)
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                j0, j1 = _valid_range(width, q * dw - pw, sw, ow)
                for i in range(oh):
                    hi = i * sh + p * dh - ph
                    if hi < 0 or hi >= height or j1 == j0:
                        continue
                    src = _u((((c * kh + p) * kw + q) * oh + i) * ow + j0)
                    dst = _u(((n * channels + c) * height + hi) * width + j0 * sw + q * dw - pw)
                    if sw == 1:
                        for j in range(j1 - j0):
                            gx_flat[dst + _u(j)] += cols_flat[src + _u(j)]
                    else:
                        for j in range(j1 - j0):
                            gx_flat[dst + _u(j * sw)] += cols_flat[src + _u(j)]


@serial_kernel
def conv2d_forward(x, w, out, sh, sw, ph, pw, dh, dw):
    n_batch, o, oh, ow = out.shape
    c, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    w2 = w.reshape(o, c * kh * kw)
    cols = np.empty((c * kh * kw, oh * ow), dtype=x.dtype)
    for n in range(n_batch):
        _im2col_image(x, n, cols, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw)
        np.dot(w2, cols, out[n].reshape(o, oh * ow))  # out[n] = W2 @ cols


@serial_kernel
def conv2d_backward_input(grad_out, w, grad_x, sh, sw, ph, pw, dh, dw):
    n_batch, o, oh, ow = grad_out.shape
    c, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    w2t = w.reshape(o, c * kh * kw).T  # F-ordered view: np.dot passes it to BLAS transposed
    cols = np.empty((c * kh * kw, oh * ow), dtype=w.dtype)
    for n in range(n_batch):
        np.dot(w2t, grad_out[n].reshape(o, oh * ow), cols)  # grad_cols = W2^T @ grad_out[n]
        _col2im_image(cols, grad_x, n, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw)


@serial_kernel
def conv2d_backward_weight(x, grad_out, grad_w, sh, sw, ph, pw, dh, dw):
    n_batch, o, oh, ow = grad_out.shape
    c, kh, kw = grad_w.shape[1], grad_w.shape[2], grad_w.shape[3]
    gw2 = grad_w.reshape(o, c * kh * kw)
    gw2[:] = 0.0
    cols = np.empty((c * kh * kw, oh * ow), dtype=x.dtype)
    partial = np.empty((o, c * kh * kw), dtype=x.dtype)
    for n in range(n_batch):
        _im2col_image(x, n, cols, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw)
        np.dot(grad_out[n].reshape(o, oh * ow), cols.T, partial)  # grad_out[n] @ cols^T
        gw2 += partial
