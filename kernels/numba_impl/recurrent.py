"""Recurrent kernels in Numba: fused gate loops; per-step matmuls via np.dot (BLAS).

Twins of reference/recurrent.py (same names, signatures and equations).  Inside njit, np.dot on
contiguous 2-D float arrays calls BLAS (scipy's), so the sequence kernels run whole in compiled
code; what Numba adds over NumPy is one pass over the gates instead of a dozen temporaries.
The gate math runs in the arrays' own precision: every constant is made with F = the dtype's
scalar type (a bare literal is float64 to Numba and would turn float32 math into double).
All njit helpers live in this file: Numba's cache does not notice changes in other files.
"""
import math

import numpy as np
from numba.core import types
from numba.extending import overload

from ._config import serial_kernel

# exp, sigmoid and tanh written out so that the gate loops vectorise: a loop calling libm's
# scalar exp/tanh ran 5-50 ns an element here, NumPy's SIMD ufuncs 0.5-3 ns.  exp(-a) =
# 2**k * (1 + expm1(r)) with k = round(-a / ln 2): a Taylor polynomial for expm1(r), |r| <= 0.35,
# and 2**k from a table (a vector gather; ldexp would be a call).  A few ulp in either precision.
_LOG2E = 1.4426950408889634
_LN2_HI = 0.693359375  # ln 2 = _LN2_HI + _LN2_LO; k * _LN2_HI is exact in float32 too (Cody-Waite)
_LN2_LO = -2.1219444005469058277e-4
_POW2_F64 = 2.0 ** np.arange(-1075.0, 1.0)  # 2**k for k = -1075..0 (zeros below float32's range)
_POW2_F32 = _POW2_F64.astype(np.float32)


def _single(F):
    """True for float32 (a shorter polynomial)."""
    return F is np.float32


def _pow2_table(F):
    """The 2**k table in precision F: a float32 gather keeps float32 loops 8 wide, not 4."""
    return _POW2_F32 if F is np.float32 else _POW2_F64


# The same two answers as compile-time constants; the functions above run without JIT.
@overload(_single)
def _single_jit(F):
    single = F.instance_type == types.float32
    return lambda F: single


@overload(_pow2_table)
def _pow2_table_jit(F):
    table = _POW2_F32 if F.instance_type == types.float32 else _POW2_F64
    return lambda F: table


@serial_kernel
def _exp_parts(a, F):
    """(2**k, expm1(r)) in precision F with exp(-a) = 2**k * (1 + expm1(r)), for a >= 0 (NaN gives NaN)."""
    if a > F(745.2):  # exp(-a) underflows to 0 beyond; also keeps inf out of the polynomial
        a = F(745.2)
    k = np.floor(-a * F(_LOG2E) + F(0.5))
    if not k >= F(-1075):  # NaN: any valid index, r stays NaN
        k = F(-1075)
    r = (-a - k * F(_LN2_HI)) - k * F(_LN2_LO)
    # Taylor series of expm1: to r**7 for float32, to r**13 for float64 (below 1e-17 relative)
    if _single(F):
        p = r * (F(1) + r * (F(1 / 2) + r * (F(1 / 6) + r * (F(1 / 24) + r * (
            F(1 / 120) + r * (F(1 / 720) + r * F(1 / 5040)))))))
    else:
        p = r * (F(1) + r * (F(1 / 2) + r * (F(1 / 6) + r * (F(1 / 24) + r * (F(1 / 120) + r * (F(1 / 720) + r * (
            F(1 / 5040) + r * (F(1 / 40320) + r * (F(1 / 362880) + r * (F(1 / 3628800) + r * (
                F(1 / 39916800) + r * (F(1 / 479001600) + r * F(1 / 6227020800)))))))))))))
    return _pow2_table(F)[int(k) + 1075], p


@serial_kernel
def _sigmoid(x, F):
    """1 / (1 + exp(-x)) without overflow: exp only ever sees -|x|."""
    scale, p = _exp_parts(abs(x), F)
    e = scale + scale * p
    s = F(1) / (F(1) + e)
    return s if x >= 0 else e * s  # e / (1 + e) for x < 0


