"""Recurrent ops: tanh-RNN, LSTM and GRU as whole sequences (one graph node per layer and
direction) and as single cells, over the recurrent kernels of the active backend.

A sequence op hands the whole sequence to one kernel call: the kernel projects the inputs of
all T steps with one matmul (x_rows W_ih^T + b_ih, x_rows the T·B rows of x), then runs the
steps.  Its backward runs the backward-through-time kernel once, which also makes the gradients
of w_hh, w_ih and the projection's bias (each only when wanted: an output the op passes as None
is not made); the op adds grad_x, one matmul over all T·B rows.  A compiled backend runs the
batch in parts, one per thread (see "batch parts" below).  A cell op runs its two matmuls with
BLAS here and the pointwise gate math in one fused kernel.

Every check happens here, before a kernel runs.  dtype rule: the float arrays of one call
(input, states, weights) are promoted together to float32 or float64 (float64 if any is
float64); an integer or bool input takes that dtype.  Gate order and equations are PyTorch's.

Reading per-step values: give a sequence op a ``StepRecord`` (the modules in
``minigrad.nn.modules.rnn`` always do) and after forward ``record.gates`` holds the per-step
gate activations; after backward ``record.hidden_grads`` holds dLoss/dh_t for every step.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..autograd.function import Function
from ..parallel import BatchParts

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class StepRecord:
    """Per-step values one sequence call leaves for study, in the input's time order.

    ``gates``: [T, B, k·H] after forward — LSTM: activated i, f, g, o; GRU: r, z, n;
    tanh RNN: h_t itself (its only activation).
    ``hidden_grads``: [T, B, H] after backward — dLoss/dh_t in total (from the output at step t
    and from the later steps), exactly the kernel's ``grad_h_steps``; None until backward ran.
    Under truncated BPTT it is the truncated gradient.
    A batch run in parts (threads) is joined into one array when first read, not before.
    """

    __slots__ = ("_gates", "_hidden_grads")

    def __init__(self) -> None:
        self._gates = None
        self._hidden_grads = None

    @property
    def gates(self):
        if callable(self._gates):
            self._gates = self._gates()
        return self._gates

    @property
    def hidden_grads(self):
        if callable(self._hidden_grads):
            self._hidden_grads = self._hidden_grads()
        return self._hidden_grads

    def __repr__(self) -> str:
        shape = None if self._gates is None else self.gates.shape
        return f"StepRecord(gates={shape}, hidden_grads={'set' if self._hidden_grads is not None else None})"


# ----------------------------------------------------------------------------- checks

def _floats(op: str, *arrays):
    """Apply the dtype rule: one float dtype for every array (None stays None), C-contiguous."""
    kinds = [a.dtype for a in arrays if a is not None and a.dtype.kind == "f"]
    for a in arrays:
        if a is not None and a.dtype.kind not in "fiub":
            raise TypeError(f"{op}: expected float, integer or bool arrays, got {a.dtype}")
    dtype = np.result_type(*kinds) if kinds else np.dtype(np.float32)
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float64) if dtype.itemsize > 8 else np.dtype(np.float32)
    return dtype, [None if a is None else np.ascontiguousarray(a, dtype=dtype) for a in arrays]


def _check_weights(op: str, kind: str, n_inputs: int, w_ih, w_hh, b_ih, b_hh) -> int:
    """Validate the weight shapes against each other and the input width; return hidden size H."""
    gates = GATES[kind]
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"{op}: weight_hh must have shape [{gates}·hidden_size, hidden_size], "
                         f"got {w_hh.shape}")
    H = w_hh.shape[1]
    if w_ih.ndim != 2 or w_ih.shape[0] != gates * H:
        raise ValueError(f"{op}: weight_ih must have shape [{gates * H}, input_size] to match weight_hh "
                         f"{w_hh.shape}, got {w_ih.shape}")
    if w_ih.shape[1] != n_inputs:
        raise ValueError(f"{op}: input has {n_inputs} features but weight_ih {w_ih.shape} expects "
                         f"{w_ih.shape[1]}")
    for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
        if b is not None and b.shape != (gates * H,):
            raise ValueError(f"{op}: {name} must have shape ({gates * H},), got {b.shape}")
    if H < 1:
        raise ValueError(f"{op}: hidden_size must be at least 1, got {H}")
    return H


def _check_state(op: str, name: str, state, B: int, H: int):
    if state is not None and state.shape != (B, H):
        raise ValueError(f"{op}: expected {name} of shape {(B, H)} (batch, hidden_size), got {state.shape}")


def _check_sequence(op: str, kind: str, x, states: dict, w_ih, w_hh, b_ih, b_hh, bptt_chunk) -> tuple:
    if x.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D input [seq_len, batch, input_size], got shape {x.shape}")
    T, B, I = x.shape
    if T < 1 or B < 1:
        raise ValueError(f"{op}: the input needs at least one step and one sample, got shape {x.shape}")
    H = _check_weights(op, kind, I, w_ih, w_hh, b_ih, b_hh)
    for name, state in states.items():
        _check_state(op, name, state, B, H)
    if isinstance(bptt_chunk, bool) or not isinstance(bptt_chunk, (int, np.integer)) or bptt_chunk < 0:
        raise ValueError(f"{op}: bptt_chunk must be an int >= 0 (0: full backpropagation through time), "
                         f"got {bptt_chunk!r}")
    return T, B, I, H


def _check_cell(op: str, kind: str, x, states: dict, w_ih, w_hh, b_ih, b_hh) -> tuple:
    if x.ndim != 2:
        raise ValueError(f"{op}: expected a 2-D input [batch, input_size], got shape {x.shape}")
    B, I = x.shape
    if B < 1:
        raise ValueError(f"{op}: the input needs at least one sample, got shape {x.shape}")
    H = _check_weights(op, kind, I, w_ih, w_hh, b_ih, b_hh)
    for name, state in states.items():
        _check_state(op, name, state, B, H)
    return B, I, H


# ----------------------------------------------------------------------------- shared pieces

def _sum_bias(b_ih, b_hh):
    """b_ih + b_hh, or whichever exists, or None."""
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def _input_rows(x):
    """The T·B rows of x [T, B, I] (row t·B + b: step t, sample b) that the sequence kernels
    project at once, x_rows @ w_ih.T + b_ih."""
    T, B, I = x.shape
    return np.ascontiguousarray(x.reshape(T * B, I))


def _projection_bias(bias, G: int, dtype):
    """The b_ih the sequence kernels add to the input projection: the layer's bias, zeros without."""
    return np.zeros(G, dtype) if bias is None else bias


