"""A small, valid sample call for every registered kernel.

``sample_call(name, dtype)`` returns the arguments of one call and the positions of the
arguments the kernel writes.  Backward kernels get inputs produced by the reference forward
(argmax indices, gate workspaces), so every call is one a real op could make.  The kernel
report, ``mg.warmup()`` and generic parity checks read these.
"""
from __future__ import annotations

import numpy as np

from . import load_backend

N, C, H, W, O = 2, 3, 9, 8, 4          # conv/pool: batch, channels, height, width, out-channels
T, B, I, HID = 5, 3, 4, 6              # recurrent: steps, batch, inputs, hidden
CONV_GEOMETRY = (2, 1, 1, 0, 1, 2)     # stride h/w, padding h/w, dilation h/w (non-square on purpose)
POOL_GEOMETRY = (3, 2, 2, 2, 1, 1)     # kernel h/w, stride h/w, padding h/w


def _conv_out_shape():
    sh, sw, ph, pw, dh, dw = CONV_GEOMETRY
    oh = (H + 2 * ph - dh * 2 - 1) // sh + 1
    ow = (W + 2 * pw - dw * 2 - 1) // sw + 1
    return N, O, oh, ow


def _pool_out_shape():
    kh, kw, sh, sw, ph, pw = POOL_GEOMETRY
    return N, C, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1


