"""Shape ops: reshape, permute, expand, indexing, cat and stack — and the helpers derived from them."""
from __future__ import annotations

import re

import numpy as np

from ..autograd.function import Function
from ..dtypes import result_type
from .arithmetic import unbroadcast
from .reduce import normalize_dim


# ------------------------------------------------------------------ reshape -----------------------
def normalize_shape(shape: tuple, tensor) -> tuple:
    """Accept reshape(2, 3), reshape((2, 3)) and one -1; check the element count."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for i, s in enumerate(shape):
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"reshape: shape {tuple(shape)} must be ints, got {type(s).__name__} at index {i}")
    shape = tuple(int(s) for s in shape)
    size = tensor.data.size
    for i, s in enumerate(shape):
        if s < -1:  # RuntimeError, as PyTorch
            raise RuntimeError(f"reshape: invalid shape dimension {s} at index {i} of shape {shape} "
                               f"(tensor of shape {tensor.shape})")
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
        normalize_dim(start_dim, 0), normalize_dim(end_dim, 0)  # as PyTorch: only 0 or -1
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
        dims = {normalize_dim(d, x.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
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
    if x.ndim == 0:  # as PyTorch: dims 0 and -1 of a 0-d tensor name the tensor itself
        normalize_dim(dim0, 0), normalize_dim(dim1, 0)
        return Permute.apply(x, ())
    dims = list(range(x.ndim))
    d0, d1 = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(x, tuple(dims))


# ------------------------------------------------------------------ expand ------------------------
def _writable_like(view: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``view`` (of ``a``'s memory) writable, as PyTorch's expand: zero_/fill_ write through to the
    input, the other in-place ops refuse it (Tensor._check_overlap).  Made on the memory's owner,
    so the view's base chain still reaches it (version counters are shared through it)."""
    owner = a
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    offset = a.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    try:
        return np.ndarray(view.shape, view.dtype, buffer=owner, offset=offset, strides=view.strides)
    except (TypeError, ValueError, BufferError):  # an owner without a writable buffer: read-only
        return view


class Expand(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        view = np.broadcast_to(a, shape)
        if not a.size:  # nothing to share: an empty array, writable like any other
            return np.empty(view.shape, a.dtype)
        return _writable_like(view, a) if a.flags.writeable else view

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape), None


def expand(x, sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for i, s in enumerate(sizes):
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"expand: sizes {tuple(sizes)} must be ints, got {type(s).__name__} at index {i}")
    extra = len(sizes) - x.ndim
    if extra < 0:
        raise ValueError(f"expand: the number of sizes {tuple(sizes)} is less than the tensor's "
                         f"dims {x.shape}")
    for i, s in enumerate(sizes[:extra]):
        if s < 0:  # RuntimeError with PyTorch's words
            raise RuntimeError(f"expand: The expanded size of the tensor ({s}) isn't allowed in a leading, "
                               f"non-existing dimension {i} (tensor of shape {x.shape}, sizes {tuple(sizes)})")
    shape = tuple(x.shape[i - extra] if s == -1 and i >= extra else s for i, s in enumerate(sizes))
    for i, s in enumerate(shape):
        if s < 0:
            raise RuntimeError(f"expand: The expanded size of the tensor ({s}) must match the existing size "
                               f"({x.shape[i - extra]}) at non-singleton dimension {i}.  Target sizes: "
                               f"{tuple(sizes)}.  Tensor sizes: {x.shape}")
    for i, size in enumerate(x.shape):
        if size != 1 and size != shape[i + extra]:
            raise ValueError(f"expand: the tensor of shape {x.shape} cannot be expanded to {tuple(sizes)} "
                             f"(dim {i}: {size} is neither 1 nor {shape[i + extra]})")
    return Expand.apply(x, shape)


# ------------------------------------------------------------------ indexing ----------------------
def _has_int_array(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in items)