def _time_major(x, reverse: bool):
    """The input in processing order: time reversed for the backward direction, C-contiguous."""
    return np.ascontiguousarray(x[::-1]) if reverse else x


def _grad_steps(grad_hs, grad_hn, dtype, reverse: bool, parts: BatchParts) -> list:
    """grad_hs in processing order, one fresh C-contiguous array per batch part (one copy each),
    with h_n's gradient added at the last step (the kernel contract: grad_hs already includes it)."""
    ordered = grad_hs[::-1] if reverse else grad_hs
    pieces = []
    for part in parts.slices:
        g = np.array(ordered[:, part], dtype=dtype, order="C")
        g[-1] += grad_hn[part]
        pieces.append(g)
    return pieces


def _sum_parts(arrays: list):
    """The parts' gradients added up, into the first part's array (the kernels' outputs: ours)."""
    total = arrays[0]
    for a in arrays[1:]:
        total += a
    return total


def _projection_grad_outs(ctx, T: int, B: int, w_ih, x_index: int, w_ih_index: int, bias_indices: tuple):
    """The backward kernel's optional outputs for one part of B samples, each None when nobody
    wants it: grad_xproj [T, B, G] (grad_x is made from it), grad_w_ih, grad_b_ih."""
    needs = ctx.needs_input_grad
    G = w_ih.shape[0]
    return SimpleNamespace(xproj=np.empty((T, B, G), w_ih.dtype) if needs[x_index] else None,
                           w_ih=np.empty_like(w_ih) if needs[w_ih_index] else None,
                           b_ih=np.empty(G, w_ih.dtype) if any(needs[k] for k in bias_indices) else None)


