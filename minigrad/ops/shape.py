"""Shape ops: reshape, permute, expand, indexing, cat and stack — and the helpers derived from them."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .arithmetic import unbroadcast
from .reduce import normalize_dim


# ------------------------------------------------------------------ reshape -----------------------
def normalize_shape(shape: tuple, tensor) -> tuple:
    """Accept reshape(2, 3), reshape((2, 3)) and one -1; check the element count."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    size = tensor.data.size
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: only one dimension can be -1, got {shape}")
    known = int(np.prod([s for s in shape if s != -1]))
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {tensor.shape} ({size} "
                             f"elements) into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tensor.shape} ({size} elements) "
                         f"into shape {shape} ({known} elements)")
    return shape


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


def flatten(x, start_dim: int = 0, end_dim: int = -1):
    if x.ndim == 0:
        return x.reshape(1)
    start, end = normalize_dim(start_dim, x.ndim), normalize_dim(end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:start] + (int(np.prod(x.shape[start:end + 1])),) + x.shape[end + 1:]
    return Reshape.apply(x, shape)


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = {normalize_dim(d, x.ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return x if shape == x.shape else Reshape.apply(x, shape)


def unsqueeze(x, dim: int):
    dim = normalize_dim(dim, x.ndim + 1)
    return Reshape.apply(x, x.shape[:dim] + (1,) + x.shape[dim:])


# ------------------------------------------------------------------ permute -----------------------
class Permute(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse), None


def permute(x, dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != x.ndim:
        raise ValueError(f"permute: got {len(dims)} dims {tuple(dims)} for a tensor of shape {x.shape}")
    dims = tuple(normalize_dim(d, x.ndim) for d in dims)
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the dims of shape {x.shape}")
    return Permute.apply(x, dims)


def transpose(x, dim0: int, dim1: int):
    dims = list(range(x.ndim))
    d0, d1 = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(x, tuple(dims))


# ------------------------------------------------------------------ expand ------------------------
class Expand(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape), None


def expand(x, sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    extra = len(sizes) - x.ndim
    if extra < 0:
        raise ValueError(f"expand: the number of sizes {tuple(sizes)} is less than the tensor's "
                         f"dims {x.shape}")
    shape = tuple(x.shape[i - extra] if s == -1 and i >= extra else s for i, s in enumerate(sizes))
    for i, size in enumerate(x.shape):
        if size != 1 and size != shape[i + extra]:
            raise ValueError(f"expand: the tensor of shape {x.shape} cannot be expanded to {tuple(sizes)} "
                             f"(dim {i}: {size} is neither 1 nor {shape[i + extra]})")
    return Expand.apply(x, shape)


# ------------------------------------------------------------------ indexing ----------------------
def _has_int_array(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in items)


class GetItem(Function):
    """x[index], basic or advanced; a repeated index accumulates its gradient."""

    @staticmethod
    def forward(ctx, a, index):
        try:
            out = a[index]
        except IndexError as exc:
            raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {exc}") from None
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        full = np.zeros(ctx.shape, dtype=grad.dtype)
        if _has_int_array(ctx.index):
            np.add.at(full, ctx.index, grad)   # x[[0, 0]] must add both gradients
        else:
            full[ctx.index] = grad             # basic slices and bool masks select each element once
        return full, None


# ------------------------------------------------------------------ cat / stack -------------------
class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        reference = arrays[0].shape
        for array in arrays[1:]:
            if array.ndim != len(reference) or any(
                    a != b for i, (a, b) in enumerate(zip(array.shape, reference)) if i != dim):
                raise ValueError(f"cat: tensors must have the same shape except in dim {dim}; got "
                                 f"{reference} and {array.shape}")
        ctx.dim = dim
        ctx.bounds = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        pieces = np.split(grad, ctx.bounds, axis=ctx.dim)
        return (None, *(p if need else None for p, need in zip(pieces, ctx.needs_input_grad[1:])))


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        reference = arrays[0].shape
        for array in arrays[1:]:
            if array.shape != reference:
                raise ValueError(f"stack: every tensor must have the same shape; got {reference} and "
                                 f"{array.shape}")
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None, *(np.take(grad, i, axis=ctx.dim) if need else None
                        for i, need in enumerate(ctx.needs_input_grad[1:])))


def split(x, split_size_or_sections, dim: int = 0):
    dim = normalize_dim(dim, x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections:
            sizes.append(length % split_size_or_sections)
        sizes = sizes or [0]  # an empty dim splits into one empty piece, as in PyTorch
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise ValueError(f"split: sections {sizes} sum to {sum(sizes)}, but dim {dim} has size {length}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(x[index])
        start += size
    return tuple(pieces)


def chunk(x, chunks: int, dim: int = 0):
    length = x.shape[normalize_dim(dim, x.ndim)]
    if not isinstance(chunks, int) or isinstance(chunks, bool) or chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be an int greater than 0, got {chunks!r} "
                           f"(input of shape {x.shape})")
    if length == 0:  # PyTorch: `chunks` empty pieces
        return split(x, [0] * chunks, dim)
    return split(x, -(-length // chunks), dim)
