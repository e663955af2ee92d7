"""Pooling ops (max and average, 1-D and 2-D) over the pool kernels of the active backend.

PyTorch's semantics: stride defaults to the kernel size, zero padding counts as -inf for max
and as zeros for average (count_include_pad=True), padding at most half the kernel,
ceil_mode off.  Integer inputs are cast to float32; float64 stays float64.
"""
from __future__ import annotations

import numpy as np

from .._argcheck import ArgumentError
from ..autograd.function import Function
from ..parallel import run_over_batch
from .conv import MAX_EXTENT, check_output_bytes, empty_output, ntuple, pair


def _as_float(x: np.ndarray, op: str) -> np.ndarray:
    if x.dtype.kind == "f" and x.dtype.itemsize in (4, 8):  # in native byte order: '>f8' stays float64
        return np.ascontiguousarray(x, dtype=x.dtype.newbyteorder("="))
    if x.dtype.kind in "fiub":
        return np.ascontiguousarray(x, dtype=np.float32)
    raise TypeError(f"{op}: expected a float, integer or bool tensor, got {x.dtype}")


def check_pool_arguments(op: str, kernel, stride, padding) -> None:
    """The input-independent checks (also run by the pooling layers' constructors)."""
    if min(kernel) < 1:
        raise ArgumentError(f"{op}: kernel_size must be positive, got {kernel}")
    if min(stride) < 1:
        raise ArgumentError(f"{op}: stride must be positive, got {stride}")
    if min(padding) < 0 or any(2 * p > k for p, k in zip(padding, kernel)):
        raise ArgumentError(f"{op}: padding {padding} must be between 0 and half the kernel size {kernel}")


def check_pool2d(op: str, shape, kernel, stride, padding) -> tuple[int, int]:
    """Validate a 2-D pooling's arguments; return the output height and width."""
    if len(shape) != 4:
        raise ArgumentError(f"{op}: expected a 4-D input [batch, channels, height, width], got shape {shape}")
    check_pool_arguments(op, kernel, stride, padding)
    if max(shape[2] + 2 * padding[0], shape[3] + 2 * padding[1], *kernel, *stride) >= MAX_EXTENT:
        raise ArgumentError(f"{op}: kernel_size {kernel}, stride {stride} or padding {padding} is too large "
                         f"(reaches 2**62) for input shape {shape}")
    sizes = []
    for axis, name in ((0, "height"), (1, "width")):
        padded = shape[2 + axis] + 2 * padding[axis]
        if kernel[axis] > padded:
            raise ArgumentError(f"{op}: the kernel {name} {kernel[axis]} is larger than the padded input {name} "
                             f"{padded} (input shape {shape}, padding {padding})")
        sizes.append((padded - kernel[axis]) // stride[axis] + 1)
    check_output_bytes(op, (shape[0], shape[1], *sizes))
    if min(shape[0], shape[1]) < 1:
        raise ArgumentError(f"{op}: empty input of shape {shape}")
    return sizes[0], sizes[1]


def _geometry(kernel_size, stride, padding, op, n: int = 2):
    """(kernel, stride, padding) as n-tuples; stride None (or empty, as PyTorch) is the kernel size."""
    kernel = ntuple(kernel_size, n, "kernel_size", op)
    empty = isinstance(stride, (tuple, list)) and len(stride) == 0
    stride = kernel if stride is None or empty else ntuple(stride, n, "stride", op)
    return kernel, stride, ntuple(padding, n, "padding", op)


class MaxPool2d(Function):
    """Max over each window; backward routes the gradient to the argmax kept from forward.

    Kernels (max_pool2d_forward, max_pool2d_backward): ``kernels/reference/pool.py`` (the spec),
    ``kernels/numba_impl/pool.py`` and ``kernels/cython_impl/_pool.pyx``.
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        x = _as_float(x, "max_pool2d")
        oh, ow = check_pool2d("max_pool2d", x.shape, kernel, stride, padding)
        out = empty_output("max_pool2d", (x.shape[0], x.shape[1], oh, ow), x.dtype)
        argmax = empty_output("max_pool2d", out.shape, np.int64)
        pool = ctx.kernels.max_pool2d_forward

        def forward_part(x, out, argmax):
            pool(x, out, argmax, *kernel, *stride, *padding)

        run_over_batch(forward_part, split=dict(x=x, out=out, argmax=argmax), kernels=ctx.kernels)
        ctx.input_shape = x.shape
        ctx.save_for_backward(argmax)
        return out, argmax

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        (argmax,) = ctx.saved_tensors
        grad_x = np.empty(ctx.input_shape, dtype=grad.dtype)
        pool_grad = ctx.kernels.max_pool2d_backward

        def backward_part(grad, argmax, grad_x):
            pool_grad(grad, argmax, grad_x)

        run_over_batch(backward_part, split=dict(grad=np.ascontiguousarray(grad), argmax=argmax, grad_x=grad_x),
                       kernels=ctx.kernels)
        return grad_x, None, None, None


class AvgPool2d(Function):
    """Mean over each window; backward spreads each window's gradient evenly over it.

    Kernels (avg_pool2d_forward, avg_pool2d_backward): ``kernels/reference/pool.py`` (the spec),
    ``kernels/numba_impl/pool.py`` and ``kernels/cython_impl/_pool.pyx``.
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        x = _as_float(x, "avg_pool2d")
        oh, ow = check_pool2d("avg_pool2d", x.shape, kernel, stride, padding)
        out = empty_output("avg_pool2d", (x.shape[0], x.shape[1], oh, ow), x.dtype)
        ctx.geometry = (*kernel, *stride, *padding)
        pool = ctx.kernels.avg_pool2d_forward

        def forward_part(x, out):
            pool(x, out, *ctx.geometry)

        run_over_batch(forward_part, split=dict(x=x, out=out), kernels=ctx.kernels)
        ctx.input_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = np.empty(ctx.input_shape, dtype=grad.dtype)
        pool_grad = ctx.kernels.avg_pool2d_backward

        def backward_part(grad, grad_x):
            pool_grad(grad, grad_x, *ctx.geometry)

        run_over_batch(backward_part, split=dict(grad=np.ascontiguousarray(grad), grad_x=grad_x), kernels=ctx.kernels)
        return grad_x, None, None, None


def _batched(input, ndim: int, op: str):
    if input.ndim == ndim - 1:
        return input.unsqueeze(0), True
    if input.ndim != ndim:
        raise ArgumentError(f"{op}: expected a {ndim}-D input (or {ndim - 1}-D unbatched), got shape {input.shape}")
    return input, False


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, return_indices=False):
    dilation = pair(dilation, "dilation", "max_pool2d")
    if min(dilation) < 1:
        raise ArgumentError(f"max_pool2d: dilation must be positive, got dilation={dilation}")
    if dilation != (1, 1):
        raise ValueError(f"max_pool2d: dilation={dilation} is not supported (only 1)")
    x, unbatched = _batched(input, 4, "max_pool2d")
    out, indices = MaxPool2d.apply(x, *_geometry(kernel_size, stride, padding, "max_pool2d"))
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    x, unbatched = _batched(input, 4, "avg_pool2d")
    out = AvgPool2d.apply(x, *_geometry(kernel_size, stride, padding, "avg_pool2d"))
    return out.squeeze(0) if unbatched else out