def _input_side_grads(ctx, grads: list, w_ih) -> tuple:
    """Gradients of x, w_ih and the projection's bias (None where not made) from the parts'
    kernel outputs: grad_x is one matmul over all T·B rows of grad_xproj (in the input's time
    order), parts joined; the weight and bias gradients add up over the parts."""
    grad_x = None
    if grads[0].xproj is not None:
        I = w_ih.shape[1]
        grad_x = _join([np.matmul(d.xproj.reshape(-1, d.xproj.shape[2]), w_ih).reshape(*d.xproj.shape[:2], I)
                        for d in grads], axis=1)
        if ctx.reverse:
            grad_x = grad_x[::-1]
    grad_w_ih = None if grads[0].w_ih is None else _sum_parts([d.w_ih for d in grads])
    grad_b_ih = None if grads[0].b_ih is None else _sum_parts([d.b_ih for d in grads])
    return grad_x, grad_w_ih, grad_b_ih


def _keep(ctx, record, gates=None, hidden_grads=None, width=None):
    """Hand per-step values (lists of the batch parts' arrays) to the StepRecord, to be joined in
    the input's time order when first read; ``width`` keeps the first gate columns only."""
    if record is None:
        return
    reverse = ctx.reverse  # not ctx itself: ctx holds the record, and a cycle would keep every
    # saved array of the step alive until the garbage collector ran (~7 MB a step for the LSTM)

    def joined(parts, columns=None):
        def join():
            whole = _join(parts, axis=1)
            whole = whole[::-1] if reverse else whole
            return whole if columns is None else whole[:, :, :columns]
        return join

    if gates is not None:
        record._gates = joined(gates, width)
    if hidden_grads is not None:
        record._hidden_grads = joined(hidden_grads)


# ----------------------------------------------------------------------------- batch parts
# The samples of a batch run through time independently, so a sequence op splits the batch
# into parts, one per thread, each with its own C-contiguous arrays (the kernels' contract).
# Each op writes the work of one part once (``forward_part``, ``backward_part``) and
# ``BatchParts.run`` calls it for every part side by side; a part's arrays stay apart from
# forward to backward, and only the weight gradients add up across parts.  With one thread
# there is one part, the whole batch, and nothing is copied.

# Below this many gate values (T·B·G) per part, a thread costs more than it saves.
MIN_GATES_PER_PART = 1 << 16


def _batch_parts(backend, T: int, B: int, G: int) -> BatchParts:
    """The batch's parts: several only for a compiled backend and enough work per part."""
    return BatchParts(B, T * B * G, backend, min_work=MIN_GATES_PER_PART)


