"""Factories: tensor, zeros, ones, full, empty, arange, rand, randn, eye and the *_like forms."""
from __future__ import annotations

import numpy as np

from .dtypes import DEFAULT_FLOAT
from .random import get_rng
from .tensor import Tensor, _as_dtype


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return shape


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._wrap(array).requires_grad_(requires_grad) if requires_grad else Tensor._wrap(array)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*shape, dtype=None, requires_grad=False) -> Tensor:
    return _make(np.zeros(_shape(shape), _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def ones(*shape, dtype=None, requires_grad=False) -> Tensor:
    return _make(np.ones(_shape(shape), _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def empty(*shape, dtype=None, requires_grad=False) -> Tensor:
    return _make(np.empty(_shape(shape), _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False) -> Tensor:
    shape = _shape((shape,) if isinstance(shape, int) else (shape,))
    if dtype is None:
        dtype = DEFAULT_FLOAT if isinstance(fill_value, float) else np.asarray(fill_value).dtype
        dtype = np.int64 if np.dtype(dtype).kind in "iu" else dtype
    return _make(np.full(shape, fill_value, _as_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step)
    dtype = _as_dtype(dtype) or (np.int64 if values.dtype.kind in "iu" else DEFAULT_FLOAT)
    return _make(values.astype(dtype), requires_grad)


def rand(*shape, dtype=None, requires_grad=False) -> Tensor:
    dtype = _as_dtype(dtype) or DEFAULT_FLOAT
    return _make(get_rng().random(_shape(shape)).astype(dtype), requires_grad)


def randn(*shape, dtype=None, requires_grad=False) -> Tensor:
    dtype = _as_dtype(dtype) or DEFAULT_FLOAT
    return _make(get_rng().standard_normal(_shape(shape)).astype(dtype), requires_grad)


def randint(low, high=None, size=(), dtype=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return Tensor._wrap(get_rng().integers(low, high, size=_shape((size,))).astype(_as_dtype(dtype) or np.int64))


def eye(n: int, m: int | None = None, dtype=None, requires_grad=False) -> Tensor:
    return _make(np.eye(n, m, dtype=_as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return randn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return rand(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)
