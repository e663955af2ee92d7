"""Ops as ``mg.`` functions (the same ops as the Tensor methods)."""
from __future__ import annotations

import numpy as np

from .ops import arithmetic as _arith
from .ops import shape as _shape
from .ops.linalg import check_tensor_args, matmul
from .ops.reduce import normalize_dim
from .tensor import Tensor


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _tensors(tensors, what: str) -> list:
    if isinstance(tensors, Tensor):  # TypeError, as PyTorch (not a cat of the tensor's rows)
        raise TypeError(f"{what}(): argument 'tensors' (position 1) must be a list or tuple of Tensors, "
                        f"not Tensor (shape {tensors.shape})")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, (Tensor, np.ndarray)):  # TypeError, as PyTorch
            raise TypeError(f"{what}(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{what}: expected a non-empty list of tensors")
    return tensors


def cat(tensors, dim: int = 0):
    tensors = _tensors(tensors, "cat")
    # as PyTorch: 1-D empty tensors are skipped (Cat), so the dim is checked against the first other one
    shaped = [t for t in tensors if t.shape != (0,)]
    if not shaped:
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            normalize_dim(dim, 1)  # the TypeError for a dim that is no int; any int dim is accepted here
        return _shape.Cat.apply(0, *tensors)
    return _shape.Cat.apply(normalize_dim(dim, shaped[0].ndim), *tensors)


def stack(tensors, dim: int = 0):
    tensors = _tensors(tensors, "stack")
    return _shape.Stack.apply(normalize_dim(dim, tensors[0].ndim + 1), *tensors)


def add(a, b):
    return _t(a) + b


def sub(a, b):
    return _t(a) - b


def mul(a, b):
    return _t(a) * b


def div(a, b):
    return _t(a) / b


def floor_divide(a, b):
    return _t(a) // b


def pow(a, b):  # noqa: A001
    return _t(a) ** b


def neg(x):
    return -_t(x)


def exp(x):
    return _t(x).exp()


def log(x):
    return _t(x).log()


def sqrt(x):
    return _t(x).sqrt()


def abs(x):  # noqa: A001
    return _t(x).abs()


def clamp(x, min=None, max=None):  # noqa: A002
    return _t(x).clamp(min, max)


clip = clamp


def maximum(a, b):
    check_tensor_args("maximum", ("input", "other"), (a, b))  # a Python number: TypeError, as PyTorch
    return _arith.Maximum.apply(a, b)


def minimum(a, b):
    check_tensor_args("minimum", ("input", "other"), (a, b))
    return _arith.Minimum.apply(a, b)


def where(condition, a, b):
    """a where condition holds, else b (condition: a bool tensor or array)."""
    check_tensor_args("where", ("condition", "input", "other"), (condition, a, b), numbers=True)
    return _arith.Where.apply(condition.data if isinstance(condition, Tensor) else condition, a, b)


def sum(x, dim=None, keepdim=False):  # noqa: A001
    return _t(x).sum(dim, keepdim)


def mean(x, dim=None, keepdim=False):
    return _t(x).mean(dim, keepdim)


def max(x, dim=None, keepdim=False):  # noqa: A001
    return _t(x).max(dim, keepdim)


def min(x, dim=None, keepdim=False):  # noqa: A001
    return _t(x).min(dim, keepdim)


def argmax(x, dim=None, keepdim=False):
    return _t(x).argmax(dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return _t(x).argmin(dim, keepdim)


def reshape(x, *shape):
    return _t(x).reshape(*shape)


def transpose(x, dim0, dim1):
    return _t(x).transpose(dim0, dim1)


def permute(x, *dims):
    return _t(x).permute(*dims)


def flatten(x, start_dim=0, end_dim=-1):
    return _t(x).flatten(start_dim, end_dim)


def squeeze(x, dim=None):
    return _t(x).squeeze(dim)


def unsqueeze(x, dim):
    return _t(x).unsqueeze(dim)


def split(x, split_size_or_sections, dim=0):
    return _shape.split(_t(x), split_size_or_sections, dim)


def chunk(x, chunks, dim=0):
    return _shape.chunk(_t(x), chunks, dim)


def relu(x):
    return _t(x).relu()


def sigmoid(x):
    return _t(x).sigmoid()


def tanh(x):
    return _t(x).tanh()


def softmax(x, dim, dtype=None):  # dtype=: cast first, as torch.softmax (an integer input then works)
    return _t(x).softmax(dim) if dtype is None else _t(x).astype(dtype).softmax(dim)


def log_softmax(x, dim, dtype=None):
    return _t(x).log_softmax(dim) if dtype is None else _t(x).astype(dtype).log_softmax(dim)


def detach(x):
    return _t(x).detach()


__all__ = ["add", "sub", "mul", "div", "floor_divide", "pow", "neg", "exp", "log", "sqrt", "abs", "clamp", "clip",
           "maximum", "minimum", "where", "sum", "mean", "max", "min", "argmax", "argmin", "reshape",
           "transpose", "permute", "flatten", "squeeze", "unsqueeze", "split", "chunk", "matmul",
           "cat", "stack", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "detach"]
