"""Recurrent kernels in Numba: the gate math as one fused loop; per-step matmuls via np.dot (BLAS).

Twins of reference/recurrent.py (same names, signatures and equations).  Inside njit, np.dot on
contiguous 2-D float arrays calls BLAS (scipy's), so the sequence kernels run whole in compiled
code; what Numba adds over NumPy is one pass over the gates instead of a dozen temporaries.
Number literals are float64 to Numba, so float32 kernels do part of the gate math in double and
round when they store.  All njit helpers live in this file: Numba's cache does not notice changes
in other files.
"""
import math

import numpy as np

from ._config import serial_kernel


# exp, sigmoid and tanh written out so that the gate loops vectorise: a loop calling libm's
# scalar exp/tanh ran 5-50 ns per element here, NumPy's SIMD ufuncs 0.5-3 ns.  Evaluated in
# float64 (also for float32 arrays), accurate to a few ulp of float64.
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two so k * ln 2 is exact (Cody-Waite)
_LN2_LO = 1.90821492927058770002e-10
_POW2 = 2.0 ** np.arange(-1075.0, 1.0)  # 2**k by table look-up (a vector gather) instead of ldexp


@serial_kernel
def _exp_parts(x):
    """(2**k, expm1(r)) with exp(x) = 2**k * (1 + expm1(r)), for x <= 0 (NaN gives NaN)."""
    if x < -745.2:  # exp underflows to 0 below; also keeps -inf out of the polynomial
        x = -745.2
    k = np.floor(x * _LOG2E + 0.5)
    if not k >= -1075.0:  # NaN: any valid index, r stays NaN
        k = -1075.0
    r = (x - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2) / 2
    # Taylor series of expm1 to r**13: truncation below 1e-17 relative on |r| <= 0.347
    p = r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (
        1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800 + r * (
            1 / 39916800 + r * (1 / 479001600 + r * (1 / 6227020800)))))))))))))
    return _POW2[int(k) + 1075], p


@serial_kernel
def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp only ever sees -|x|."""
    scale, p = _exp_parts(-abs(x))
    e = scale + scale * p
    s = 1.0 / (1.0 + e)
    return s if x >= 0 else e * s  # e / (1 + e) for x < 0


@serial_kernel
def _tanh(x):
    """tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign of x; exact near 0."""
    scale, p = _exp_parts(-2.0 * abs(x))
    em = scale * p + (scale - 1.0)
    return math.copysign(-em / (2.0 + em), x)


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


# ----------------------------------------------------------------------------- cells: tanh RNN
# The gate loops run row by row, over one gate block at a time: a loop body with a single
# sigmoid or tanh vectorises, one doing all five did not (3x slower).  A row stays in L1.

@serial_kernel
def rnn_cell_forward(pre, h_out):
    """h = tanh(pre)"""
    B, H = h_out.shape
    for b in range(B):
        x, h = pre[b], h_out[b]
        for j in range(H):
            h[j] = _tanh(x[j])


@serial_kernel
def rnn_cell_backward(grad_h, h, grad_pre):
    """grad_pre = grad_h * (1 - h^2)"""
    B, H = h.shape
    for b in range(B):
        dh, hb, dpre = grad_h[b], h[b], grad_pre[b]
        for j in range(H):
            dpre[j] = dh[j] * (1.0 - hb[j] * hb[j])


# ----------------------------------------------------------------------------- cells: LSTM

@serial_kernel
def lstm_cell_forward(gates, c_prev, h_out, c_out, workspace):
    """i, f, o = sigmoid, g = tanh of gates; c = f*c_prev + i*g; h = o*tanh(c); workspace = i, f, g, o."""
    B, H = c_prev.shape
    for b in range(B):
        pre, act, cp, c, h = gates[b], workspace[b], c_prev[b], c_out[b], h_out[b]
        for j in range(2 * H):          # i, f
            act[j] = _sigmoid(pre[j])
        for j in range(2 * H, 3 * H):   # g
            act[j] = _tanh(pre[j])
        for j in range(3 * H, 4 * H):   # o
            act[j] = _sigmoid(pre[j])
        for j in range(H):
            c[j] = act[H + j] * cp[j] + act[j] * act[2 * H + j]
        for j in range(H):
            h[j] = _tanh(c[j])
        for j in range(H):
            h[j] *= act[3 * H + j]


@serial_kernel
def lstm_cell_backward(grad_h, grad_c, workspace, c_prev, c, grad_gates, grad_c_prev):
    """Gradients of the gate pre-activations and of c_prev; tanh(c) is recomputed, not stored."""
    B, H = c.shape
    for b in range(B):
        act, dg, dh, dcn, cp, cb, dcp = (workspace[b], grad_gates[b], grad_h[b], grad_c[b],
                                         c_prev[b], c[b], grad_c_prev[b])
        for j in range(H):
            dcp[j] = _tanh(cb[j])  # grad_c_prev's row holds tanh(c) until the next loop
        for j in range(H):
            i, f, g, o = act[j], act[H + j], act[2 * H + j], act[3 * H + j]
            tanh_c = dcp[j]
            dc = dcn[j] + dh[j] * o * (1.0 - tanh_c * tanh_c)
            dg[j] = dc * g * i * (1.0 - i)
            dg[H + j] = dc * cp[j] * f * (1.0 - f)
            dg[2 * H + j] = dc * i * (1.0 - g * g)
            dg[3 * H + j] = dh[j] * tanh_c * o * (1.0 - o)
            dcp[j] = dc * f


# ----------------------------------------------------------------------------- cells: GRU

@serial_kernel
def gru_cell_forward(gi, gh, h_prev, h_out, workspace):
    """r, z = sigmoid(gi + gh); n = tanh(gi_n + r*gh_n); h = (1-z)*n + z*h_prev; workspace = r, z, n, gh_n."""
    B, H = h_prev.shape
    for b in range(B):
        x, hh, hp, h, ws = gi[b], gh[b], h_prev[b], h_out[b], workspace[b]
        for j in range(2 * H):  # r, z
            ws[j] = _sigmoid(x[j] + hh[j])
        for j in range(H):
            ws[3 * H + j] = hh[2 * H + j]
            ws[2 * H + j] = x[2 * H + j] + ws[j] * hh[2 * H + j]
        for j in range(2 * H, 3 * H):  # n
            ws[j] = _tanh(ws[j])
        for j in range(H):
            z = ws[H + j]
            h[j] = (1.0 - z) * ws[2 * H + j] + z * hp[j]


@serial_kernel
def gru_cell_backward(grad_h, workspace, h_prev, grad_gi, grad_gh, grad_h_prev):
    """Gradients of gi, gh and the direct path to h_prev (grad_h * z); the caller adds grad_gh @ w_hh."""
    B, H = h_prev.shape
    for b in range(B):
        ws, dh, hp, dx, dhh, dhp = workspace[b], grad_h[b], h_prev[b], grad_gi[b], grad_gh[b], grad_h_prev[b]
        for j in range(H):
            r, z, n = ws[j], ws[H + j], ws[2 * H + j]
            grad_n = dh[j] * (1.0 - z) * (1.0 - n * n)
            grad_r = grad_n * ws[3 * H + j] * r * (1.0 - r)
            grad_z = dh[j] * (hp[j] - n) * z * (1.0 - z)
            dx[j] = dhh[j] = grad_r
            dx[H + j] = dhh[H + j] = grad_z
            dx[2 * H + j] = grad_n
            dhh[2 * H + j] = grad_n * r
            dhp[j] = dh[j] * z


# ----------------------------------------------------------------------------- sequences: tanh RNN

@serial_kernel
def rnn_sequence_forward(xproj, w_hh, h0, hs):
    """h_t = tanh(xproj_t + h_{t-1} @ w_hh.T) for t = 0..T-1."""
    pre = np.empty(h0.shape, dtype=hs.dtype)
    for t in range(xproj.shape[0]):
        np.dot(h0 if t == 0 else hs[t - 1], w_hh.T, pre)
        pre += xproj[t]
        rnn_cell_forward(pre, hs[t])


@serial_kernel
def rnn_sequence_backward(grad_hs, w_hh, h0, hs, grad_xproj, grad_w_hh, grad_h0, grad_h_steps, bptt_chunk):
    """Backpropagation through time; grad_xproj[t] is the gradient of step t's pre-activation."""
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


