"""2-D max and average pooling in NumPy: the readable spec of the pool kernels (PyTorch semantics).

Every kernel loops only over the kh*kw offsets of the window; each step is one strided slice
covering all N, C, OH, OW at once, so the reference is also fast enough to train with.
"""
from __future__ import annotations

import numpy as np


def _window_slice(p: int, size: int, stride: int) -> slice:
    """The padded-input positions that window offset ``p`` touches for ``size`` outputs."""
    return slice(p, p + stride * (size - 1) + 1, stride)


def _pad(x: np.ndarray, ph: int, pw: int, value: float) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def max_pool2d_forward(x, out, argmax, kh, kw, sh, sw, ph, pw):
    """out = max over each window (padding is -inf); argmax = flat index h*W + w into the plane.

    The scan keeps PyTorch's rule ``take if value > best or value is NaN``: the first of equal
    maxima wins, a NaN always wins (so among several NaNs the last one does), padding never wins.
    """
    H, W = x.shape[2:]
    OH, OW = out.shape[2:]
    xp = _pad(x, ph, pw, -np.inf)
    # Before the scan: -inf at the window's first in-plane element, as PyTorch starts it.
    first_h = np.maximum(np.arange(OH) * sh - ph, 0)
    first_w = np.maximum(np.arange(OW) * sw - pw, 0)
    best = np.full(out.shape, -np.inf, dtype=x.dtype)
    best_index = np.broadcast_to(first_h[:, None] * W + first_w[None, :], out.shape).astype(np.int64)
    for p in range(kh):
        h = np.arange(OH) * sh - ph + p          # input row of offset p for every output row
        for q in range(kw):
            w = np.arange(OW) * sw - pw + q
            value = xp[:, :, _window_slice(p, OH, sh), _window_slice(q, OW, sw)]
            take = (value > best) | np.isnan(value)
            best = np.where(take, value, best)
            best_index = np.where(take, h[:, None] * W + w[None, :], best_index)
    out[...] = best
    argmax[...] = best_index


def max_pool2d_backward(grad_out, argmax, grad_x):
    """grad_x[n, c].flat[argmax[n, c, i, j]] += grad_out[n, c, i, j] (overlapping windows add up)."""
    N, C, H, W = grad_x.shape
    grad_x[...] = 0
    planes = grad_x.reshape(N * C, H * W)            # a view: grad_x is C-contiguous
    rows = np.arange(N * C)[:, None]
    np.add.at(planes, (rows, argmax.reshape(N * C, -1)), grad_out.reshape(N * C, -1))


def avg_pool2d_forward(x, out, kh, kw, sh, sw, ph, pw):
    """out = sum over each zero-padded window / (kh*kw)  (count_include_pad=True)."""
    OH, OW = out.shape[2:]
    xp = _pad(x, ph, pw, 0)
    total = np.zeros(out.shape, dtype=x.dtype)
    for p in range(kh):
        for q in range(kw):
            total += xp[:, :, _window_slice(p, OH, sh), _window_slice(q, OW, sw)]
    out[...] = total / (kh * kw)


def avg_pool2d_backward(grad_out, grad_x, kh, kw, sh, sw, ph, pw):
    """Every input of a window receives grad_out / (kh*kw); padding's share is dropped."""
    N, C, H, W = grad_x.shape
    OH, OW = grad_out.shape[2:]
    share = grad_out / (kh * kw)
    grad_padded = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=grad_x.dtype)
    for p in range(kh):
        for q in range(kw):
            grad_padded[:, :, _window_slice(p, OH, sh), _window_slice(q, OW, sw)] += share
    grad_x[...] = grad_padded[:, :, ph:ph + H, pw:pw + W]