@serial_kernel
def _tanh(x, F):
    """tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign of x; exact near 0."""
    scale, p = _exp_parts(F(2) * abs(x), F)
    em = scale * p + (scale - F(1))
    return math.copysign(-em / (F(2) + em), x)


@serial_kernel
def _cut_before(t, bptt_chunk):
    """True if truncated BPTT stops the gradient flowing from step t into step t - 1."""
    return bptt_chunk > 0 and t > 0 and t % bptt_chunk == 0


@serial_kernel
def _grad_w_hh(grad_pre, h0, hs, grad_w_hh):
    """grad_w_hh = sum_t grad_pre[t].T @ h_{t-1} (h_{-1} = h0), as two matmuls, not T."""
    T, B, G = grad_pre.shape
    H = h0.shape[1]
    np.dot(grad_pre[0].T, h0, grad_w_hh)
    if T > 1:
        grad_w_hh += np.dot(grad_pre[1:].reshape((T - 1) * B, G).T, hs[:-1].reshape((T - 1) * B, H))


@serial_kernel
def _all_steps(grad_xproj, T, B, G, dtype):
    """grad_xproj, or a buffer for all T steps when the caller passed None (it does not want the
    gate gradients, only what the kernel makes of them)."""
    if grad_xproj is None:
        return np.empty((T, B, G), dtype=dtype)
    return grad_xproj


@serial_kernel
def _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih):
    """Gradients of the input projection x_rows @ w_ih.T + b_ih, summed over the T·B rows:
    grad_w_ih = grad_xproj^T x_rows, grad_b_ih = the column sums of grad_xproj; None: not wanted."""
    T, B, G = grad_xproj.shape
    rows = grad_xproj.reshape(T * B, G)
    if grad_w_ih is not None:
        np.dot(rows.T, x_rows, grad_w_ih)
    if grad_b_ih is not None:
        grad_b_ih[:] = 0
        for r in range(T * B):  # row by row: Numba's rows.sum(axis=0) ran 4x slower here
            grad_b_ih += rows[r]


# ----------------------------------------------------------------------------- cells: tanh RNN
# Row by row, one gate at a time, each through 0-based row slices: a loop with one sigmoid or
# tanh and indices Numba knows are >= 0 vectorises (8 floats wide here); a loop doing all five
# did not, and an index like H + j gets a wraparound check that turns loads into gathers.

@serial_kernel
def rnn_cell_forward(pre, h_out):
    """h = tanh(pre)"""
    B, H = h_out.shape
    F = h_out.dtype.type
    for b in range(B):
        x, h = pre[b], h_out[b]
        for j in range(H):
            h[j] = _tanh(x[j], F)


@serial_kernel
def rnn_cell_backward(grad_h, h, grad_pre):
    """grad_pre = grad_h * (1 - h^2)"""
    B, H = h.shape
    one = grad_pre.dtype.type(1)
    for b in range(B):
        dh, hb, dpre = grad_h[b], h[b], grad_pre[b]
        for j in range(H):
            dpre[j] = dh[j] * (one - hb[j] * hb[j])


# ----------------------------------------------------------------------------- cells: LSTM

@serial_kernel
def lstm_cell_forward(gates, c_prev, h_out, c_out, workspace):
    """i, f, o = sigmoid, g = tanh of gates; c = f*c_prev + i*g; h = o*tanh(c); workspace = i, f, g, o."""
    B, H = c_prev.shape
    F = h_out.dtype.type
    for b in range(B):
        pre, act, cp, c, h = gates[b], workspace[b], c_prev[b], c_out[b], h_out[b]
        i, f, g, o = act[:H], act[H:2 * H], act[2 * H:3 * H], act[3 * H:]
        pre_if, pre_g, pre_o = pre[:2 * H], pre[2 * H:3 * H], pre[3 * H:]
        for j in range(2 * H):  # i and f
            act[j] = _sigmoid(pre_if[j], F)
        for j in range(H):
            g[j] = _tanh(pre_g[j], F)
        for j in range(H):
            o[j] = _sigmoid(pre_o[j], F)
        for j in range(H):
            c[j] = f[j] * cp[j] + i[j] * g[j]
        for j in range(H):
            h[j] = _tanh(c[j], F)
        for j in range(H):
            h[j] *= o[j]


