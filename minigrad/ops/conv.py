"""Convolution ops (1-D and 2-D) over the conv kernels of the active backend.

Every check happens here, before a kernel runs, so a kernel (compiled, bounds checks off)
only ever sees inputs it can trust: C-contiguous arrays of one float dtype, consistent shapes,
an output of size >= 1.  dtype rule: the weight fixes the dtype (float32 or float64); an
integer or bool input is cast to it; a float input of the other precision is promoted to
float64 together with the weight, as in arithmetic.
"""
from __future__ import annotations

import operator

import numpy as np

from .._argcheck import AllocationError, ArgumentError
from ..autograd.function import Function
from ..parallel import run_over_batch


def ntuple(value, n: int, name: str, op: str, *, expand_one: bool = True) -> tuple:
    """An int or a tuple/list of ``n`` ints, as PyTorch's conv/pool arguments.

    A float, a string, None or a bool is a TypeError naming the argument (PyTorch refuses them
    too); a tuple of the wrong length is PyTorch's RuntimeError, never a silent first element."""
    if not isinstance(value, (bool, np.bool_)) and hasattr(value, "__index__"):
        return (operator.index(value),) * n
    if isinstance(value, (tuple, list)):
        if len(value) == 1 and n > 1 and expand_one:  # PyTorch expands a 1-element list: (2,) means (2, 2)
            value = tuple(value) * n
        if len(value) != n:
            raise ArgumentError(f"{op}: expected {name} to be a single integer value or a list of {n} values "
                               f"to match the {n}-d operation, but got {name}={list(value)!r:.80}")
        for v in value:
            if isinstance(v, (bool, np.bool_)) or not hasattr(v, "__index__"):
                raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, but found "
                                f"{v!r:.40} of type {type(v).__name__} in {name}={value!r:.80}")
        return tuple(operator.index(v) for v in value)
    raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, got {value!r:.40} "
                    f"({type(value).__name__})")


