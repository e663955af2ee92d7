"""Argument checks shared by the layer constructors: the wrong type is PyTorch's TypeError, the
wrong value its RuntimeError/ValueError, each naming the layer, the argument and its value."""
from __future__ import annotations

import numbers

import numpy as np

from ..._argcheck import ArgumentError


def size_arg(value, layer: str, name: str, low: int = 0) -> int:
    """A size argument (in_features, num_embeddings, ...): an int >= ``low``; a float, a string
    or None is refused (PyTorch's TypeError), not truncated by int()."""
    if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
        raise TypeError(f"{layer}: argument '{name}' must be an int, got {value!r:.40} ({type(value).__name__})")
    value = int(value.__index__())
    if value < low:
        raise ArgumentError(f"{layer}: argument '{name}' must be >= {low}, got {name}={value} "
                           f"(a negative dimension)")
    return value


def number_arg(value, layer: str, name: str):
    """A real-number argument (p, alpha, init, ...); a string, None or a tensor is a TypeError
    (a bool counts as 0/1, as PyTorch)."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{layer}: argument '{name}' must be a number, got {value!r:.40} ({type(value).__name__})")
    return value
