"""2-D max and average pooling in Cython: loop twins of kernels/reference/pool.py.

Each output reads its window clipped to the plane, so padding is never touched: for max-pooling
it is -inf (never taken), for average pooling it is 0 (adds nothing; the divisor stays kh*kw).
The kernels run the N*C planes one after another: the batch is threaded above them, by
minigrad/parallel.py, which hands each thread its part of the batch (argmax never leaves its
plane, so the parts are independent).
"""
from cython cimport floating
from libc.math cimport INFINITY, isnan
from libc.stdint cimport int64_t


cdef inline Py_ssize_t _clip_low(Py_ssize_t v) noexcept nogil:
    return v if v > 0 else 0


cdef inline Py_ssize_t _clip_high(Py_ssize_t v, Py_ssize_t high) noexcept nogil:
    return v if v < high else high


# ---- max pooling ------------------------------------------------------------------------------

cdef void _max_forward_plane(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                             int64_t[:, :, :, ::1] argmax, Py_ssize_t n, Py_ssize_t c,
                             Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,
                             Py_ssize_t ph, Py_ssize_t pw) noexcept nogil:
    cdef Py_ssize_t H = x.shape[2], W = x.shape[3], OH = out.shape[2], OW = out.shape[3]
    cdef Py_ssize_t i, j, h, w, h_start, h_end, w_start, w_end, best_index
    cdef floating value, best
    for i in range(OH):
        h_start = _clip_low(i * sh - ph)
        h_end = _clip_high(i * sh - ph + kh, H)
        for j in range(OW):
            w_start = _clip_low(j * sw - pw)
            w_end = _clip_high(j * sw - pw + kw, W)
            # PyTorch's scan: the first of equal maxima wins, a NaN always wins.
            best = -INFINITY
            best_index = h_start * W + w_start
            for h in range(h_start, h_end):
                for w in range(w_start, w_end):
                    value = x[n, c, h, w]
                    if value > best or isnan(value):
                        best = value
                        best_index = h * W + w
            out[n, c, i, j] = best
            argmax[n, c, i, j] = best_index


cdef void _max_backward_plane(const floating[:, :, :, ::1] grad_out, const int64_t[:, :, :, ::1] argmax,
                              floating[:, :, :, ::1] grad_x, Py_ssize_t n, Py_ssize_t c) noexcept nogil:
    # argmax is a flat index into the plane, so address the plane flat (no division by W)
    cdef floating* plane = &grad_x[n, c, 0, 0]
    cdef Py_ssize_t i, j, hw
    for hw in range(grad_x.shape[2] * grad_x.shape[3]):
        plane[hw] = 0
    for i in range(grad_out.shape[2]):
        for j in range(grad_out.shape[3]):
            plane[argmax[n, c, i, j]] += grad_out[n, c, i, j]


def max_pool2d_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                       int64_t[:, :, :, ::1] argmax, Py_ssize_t kh, Py_ssize_t kw,
                       Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw):
    """out = max over each window (padding is -inf); argmax = flat index h*W + w into the plane."""
    cdef Py_ssize_t C = x.shape[1], p
    with nogil:
        for p in range(x.shape[0] * C):
            _max_forward_plane(x, out, argmax, p // C, p % C, kh, kw, sh, sw, ph, pw)


def max_pool2d_backward(const floating[:, :, :, ::1] grad_out, const int64_t[:, :, :, ::1] argmax,
                        floating[:, :, :, ::1] grad_x):
    """grad_x[n, c].flat[argmax[n, c, i, j]] += grad_out[n, c, i, j] (overlapping windows add up)."""
    cdef Py_ssize_t C = grad_x.shape[1], p
    with nogil:
        for p in range(grad_x.shape[0] * C):
            _max_backward_plane(grad_out, argmax, grad_x, p // C, p % C)


# ---- average pooling (count_include_pad=True: the divisor is always kh*kw) ---------------------

cdef void _avg_forward_plane(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                             Py_ssize_t n, Py_ssize_t c, Py_ssize_t kh, Py_ssize_t kw,
                             Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw) noexcept nogil:
    cdef Py_ssize_t H = x.shape[2], W = x.shape[3], OH = out.shape[2], OW = out.shape[3]
    cdef Py_ssize_t i, j, h, w, h_start, h_end, w_start, w_end
    cdef double total
    for i in range(OH):
        h_start = _clip_low(i * sh - ph)
        h_end = _clip_high(i * sh - ph + kh, H)
        for j in range(OW):
            w_start = _clip_low(j * sw - pw)
            w_end = _clip_high(j * sw - pw + kw, W)
            total = 0
            for h in range(h_start, h_end):
                for w in range(w_start, w_end):
                    total += x[n, c, h, w]
            out[n, c, i, j] = <floating>(total / (kh * kw))


cdef void _avg_backward_plane(const floating[:, :, :, ::1] grad_out, floating[:, :, :, ::1] grad_x,
                              Py_ssize_t n, Py_ssize_t c, Py_ssize_t kh, Py_ssize_t kw,
                              Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw) noexcept nogil:
    cdef Py_ssize_t H = grad_x.shape[2], W = grad_x.shape[3]
    cdef Py_ssize_t i, j, h, w, h_start, h_end, w_start, w_end
    cdef floating share
    for h in range(H):
        for w in range(W):
            grad_x[n, c, h, w] = 0
    for i in range(grad_out.shape[2]):
        h_start = _clip_low(i * sh - ph)
        h_end = _clip_high(i * sh - ph + kh, H)
        for j in range(grad_out.shape[3]):
            w_start = _clip_low(j * sw - pw)
            w_end = _clip_high(j * sw - pw + kw, W)
            share = <floating>(grad_out[n, c, i, j] / <double>(kh * kw))
            for h in range(h_start, h_end):
                for w in range(w_start, w_end):
                    grad_x[n, c, h, w] += share


def avg_pool2d_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                       Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,
                       Py_ssize_t ph, Py_ssize_t pw):
    """out = sum over each zero-padded window / (kh*kw)."""
    cdef Py_ssize_t C = x.shape[1], p
    with nogil:
        for p in range(x.shape[0] * C):
            _avg_forward_plane(x, out, p // C, p % C, kh, kw, sh, sw, ph, pw)


def avg_pool2d_backward(const floating[:, :, :, ::1] grad_out, floating[:, :, :, ::1] grad_x,
                        Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,
                        Py_ssize_t ph, Py_ssize_t pw):
    """Every input of a window receives grad_out / (kh*kw); padding's share is dropped."""
    cdef Py_ssize_t C = grad_x.shape[1], p
    with nogil:
        for p in range(grad_x.shape[0] * C):
            _avg_backward_plane(grad_out, grad_x, p // C, p % C, kh, kw, sh, sw, ph, pw)