def _join(arrays, axis: int):
    """The parts' arrays joined back along the batch axis (the array itself for one part)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=axis)


# ----------------------------------------------------------------------------- sequences

class RNNSequence(Function):
    """hs, h_n = tanh-RNN over x [T, B, I]: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Kernels (rnn_sequence_forward, rnn_sequence_backward): ``kernels/reference/recurrent.py`` (the spec),
    ``kernels/numba_impl/recurrent.py`` and ``kernels/cython_impl/_recurrent.pyx`` (float32 may
    take ``_recurrent_packed.pyx`` instead: ``kernels/cython_impl/recurrent.py`` chooses).
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, bptt_chunk=0, reverse=False, record=None):
        dtype, (x, h0, w_ih, w_hh, b_ih, b_hh) = _floats("rnn", x, h0, w_ih, w_hh, b_ih, b_hh)
        T, B, I, H = _check_sequence("rnn", "rnn", x, {"h0": h0}, w_ih, w_hh, b_ih, b_hh, bptt_chunk)
        x = _time_major(x, reverse)
        h0 = np.zeros((B, H), dtype) if h0 is None else h0
        parts = _batch_parts(ctx.kernels, T, B, H)
        bias = _projection_bias(_sum_bias(b_ih, b_hh), H, dtype)  # b_ih and b_hh enter the same sum
        kernel = ctx.kernels.rnn_sequence_forward

        def forward_part(x, h0):
            rows = _input_rows(x)
            hs = np.empty((T, x.shape[1], H), dtype)
            kernel(rows, w_ih, bias, w_hh, h0, hs)
            return rows, hs

        h0_parts = parts.cut(h0)
        x_rows, hs_parts = zip(*parts.run(forward_part, x=parts.cut(x, axis=1), h0=h0_parts))
        ctx.reverse, ctx.bptt_chunk, ctx.record, ctx.parts = reverse, int(bptt_chunk), record, parts
        hs = _join(hs_parts, axis=1)
        _keep(ctx, record, hs_parts)
        ctx.save_for_backward(x_rows, h0_parts, w_ih, w_hh, hs_parts)
        return (hs[::-1] if reverse else hs), hs[-1].copy()

    @staticmethod
    def backward(ctx, grad_hs, grad_hn):
        x_rows, h0_parts, w_ih, w_hh, hs_parts = ctx.saved_tensors
        grad_hs = _grad_steps(grad_hs, grad_hn, w_hh.dtype, ctx.reverse, ctx.parts)
        indices = (0, 2, (4, 5))  # x, w_ih, the biases: b_ih and b_hh enter the same sum, same gradient
        kernel = ctx.kernels.rnn_sequence_backward

        def backward_part(g, h0, hs, r):
            d = _projection_grad_outs(ctx, *hs.shape[:2], w_ih, *indices)
            d.w_hh, d.h0, d.h_steps = np.empty_like(w_hh), np.empty_like(h0), np.empty_like(hs)
            kernel(g, w_hh, h0, hs, r, d.xproj, d.w_hh, d.w_ih, d.b_ih, d.h0, d.h_steps, ctx.bptt_chunk)
            return d

        grads = ctx.parts.run(backward_part, g=grad_hs, h0=h0_parts, hs=hs_parts, r=x_rows)
        _keep(ctx, ctx.record, hidden_grads=[d.h_steps for d in grads])
        grad_x, grad_w_ih, grad_b = _input_side_grads(ctx, grads, w_ih)
        needs = ctx.needs_input_grad
        grad_w_hh = _sum_parts([d.w_hh for d in grads]) if needs[3] else None
        grad_h0 = _join([d.h0 for d in grads], axis=0) if needs[1] else None
        return grad_x, grad_h0, grad_w_ih, grad_w_hh, grad_b, grad_b


