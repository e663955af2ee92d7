# distutils: extra_compile_args = -fno-trapping-math
"""Recurrent kernels in Cython: the twin of reference/recurrent.py, to be read side by side with it.

The same kernels, helpers and order of operations.  Each kernel is a thin `def` over typed
memoryviews (`floating`: float32 or float64; inputs `const`, so read-only arrays are accepted)
around a loop that runs without the GIL.  The matmuls are scipy's BLAS (_blas.pxd), the cell
maths the row loops of _recurrent_cells.pxd.  One trick the reference does not play: the forward
loops multiply by a contiguous copy of w_hh.T, which OpenBLAS runs 25 % faster than w_hh.T.

For float32 on a CPU with AVX-512 or AVX2 + FMA, the sequence kernels of _recurrent_packed.pyx
(a packed per-step matmul) run instead; recurrent.py chooses.
"""
from cython cimport floating
from libc.string cimport memcpy, memset

import numpy as np

from _blas cimport gemm
from _recurrent_cells cimport (_cut_before, _gru_backward, _gru_forward, _lstm_backward, _lstm_forward,
                               _rnn_backward, _rnn_forward)

_DTYPE = {4: np.float32, 8: np.float64}  # by sizeof(floating)


cdef void _grad_w_hh(Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H, const floating *grad_pre,
                     const floating *h0, const floating *hs, floating *grad_w_hh) noexcept nogil:
    """grad_w_hh = sum_t grad_pre[t].T @ h_{t-1} (h_{-1} = h0), as two matmuls, not T."""
    gemm(True, False, G, H, B, 1, grad_pre, G, h0, H, 0, grad_w_hh, H)
    if T > 1:
        gemm(True, False, G, H, (T - 1) * B, 1, grad_pre + B * G, G, hs, H, 1, grad_w_hh, H)


cdef floating[:, :, ::1] _all_steps(floating[:, :, ::1] grad_xproj, Py_ssize_t T, Py_ssize_t B, Py_ssize_t G):
    """grad_xproj, or a buffer for all T steps when the caller passed None (it does not want the
    gate gradients, only what the kernel makes of them)."""
    if grad_xproj is None:
        return np.empty((T, B, G), dtype=_DTYPE[sizeof(floating)])
    return grad_xproj


cdef void _projection_grads(Py_ssize_t rows, Py_ssize_t G, Py_ssize_t J, const floating *grad_xproj,
                            const floating *x_rows, floating *grad_w_ih, floating *grad_b_ih) noexcept nogil:
    """Gradients of the input projection x_rows @ w_ih.T + b_ih, summed over the rows:
    grad_w_ih = grad_xproj^T x_rows, grad_b_ih = the column sums of grad_xproj; NULL: not wanted
    (or, for grad_w_ih, no columns to hold)."""
    cdef Py_ssize_t r
    if grad_w_ih != NULL:
        if rows == 0:
            memset(grad_w_ih, 0, G * J * sizeof(floating))
        else:
            gemm(True, False, G, J, rows, 1, grad_xproj, G, x_rows, J, 0, grad_w_ih, J)
    if grad_b_ih != NULL:
        memset(grad_b_ih, 0, G * sizeof(floating))
        for r in range(rows):
            _add(G, grad_b_ih, grad_xproj + r * G, grad_b_ih)


cdef inline const floating *_first(const floating[:, ::1] a) noexcept nogil:
    """The first element's address, NULL for an array with no elements (no [0, 0] to index)."""
    if a.shape[0] == 0 or a.shape[1] == 0:
        return NULL
    return &a[0, 0]


cdef inline floating *_wanted(floating[:, ::1] a):
    """An optional output's first element: NULL for None (not wanted) or no elements."""
    if a is None or a.shape[0] == 0 or a.shape[1] == 0:
        return NULL
    return &a[0, 0]


cdef inline floating *_wanted_1d(floating[::1] a):
    """An optional 1-D output's first element: NULL for None (not wanted) or no elements."""
    if a is None or a.shape[0] == 0:
        return NULL
    return &a[0]


cdef inline void _add(Py_ssize_t n, const floating *a, const floating *b, floating *out) noexcept nogil:
    """out = a + b over n contiguous values."""
    cdef Py_ssize_t j
    for j in range(n):
        out[j] = a[j] + b[j]