def _index_error(index, shape: tuple, numpy_message: str) -> str:
    """minigrad's words (PyTorch's where it has them) for NumPy's IndexError."""
    if not shape:
        return (f"index {index!r} is invalid for a tensor of shape (): invalid index of a 0-dim tensor. "
                "Use `tensor.item()` to convert a 0-dim tensor to a number")
    bounds = re.search(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", numpy_message)
    if bounds:
        reason = f"index {bounds[1]} is out of bounds for dimension {bounds[2]} with size {bounds[3]}"
    elif "too many indices" in numpy_message:
        reason = f"too many indices for a tensor of {len(shape)} dimensions"
    elif "did not match" in numpy_message or "shape mismatch" in numpy_message:
        reason = "the shape of the mask or the index tensors does not match the indexed dims"
    else:
        reason = "only integers, slices, None, ... and integer or bool tensors are valid indices"
    return f"index {index!r} is invalid for a tensor of shape {shape}: {reason}"


class GetItem(Function):
    """x[index], basic or advanced; a repeated index accumulates its gradient."""

    @staticmethod
    def forward(ctx, a, index):
        try:
            out = a[index]
        except IndexError as exc:
            if not (a.size == 0 and "out of bounds" in str(exc) and _has_int_array(index)):
                raise IndexError(_index_error(index, a.shape, str(exc))) from None
            # PyTorch's quirk: a tensor with no elements does not bound-check its index tensors (torch.ones(3, 0)[[3]]
            # has shape (1, 0)); index 0 selects the same (empty) shape here
            items = index if isinstance(index, tuple) else (index,)
            zeroed = tuple(np.zeros_like(i) if isinstance(i, np.ndarray) and i.dtype.kind in "iu" else i
                           for i in items)
            index = zeroed if isinstance(index, tuple) else zeroed[0]
            try:
                out = a[index]
            except IndexError:
                raise IndexError(_index_error(items if isinstance(index, tuple) else items[0], a.shape,
                                              str(exc))) from None
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
        dtype = result_type(*arrays)
        # PyTorch's legacy rule: a 1-D empty tensor (shape (0,)) is skipped, whatever the other shapes
        ctx.skipped = [a.shape == (0,) for a in arrays]
        if any(ctx.skipped) and not all(ctx.skipped):
            arrays = tuple(a for a, skip in zip(arrays, ctx.skipped) if not skip)
        elif all(ctx.skipped):
            ctx.skipped = [False] * len(arrays)
            dim = 0
        for position, array in enumerate(arrays):
            if array.ndim == 0:  # RuntimeError, as PyTorch (not NumPy's IndexError)
                raise RuntimeError(f"cat: zero-dimensional tensor (at position {position}) cannot be "
                                   "concatenated; use stack, or reshape it to (1,)")
        reference = arrays[0].shape
        for array in arrays[1:]:
            if array.ndim != len(reference) or any(
                    a != b for i, (a, b) in enumerate(zip(array.shape, reference)) if i != dim):
                raise ValueError(f"cat: tensors must have the same shape except in dim {dim}; got "
                                 f"{reference} and {array.shape}")
        ctx.dim = dim
        ctx.bounds = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim, dtype=dtype, casting="unsafe")  # PyTorch's promotion

    @staticmethod
    def backward(ctx, grad):
        pieces = iter(np.split(grad, ctx.bounds, axis=ctx.dim))
        pieces = [np.zeros(0, grad.dtype) if skip else next(pieces) for skip in ctx.skipped]
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
        return np.stack(arrays, axis=dim, dtype=result_type(*arrays), casting="unsafe")  # PyTorch's promotion

    @staticmethod
    def backward(ctx, grad):
        return (None, *(np.take(grad, i, axis=ctx.dim) if need else None
                        for i, need in enumerate(ctx.needs_input_grad[1:])))


def _at_least_1d(x, what: str) -> None:
    if x.ndim == 0:  # RuntimeError, as PyTorch
        raise RuntimeError(f"{what} expects at least a 1-dimensional tensor, got shape ()")


def split(x, split_size_or_sections, dim: int = 0):
    _at_least_1d(x, "split")
    dim = normalize_dim(dim, x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        if split_size_or_sections >= 0 and length == 0:  # as PyTorch: one empty piece
            return (x[(slice(None),) * dim + (slice(0, 0),)],)
        if split_size_or_sections < 0:  # RuntimeError, as PyTorch
            raise RuntimeError(f"split: split expects split_size be non-negative, but got "
                               f"split_size={split_size_or_sections}")
        if split_size_or_sections == 0:
            raise RuntimeError(f"split: split_size must be positive: split_size can only be 0 if "
                               f"dimension size is 0, but got dimension size of {length} (dim {dim})")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections:
            sizes.append(length % split_size_or_sections)
        sizes = sizes or [0]  # an empty dim splits into one empty piece, as in PyTorch
    else:
        if not isinstance(split_size_or_sections, (tuple, list)):
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                            f"{type(split_size_or_sections).__name__}")
        sizes = list(split_size_or_sections)
        if any(not isinstance(s, (int, np.integer)) or isinstance(s, bool) for s in sizes):
            raise TypeError(f"split: sections {sizes} must be ints")
        if any(s < 0 for s in sizes):  # RuntimeError, as PyTorch
            raise RuntimeError(f"split: split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != length:
            raise ValueError(f"split: sections {sizes} sum to {sum(sizes)}, but dim {dim} has size {length}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(x[index])
        start += size
    return tuple(pieces)


def chunk(x, chunks: int, dim: int = 0):
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool):
        raise TypeError(f"chunk: chunks must be an int, got {type(chunks).__name__}")
    _at_least_1d(x, "chunk")
    length = x.shape[normalize_dim(dim, x.ndim)]
    if chunks <= 0:  # RuntimeError, as PyTorch
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if length == 0:  # as PyTorch: one empty piece per chunk
        return split(x, 0, dim) * chunks
    return split(x, -(-length // chunks), dim)