@serial_kernel
def lstm_cell_backward(grad_h, grad_c, workspace, c_prev, c, grad_gates, grad_c_prev):
    """Gradients of the gate pre-activations and of c_prev; tanh(c) is recomputed, not stored."""
    B, H = c.shape
    F = grad_gates.dtype.type
    one = F(1)
    for b in range(B):
        act, grad, dh, dc_next, cp, cb, dcp = (workspace[b], grad_gates[b], grad_h[b], grad_c[b],
                                               c_prev[b], c[b], grad_c_prev[b])
        i, f, g, o = act[:H], act[H:2 * H], act[2 * H:3 * H], act[3 * H:]
        di, df, dg, do = grad[:H], grad[H:2 * H], grad[2 * H:3 * H], grad[3 * H:]
        # One short loop per gate: LLVM vectorises a loop only after ruling out overlap between
        # its arrays at run time, and gave up on one loop over all of them.
        for j in range(H):
            dcp[j] = _tanh(cb[j], F)  # grad_c_prev's row holds tanh(c), then dc, then dc * f
        for j in range(H):
            do[j] = dh[j] * dcp[j] * o[j] * (one - o[j])
        for j in range(H):
            dcp[j] = dc_next[j] + dh[j] * o[j] * (one - dcp[j] * dcp[j])
        for j in range(H):
            di[j] = dcp[j] * g[j] * i[j] * (one - i[j])
        for j in range(H):
            df[j] = dcp[j] * cp[j] * f[j] * (one - f[j])
        for j in range(H):
            dg[j] = dcp[j] * i[j] * (one - g[j] * g[j])
        for j in range(H):
            dcp[j] *= f[j]


# ----------------------------------------------------------------------------- cells: GRU

@serial_kernel
def gru_cell_forward(gi, gh, h_prev, h_out, workspace):
    """r, z = sigmoid(gi + gh); n = tanh(gi_n + r*gh_n); h = (1-z)*n + z*h_prev; workspace = r, z, n, gh_n."""
    B, H = h_prev.shape
    F = h_out.dtype.type
    for b in range(B):
        x, hh, hp, h, ws = gi[b], gh[b], h_prev[b], h_out[b], workspace[b]
        r, z, n, gh_n = ws[:H], ws[H:2 * H], ws[2 * H:3 * H], ws[3 * H:]
        x_n, hh_n = x[2 * H:], hh[2 * H:]
        for j in range(2 * H):  # r and z
            ws[j] = _sigmoid(x[j] + hh[j], F)
        for j in range(H):
            gh_n[j] = hh_n[j]
            n[j] = x_n[j] + r[j] * hh_n[j]
        for j in range(H):
            n[j] = _tanh(n[j], F)
        for j in range(H):
            h[j] = (F(1) - z[j]) * n[j] + z[j] * hp[j]


@serial_kernel
def gru_cell_backward(grad_h, workspace, h_prev, grad_gi, grad_gh, grad_h_prev):
    """Gradients of gi, gh and the direct path to h_prev (grad_h * z); the caller adds grad_gh @ w_hh."""
    B, H = h_prev.shape
    one = grad_gi.dtype.type(1)
    for b in range(B):
        ws, dh, hp, dx, dhh, dhp = workspace[b], grad_h[b], h_prev[b], grad_gi[b], grad_gh[b], grad_h_prev[b]
        r, z, n, gh_n = ws[:H], ws[H:2 * H], ws[2 * H:3 * H], ws[3 * H:]
        dx_r, dx_z, dx_n = dx[:H], dx[H:2 * H], dx[2 * H:]
        dh_r, dh_z, dh_n = dhh[:H], dhh[H:2 * H], dhh[2 * H:]
        for j in range(H):
            grad_n = dh[j] * (one - z[j]) * (one - n[j] * n[j])
            grad_r = grad_n * gh_n[j] * r[j] * (one - r[j])
            grad_z = dh[j] * (hp[j] - n[j]) * z[j] * (one - z[j])
            dx_r[j] = dh_r[j] = grad_r
            dx_z[j] = dh_z[j] = grad_z
            dx_n[j] = grad_n
            dh_n[j] = grad_n * r[j]
            dhp[j] = dh[j] * z[j]