# ----------------------------------------------------------------------------- cells

def rnn_cell_forward(const floating[:, ::1] pre, floating[:, ::1] h_out):
    """h = tanh(pre)"""
    with nogil:
        _rnn_forward(h_out.shape[0] * h_out.shape[1], &pre[0, 0], &h_out[0, 0])


def rnn_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] h, floating[:, ::1] grad_pre):
    """grad_pre = grad_h * (1 - h^2)"""
    with nogil:
        _rnn_backward(h.shape[0] * h.shape[1], &grad_h[0, 0], &h[0, 0], &grad_pre[0, 0])


def lstm_cell_forward(const floating[:, ::1] gates, const floating[:, ::1] c_prev, floating[:, ::1] h_out,
                      floating[:, ::1] c_out, floating[:, ::1] workspace):
    """i, f, o = sigmoid, g = tanh of gates; c = f*c_prev + i*g; h = o*tanh(c); workspace = i, f, g, o."""
    with nogil:
        _lstm_forward(c_prev.shape[0], c_prev.shape[1], &gates[0, 0], &c_prev[0, 0],
                      &h_out[0, 0], &c_out[0, 0], &workspace[0, 0])


def lstm_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] grad_c,
                       const floating[:, ::1] workspace, const floating[:, ::1] c_prev, const floating[:, ::1] c,
                       floating[:, ::1] grad_gates, floating[:, ::1] grad_c_prev):
    """Gradients of the gate pre-activations and of c_prev; tanh(c) is recomputed, not stored."""
    with nogil:
        _lstm_backward(c.shape[0], c.shape[1], &grad_h[0, 0], &grad_c[0, 0], &workspace[0, 0],
                       &c_prev[0, 0], &c[0, 0], &grad_gates[0, 0], &grad_c_prev[0, 0])


def gru_cell_forward(const floating[:, ::1] gi, const floating[:, ::1] gh, const floating[:, ::1] h_prev,
                     floating[:, ::1] h_out, floating[:, ::1] workspace):
    """r, z = sigmoid(gi + gh); n = tanh(gi_n + r*gh_n); h = (1-z)*n + z*h_prev; workspace = r, z, n, gh_n."""
    with nogil:
        _gru_forward(h_prev.shape[0], h_prev.shape[1], &gi[0, 0], &gh[0, 0], &h_prev[0, 0],
                     &h_out[0, 0], &workspace[0, 0])


def gru_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] workspace,
                      const floating[:, ::1] h_prev, floating[:, ::1] grad_gi, floating[:, ::1] grad_gh,
                      floating[:, ::1] grad_h_prev):
    """Gradients of gi, gh and the direct path to h_prev (grad_h * z); the caller adds grad_gh @ w_hh."""
    with nogil:
        _gru_backward(h_prev.shape[0], h_prev.shape[1], &grad_h[0, 0], &workspace[0, 0], &h_prev[0, 0],
                      &grad_gi[0, 0], &grad_gh[0, 0], &grad_h_prev[0, 0])


# ----------------------------------------------------------------------------- sequences: tanh RNN

cdef floating[:, :, ::1] _project(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih,
                                  const floating[::1] b_ih, floating[:, :, ::1] xproj):
    """Every step's input projection, xproj[t] = x_rows[t·B:(t+1)·B] @ w_ih.T + b_ih, as one matmul.

    Every row starts as b_ih and BLAS's beta = 1 adds the product to it: adding the bias after
    the product would be one more pass over all of [T, B, G].
    xproj may be the kernel's own output (hs, gates): xproj[t] then waits there until step t adds
    h_{t-1} @ w_hh.T to it (BLAS's beta = 1 again, the reference's `pre += xproj[t]` in the same
    call) and overwrites it.  A buffer of its own, and an add and a copy per step, cost 10-15 % of
    an LSTM forward."""
    cdef Py_ssize_t T = xproj.shape[0], B = xproj.shape[1], G = xproj.shape[2], J = x_rows.shape[1], r
    if T * B * G == 0:
        return xproj
    with nogil:
        for r in range(T * B):
            memcpy(&xproj[0, 0, 0] + r * G, &b_ih[0], G * sizeof(floating))
        if J > 0:
            gemm(False, True, T * B, G, J, 1, &x_rows[0, 0], J, &w_ih[0, 0], J, 1, &xproj[0, 0, 0], G)
    return xproj