def _check_pool1d(op: str, k: int, s: int, p: int) -> None:
    """The 1-d arguments checked under their own names and values (not the 2-D call's (1, k))."""
    if k < 1:
        raise ArgumentError(f"{op}: kernel_size must be positive, got kernel_size={k}")
    if s < 1:
        raise ArgumentError(f"{op}: stride must be positive, got stride={s}")
    if p < 0:
        raise ArgumentError(f"{op}: padding must be non-negative, got padding={p}")
    if 2 * p > k:
        raise ArgumentError(f"{op}: padding {p} must be between 0 and half the kernel size {k}")


def max_pool1d(input, kernel_size, stride=None, padding=0, return_indices=False):
    """Max pooling over the last dim of [N, C, L]: the 2-D kernel with a window of height 1."""
    x, unbatched = _batched(input, 3, "max_pool1d")
    (k,), (s,), (p,) = _geometry(kernel_size, stride, padding, "max_pool1d", n=1)
    _check_pool1d("max_pool1d", k, s, p)
    out, indices = MaxPool2d.apply(x.unsqueeze(2), (1, k), (1, s), (0, p))
    out, indices = out.squeeze(2), indices.squeeze(2)
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


def avg_pool1d(input, kernel_size, stride=None, padding=0):
    x, unbatched = _batched(input, 3, "avg_pool1d")
    (k,), (s,), (p,) = _geometry(kernel_size, stride, padding, "avg_pool1d", n=1)
    _check_pool1d("avg_pool1d", k, s, p)
    out = AvgPool2d.apply(x.unsqueeze(2), (1, k), (1, s), (0, p)).squeeze(2)
    return out.squeeze(0) if unbatched else out
