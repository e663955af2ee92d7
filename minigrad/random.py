"""One random generator for everything random in minigrad; mg.manual_seed resets it."""
from __future__ import annotations

import numpy as np

_rng = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Make every random thing in minigrad (init, dropout, shuffling, rand/randn) reproducible."""
    try:
        value = int(seed)  # as PyTorch: 1.5 seeds with 1, a numeric string with its number
    except (TypeError, ValueError):  # PyTorch: ValueError for a string, TypeError otherwise
        error = ValueError if isinstance(seed, str) else TypeError
        raise error(f"manual_seed(): seed must be an integer, got {seed!r:.40} ({type(seed).__name__})") from None
    if not -2 ** 63 <= value < 2 ** 64:  # PyTorch's range (a uint64, or an int64 taken modulo 2**64)
        raise ValueError(f"manual_seed(): seed {value} does not fit in 64 bits")
    _rng[0] = np.random.default_rng(value % 2 ** 64)
    return _rng[0]


def get_rng() -> np.random.Generator:
    return _rng[0]