def rnn_sequence_forward(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih, const floating[::1] b_ih,
                         const floating[:, ::1] w_hh, const floating[:, ::1] h0, floating[:, :, ::1] hs):
    """h_t = tanh(xproj_t + h_{t-1} @ w_hh.T) for t = 0..T-1, xproj_t = x_t @ w_ih.T + b_ih."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t
    _project(x_rows, w_ih, b_ih, hs)  # xproj[t] waits in hs[t]
    cdef const floating[:, ::1] w_hh_t = np.ascontiguousarray(w_hh.T)
    cdef const floating *h_prev = &h0[0, 0]
    cdef floating *pre
    with nogil:
        for t in range(T):
            pre = &hs[t, 0, 0]  # pre = h_prev @ w_hh.T + xproj[t]: BLAS's beta = 1 adds the product
            gemm(False, False, B, H, H, 1, h_prev, H, &w_hh_t[0, 0], H, 1, pre, H)
            _rnn_forward(B * H, pre, pre)
            h_prev = &hs[t, 0, 0]


def rnn_sequence_backward(const floating[:, :, ::1] grad_hs, const floating[:, ::1] w_hh,
                          const floating[:, ::1] h0, const floating[:, :, ::1] hs, const floating[:, ::1] x_rows,
                          floating[:, :, ::1] grad_xproj, floating[:, ::1] grad_w_hh, floating[:, ::1] grad_w_ih,
                          floating[::1] grad_b_ih, floating[:, ::1] grad_h0, floating[:, :, ::1] grad_h_steps,
                          Py_ssize_t bptt_chunk):
    """Backpropagation through time; grad_xproj[t] is the gradient of step t's pre-activation.
    grad_xproj, grad_w_ih and grad_b_ih may be None: not wanted, not made."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t
    grad_xproj = _all_steps(grad_xproj, T, B, H)
    cdef floating *w_ih_out = _wanted(grad_w_ih)
    cdef floating *b_ih_out = _wanted_1d(grad_b_ih)
    cdef floating[:, ::1] grad_h_next = np.zeros((B, H), dtype=_DTYPE[sizeof(floating)])  # from step t + 1
    with nogil:
        for t in range(T - 1, -1, -1):
            _add(B * H, &grad_hs[t, 0, 0], &grad_h_next[0, 0], &grad_h_steps[t, 0, 0])
            _rnn_backward(B * H, &grad_h_steps[t, 0, 0], &hs[t, 0, 0], &grad_xproj[t, 0, 0])
            if _cut_before(t, bptt_chunk):
                memset(&grad_h_next[0, 0], 0, B * H * sizeof(floating))
            else:
                gemm(False, False, B, H, H, 1, &grad_xproj[t, 0, 0], H, &w_hh[0, 0], H, 0, &grad_h_next[0, 0], H)
        memcpy(&grad_h0[0, 0], &grad_h_next[0, 0], B * H * sizeof(floating))
        _grad_w_hh(T, B, H, H, &grad_xproj[0, 0, 0], &h0[0, 0], &hs[0, 0, 0], &grad_w_hh[0, 0])
        _projection_grads(T * B, H, x_rows.shape[1], &grad_xproj[0, 0, 0], _first(x_rows), w_ih_out, b_ih_out)


# ----------------------------------------------------------------------------- sequences: LSTM

