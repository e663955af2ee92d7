"""One random generator for everything random in minigrad; mg.manual_seed resets it."""
from __future__ import annotations

import numpy as np

_rng = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Make every random thing in minigrad (init, dropout, shuffling, rand/randn) reproducible."""
    _rng[0] = np.random.default_rng(int(seed))
    return _rng[0]


def get_rng() -> np.random.Generator:
    return _rng[0]