# ----------------------------------------------------------------------------- sequences: LSTM

@serial_kernel
def lstm_sequence_forward(xproj, w_hh, h0, c0, hs, cs, gates):
    """Per step: pre = xproj_t + h_{t-1} @ w_hh.T, then the LSTM cell; gates[t] = activated i, f, g, o."""
    pre = np.empty(xproj.shape[1:], dtype=hs.dtype)
    for t in range(xproj.shape[0]):
        np.dot(h0 if t == 0 else hs[t - 1], w_hh.T, pre)
        pre += xproj[t]
        lstm_cell_forward(pre, c0 if t == 0 else cs[t - 1], hs[t], cs[t], gates[t])


@serial_kernel
def lstm_sequence_backward(grad_hs, grad_cT, w_hh, h0, c0, hs, cs, gates,
                           grad_xproj, grad_w_hh, grad_h0, grad_c0, grad_h_steps, bptt_chunk):
    """Backpropagation through time for the LSTM; grad_cT is the gradient of c_n."""
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


# ----------------------------------------------------------------------------- sequences: GRU

@serial_kernel
def gru_sequence_forward(xproj, w_hh, b_hh, h0, hs, workspace):
    """Per step: gh = h_{t-1} @ w_hh.T + b_hh, then the GRU cell with gi = xproj_t."""
    gh = np.empty(xproj.shape[1:], dtype=hs.dtype)
    for t in range(xproj.shape[0]):
        h_prev = h0 if t == 0 else hs[t - 1]
        np.dot(h_prev, w_hh.T, gh)
        gh += b_hh
        gru_cell_forward(xproj[t], gh, h_prev, hs[t], workspace[t])


@serial_kernel
def gru_sequence_backward(grad_hs, w_hh, b_hh, h0, hs, workspace,
                          grad_xproj, grad_w_hh, grad_b_hh, grad_h0, grad_h_steps, bptt_chunk):
    """Backpropagation through time for the GRU (b_hh is not needed: workspace holds gh_n)."""
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