def lstm_sequence_forward(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih, const floating[::1] b_ih,
                          const floating[:, ::1] w_hh, const floating[:, ::1] h0, const floating[:, ::1] c0,
                          floating[:, :, ::1] hs, floating[:, :, ::1] cs, floating[:, :, ::1] gates):
    """Per step: pre = x_t @ w_ih.T + b_ih + h_{t-1} @ w_hh.T, then the LSTM cell; gates[t] = activated i, f, g, o."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t
    _project(x_rows, w_ih, b_ih, gates)  # xproj[t] waits in gates[t]
    cdef const floating[:, ::1] w_hh_t = np.ascontiguousarray(w_hh.T)
    cdef const floating *h_prev = &h0[0, 0]
    cdef const floating *c_prev = &c0[0, 0]
    cdef floating *pre
    with nogil:
        for t in range(T):
            pre = &gates[t, 0, 0]  # pre = h_prev @ w_hh.T + xproj[t], then activated in place
            gemm(False, False, B, 4 * H, H, 1, h_prev, H, &w_hh_t[0, 0], 4 * H, 1, pre, 4 * H)
            _lstm_forward(B, H, pre, c_prev, &hs[t, 0, 0], &cs[t, 0, 0], pre)
            h_prev = &hs[t, 0, 0]
            c_prev = &cs[t, 0, 0]


def lstm_sequence_backward(const floating[:, :, ::1] grad_hs, const floating[:, ::1] grad_cT,
                           const floating[:, ::1] w_hh, const floating[:, ::1] h0, const floating[:, ::1] c0,
                           const floating[:, :, ::1] hs, const floating[:, :, ::1] cs,
                           const floating[:, :, ::1] gates, const floating[:, ::1] x_rows,
                           floating[:, :, ::1] grad_xproj, floating[:, ::1] grad_w_hh, floating[:, ::1] grad_w_ih,
                           floating[::1] grad_b_ih, floating[:, ::1] grad_h0, floating[:, ::1] grad_c0,
                           floating[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time for the LSTM; grad_cT is the gradient of c_n (None outputs:
    as rnn_sequence_backward)."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t
    grad_xproj = _all_steps(grad_xproj, T, B, 4 * H)
    cdef floating *w_ih_out = _wanted(grad_w_ih)
    cdef floating *b_ih_out = _wanted_1d(grad_b_ih)
    dtype = _DTYPE[sizeof(floating)]
    cdef floating[:, ::1] grad_h_next = np.zeros((B, H), dtype=dtype)
    cdef floating[:, ::1] grad_c_a = np.array(grad_cT, dtype=dtype)
    cdef floating[:, ::1] grad_c_b = np.empty((B, H), dtype=dtype)
    cdef floating *grad_c = &grad_c_a[0, 0]  # dLoss/dc_t arriving from step t + 1 (or c_n)
    cdef floating *grad_c_prev = &grad_c_b[0, 0]
    cdef floating *swap
    cdef const floating *c_prev
    with nogil:
        for t in range(T - 1, -1, -1):
            _add(B * H, &grad_hs[t, 0, 0], &grad_h_next[0, 0], &grad_h_steps[t, 0, 0])
            c_prev = &cs[t - 1, 0, 0] if t > 0 else &c0[0, 0]
            _lstm_backward(B, H, &grad_h_steps[t, 0, 0], grad_c, &gates[t, 0, 0], c_prev, &cs[t, 0, 0],
                           &grad_xproj[t, 0, 0], grad_c_prev)
            if _cut_before(t, bptt_chunk):
                memset(&grad_h_next[0, 0], 0, B * H * sizeof(floating))
                memset(grad_c, 0, B * H * sizeof(floating))
            else:
                gemm(False, False, B, H, 4 * H, 1, &grad_xproj[t, 0, 0], 4 * H, &w_hh[0, 0], H, 0,
                     &grad_h_next[0, 0], H)
                swap = grad_c
                grad_c = grad_c_prev
                grad_c_prev = swap
        memcpy(&grad_h0[0, 0], &grad_h_next[0, 0], B * H * sizeof(floating))
        memcpy(&grad_c0[0, 0], grad_c, B * H * sizeof(floating))
        _grad_w_hh(T, B, 4 * H, H, &grad_xproj[0, 0, 0], &h0[0, 0], &hs[0, 0, 0], &grad_w_hh[0, 0])
        _projection_grads(T * B, 4 * H, x_rows.shape[1], &grad_xproj[0, 0, 0], _first(x_rows), w_ih_out, b_ih_out)


# ----------------------------------------------------------------------------- sequences: GRU

def gru_sequence_forward(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih, const floating[::1] b_ih,
                         const floating[:, ::1] w_hh, const floating[::1] b_hh, const floating[:, ::1] h0,
                         floating[:, :, ::1] hs, floating[:, :, ::1] workspace):
    """Per step: gh = h_{t-1} @ w_hh.T + b_hh, then the GRU cell with gi = x_t @ w_ih.T + b_ih."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t, b
    cdef floating[:, :, ::1] xproj = np.empty((T, B, 3 * H), dtype=_DTYPE[sizeof(floating)])
    _project(x_rows, w_ih, b_ih, xproj)
    cdef floating[:, ::1] gh = np.empty((B, 3 * H), dtype=_DTYPE[sizeof(floating)])
    cdef const floating[:, ::1] w_hh_t = np.ascontiguousarray(w_hh.T)
    cdef const floating *h_prev = &h0[0, 0]
    with nogil:
        for t in range(T):
            for b in range(B):  # gh = h_prev @ w_hh.T + b_hh: BLAS's beta = 1 adds the product to b_hh
                memcpy(&gh[b, 0], &b_hh[0], 3 * H * sizeof(floating))
            gemm(False, False, B, 3 * H, H, 1, h_prev, H, &w_hh_t[0, 0], 3 * H, 1, &gh[0, 0], 3 * H)
            _gru_forward(B, H, &xproj[t, 0, 0], &gh[0, 0], h_prev, &hs[t, 0, 0], &workspace[t, 0, 0])
            h_prev = &hs[t, 0, 0]