def pair(value, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of ints, as PyTorch's 2-d conv/pool arguments."""
    return ntuple(value, 2, name, op)


def check_groups(groups, op: str) -> None:
    """Only groups=1 exists here; a non-int is PyTorch's TypeError, a non-positive its RuntimeError."""
    if isinstance(groups, (bool, np.bool_)) or not hasattr(groups, "__index__"):
        raise TypeError(f"{op}(): argument 'groups' must be an int, got {groups!r:.40} ({type(groups).__name__})")
    if groups < 1:
        raise ArgumentError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if groups != 1:
        raise ValueError(f"{op}: groups={groups} is not supported (only groups=1)")


# Geometry beyond this cannot be computed in the kernels' int64 index arithmetic.
MAX_EXTENT = 2 ** 62


def float_operands(op: str, x: np.ndarray, w: np.ndarray, b) -> tuple:
    """Apply the module's dtype rule and make every array C-contiguous."""
    if w.dtype.kind != "f":
        raise TypeError(f"{op}: the weight must be float32 or float64, got {w.dtype}")
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{op}: the input must be a float, integer or bool tensor, got {x.dtype}")
    dtype = w.dtype if x.dtype.kind != "f" else np.promote_types(x.dtype, w.dtype)
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float32)
    x = np.ascontiguousarray(x, dtype=dtype)
    w = np.ascontiguousarray(w, dtype=dtype)
    if b is not None:
        b = np.ascontiguousarray(b, dtype=dtype)
    return x, w, b


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """(W − dilation·(F − 1) − 1 + 2P) // S + 1 — the course's (W − F + 2P)/S + 1 when dilation is 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def check_output_bytes(op: str, shape) -> None:
    """An output too big for any array is a bad argument (PyTorch's RuntimeError), not NumPy's message."""
    count = 1
    for size in shape:
        count *= max(int(size), 0)
    if count * 8 > 2 ** 63 - 1:
        raise ArgumentError(f"{op}: the output of shape {tuple(int(v) for v in shape)} would need more than "
                            f"2**63 bytes (check the padding, stride and dilation)")


def empty_output(op: str, shape, dtype) -> np.ndarray:
    """np.empty for an output, with minigrad's message (not NumPy's) when the memory is too small."""
    try:
        return np.empty(shape, dtype=dtype)
    except MemoryError:
        nbytes = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        raise AllocationError(f"{op}: cannot allocate the output of shape {tuple(shape)} ({nbytes} bytes); "
                              "check the padding, stride and dilation") from None


def check_conv2d(op: str, x_shape, w_shape, b_shape, stride, padding, dilation) -> tuple[int, int]:
    """Validate a 2-D convolution's arguments; return the output height and width."""
    if len(x_shape) != 4:
        raise ArgumentError(f"{op}: expected a 4-D input [batch, channels, height, width], got shape {x_shape}")
    if len(w_shape) != 4:
        raise ArgumentError(f"{op}: expected a 4-D weight [out_channels, in_channels, kh, kw], got shape {w_shape}")
    if x_shape[1] != w_shape[1]:
        raise ArgumentError(f"{op}: the input has {x_shape[1]} channels but the weight expects {w_shape[1]} "
                         f"(input shape {x_shape}, weight shape {w_shape})")
    if b_shape is not None and b_shape != (w_shape[0],):
        raise ArgumentError(f"{op}: bias shape {b_shape} does not match the {w_shape[0]} output channels")
    if min(stride) < 1:
        raise ArgumentError(f"{op}: stride must be positive, got {stride}")
    if min(padding) < 0:
        raise ArgumentError(f"{op}: padding must be non-negative, got {padding}")
    if min(dilation) < 1:
        raise ArgumentError(f"{op}: dilation must be positive, got {dilation}")
    if min(w_shape[2:]) < 1:
        raise ArgumentError(f"{op}: kernel size should be greater than zero, but got the weight of shape {w_shape} "
                           f"(kernel {tuple(w_shape[2:])})")
    for axis in (0, 1):
        if (x_shape[2 + axis] + 2 * padding[axis] >= MAX_EXTENT or stride[axis] >= MAX_EXTENT
                or dilation[axis] * w_shape[2 + axis] >= MAX_EXTENT):
            raise ArgumentError(f"{op}: stride {stride}, padding {padding} or dilation {dilation} is too large "
                             f"(the padded input or the kernel span reaches 2**62) for input shape {x_shape}")
    sizes = []
    for axis, name in ((0, "height"), (1, "width")):
        size, kernel = x_shape[2 + axis], w_shape[2 + axis]
        padded = size + 2 * padding[axis]
        span = dilation[axis] * (kernel - 1) + 1
        if span > padded:
            raise ArgumentError(f"{op}: the kernel {name} {kernel} (dilated span {span}) is larger than the padded "
                             f"input {name} {padded} (input {size} + 2×padding {padding[axis]})")
        sizes.append(conv_output_size(size, kernel, stride[axis], padding[axis], dilation[axis]))
    check_output_bytes(op, (x_shape[0], w_shape[0], *sizes))
    if min(sizes) < 1 or min(x_shape[0], x_shape[1], w_shape[0]) < 1:
        raise ArgumentError(f"{op}: the output size {tuple(sizes)} is below 1 for input shape {x_shape}")
    return sizes[0], sizes[1]