def sample_call(name: str, dtype=np.float64, seed: int = 0) -> tuple[list, tuple[int, ...]]:
    """(arguments, positions of output arguments) for one call of kernel ``name``."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)

    def randn(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(dtype)

    def empty(*shape, kind=None):
        return np.zeros(shape, dtype=kind or dtype)

    ref = load_backend("numpy")
    if name == "conv2d_forward":
        return [randn(N, C, H, W), randn(O, C, 3, 3), empty(*_conv_out_shape()), *CONV_GEOMETRY], (2,)
    if name == "conv2d_backward_input":
        return [randn(*_conv_out_shape()), randn(O, C, 3, 3), empty(N, C, H, W), *CONV_GEOMETRY], (2,)
    if name == "conv2d_backward_weight":
        return [randn(N, C, H, W), randn(*_conv_out_shape()), empty(O, C, 3, 3), *CONV_GEOMETRY], (2,)
    if name == "max_pool2d_forward":
        return [randn(N, C, H, W), empty(*_pool_out_shape()), empty(*_pool_out_shape(), kind=np.int64),
                *POOL_GEOMETRY], (1, 2)
    if name == "max_pool2d_backward":
        out, argmax = empty(*_pool_out_shape()), empty(*_pool_out_shape(), kind=np.int64)
        ref.max_pool2d_forward(randn(N, C, H, W), out, argmax, *POOL_GEOMETRY)
        return [randn(*out.shape), argmax, empty(N, C, H, W)], (2,)
    if name == "avg_pool2d_forward":
        return [randn(N, C, H, W), empty(*_pool_out_shape()), *POOL_GEOMETRY], (1,)
    if name == "avg_pool2d_backward":
        return [randn(*_pool_out_shape()), empty(N, C, H, W), *POOL_GEOMETRY], (1,)
    if name == "matmul_blocked":
        return [randn(37, 29), randn(29, 41), empty(37, 41)], (2,)
    if name == "rnn_cell_forward":
        return [randn(B, HID), empty(B, HID)], (1,)
    if name == "rnn_cell_backward":
        return [randn(B, HID), np.tanh(randn(B, HID)), empty(B, HID)], (2,)
    if name in ("lstm_cell_forward", "lstm_cell_backward"):
        gates, c_prev = randn(B, 4 * HID), randn(B, HID)
        if name == "lstm_cell_forward":
            return [gates, c_prev, empty(B, HID), empty(B, HID), empty(B, 4 * HID)], (2, 3, 4)
        h, c, workspace = empty(B, HID), empty(B, HID), empty(B, 4 * HID)
        ref.lstm_cell_forward(gates, c_prev, h, c, workspace)
        return [randn(B, HID), randn(B, HID), workspace, c_prev, c, empty(B, 4 * HID), empty(B, HID)], (5, 6)
    if name in ("gru_cell_forward", "gru_cell_backward"):
        gi, gh, h_prev = randn(B, 3 * HID), randn(B, 3 * HID), randn(B, HID)
        if name == "gru_cell_forward":
            return [gi, gh, h_prev, empty(B, HID), empty(B, 4 * HID)], (3, 4)
        h, workspace = empty(B, HID), empty(B, 4 * HID)
        ref.gru_cell_forward(gi, gh, h_prev, h, workspace)
        return [randn(B, HID), workspace, h_prev, empty(B, 3 * HID), empty(B, 3 * HID), empty(B, HID)], (3, 4, 5)
    w_scale = 1 / np.sqrt(HID)
    x_rows = randn(T * B, I)  # the projection's input rows: row t·B + b is step t, sample b
    if name in ("rnn_sequence_forward", "rnn_sequence_backward"):
        w_ih, b_ih, w_hh = randn(HID, I, scale=0.5), randn(HID), randn(HID, HID, scale=w_scale)
        h0, hs = randn(B, HID), empty(T, B, HID)
        if name == "rnn_sequence_forward":
            return [x_rows, w_ih, b_ih, w_hh, h0, hs], (5,)
        ref.rnn_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, hs)
        return [randn(T, B, HID), w_hh, h0, hs, x_rows, empty(T, B, HID), empty(HID, HID), empty(HID, I),
                empty(HID), empty(B, HID), empty(T, B, HID), 0], (5, 6, 7, 8, 9, 10)
    if name in ("lstm_sequence_forward", "lstm_sequence_backward"):
        w_ih, b_ih, w_hh = randn(4 * HID, I, scale=0.5), randn(4 * HID), randn(4 * HID, HID, scale=w_scale)
        h0, c0 = randn(B, HID), randn(B, HID)
        hs, cs, gates = empty(T, B, HID), empty(T, B, HID), empty(T, B, 4 * HID)
        if name == "lstm_sequence_forward":
            return [x_rows, w_ih, b_ih, w_hh, h0, c0, hs, cs, gates], (6, 7, 8)
        ref.lstm_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, c0, hs, cs, gates)
        return [randn(T, B, HID), randn(B, HID), w_hh, h0, c0, hs, cs, gates, x_rows, empty(T, B, 4 * HID),
                empty(4 * HID, HID), empty(4 * HID, I), empty(4 * HID), empty(B, HID), empty(B, HID),
                empty(T, B, HID), 0], (9, 10, 11, 12, 13, 14, 15)
    if name in ("gru_sequence_forward", "gru_sequence_backward"):
        w_ih, b_ih = randn(3 * HID, I, scale=0.5), randn(3 * HID)
        w_hh, b_hh = randn(3 * HID, HID, scale=w_scale), randn(3 * HID)
        h0, hs, workspace = randn(B, HID), empty(T, B, HID), empty(T, B, 4 * HID)
        if name == "gru_sequence_forward":
            return [x_rows, w_ih, b_ih, w_hh, b_hh, h0, hs, workspace], (6, 7)
        ref.gru_sequence_forward(x_rows, w_ih, b_ih, w_hh, b_hh, h0, hs, workspace)
        return [randn(T, B, HID), w_hh, b_hh, h0, hs, workspace, x_rows, empty(T, B, 3 * HID),
                empty(3 * HID, HID), empty(3 * HID, I), empty(3 * HID), empty(3 * HID), empty(B, HID),
                empty(T, B, HID), 0], (7, 8, 9, 10, 11, 12, 13)
    if name == "adam_update":  # an odd-sized parameter after a few steps: moments already non-zero
        shape = (7, 13)
        exp_avg_sq = np.abs(randn(*shape)) * dtype.type(0.01)
        return [randn(*shape), randn(*shape), randn(*shape, scale=0.1), exp_avg_sq, exp_avg_sq * 1.5, True,
                0.9, 0.999, 1e-3 / (1 - 0.9 ** 3), np.sqrt(1 - 0.999 ** 3), 1e-8, 1e-2, 1.0], (0, 2, 3, 4)
    raise KeyError(f"no sample call for kernel {name!r}")


def copy_call(args: list) -> list:
    """The same call with fresh copies of every array (so two backends never share outputs)."""
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]