def gru_sequence_backward(const floating[:, :, ::1] grad_hs, const floating[:, ::1] w_hh,
                          const floating[::1] b_hh, const floating[:, ::1] h0, const floating[:, :, ::1] hs,
                          const floating[:, :, ::1] workspace, const floating[:, ::1] x_rows,
                          floating[:, :, ::1] grad_xproj, floating[:, ::1] grad_w_hh, floating[:, ::1] grad_w_ih,
                          floating[::1] grad_b_ih, floating[::1] grad_b_hh, floating[:, ::1] grad_h0,
                          floating[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time for the GRU (b_hh is not needed: workspace holds gh_n; None
    outputs: as rnn_sequence_backward)."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t, r
    grad_xproj = _all_steps(grad_xproj, T, B, 3 * H)
    cdef floating *w_ih_out = _wanted(grad_w_ih)
    cdef floating *b_ih_out = _wanted_1d(grad_b_ih)
    dtype = _DTYPE[sizeof(floating)]
    cdef floating[:, :, ::1] grad_gh = np.empty((T, B, 3 * H), dtype=dtype)  # all steps: grad_w_hh is one matmul
    cdef floating[:, ::1] grad_h_next = np.zeros((B, H), dtype=dtype)
    cdef floating[:, ::1] grad_h_direct = np.empty((B, H), dtype=dtype)
    cdef const floating *h_prev
    with nogil:
        for t in range(T - 1, -1, -1):
            _add(B * H, &grad_hs[t, 0, 0], &grad_h_next[0, 0], &grad_h_steps[t, 0, 0])
            h_prev = &hs[t - 1, 0, 0] if t > 0 else &h0[0, 0]
            _gru_backward(B, H, &grad_h_steps[t, 0, 0], &workspace[t, 0, 0], h_prev, &grad_xproj[t, 0, 0],
                          &grad_gh[t, 0, 0], &grad_h_direct[0, 0])
            if _cut_before(t, bptt_chunk):
                memset(&grad_h_next[0, 0], 0, B * H * sizeof(floating))
            else:
                gemm(False, False, B, H, 3 * H, 1, &grad_gh[t, 0, 0], 3 * H, &w_hh[0, 0], H, 0,
                     &grad_h_next[0, 0], H)
                _add(B * H, &grad_h_next[0, 0], &grad_h_direct[0, 0], &grad_h_next[0, 0])
        memcpy(&grad_h0[0, 0], &grad_h_next[0, 0], B * H * sizeof(floating))
        memset(&grad_b_hh[0], 0, 3 * H * sizeof(floating))
        for r in range(T * B):
            _add(3 * H, &grad_b_hh[0], &grad_gh[0, 0, 0] + r * 3 * H, &grad_b_hh[0])
        _grad_w_hh(T, B, 3 * H, H, &grad_gh[0, 0, 0], &h0[0, 0], &hs[0, 0, 0], &grad_w_hh[0, 0])
        _projection_grads(T * B, 3 * H, x_rows.shape[1], &grad_xproj[0, 0, 0], _first(x_rows), w_ih_out, b_ih_out)