class LSTMSequence(Function):
    """hs, h_n, c_n = LSTM over x [T, B, I] (gates i, f, g, o as PyTorch).

    Kernels (lstm_sequence_forward, lstm_sequence_backward): ``kernels/reference/recurrent.py`` (the spec),
    ``kernels/numba_impl/recurrent.py`` and ``kernels/cython_impl/_recurrent.pyx`` (float32 may
    take ``_recurrent_packed.pyx`` instead: ``kernels/cython_impl/recurrent.py`` chooses).
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, bptt_chunk=0, reverse=False, record=None):
        dtype, (x, h0, c0, w_ih, w_hh, b_ih, b_hh) = _floats("lstm", x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        T, B, I, H = _check_sequence("lstm", "lstm", x, {"h0": h0, "c0": c0}, w_ih, w_hh, b_ih, b_hh,
                                     bptt_chunk)
        x = _time_major(x, reverse)
        h0 = np.zeros((B, H), dtype) if h0 is None else h0
        c0 = np.zeros((B, H), dtype) if c0 is None else c0
        parts = _batch_parts(ctx.kernels, T, B, 4 * H)
        bias = _projection_bias(_sum_bias(b_ih, b_hh), 4 * H, dtype)  # b_ih and b_hh enter the same sum
        kernel = ctx.kernels.lstm_sequence_forward

        def forward_part(x, h0, c0):
            rows = _input_rows(x)
            h = np.empty((T, x.shape[1], H), dtype)
            c, g = np.empty_like(h), np.empty((T, x.shape[1], 4 * H), dtype)
            kernel(rows, w_ih, bias, w_hh, h0, c0, h, c, g)
            return rows, h, c, g

        h0_parts, c0_parts = parts.cut(h0), parts.cut(c0)
        x_rows, hs, cs, gates = zip(*parts.run(forward_part, x=parts.cut(x, axis=1), h0=h0_parts, c0=c0_parts))
        ctx.reverse, ctx.bptt_chunk, ctx.record, ctx.parts = reverse, int(bptt_chunk), record, parts
        _keep(ctx, record, gates)
        ctx.save_for_backward(x_rows, h0_parts, c0_parts, w_ih, w_hh, hs, cs, gates)
        hs_all = _join(hs, axis=1)
        return (hs_all[::-1] if reverse else hs_all), hs_all[-1].copy(), _join([c[-1] for c in cs], axis=0)

    @staticmethod
    def backward(ctx, grad_hs, grad_hn, grad_cn):
        x_rows, h0_parts, c0_parts, w_ih, w_hh, hs, cs, gates = ctx.saved_tensors
        grad_hs = _grad_steps(grad_hs, grad_hn, w_hh.dtype, ctx.reverse, ctx.parts)
        grad_cT = np.ascontiguousarray(grad_cn, dtype=w_hh.dtype)
        indices = (0, 3, (5, 6))  # x, w_ih, the biases
        kernel = ctx.kernels.lstm_sequence_backward

        def backward_part(gh, gc, h0, c0, h, c, g, r):
            d = _projection_grad_outs(ctx, *h.shape[:2], w_ih, *indices)
            d.w_hh, d.h0, d.c0, d.h_steps = np.empty_like(w_hh), np.empty_like(h0), np.empty_like(c0), np.empty_like(h)
            kernel(gh, gc, w_hh, h0, c0, h, c, g, r, d.xproj, d.w_hh, d.w_ih, d.b_ih, d.h0, d.c0, d.h_steps,
                   ctx.bptt_chunk)
            return d

        grads = ctx.parts.run(backward_part, gh=grad_hs, gc=ctx.parts.cut(grad_cT), h0=h0_parts, c0=c0_parts,
                              h=hs, c=cs, g=gates, r=x_rows)
        _keep(ctx, ctx.record, hidden_grads=[d.h_steps for d in grads])
        grad_x, grad_w_ih, grad_b = _input_side_grads(ctx, grads, w_ih)
        needs = ctx.needs_input_grad  # b_ih and b_hh alike: both enter the same sum
        return (grad_x, _join([d.h0 for d in grads], axis=0) if needs[1] else None,
                _join([d.c0 for d in grads], axis=0) if needs[2] else None, grad_w_ih,
                _sum_parts([d.w_hh for d in grads]) if needs[4] else None, grad_b, grad_b)


class GRUSequence(Function):
    """hs, h_n = GRU over x [T, B, I] (gates r, z, n as PyTorch; b_hh inside the reset product).

    Kernels (gru_sequence_forward, gru_sequence_backward): ``kernels/reference/recurrent.py`` (the spec),
    ``kernels/numba_impl/recurrent.py`` and ``kernels/cython_impl/_recurrent.pyx`` (float32 may
    take ``_recurrent_packed.pyx`` instead: ``kernels/cython_impl/recurrent.py`` chooses).
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, bptt_chunk=0, reverse=False, record=None):
        dtype, (x, h0, w_ih, w_hh, b_ih, b_hh) = _floats("gru", x, h0, w_ih, w_hh, b_ih, b_hh)
        T, B, I, H = _check_sequence("gru", "gru", x, {"h0": h0}, w_ih, w_hh, b_ih, b_hh, bptt_chunk)
        x = _time_major(x, reverse)
        h0 = np.zeros((B, H), dtype) if h0 is None else h0
        b_ih, b_hh = _projection_bias(b_ih, 3 * H, dtype), np.zeros(3 * H, dtype) if b_hh is None else b_hh
        parts = _batch_parts(ctx.kernels, T, B, 3 * H)
        kernel = ctx.kernels.gru_sequence_forward

        def forward_part(x, h0):
            rows = _input_rows(x)
            h = np.empty((T, x.shape[1], H), dtype)
            ws = np.empty((T, x.shape[1], 4 * H), dtype)
            kernel(rows, w_ih, b_ih, w_hh, b_hh, h0, h, ws)
            return rows, h, ws

        h0_parts = parts.cut(h0)
        x_rows, hs, workspaces = zip(*parts.run(forward_part, x=parts.cut(x, axis=1), h0=h0_parts))
        ctx.reverse, ctx.bptt_chunk, ctx.record, ctx.parts = reverse, int(bptt_chunk), record, parts
        _keep(ctx, record, workspaces, width=3 * H)  # r, z, n (the 4th block is gh_n)
        ctx.save_for_backward(x_rows, h0_parts, w_ih, w_hh, b_hh, hs, workspaces)
        hs_all = _join(hs, axis=1)
        return (hs_all[::-1] if reverse else hs_all), hs_all[-1].copy()

    @staticmethod
    def backward(ctx, grad_hs, grad_hn):
        x_rows, h0_parts, w_ih, w_hh, b_hh, hs, workspaces = ctx.saved_tensors
        grad_hs = _grad_steps(grad_hs, grad_hn, w_hh.dtype, ctx.reverse, ctx.parts)
        indices = (0, 2, (4,))  # x, w_ih, b_ih
        kernel = ctx.kernels.gru_sequence_backward

        def backward_part(g, h0, h, ws, r):
            d = _projection_grad_outs(ctx, *h.shape[:2], w_ih, *indices)
            d.w_hh, d.b_hh = np.empty_like(w_hh), np.empty_like(b_hh)
            d.h0, d.h_steps = np.empty_like(h0), np.empty_like(h)
            kernel(g, w_hh, b_hh, h0, h, ws, r, d.xproj, d.w_hh, d.w_ih, d.b_ih, d.b_hh, d.h0, d.h_steps,
                   ctx.bptt_chunk)
            return d

        grads = ctx.parts.run(backward_part, g=grad_hs, h0=h0_parts, h=hs, ws=workspaces, r=x_rows)
        _keep(ctx, ctx.record, hidden_grads=[d.h_steps for d in grads])
        grad_x, grad_w_ih, grad_b_ih = _input_side_grads(ctx, grads, w_ih)
        needs = ctx.needs_input_grad
        return (grad_x, _join([d.h0 for d in grads], axis=0) if needs[1] else None, grad_w_ih,
                _sum_parts([d.w_hh for d in grads]) if needs[3] else None, grad_b_ih,
                _sum_parts([d.b_hh for d in grads]) if needs[5] else None)


