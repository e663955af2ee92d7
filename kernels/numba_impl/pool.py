"""2-D max and average pooling compiled by Numba: loop twins of kernels/reference/pool.py.

Each output reads its window clipped to the plane, so padding is never touched: for max-pooling
it is -inf (never taken), for average pooling it is 0 (adds nothing; the divisor stays kh*kw).
Numba keeps a negative-index (wraparound) check on some window indices; in loops this short
it costs nothing measurable (a variant over 0-based row slices ran at the same speed).
Serial on purpose: the threading layers Numba can use here are unsafe after fork (GNU OpenMP,
its default without TBB) or under concurrent calls (workqueue), and on 2 cores a prange over
the planes did not measurably pay for that. Serial nogil kernels are safe from any thread.
"""
import numpy as np

from ._config import serial_kernel


@serial_kernel
def max_pool2d_forward(x, out, argmax, kh, kw, sh, sw, ph, pw):
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    for n in range(N):
        for c in range(C):
            plane = x[n, c]
            for i in range(OH):
                h_start = max(i * sh - ph, 0)
                h_end = min(i * sh - ph + kh, H)
                for j in range(OW):
                    w_start = max(j * sw - pw, 0)
                    w_end = min(j * sw - pw + kw, W)
                    # PyTorch's scan: the first of equal maxima wins, a NaN always wins.
                    best = -np.inf
                    best_index = h_start * W + w_start
                    for h in range(h_start, h_end):
                        row = plane[h]
                        for w in range(w_start, w_end):
                            value = row[w]
                            if value > best or np.isnan(value):
                                best = value
                                best_index = h * W + w
                    out[n, c, i, j] = best
                    argmax[n, c, i, j] = best_index


@serial_kernel
def max_pool2d_backward(grad_out, argmax, grad_x):
    N, C, H, W = grad_x.shape
    OH, OW = grad_out.shape[2], grad_out.shape[3]
    planes = grad_x.reshape(N * C, H * W)    # a view: grad_x is C-contiguous
    planes[:] = 0
    for n in range(N):
        for c in range(C):
            plane = planes[n * C + c]
            for i in range(OH):
                for j in range(OW):
                    plane[argmax[n, c, i, j]] += grad_out[n, c, i, j]


@serial_kernel
def avg_pool2d_forward(x, out, kh, kw, sh, sw, ph, pw):
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    window = kh * kw                         # count_include_pad=True
    for n in range(N):
        for c in range(C):
            plane = x[n, c]
            for i in range(OH):
                h_start = max(i * sh - ph, 0)
                h_end = min(i * sh - ph + kh, H)
                for j in range(OW):
                    w_start = max(j * sw - pw, 0)
                    w_end = min(j * sw - pw + kw, W)
                    total = 0.0
                    for h in range(h_start, h_end):
                        row = plane[h]
                        for w in range(w_start, w_end):
                            total += row[w]
                    out[n, c, i, j] = total / window


@serial_kernel
def avg_pool2d_backward(grad_out, grad_x, kh, kw, sh, sw, ph, pw):
    N, C, H, W = grad_x.shape
    OH, OW = grad_out.shape[2], grad_out.shape[3]
    window = kh * kw
    grad_x[:] = 0
    for n in range(N):
        for c in range(C):
            plane = grad_x[n, c]
            for i in range(OH):
                h_start = max(i * sh - ph, 0)
                h_end = min(i * sh - ph + kh, H)
                for j in range(OW):
                    w_start = max(j * sw - pw, 0)
                    w_end = min(j * sw - pw + kw, W)
                    share = grad_out[n, c, i, j] / window
                    for h in range(h_start, h_end):
                        row = plane[h]
                        for w in range(w_start, w_end):
                            row[w] += share