# ----------------------------------------------------------------------------- sequences: tanh RNN

@serial_kernel
def _project(x_rows, w_ih, b_ih, T, B):
    """Every step's input projection, xproj[t] = x_rows[t·B:(t+1)·B] @ w_ih.T + b_ih, as one matmul."""
    xproj = np.dot(x_rows, w_ih.T)
    xproj += b_ih
    return xproj.reshape((T, B, w_ih.shape[0]))


@serial_kernel
def rnn_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, hs):
    """h_t = tanh(xproj_t + h_{t-1} @ w_hh.T) for t = 0..T-1, xproj_t = x_t @ w_ih.T + b_ih."""
    xproj = _project(x_rows, w_ih, b_ih, hs.shape[0], hs.shape[1])
    pre = np.empty(h0.shape, dtype=hs.dtype)
    w_hh_t = np.ascontiguousarray(w_hh.T)  # h @ w_hh_t: OpenBLAS runs NN faster than NT (-25 %)
    for t in range(xproj.shape[0]):
        np.dot(h0 if t == 0 else hs[t - 1], w_hh_t, pre)
        pre += xproj[t]
        rnn_cell_forward(pre, hs[t])


@serial_kernel
def rnn_sequence_backward(grad_hs, w_hh, h0, hs, x_rows, grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0,
                          grad_h_steps, bptt_chunk):
    """Backpropagation through time; grad_xproj[t] is the gradient of step t's pre-activation.
    grad_xproj, grad_w_ih and grad_b_ih may be None: not wanted, not made."""
    grad_xproj = _all_steps(grad_xproj, hs.shape[0], hs.shape[1], w_hh.shape[0], hs.dtype)
    grad_h_next = np.zeros(h0.shape, dtype=grad_h0.dtype)  # dLoss/dh_t arriving from step t + 1
    for t in range(grad_hs.shape[0] - 1, -1, -1):
        np.add(grad_hs[t], grad_h_next, grad_h_steps[t])
        rnn_cell_backward(grad_h_steps[t], hs[t], grad_xproj[t])
        if _cut_before(t, bptt_chunk):
            grad_h_next[:] = 0
        else:
            np.dot(grad_xproj[t], w_hh, grad_h_next)
    grad_h0[:] = grad_h_next
    _grad_w_hh(grad_xproj, h0, hs, grad_w_hh)
    _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih)


# ----------------------------------------------------------------------------- sequences: LSTM

@serial_kernel
def lstm_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, c0, hs, cs, gates):
    """Per step: pre = x_t @ w_ih.T + b_ih + h_{t-1} @ w_hh.T, then the LSTM cell; gates[t] = activated i, f, g, o."""
    xproj = _project(x_rows, w_ih, b_ih, hs.shape[0], hs.shape[1])
    pre = np.empty(xproj.shape[1:], dtype=hs.dtype)
    w_hh_t = np.ascontiguousarray(w_hh.T)  # h @ w_hh_t: OpenBLAS runs NN faster than NT (-25 %)
    for t in range(xproj.shape[0]):
        np.dot(h0 if t == 0 else hs[t - 1], w_hh_t, pre)
        pre += xproj[t]
        lstm_cell_forward(pre, c0 if t == 0 else cs[t - 1], hs[t], cs[t], gates[t])