# ----------------------------------------------------------------------------- cells

def _cell_weight_grads(ctx, grad_pre, x, h, w_ih, w_hh, first: int):
    """Gradients of w_ih, w_hh, b_ih, b_hh when both biases see the same pre-activation gradient;
    ``first`` is the argument index of w_ih."""
    needs = ctx.needs_input_grad
    grad_w_ih = grad_pre.T @ x if needs[first] else None
    grad_w_hh = grad_pre.T @ h if needs[first + 1] else None
    grad_b = grad_pre.sum(axis=0) if needs[first + 2] or needs[first + 3] else None
    return grad_w_ih, grad_w_hh, grad_b, grad_b


class RNNCellFn(Function):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) for one step, x [B, I], h [B, H].

    Kernels (rnn_cell_forward, rnn_cell_backward): ``kernels/reference/recurrent.py`` (the spec),
    ``kernels/numba_impl/recurrent.py`` and ``kernels/cython_impl/_recurrent.pyx``.
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih, b_hh):
        dtype, (x, h, w_ih, w_hh, b_ih, b_hh) = _floats("rnn_cell", x, h, w_ih, w_hh, b_ih, b_hh)
        B, I, H = _check_cell("rnn_cell", "rnn", x, {"hx": h}, w_ih, w_hh, b_ih, b_hh)
        h = np.zeros((B, H), dtype) if h is None else h
        pre = x @ w_ih.T
        pre += h @ w_hh.T
        bias = _sum_bias(b_ih, b_hh)
        if bias is not None:
            pre += bias
        h_out = np.empty((B, H), dtype)
        ctx.kernels.rnn_cell_forward(pre, h_out)
        ctx.save_for_backward(x, h, w_ih, w_hh, h_out)
        return h_out

    @staticmethod
    def backward(ctx, grad_h):
        x, h, w_ih, w_hh, h_out = ctx.saved_tensors
        grad_h = np.ascontiguousarray(grad_h, dtype=x.dtype)
        grad_pre = np.empty_like(grad_h)
        ctx.kernels.rnn_cell_backward(grad_h, h_out, grad_pre)
        needs = ctx.needs_input_grad
        return (grad_pre @ w_ih if needs[0] else None, grad_pre @ w_hh if needs[1] else None,
                *_cell_weight_grads(ctx, grad_pre, x, h, w_ih, w_hh, 2))


