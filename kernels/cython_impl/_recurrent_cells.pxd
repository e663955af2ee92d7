# cython: language_level=3
"""The recurrent cells' row loops over raw row-major pointers, shared by _recurrent.pyx (BLAS) and
_recurrent_packed.pyx (the packed step matmul): the same equations as reference/recurrent.py's
cell kernels.  sigmoid and tanh are vecmath.h's, in the array's own precision."""
from cython cimport floating
from libc.string cimport memcpy


cdef extern from "vecmath.h":
    void mg_sigmoid_f32(Py_ssize_t n, float *y) noexcept nogil
    void mg_sigmoid_f64(Py_ssize_t n, double *y) noexcept nogil
    void mg_tanh_f32(Py_ssize_t n, float *y) noexcept nogil
    void mg_tanh_f64(Py_ssize_t n, double *y) noexcept nogil
    void mg_lstm_forward_row_f32(Py_ssize_t H, const float *act, const float *c_prev, float *c,
                                 float *h) noexcept nogil
    void mg_lstm_forward_row_f64(Py_ssize_t H, const double *act, const double *c_prev, double *c,
                                 double *h) noexcept nogil
    void mg_lstm_backward_row_f32(Py_ssize_t H, const float *grad_h, const float *grad_c, const float *act,
                                  const float *c_prev, float *dc, float *grad_gates) noexcept nogil
    void mg_lstm_backward_row_f64(Py_ssize_t H, const double *grad_h, const double *grad_c, const double *act,
                                  const double *c_prev, double *dc, double *grad_gates) noexcept nogil


cdef inline void _sigmoid(Py_ssize_t n, floating *y) noexcept nogil:
    """y = sigmoid(y), elementwise over n contiguous values."""
    if floating is float:
        mg_sigmoid_f32(n, y)
    else:
        mg_sigmoid_f64(n, y)


cdef inline void _tanh(Py_ssize_t n, floating *y) noexcept nogil:
    """y = tanh(y), elementwise over n contiguous values."""
    if floating is float:
        mg_tanh_f32(n, y)
    else:
        mg_tanh_f64(n, y)


cdef inline bint _cut_before(Py_ssize_t t, Py_ssize_t bptt_chunk) noexcept nogil:
    """True if truncated BPTT stops the gradient flowing from step t into step t - 1."""
    return bptt_chunk > 0 and t > 0 and t % bptt_chunk == 0


# ----------------------------------------------------------------------------- cell cores
# Row-major pointers; B rows of H hidden units (gates: B rows of 4H or 3H), one gate block at a
# time: sigmoid and tanh run in place over a block, the arithmetic in short loops between.

cdef inline void _rnn_forward(Py_ssize_t n, const floating *pre, floating *h) noexcept nogil:
    """pre may be h itself."""
    if pre != h:
        memcpy(h, pre, n * sizeof(floating))
    _tanh(n, h)


cdef inline void _rnn_backward(Py_ssize_t n, const floating *grad_h, const floating *h, floating *grad_pre) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        grad_pre[j] = grad_h[j] * (1 - h[j] * h[j])


cdef inline void _lstm_forward(Py_ssize_t B, Py_ssize_t H, const floating *gates, const floating *c_prev,
                        floating *h, floating *c, floating *act) noexcept nogil:
    """gates may be act itself (the sequence kernel activates in place)."""
    cdef Py_ssize_t b
    for b in range(B):
        if gates != act:
            memcpy(act, gates, 4 * H * sizeof(floating))
        _sigmoid(2 * H, act)        # i, f
        _tanh(H, act + 2 * H)       # g
        _sigmoid(H, act + 3 * H)    # o
        if floating is float:
            mg_lstm_forward_row_f32(H, act, c_prev, c, h)
        else:
            mg_lstm_forward_row_f64(H, act, c_prev, c, h)
        gates += 4 * H
        act += 4 * H
        c_prev += H
        c += H
        h += H


cdef inline void _lstm_backward(Py_ssize_t B, Py_ssize_t H, const floating *grad_h, const floating *grad_c,
                         const floating *act, const floating *c_prev, const floating *c,
                         floating *grad_gates, floating *grad_c_prev) noexcept nogil:
    cdef Py_ssize_t b
    cdef floating *dc = grad_c_prev  # grad_c_prev's row holds tanh(c), then dLoss/dc_prev
    for b in range(B):
        memcpy(dc, c, H * sizeof(floating))
        _tanh(H, dc)  # tanh(c), recomputed, not stored
        if floating is float:
            mg_lstm_backward_row_f32(H, grad_h, grad_c, act, c_prev, dc, grad_gates)
        else:
            mg_lstm_backward_row_f64(H, grad_h, grad_c, act, c_prev, dc, grad_gates)
        grad_h += H
        grad_c += H
        act += 4 * H
        c_prev += H
        c += H
        grad_gates += 4 * H
        dc += H


cdef inline void _gru_forward(Py_ssize_t B, Py_ssize_t H, const floating *gi, const floating *gh,
                       const floating *h_prev, floating *h, floating *ws) noexcept nogil:
    cdef Py_ssize_t b, j
    cdef floating z
    for b in range(B):
        for j in range(2 * H):
            ws[j] = gi[j] + gh[j]
        _sigmoid(2 * H, ws)  # r, z
        for j in range(H):
            ws[3 * H + j] = gh[2 * H + j]
            ws[2 * H + j] = gi[2 * H + j] + ws[j] * gh[2 * H + j]
        _tanh(H, ws + 2 * H)  # n
        for j in range(H):
            z = ws[H + j]
            h[j] = (1 - z) * ws[2 * H + j] + z * h_prev[j]
        gi += 3 * H
        gh += 3 * H
        h_prev += H
        h += H
        ws += 4 * H


cdef inline void _gru_backward(Py_ssize_t B, Py_ssize_t H, const floating *grad_h, const floating *ws,
                        const floating *h_prev, floating *grad_gi, floating *grad_gh,
                        floating *grad_h_prev) noexcept nogil:
    cdef Py_ssize_t b, j
    cdef floating r, z, n, grad_n, grad_r, grad_z
    for b in range(B):
        for j in range(H):
            r = ws[j]
            z = ws[H + j]
            n = ws[2 * H + j]
            grad_n = grad_h[j] * (1 - z) * (1 - n * n)
            grad_r = grad_n * ws[3 * H + j] * r * (1 - r)
            grad_z = grad_h[j] * (h_prev[j] - n) * z * (1 - z)
            grad_gi[j] = grad_r
            grad_gi[H + j] = grad_z
            grad_gi[2 * H + j] = grad_n
            grad_gh[j] = grad_r
            grad_gh[H + j] = grad_z
            grad_gh[2 * H + j] = grad_n * r
            grad_h_prev[j] = grad_h[j] * z
        grad_h += H
        ws += 4 * H
        h_prev += H
        grad_gi += 3 * H
        grad_gh += 3 * H
        grad_h_prev += H
