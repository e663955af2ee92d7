"""Recurrent kernels in NumPy: fused cell math and whole sequences through time (the spec).

Gate order and equations are PyTorch's.  The matmuls that produce the gate pre-activations run
outside the cell kernels (BLAS); the sequence kernels run one ``h @ w_hh.T`` per step and the
cell math, and backpropagate through time in one call.
"""
import numpy as np


def _sigmoid(x: np.ndarray, out: np.ndarray) -> None:
    """out = 1 / (1 + exp(-x)) without overflow: exp only ever sees -|x|."""
    e = np.exp(-np.abs(x))
    s = 1 / (1 + e)
    np.copyto(out, np.where(x >= 0, s, e * s))  # e / (1 + e) for x < 0


def _cut_before(t: int, bptt_chunk: int) -> bool:
    """True if truncated BPTT stops the gradient flowing from step t into step t - 1."""
    return bptt_chunk > 0 and t > 0 and t % bptt_chunk == 0


def _grad_w_hh(grad_pre: np.ndarray, h0: np.ndarray, hs: np.ndarray, grad_w_hh: np.ndarray) -> None:
    """grad_w_hh = sum_t grad_pre[t].T @ h_{t-1} (h_{-1} = h0), as two matmuls, not T."""
    T, B, G = grad_pre.shape
    H = h0.shape[1]
    np.matmul(grad_pre[0].T, h0, out=grad_w_hh)
    if T > 1:
        grad_w_hh += grad_pre[1:].reshape((T - 1) * B, G).T @ hs[:-1].reshape((T - 1) * B, H)


def _all_steps(grad_xproj, T: int, B: int, G: int, dtype) -> np.ndarray:
    """grad_xproj, or a buffer for all T steps when the caller passed None (it does not want the
    gate gradients, only what the kernel makes of them)."""
    return np.empty((T, B, G), dtype) if grad_xproj is None else grad_xproj


def _projection_grads(grad_xproj: np.ndarray, x_rows: np.ndarray, grad_w_ih, grad_b_ih) -> None:
    """Gradients of the input projection x_rows @ w_ih.T + b_ih, summed over the T·B rows:
    grad_w_ih = grad_xproj^T x_rows, grad_b_ih = the column sums of grad_xproj; None: not wanted."""
    T, B, G = grad_xproj.shape
    rows = grad_xproj.reshape(T * B, G)
    if grad_w_ih is not None:
        np.matmul(rows.T, x_rows, out=grad_w_ih)
    if grad_b_ih is not None:
        rows.sum(axis=0, out=grad_b_ih)


# ----------------------------------------------------------------------------- cells: tanh RNN

def rnn_cell_forward(pre, h_out):
    """h = tanh(pre)"""
    np.tanh(pre, out=h_out)


def rnn_cell_backward(grad_h, h, grad_pre):
    """grad_pre = grad_h * (1 - h^2)"""
    np.multiply(grad_h, 1 - h * h, out=grad_pre)


# ----------------------------------------------------------------------------- cells: LSTM

def lstm_cell_forward(gates, c_prev, h_out, c_out, workspace):
    """i, f, o = sigmoid, g = tanh of gates; c = f*c_prev + i*g; h = o*tanh(c); workspace = i, f, g, o."""
    H = c_prev.shape[1]
    _sigmoid(gates[:, :2 * H], workspace[:, :2 * H])               # i, f
    np.tanh(gates[:, 2 * H:3 * H], out=workspace[:, 2 * H:3 * H])  # g
    _sigmoid(gates[:, 3 * H:], workspace[:, 3 * H:])               # o
    i, f, g, o = np.split(workspace, 4, axis=1)
    c_out[...] = f * c_prev + i * g
    h_out[...] = o * np.tanh(c_out)


def lstm_cell_backward(grad_h, grad_c, workspace, c_prev, c, grad_gates, grad_c_prev):
    """Gradients of the gate pre-activations and of c_prev; tanh(c) is recomputed, not stored."""
    H = c_prev.shape[1]
    i, f, g, o = np.split(workspace, 4, axis=1)
    tanh_c = np.tanh(c)
    dc = grad_c + grad_h * o * (1 - tanh_c * tanh_c)  # from later steps + through h = o*tanh(c)
    grad_gates[:, :H] = dc * g * i * (1 - i)
    grad_gates[:, H:2 * H] = dc * c_prev * f * (1 - f)
    grad_gates[:, 2 * H:3 * H] = dc * i * (1 - g * g)
    grad_gates[:, 3 * H:] = grad_h * tanh_c * o * (1 - o)
    grad_c_prev[...] = dc * f