class LSTMCellFn(Function):
    """h', c' = one LSTM step: gates = x W_ih^T + b_ih + h W_hh^T + b_hh, then the fused cell kernel.

    Kernels (lstm_cell_forward, lstm_cell_backward): ``kernels/reference/recurrent.py`` (the spec),
    ``kernels/numba_impl/recurrent.py`` and ``kernels/cython_impl/_recurrent.pyx``.
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, b_ih, b_hh):
        dtype, (x, h, c, w_ih, w_hh, b_ih, b_hh) = _floats("lstm_cell", x, h, c, w_ih, w_hh, b_ih, b_hh)
        B, I, H = _check_cell("lstm_cell", "lstm", x, {"h": h, "c": c}, w_ih, w_hh, b_ih, b_hh)
        h = np.zeros((B, H), dtype) if h is None else h
        c = np.zeros((B, H), dtype) if c is None else c
        gates = x @ w_ih.T
        gates += h @ w_hh.T
        bias = _sum_bias(b_ih, b_hh)
        if bias is not None:
            gates += bias
        h_out, c_out, workspace = np.empty((B, H), dtype), np.empty((B, H), dtype), np.empty_like(gates)
        ctx.kernels.lstm_cell_forward(gates, c, h_out, c_out, workspace)
        ctx.save_for_backward(x, h, c, w_ih, w_hh, c_out, workspace)
        return h_out, c_out

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        x, h, c, w_ih, w_hh, c_out, workspace = ctx.saved_tensors
        grad_h = np.ascontiguousarray(grad_h, dtype=x.dtype)
        grad_c = np.ascontiguousarray(grad_c, dtype=x.dtype)
        grad_gates, grad_c_prev = np.empty_like(workspace), np.empty_like(c)
        ctx.kernels.lstm_cell_backward(grad_h, grad_c, workspace, c, c_out, grad_gates, grad_c_prev)
        needs = ctx.needs_input_grad
        return (grad_gates @ w_ih if needs[0] else None, grad_gates @ w_hh if needs[1] else None,
                grad_c_prev if needs[2] else None, *_cell_weight_grads(ctx, grad_gates, x, h, w_ih, w_hh, 3))


class GRUCellFn(Function):
    """h' = one GRU step: gi = x W_ih^T + b_ih, gh = h W_hh^T + b_hh, then the fused cell kernel.

    Kernels (gru_cell_forward, gru_cell_backward): ``kernels/reference/recurrent.py`` (the spec),
    ``kernels/numba_impl/recurrent.py`` and ``kernels/cython_impl/_recurrent.pyx``.
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih, b_hh):
        dtype, (x, h, w_ih, w_hh, b_ih, b_hh) = _floats("gru_cell", x, h, w_ih, w_hh, b_ih, b_hh)
        B, I, H = _check_cell("gru_cell", "gru", x, {"hx": h}, w_ih, w_hh, b_ih, b_hh)
        h = np.zeros((B, H), dtype) if h is None else h
        gi, gh = x @ w_ih.T, h @ w_hh.T
        if b_ih is not None:
            gi += b_ih
        if b_hh is not None:
            gh += b_hh
        h_out, workspace = np.empty((B, H), dtype), np.empty((B, 4 * H), dtype)
        ctx.kernels.gru_cell_forward(gi, gh, h, h_out, workspace)
        ctx.save_for_backward(x, h, w_ih, w_hh, workspace)
        return h_out

    @staticmethod
    def backward(ctx, grad_h):
        x, h, w_ih, w_hh, workspace = ctx.saved_tensors
        grad_h = np.ascontiguousarray(grad_h, dtype=x.dtype)
        shape = (h.shape[0], w_ih.shape[0])  # [B, 3H]
        grad_gi, grad_gh = np.empty(shape, x.dtype), np.empty(shape, x.dtype)
        grad_h_prev = np.empty_like(h)
        ctx.kernels.gru_cell_backward(grad_h, workspace, h, grad_gi, grad_gh, grad_h_prev)
        needs = ctx.needs_input_grad
        if needs[1]:
            grad_h_prev += grad_gh @ w_hh  # the path through the reset product, outside the kernel
        return (grad_gi @ w_ih if needs[0] else None, grad_h_prev if needs[1] else None,
                grad_gi.T @ x if needs[2] else None, grad_gh.T @ h if needs[3] else None,
                grad_gi.sum(axis=0) if needs[4] else None, grad_gh.sum(axis=0) if needs[5] else None)


