"""NumPy convolution kernels (the spec): im2col + one GEMM forward and back, col2im for dx.

Shapes: x[N,C,H,W], w[O,C,KH,KW], out[N,O,OH,OW]; stride (sh, sw), zero padding (ph, pw)
on each side, dilation (dh, dw):

    out[n,o,i,j] = sum_{c,p,q} x_padded[n, c, i*sh + p*dh, j*sw + q*dw] * w[o,c,p,q]

im2col lays the receptive field of every output pixel out as a column,
cols[n, (c,p,q), (i,j)], so the forward is one batched GEMM  out[n] = W2 @ cols[n]  with
W2 = w.reshape(O, C*KH*KW); the input gradient is  W2^T @ grad_out[n]  scattered back onto the
image (col2im), and the weight gradient is  sum_n grad_out[n] @ cols[n]^T.  The kernels come in
the same order in all three conv files (forward, backward_input, backward_weight).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _sparse_padding(h: int, w: int, kh: int, kw: int, oh: int, ow: int, ph: int, pw: int) -> bool:
    """True when the zero-padded image would dwarf what the windows read (a huge padding with a
    huge stride, e.g. padding 10**8 and stride 10**9: PyTorch gives the 1x1 output): then only
    the taps read are gathered, instead of allocating the padded image."""
    return (h + 2 * ph) * (w + 2 * pw) > 4 * (h * w + kh * kw * oh * ow)


def _tap_index(size: int, kernel: int, out_size: int, stride: int, padding: int, dilation: int) -> np.ndarray:
    """index[p, i] = the input row read by tap p of output row i (i*stride + p*dilation - padding),
    or ``size`` (one zero row appended to the input) where that row lies in the padding."""
    rows = np.arange(kernel)[:, None] * dilation + np.arange(out_size)[None, :] * stride - padding
    return np.where((rows >= 0) & (rows < size), rows, size)


def _im2col(x: np.ndarray, kh: int, kw: int, oh: int, ow: int,
            sh: int, sw: int, ph: int, pw: int, dh: int, dw: int) -> np.ndarray:
    """cols[N, C*KH*KW, OH*OW]: cols[n, (c,p,q), (i,j)] = x_padded[n, c, i*sh + p*dh, j*sw + q*dw]."""
    n, c = x.shape[:2]
    if _sparse_padding(x.shape[2], x.shape[3], kh, kw, oh, ow, ph, pw):
        xz = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))  # row h / column w: the zero padding
        rows = _tap_index(x.shape[2], kh, oh, sh, ph, dh)
        columns = _tap_index(x.shape[3], kw, ow, sw, pw, dw)
        cols = xz[:, :, rows[:, None, :, None], columns[None, :, None, :]]  # [N,C,KH,KW,OH,OW]
        return cols.reshape(n, c * kh * kw, oh * ow)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    # Every dilated window, then keep every sh-th/sw-th window and every dh-th/dw-th tap of it.
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    windows = sliding_window_view(xp, (span_h, span_w), axis=(2, 3))  # [N,C,Hp-span+1,..,span_h,span_w]
    windows = windows[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]
    # [N,C,OH,OW,KH,KW] -> [N,C,KH,KW,OH,OW]; the reshape copies (this is the im2col copy).
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)


def conv2d_forward(x: np.ndarray, w: np.ndarray, out: np.ndarray,
                   sh: int, sw: int, ph: int, pw: int, dh: int, dw: int) -> None:
    n, o, oh, ow = out.shape
    kh, kw = w.shape[2:]
    cols = _im2col(x, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw)
    # out[n] (O x OH*OW) = W2 (O x CKK) @ cols[n] (CKK x OH*OW), written straight into out.
    np.matmul(w.reshape(o, -1), cols, out=out.reshape(n, o, oh * ow))


def conv2d_backward_input(grad_out: np.ndarray, w: np.ndarray, grad_x: np.ndarray,
                          sh: int, sw: int, ph: int, pw: int, dh: int, dw: int) -> None:
    n, o, oh, ow = grad_out.shape
    _, c, kh, kw = w.shape
    h, wd = grad_x.shape[2:]
    # grad_cols[n] (CKK x L) = W2^T (CKK x O) @ grad_out[n] (O x L)
    grad_cols = np.matmul(w.reshape(o, -1).T, grad_out.reshape(n, o, oh * ow))
    grad_cols = grad_cols.reshape(n, c, kh, kw, oh, ow)
    # col2im: tap (p, q) of every window read x_padded[:, :, p*dh + i*sh, q*dw + j*sw];
    # add its gradient back there. Overlapping windows accumulate.
    if _sparse_padding(h, wd, kh, kw, oh, ow, ph, pw):  # gather's twin: scatter the taps read
        rows = _tap_index(h, kh, oh, sh, ph, dh)
        columns = _tap_index(wd, kw, ow, sw, pw, dw)
        grad_xz = np.zeros((n, c, h + 1, wd + 1), dtype=grad_x.dtype)  # row h / column w: padding
        for p in range(kh):
            for q in range(kw):  # within one tap only the discarded padding row/column repeats
                grad_xz[:, :, rows[p][:, None], columns[q][None, :]] += grad_cols[:, :, p, q]
        grad_x[...] = grad_xz[:, :, :h, :wd]
        return
    grad_xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=grad_x.dtype)
    for p in range(kh):
        tap_rows = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
        for q in range(kw):
            tap_cols = slice(q * dw, q * dw + sw * (ow - 1) + 1, sw)
            grad_xp[:, :, tap_rows, tap_cols] += grad_cols[:, :, p, q]
    grad_x[...] = grad_xp[:, :, ph : ph + h, pw : pw + wd]


def conv2d_backward_weight(x: np.ndarray, grad_out: np.ndarray, grad_w: np.ndarray,
                           sh: int, sw: int, ph: int, pw: int, dh: int, dw: int) -> None:
    n, o, oh, ow = grad_out.shape
    kh, kw = grad_w.shape[2:]
    cols = _im2col(x, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw)
    # grad_W2 (O x CKK) = sum_n grad_out[n] (O x L) @ cols[n]^T (L x CKK). A batched GEMM and
    # a sum measured faster than one tensordot, which copies both operands into new layouts.
    per_image = np.matmul(grad_out.reshape(n, o, oh * ow), cols.transpose(0, 2, 1))
    np.sum(per_image, axis=0, out=grad_w.reshape(o, -1))