# ----------------------------------------------------------------------------- cells: GRU

def gru_cell_forward(gi, gh, h_prev, h_out, workspace):
    """r, z = sigmoid(gi + gh); n = tanh(gi_n + r*gh_n); h = (1-z)*n + z*h_prev; workspace = r, z, n, gh_n."""
    H = h_prev.shape[1]
    r, z, n, gh_n = np.split(workspace, 4, axis=1)
    _sigmoid(gi[:, :2 * H] + gh[:, :2 * H], workspace[:, :2 * H])  # r, z
    np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:], out=n)
    gh_n[...] = gh[:, 2 * H:]
    h_out[...] = (1 - z) * n + z * h_prev


def gru_cell_backward(grad_h, workspace, h_prev, grad_gi, grad_gh, grad_h_prev):
    """Gradients of gi, gh and the direct path to h_prev (grad_h * z); the caller adds grad_gh @ w_hh."""
    H = h_prev.shape[1]
    r, z, n, gh_n = np.split(workspace, 4, axis=1)
    grad_n = grad_h * (1 - z) * (1 - n * n)    # at n's pre-activation
    grad_r = grad_n * gh_n * r * (1 - r)        # at r's pre-activation
    grad_z = grad_h * (h_prev - n) * z * (1 - z)
    grad_gi[:, :H] = grad_r
    grad_gi[:, H:2 * H] = grad_z
    grad_gi[:, 2 * H:] = grad_n
    grad_gh[:, :H] = grad_r
    grad_gh[:, H:2 * H] = grad_z
    grad_gh[:, 2 * H:] = grad_n * r
    np.multiply(grad_h, z, out=grad_h_prev)


# ----------------------------------------------------------------------------- sequences: tanh RNN

def _project(x_rows, w_ih, b_ih, T, B):
    """Every step's input projection, xproj[t] = x_rows[t·B:(t+1)·B] @ w_ih.T + b_ih, as one matmul."""
    xproj = np.matmul(x_rows, w_ih.T)
    xproj += b_ih
    return xproj.reshape(T, B, w_ih.shape[0])


def rnn_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, hs):
    """h_t = tanh(xproj_t + h_{t-1} @ w_hh.T) for t = 0..T-1, xproj_t = x_t @ w_ih.T + b_ih."""
    xproj = _project(x_rows, w_ih, b_ih, *hs.shape[:2])
    pre = np.empty_like(h0)
    h_prev = h0
    for t in range(xproj.shape[0]):
        np.matmul(h_prev, w_hh.T, out=pre)
        pre += xproj[t]
        rnn_cell_forward(pre, hs[t])
        h_prev = hs[t]


def rnn_sequence_backward(grad_hs, w_hh, h0, hs, x_rows, grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0,
                          grad_h_steps, bptt_chunk):
    """Backpropagation through time; grad_xproj[t] is the gradient of step t's pre-activation.
    grad_xproj, grad_w_ih and grad_b_ih may be None: not wanted, not made."""
    grad_xproj = _all_steps(grad_xproj, *hs.shape[:2], w_hh.shape[0], hs.dtype)
    grad_h_next = np.zeros_like(h0)  # dLoss/dh_t arriving from step t + 1
    for t in reversed(range(grad_hs.shape[0])):
        np.add(grad_hs[t], grad_h_next, out=grad_h_steps[t])
        rnn_cell_backward(grad_h_steps[t], hs[t], grad_xproj[t])
        if _cut_before(t, bptt_chunk):
            grad_h_next[...] = 0
        else:
            np.matmul(grad_xproj[t], w_hh, out=grad_h_next)
    grad_h0[...] = grad_h_next
    _grad_w_hh(grad_xproj, h0, hs, grad_w_hh)
    _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih)


# ----------------------------------------------------------------------------- sequences: LSTM