# ----------------------------------------------------------------------------- functional entry points

def rnn_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, bptt_chunk: int = 0, reverse: bool = False,
                 record: StepRecord | None = None):
    """(hs [T, B, H], h_n [B, H]) of a tanh RNN over time-major x [T, B, I]; h0 may be None (zeros).

    ``reverse`` runs from the last step to the first (the backward direction of a bidirectional
    layer; hs stays in input order).  ``bptt_chunk`` = k > 0 truncates backpropagation through time:
    the gradient into step t - 1 is cut at every t % k == 0.  ``record`` receives per-step values.
    """
    return RNNSequence.apply(x, h0, w_ih, w_hh, b_ih, b_hh, bptt_chunk=bptt_chunk, reverse=reverse,
                             record=record)


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, bptt_chunk: int = 0, reverse: bool = False,
                  record: StepRecord | None = None):
    """(hs [T, B, H], h_n, c_n) of an LSTM over time-major x [T, B, I]; see ``rnn_sequence``."""
    return LSTMSequence.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, bptt_chunk=bptt_chunk, reverse=reverse,
                              record=record)


def gru_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, bptt_chunk: int = 0, reverse: bool = False,
                 record: StepRecord | None = None):
    """(hs [T, B, H], h_n) of a GRU over time-major x [T, B, I]; see ``rnn_sequence``."""
    return GRUSequence.apply(x, h0, w_ih, w_hh, b_ih, b_hh, bptt_chunk=bptt_chunk, reverse=reverse,
                             record=record)


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One tanh-RNN step: x [B, I], h [B, H] or None → h' [B, H]."""
    return RNNCellFn.apply(x, h, w_ih, w_hh, b_ih, b_hh)


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: x [B, I], h and c [B, H] or None → (h', c')."""
    return LSTMCellFn.apply(x, h, c, w_ih, w_hh, b_ih, b_hh)


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: x [B, I], h [B, H] or None → h'."""
    return GRUCellFn.apply(x, h, w_ih, w_hh, b_ih, b_hh)
