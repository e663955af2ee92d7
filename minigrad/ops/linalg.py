"""Matrix multiplication: 1-D, 2-D, batched and broadcast, as numpy.matmul / torch.matmul; and
the fused linear layer y = x·Wᵀ + b.

The fast path is BLAS through numpy.matmul; the blocked loop kernels in
``kernels/*/matmul`` exist to be read and measured (see BENCHMARKS.md), not to run here.
"""
from __future__ import annotations

import numpy as np

from ..autograd import function as _function
from ..autograd.function import Function
from .arithmetic import _promote, unbroadcast


def _swap_last(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        if type(a) is not np.ndarray or type(b) is not np.ndarray:
            a, b = _promote(a, b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} "
                             f"and {b.shape}")
        inner_a = a.shape[-1]
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if inner_a != inner_b:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                             f"({inner_a} != {inner_b})")
        # PyTorch's quirk: a matrix a with a batched b, one of them empty, promotes instead (a 1-D a does not)
        quirk = a.ndim == 2 and b.ndim >= 3 and (a.size == 0 or b.size == 0)
        if a.dtype != b.dtype and not quirk:  # PyTorch's RuntimeError: matmul does not promote
            raise RuntimeError(f"matmul: expected m1 and m2 to have the same dtype, but got: {a.dtype} != "
                               f"{b.dtype} (shapes {a.shape} and {b.shape}); convert one with .to()/.float()/.double()")
        if a.dtype != b.dtype:
            a, b = _promote(a, b)
        if a.dtype.kind == "b" and ((a.ndim == 1 and b.ndim == 1) or (a.size and b.size)):
            # PyTorch's NotImplementedError (it has no bool GEMM/dot kernel); empty operands it lets through
            raise NotImplementedError(f"matmul: \"dot\" not implemented for 'Bool' (bool operands of shapes "
                                      f"{a.shape} and {b.shape}); convert with .long() or .float()")
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul: the batch dims of shapes {a.shape} and {b.shape} cannot be "
                             "broadcast together") from None
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # Promote 1-D operands to matrices, as matmul itself does, then undo it.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if b.ndim == 1:  # restore the column dim first: for 1-D @ 1-D the grad is 0-d
            g2 = np.expand_dims(g2, -1)
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:  # dL/dA = dL/dC · Bᵀ
            grad_a = unbroadcast(np.matmul(g2, _swap_last(b2)), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:  # dL/dB = Aᵀ · dL/dC
            grad_b = unbroadcast(np.matmul(_swap_last(a2), g2), b2.shape).reshape(b.shape)
        return grad_a, grad_b


def check_tensor_args(what: str, names: tuple, values: tuple, numbers: bool = False) -> None:
    """TypeError with PyTorch's words for an operand that is not a tensor (a list, say), instead of
    an internal AttributeError; NumPy arrays (and numbers, where the op takes them) pass."""
    tensor = _function.Tensor  # the Tensor class, registered by minigrad.tensor (no import cycle)
    allowed = (tensor, np.ndarray, int, float, bool, np.generic) if numbers else (tensor, np.ndarray)
    for position, (name, value) in enumerate(zip(names, values), 1):
        if not isinstance(value, allowed):
            raise TypeError(f"{what}(): argument '{name}' (position {position}) must be Tensor, not "
                            f"{type(value).__name__}")


def matmul(a, b):
    check_tensor_args("matmul", ("input", "other"), (a, b))
    return MatMul.apply(a, b)


class Linear(Function):
    """y = x·Wᵀ + b for x [N, in], W [out, in], b [out] (or [1]) or None: one node instead of
    three (transpose, matmul, bias add), and W's gradient comes out in W's own (C) layout.
    Shapes are checked by ``nn.functional.linear``."""

    @staticmethod
    def forward(ctx, x, w, b):
        x, w = _promote(x, w)
        out = np.matmul(x, w.T)
        ctx.bias_shape = None if b is None else b.shape
        if b is not None:
            if np.result_type(out, b) == out.dtype:
                out += b
            else:  # a wider bias widens the result, as a separate add would
                out = out + b
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = np.matmul(grad, w) if needs[0] else None        # dL/dx = dL/dy · W
        grad_w = np.matmul(grad.T, x) if needs[1] else None      # dL/dW = (dL/dy)ᵀ · x
        grad_b = unbroadcast(grad, ctx.bias_shape) if needs[2] else None  # dL/db = Σ over the batch
        return grad_x, grad_w, grad_b
