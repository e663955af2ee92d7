"""Reductions: sum, mean, max and min over all elements or along dims.

Tie policy for max/min: along a ``dim`` the gradient goes to the index returned (the first
extreme value, as PyTorch); over all elements it is split equally among the tied elements
(as PyTorch's ``max()`` with no dim).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.function import Function

MinMax = namedtuple("MinMax", ["values", "indices"])


def normalize_dim(dim: int, ndim: int) -> int:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):  # True is no dim, as PyTorch
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(f"dim {dim} is out of range for a tensor of {ndim} dimensions "
                         f"(expected {low}..{high})")
    return int(dim) % max(ndim, 1)


def normalize_dims(dim, ndim: int):
    """None (all dims) or a sorted tuple of non-negative dims."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)  # normalize_dim checks each
    if not dims:  # as PyTorch: dim=() or [] reduces over every dim, not over none
        return None
    normalized = tuple(sorted({normalize_dim(d, ndim) for d in dims}))
    if len(normalized) != len(dims):
        raise ValueError(f"dim {dim} names a dimension more than once")
    return normalized if ndim else None  # 0-d: dim 0 or -1 means its single element


def _expand_back(grad: np.ndarray, shape: tuple, dims, keepdim: bool) -> np.ndarray:
    """Broadcast the gradient of a reduction back over the reduced dims."""
    if dims is None:
        return np.broadcast_to(grad.reshape((1,) * len(shape)), shape)
    if not keepdim:
        grad = np.expand_dims(grad, dims)
    return np.broadcast_to(grad, shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        if a.dtype.kind in "bi":
            a = a.astype(np.int64)
        return np.asarray(a.sum(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        if a.dtype.kind != "f":
            raise TypeError(f"mean: needs a floating-point tensor, got {a.dtype}; convert with .float()")
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.count = a.size if dims is None else int(np.prod([a.shape[d] for d in dims]))
        if ctx.count == 0:  # NaN, as PyTorch, without NumPy's "Mean of empty slice" warning
            with np.errstate(invalid="ignore"):
                return np.asarray(a.sum(axis=dims, keepdims=keepdim) / a.dtype.type(0))
        return np.asarray(a.mean(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        if ctx.count == 0:  # the input has no elements: its gradient is empty
            return np.zeros(ctx.shape, dtype=grad.dtype), None, None
        return _expand_back(grad / ctx.count, ctx.shape, ctx.dims, ctx.keepdim), None, None


class ExtremumAll(Function):
    """max() or min() over every element; ties share the gradient equally."""

    @staticmethod
    def forward(ctx, a, kind):
        if a.size == 0:
            raise RuntimeError(f"{kind}(): Expected reduction dim to be specified for input.numel() == 0 "
                               f"(the tensor is empty, shape {a.shape}). Specify the reduction dim "
                               "with the 'dim' argument.")
        out = np.asarray(a.max() if kind == "max" else a.min())
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        winners = np.isnan(a) if np.isnan(out) else a == out  # a NaN result: the NaNs share it, as PyTorch
        return grad * winners / winners.sum(), None


class ExtremumDim(Function):
    """max(dim) or min(dim): values and the index of the first extreme along dim."""

    @staticmethod
    def forward(ctx, a, dim, keepdim, kind):
        if a.shape[dim] == 0:  # IndexError, as PyTorch
            raise IndexError(f"{kind}(): Expected reduction dim {dim} to have non-zero size "
                             f"(shape {a.shape})")
        indices = (np.argmax if kind == "max" else np.argmin)(a, axis=dim)
        indices = np.expand_dims(indices, dim)
        values = np.take_along_axis(a, indices, axis=dim)
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx.save_for_backward(indices)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (indices,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad_values = np.expand_dims(grad_values, ctx.dim)
        grad = np.zeros(ctx.shape, dtype=grad_values.dtype)
        np.put_along_axis(grad, indices, grad_values, axis=ctx.dim)
        return grad, None, None, None


def extremum(x, dim, keepdim: bool, kind: str):
    if dim is None:
        return ExtremumAll.apply(x, kind)
    dim = normalize_dim(dim, x.ndim)
    if x.ndim == 0:  # as PyTorch: the element itself at index 0, still 0-d with keepdim
        x, keepdim = x.reshape(1), False
    values, indices = ExtremumDim.apply(x, dim, keepdim, kind)
    return MinMax(values, indices)


def arg_extremum(array: np.ndarray, dim, keepdim: bool, kind: str) -> np.ndarray:
    """The int64 indices of the max/min; an array, since indices carry no gradient."""
    finder = np.argmax if kind == "max" else np.argmin
    if array.dtype.kind == "b":  # RuntimeError with PyTorch's words
        raise RuntimeError(f"arg{kind}(): does not support bool input (shape {array.shape}); convert with .long()")
    if dim is None:
        if array.size == 0:  # IndexError with PyTorch's words, not NumPy's "empty sequence"
            raise IndexError(f"arg{kind}(): Expected reduction dim to be specified for input.numel() == 0 "
                             f"(the tensor is empty, shape {array.shape})")
        return np.asarray(finder(array), dtype=np.int64)
    dim = normalize_dim(dim, array.ndim)
    if array.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if array.shape[dim] == 0:
        raise IndexError(f"arg{kind}(): Expected reduction dim {dim} to have non-zero size "
                         f"(shape {array.shape})")
    out = finder(array, axis=dim)
    return (np.expand_dims(out, dim) if keepdim else out).astype(np.int64)


def var(x, dim=None, keepdim: bool = False, unbiased: bool = True):
    """Variance, derived from mean and sum (no backward of its own)."""
    dims = normalize_dims(dim, x.ndim)
    count = x.data.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
    centred = x - x.mean(dim=dims, keepdim=True)
    squares = (centred * centred).sum(dim=dims, keepdim=keepdim)
    if count - int(unbiased) <= 0:  # as PyTorch: no degrees of freedom left gives NaN, not 0
        return squares * float("nan")
    return squares / (count - int(unbiased))
