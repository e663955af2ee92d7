"""Factories: tensor, zeros, ones, full, empty, arange, rand, randn, eye and the *_like forms."""
from __future__ import annotations

import operator

import numpy as np

from ._argcheck import ArgumentError
from .dtypes import DEFAULT_FLOAT
from .random import get_rng
from .tensor import Tensor, _as_dtype


def _int(value, what: str, name: str) -> int:
    """An int argument (a NumPy integer or a 1-element integer tensor too); floats, bools and
    strings are refused, as PyTorch does, instead of being truncated."""
    if not isinstance(value, (bool, np.bool_)):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{what}(): argument '{name}' must be an int, got {value!r:.40} "
                    f"({type(value).__name__})")


def _number(value, what: str, name: str):
    """A Python (or NumPy) number, or a 0-d tensor's value; anything else is a TypeError."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return value
    raise TypeError(f"{what}(): argument '{name}' must be a number, got {value!r:.40} "
                    f"({type(value).__name__})")


def _shape(shape, what: str = "zeros") -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for i, s in enumerate(shape):
        if isinstance(s, (bool, np.bool_)) or not hasattr(s, "__index__"):
            raise TypeError(f"{what}(): argument 'size' must be a tuple of ints, but found {s!r:.40} of "
                            f"type {type(s).__name__} at position {i} (size {shape!r:.80})")
    shape = tuple(operator.index(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ArgumentError(f"{what}(): negative dimension in shape {shape} (a size must be >= 0)")
    return shape


def _requires_grad(value, what: str, none_ok: bool = True) -> bool:
    """requires_grad must be a bool (PyTorch's TypeError), not any truthy value; the factories take
    None as False, as PyTorch's do (tensor() does not)."""
    if value is None and none_ok:
        return False
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what}(): argument 'requires_grad' must be a bool, got {value!r:.40} "
                        f"({type(value).__name__})")
    return bool(value)


def _like(t, what: str) -> Tensor:
    """The *_like factories need a Tensor (PyTorch's TypeError), not a list or None."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}(): argument 'input' must be a Tensor, got {type(t).__name__}")
    return t


def _float_dtype(dtype, what: str):
    """rand/randn only make floating-point tensors (PyTorch's NotImplementedError for an integer dtype)."""
    dtype = _as_dtype(dtype) or DEFAULT_FLOAT
    if np.dtype(dtype).kind != "f":
        raise NotImplementedError(f"{what}(): dtype={np.dtype(dtype).name} is not supported "
                                  f"(rand/randn need a floating-point dtype)")
    return dtype


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._wrap(array).requires_grad_(requires_grad) if requires_grad else Tensor._wrap(array)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    _requires_grad(requires_grad, "tensor", none_ok=False)
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*shape, dtype=None, requires_grad=False) -> Tensor:
    _requires_grad(requires_grad, "zeros")
    return _make(np.zeros(_shape(shape, "zeros"), _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def ones(*shape, dtype=None, requires_grad=False) -> Tensor:
    _requires_grad(requires_grad, "ones")
    return _make(np.ones(_shape(shape, "ones"), _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def empty(*shape, dtype=None, requires_grad=False) -> Tensor:
    _requires_grad(requires_grad, "empty")
    return _make(np.empty(_shape(shape, "empty"), _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False) -> Tensor:
    shape = _shape((shape,), "full")
    _requires_grad(requires_grad, "full")
    fill_value = _number(fill_value, "full", "fill_value")
    if isinstance(fill_value, int) and not isinstance(fill_value, bool) and not -2 ** 63 <= fill_value < 2 ** 63:
        raise OverflowError(f"full(): fill_value {fill_value} does not fit in int64")
    if dtype is None:
        dtype = DEFAULT_FLOAT if isinstance(fill_value, float) else np.asarray(fill_value).dtype
        dtype = np.int64 if np.dtype(dtype).kind in "iu" else dtype
    return _make(np.full(shape, fill_value, _as_dtype(dtype)), requires_grad)


def _arange_checked_is_empty(start, end, step) -> bool:
    """Check start, end and step as PyTorch does (RuntimeError), so no ZeroDivisionError or NumPy
    message reaches the user; True for an infinite step, where PyTorch gives an empty tensor."""
    bounds = []
    for name, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, Tensor) and value.ndim == 0:
            value = value.item()
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange(): argument '{name}' must be a number, got {value!r:.40} "
                            f"({type(value).__name__})")
        bounds.append(value)
    start, end, step = bounds
    if step == 0 or np.isnan(step):
        raise RuntimeError(f"arange: step must be nonzero, got step={step} (start={start}, end={end})")
    if not (np.isfinite(start) and np.isfinite(end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end} (start and end must be finite)")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    return bool(np.isinf(step))


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if _arange_checked_is_empty(*((0, start) if end is None else (start, end)), step):
        return _make(np.zeros(0, _as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)  # an infinite step
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", name) for v, name in ((start, "start"), (end, "end"), (step, "step")))
    values = np.arange(start, end, step)
    dtype = _as_dtype(dtype) or (np.int64 if values.dtype.kind in "iu" else DEFAULT_FLOAT)
    return _make(values.astype(dtype), requires_grad)


def rand(*shape, dtype=None, requires_grad=False) -> Tensor:
    dtype = _float_dtype(dtype, "rand")
    shape = _shape(shape, "rand")
    _requires_grad(requires_grad, "rand")
    return _make(get_rng().random(shape).astype(dtype), requires_grad)


def randn(*shape, dtype=None, requires_grad=False) -> Tensor:
    dtype = _float_dtype(dtype, "randn")
    shape = _shape(shape, "randn")
    _requires_grad(requires_grad, "randn")
    return _make(get_rng().standard_normal(shape).astype(dtype), requires_grad)


def randint(low, high=None, size=(), dtype=None) -> Tensor:
    if isinstance(high, (tuple, list)) and size == ():  # randint(high, size), as PyTorch
        high, size = None, high
    if high is None:
        low, high = 0, low
    low, high = _int(low, "randint", "low"), _int(high, "randint", "high")
    if low >= high:
        raise RuntimeError(f"randint(): random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return Tensor._wrap(get_rng().integers(low, high, size=_shape((size,), "randint")).astype(_as_dtype(dtype) or np.int64))


def eye(n: int, m: int | None = None, dtype=None, requires_grad=False) -> Tensor:
    _requires_grad(requires_grad, "eye")
    n = _int(n, "eye", "n")
    m = None if m is None else _int(m, "eye", "m")
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye(): n and m must be greater or equal to 0, got n={n}, m={m}")
    return _make(np.eye(n, m, dtype=_as_dtype(dtype) or DEFAULT_FLOAT), requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    _like(t, "zeros_like")
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    _like(t, "ones_like")
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    _like(t, "full_like")
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    _like(t, "randn_like")
    return randn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    _like(t, "rand_like")
    return rand(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)