class Conv2d(Function):
    """out = x ⋆ w + b (cross-correlation, as PyTorch): one node, bias included.

    Kernels (conv2d_forward, conv2d_backward_input, conv2d_backward_weight): ``kernels/reference/conv.py`` (the spec),
    ``kernels/numba_impl/conv.py`` and ``kernels/cython_impl/_conv.pyx``.
    """

    uses_kernels = True

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation):
        x, w, b = float_operands("conv2d", x, w, b)
        oh, ow = check_conv2d("conv2d", x.shape, w.shape, None if b is None else b.shape,
                              stride, padding, dilation)
        out = empty_output("conv2d", (x.shape[0], w.shape[0], oh, ow), x.dtype)
        ctx.geometry = (*stride, *padding, *dilation)
        convolve = ctx.kernels.conv2d_forward

        def forward_part(x, out):  # one slice of the batch, on one thread
            convolve(x, w, out, *ctx.geometry)
            if b is not None:
                out += b.reshape(1, -1, 1, 1)

        run_over_batch(forward_part, split=dict(x=x, out=out), kernels=ctx.kernels)
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = np.empty_like(x)
            input_grad = ctx.kernels.conv2d_backward_input

            def input_grad_part(grad, grad_x):
                input_grad(grad, w, grad_x, *ctx.geometry)

            run_over_batch(input_grad_part, split=dict(grad=grad, grad_x=grad_x), kernels=ctx.kernels)
        needs_w, needs_b = ctx.needs_input_grad[1], ctx.needs_input_grad[2]
        if needs_w or needs_b:
            grad_w = np.empty_like(w) if needs_w else None
            grad_b = np.empty(w.shape[0], x.dtype) if needs_b else None
            weight_grad = ctx.kernels.conv2d_backward_weight

            def parameter_grads_part(x, grad, grad_w, grad_b):  # sums over the slice; the parts add up
                if grad_w is not None:
                    weight_grad(x, grad, grad_w, *ctx.geometry)
                if grad_b is not None:
                    grad.sum(axis=(0, 2, 3), out=grad_b)

            run_over_batch(parameter_grads_part, split=dict(x=x, grad=grad),
                           summed=dict(grad_w=grad_w, grad_b=grad_b), kernels=ctx.kernels)
        return grad_x, grad_w, grad_b, None, None, None


def _same_padding(kernel: tuple, dilation: tuple, stride: tuple, op: str) -> tuple:
    if stride != (1, 1):
        raise ArgumentError(f"{op}: padding='same' needs stride 1, got stride {stride}")
    spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(s % 2 for s in spans):
        raise ValueError(f"{op}: padding='same' with an even kernel span {spans} would be asymmetric; "
                         "pad explicitly")
    return spans[0] // 2, spans[1] // 2


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of input [N, C, H, W] (or unbatched [C, H, W]) with weight [O, C, kh, kw]."""
    check_groups(groups, "conv2d")
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            padding = _same_padding(tuple(weight.shape[2:]), dilation, stride, "conv2d")
        else:
            raise ArgumentError(f"conv2d: invalid padding string {padding!r}: padding must be an int, a pair, "
                               "'valid' or 'same'")
    padding = pair(padding, "padding", "conv2d")
    if input.ndim == 3:  # unbatched, as PyTorch accepts
        return Conv2d.apply(input.unsqueeze(0), weight, bias, stride, padding, dilation).squeeze(0)
    return Conv2d.apply(input, weight, bias, stride, padding, dilation)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of input [N, C, L] with weight [O, C, k]: the 2-D kernels with height 1."""
    check_groups(groups, "conv1d")
    if input.ndim not in (2, 3):
        raise ArgumentError(f"conv1d: expected a 3-D input [batch, channels, length], got shape {input.shape}")
    if weight.ndim != 3:
        raise ArgumentError(f"conv1d: expected a 3-D weight [out_channels, in_channels, k], got shape {weight.shape}")
    single = ntuple(stride, 1, "stride", "conv1d")
    dil = ntuple(dilation, 1, "dilation", "conv1d")
    if isinstance(padding, str):
        padding = {"valid": 0, "same": None}.get(padding, padding)
        if padding is None:
            padding = _same_padding((1, weight.shape[2]), (1, dil[0]), (1, single[0]), "conv1d")[1]
        elif isinstance(padding, str):
            raise ArgumentError(f"conv1d: invalid padding string {padding!r}: padding must be an int, 'valid' or "
                               "'same'")
    pad = ntuple(padding, 1, "padding", "conv1d")
    if single[0] < 1:  # checked here so the message names conv1d and its own values, not the 2-D call's
        raise ArgumentError(f"conv1d: stride must be positive, got stride={single[0]}")
    if pad[0] < 0:
        raise ArgumentError(f"conv1d: padding must be non-negative, got padding={pad[0]}")
    if dil[0] < 1:
        raise ArgumentError(f"conv1d: dilation must be positive, got dilation={dil[0]}")
    if weight.shape[2] < 1:
        raise ArgumentError(f"conv1d: kernel size should be greater than zero, but got the weight of shape "
                            f"{tuple(weight.shape)}")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    out = Conv2d.apply(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, single[0]), (0, pad[0]), (1, dil[0]))
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out
