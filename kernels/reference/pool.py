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


def _reaching(size, kernel, out_size, stride, padding):
    """The window offsets that read an input element in some window, and the padded-input
    row (minus the padding) each output's window starts at."""
    offsets = (np.arange(size)[:, None] + padding - np.arange(out_size)[None, :] * stride).ravel()
    offsets = np.unique(offsets[(offsets >= 0) & (offsets < kernel)])
    return offsets, np.arange(out_size) * stride - padding


def _windows(x: np.ndarray, kh, kw, OH, OW, sh, sw, ph, pw, value: float):
    """(offsets_h, offsets_w, read): read(p, q) = the padded input at window offset (p, q) for
    every output, [N, C, OH, OW].  Usually strided slices of the padded input; when that padded
    input would dwarf the output (a huge padding with a huge stride, e.g. padding 10**8 and
    stride 10**9: PyTorch gives the 1x1 output), a gather over the offsets that reach the
    input, so no giant array is allocated and the offsets that only see padding are skipped."""
    H, W = x.shape[2:]
    if (H + 2 * ph) * (W + 2 * pw) <= 4 * (H * W + OH * OW):
        xp = _pad(x, ph, pw, value)
        return range(kh), range(kw), lambda p, q: xp[:, :, _window_slice(p, OH, sh), _window_slice(q, OW, sw)]
    xz = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=value)  # row H / column W: padding

    offsets_h, rows = _reaching(H, kh, OH, sh, ph)
    offsets_w, columns = _reaching(W, kw, OW, sw, pw)

    def read(p, q):
        r, c = rows + p, columns + q
        r, c = np.where((r >= 0) & (r < H), r, H), np.where((c >= 0) & (c < W), c, W)
        return xz[:, :, r[:, None], c[None, :]]

    return offsets_h, offsets_w, read


def max_pool2d_forward(x, out, argmax, kh, kw, sh, sw, ph, pw):
    """out = max over each window (padding is -inf); argmax = flat index h*W + w into the plane.

    The scan keeps PyTorch's rule ``take if value > best or value is NaN``: the first of equal
    maxima wins, a NaN always wins (so among several NaNs the last one does), padding never wins.
    """
    H, W = x.shape[2:]
    OH, OW = out.shape[2:]
    offsets_h, offsets_w, read = _windows(x, kh, kw, OH, OW, sh, sw, ph, pw, -np.inf)
    # Before the scan: -inf at the window's first in-plane element, as PyTorch starts it.
    first_h = np.maximum(np.arange(OH) * sh - ph, 0)
    first_w = np.maximum(np.arange(OW) * sw - pw, 0)
    best = np.full(out.shape, -np.inf, dtype=x.dtype)
    best_index = np.broadcast_to(first_h[:, None] * W + first_w[None, :], out.shape).astype(np.int64)
    for p in offsets_h:                          # offsets that see only padding never win: skippable
        h = np.arange(OH) * sh - ph + p          # input row of offset p for every output row
        for q in offsets_w:
            w = np.arange(OW) * sw - pw + q
            value = read(p, q)
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
    offsets_h, offsets_w, read = _windows(x, kh, kw, OH, OW, sh, sw, ph, pw, 0)
    total = np.zeros(out.shape, dtype=x.dtype)
    for p in offsets_h:                          # offsets that see only padding add 0: skippable
        for q in offsets_w:
            total += read(p, q)
    out[...] = total / (kh * kw)


def avg_pool2d_backward(grad_out, grad_x, kh, kw, sh, sw, ph, pw):
    """Every input of a window receives grad_out / (kh*kw); padding's share is dropped."""
    N, C, H, W = grad_x.shape
    OH, OW = grad_out.shape[2:]
    share = grad_out / (kh * kw)
    if (H + 2 * ph) * (W + 2 * pw) > 4 * (H * W + OH * OW):  # as _windows: scatter, no padded array
        offsets_h, offsets_w = _reaching(H, kh, OH, sh, ph)[0], _reaching(W, kw, OW, sw, pw)[0]
        grad_z = np.zeros((N, C, H + 1, W + 1), dtype=grad_x.dtype)  # row H / column W: padding
        for p in offsets_h:
            r = np.arange(OH) * sh - ph + p
            r = np.where((r >= 0) & (r < H), r, H)
            for q in offsets_w:  # within one offset only the discarded padding row/column repeats
                c = np.arange(OW) * sw - pw + q
                c = np.where((c >= 0) & (c < W), c, W)
                grad_z[:, :, r[:, None], c[None, :]] += share
        grad_x[...] = grad_z[:, :, :H, :W]
        return
    grad_padded = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=grad_x.dtype)
    for p in range(kh):
        for q in range(kw):
            grad_padded[:, :, _window_slice(p, OH, sh), _window_slice(q, OW, sw)] += share
    grad_x[...] = grad_padded[:, :, ph:ph + H, pw:pw + W]