def lstm_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, c0, hs, cs, gates):
    """Per step: pre = x_t @ w_ih.T + b_ih + h_{t-1} @ w_hh.T, then the LSTM cell; gates[t] = activated i, f, g, o."""
    xproj = _project(x_rows, w_ih, b_ih, *hs.shape[:2])
    pre = np.empty_like(xproj[0])
    h_prev, c_prev = h0, c0
    for t in range(xproj.shape[0]):
        np.matmul(h_prev, w_hh.T, out=pre)
        pre += xproj[t]
        lstm_cell_forward(pre, c_prev, hs[t], cs[t], gates[t])
        h_prev, c_prev = hs[t], cs[t]


def lstm_sequence_backward(grad_hs, grad_cT, w_hh, h0, c0, hs, cs, gates, x_rows,
                           grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0, grad_c0, grad_h_steps, bptt_chunk):
    """Backpropagation through time for the LSTM; grad_cT is the gradient of c_n (None outputs:
    as rnn_sequence_backward)."""
    grad_xproj = _all_steps(grad_xproj, *hs.shape[:2], w_hh.shape[0], hs.dtype)
    grad_h_next = np.zeros_like(h0)
    grad_c = grad_cT.copy()         # dLoss/dc_t arriving from step t + 1 (or c_n)
    grad_c_prev = np.empty_like(grad_c)
    for t in reversed(range(grad_hs.shape[0])):
        np.add(grad_hs[t], grad_h_next, out=grad_h_steps[t])
        c_prev = cs[t - 1] if t > 0 else c0
        lstm_cell_backward(grad_h_steps[t], grad_c, gates[t], c_prev, cs[t], grad_xproj[t], grad_c_prev)
        if _cut_before(t, bptt_chunk):
            grad_h_next[...] = 0
            grad_c[...] = 0
        else:
            np.matmul(grad_xproj[t], w_hh, out=grad_h_next)
            grad_c, grad_c_prev = grad_c_prev, grad_c
    grad_h0[...] = grad_h_next
    grad_c0[...] = grad_c
    _grad_w_hh(grad_xproj, h0, hs, grad_w_hh)
    _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih)


# ----------------------------------------------------------------------------- sequences: GRU

def gru_sequence_forward(x_rows, w_ih, b_ih, w_hh, b_hh, h0, hs, workspace):
    """Per step: gh = h_{t-1} @ w_hh.T + b_hh, then the GRU cell with gi = x_t @ w_ih.T + b_ih."""
    xproj = _project(x_rows, w_ih, b_ih, *hs.shape[:2])
    gh = np.empty_like(xproj[0])
    h_prev = h0
    for t in range(xproj.shape[0]):
        np.matmul(h_prev, w_hh.T, out=gh)
        gh += b_hh
        gru_cell_forward(xproj[t], gh, h_prev, hs[t], workspace[t])
        h_prev = hs[t]


def gru_sequence_backward(grad_hs, w_hh, b_hh, h0, hs, workspace, x_rows,
                          grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_b_hh, grad_h0, grad_h_steps, bptt_chunk):
    """Backpropagation through time for the GRU (b_hh is not needed: workspace holds gh_n; None
    outputs: as rnn_sequence_backward)."""
    grad_xproj = _all_steps(grad_xproj, *hs.shape[:2], w_hh.shape[0], hs.dtype)
    grad_gh = np.empty_like(grad_xproj)  # all steps, so grad_w_hh is one matmul at the end
    grad_h_next = np.zeros_like(h0)
    grad_h_direct = np.empty_like(h0)
    for t in reversed(range(grad_hs.shape[0])):
        np.add(grad_hs[t], grad_h_next, out=grad_h_steps[t])
        h_prev = hs[t - 1] if t > 0 else h0
        gru_cell_backward(grad_h_steps[t], workspace[t], h_prev, grad_xproj[t], grad_gh[t], grad_h_direct)
        if _cut_before(t, bptt_chunk):
            grad_h_next[...] = 0
        else:
            np.matmul(grad_gh[t], w_hh, out=grad_h_next)
            grad_h_next += grad_h_direct
    grad_h0[...] = grad_h_next
    grad_gh.sum(axis=(0, 1), out=grad_b_hh)
    _grad_w_hh(grad_gh, h0, hs, grad_w_hh)
    _projection_grads(grad_xproj, x_rows, grad_w_ih, grad_b_ih)