@serial_kernel
def lstm_sequence_backward(grad_hs, grad_cT, w_hh, h0, c0, hs, cs, gates, x_rows,
                           grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0, grad_c0, grad_h_steps, bptt_chunk):
    """Backpropagation through time for the LSTM; grad_cT is the gradient of c_n (None outputs:
    as rnn_sequence_backward)."""
    grad_xproj = _all_steps(grad_xproj, hs.shape[0], hs.shape[1], w_hh.shape[0], hs.dtype)
    grad_h_next = np.zeros(h0.shape, dtype=grad_h0.dtype)
    grad_c = grad_cT.copy()  # dLoss/dc_t arriving from step t + 1 (or c_n)
    grad_c_prev = np.empty(h0.shape, dtype=grad_h0.dtype)
    for t in range(grad_hs.shape[0] - 1, -1, -1):
        np.add(grad_hs[t], grad_h_next, grad_h_steps[t])
        lstm_cell_backward(grad_h_steps[t], grad_c, gates[t], c0 if t == 0 else cs[t - 1], cs[t],
                           grad_xproj[t], grad_c_prev)
        if _cut_before(t, bptt_chunk):
            grad_h_next[:] = 0
            grad_c[:] = 0
        else:
            np.dot(grad_xproj[t], w_hh, grad_h_next)
            grad_c, grad_c_prev = grad_c_prev, grad_c
    grad_h0[:] = grad_h_next
    grad_c0[:] = grad_c
    _grad_w_hh(grad_xproj, h0, hs, grad_w_hh)
    _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih)


# ----------------------------------------------------------------------------- sequences: GRU

@serial_kernel
def gru_sequence_forward(x_rows, w_ih, b_ih, w_hh, b_hh, h0, hs, workspace):
    """Per step: gh = h_{t-1} @ w_hh.T + b_hh, then the GRU cell with gi = x_t @ w_ih.T + b_ih."""
    xproj = _project(x_rows, w_ih, b_ih, hs.shape[0], hs.shape[1])
    gh = np.empty(xproj.shape[1:], dtype=hs.dtype)
    w_hh_t = np.ascontiguousarray(w_hh.T)  # h @ w_hh_t: OpenBLAS runs NN faster than NT (-25 %)
    for t in range(xproj.shape[0]):
        h_prev = h0 if t == 0 else hs[t - 1]
        np.dot(h_prev, w_hh_t, gh)
        gh += b_hh
        gru_cell_forward(xproj[t], gh, h_prev, hs[t], workspace[t])


@serial_kernel
def gru_sequence_backward(grad_hs, w_hh, b_hh, h0, hs, workspace, x_rows,
                          grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_b_hh, grad_h0, grad_h_steps, bptt_chunk):
    """Backpropagation through time for the GRU (b_hh is not needed: workspace holds gh_n; None
    outputs: as rnn_sequence_backward)."""
    grad_xproj = _all_steps(grad_xproj, hs.shape[0], hs.shape[1], w_hh.shape[0], hs.dtype)
    T, B, G = grad_xproj.shape
    grad_gh = np.empty((T, B, G), dtype=grad_xproj.dtype)  # all steps: grad_w_hh is one matmul
    grad_h_next = np.zeros(h0.shape, dtype=grad_h0.dtype)
    grad_h_direct = np.empty(h0.shape, dtype=grad_h0.dtype)
    for t in range(T - 1, -1, -1):
        np.add(grad_hs[t], grad_h_next, grad_h_steps[t])
        gru_cell_backward(grad_h_steps[t], workspace[t], h0 if t == 0 else hs[t - 1],
                          grad_xproj[t], grad_gh[t], grad_h_direct)
        if _cut_before(t, bptt_chunk):
            grad_h_next[:] = 0
        else:
            np.dot(grad_gh[t], w_hh, grad_h_next)
            grad_h_next += grad_h_direct
    grad_h0[:] = grad_h_next
    grad_b_hh[:] = grad_gh.reshape(T * B, G).sum(axis=0)
    _grad_w_hh(grad_gh, h0, hs, grad_w_hh)
    _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih)
