"""Time-ordered splits: the past trains, the future tests (scikit-learn covers the shuffled kind)."""
from __future__ import annotations

import math

import numpy as np


def _take(data, start: int, stop: int):
    if hasattr(data, "iloc"):                       # pandas: position, not label
        return data.iloc[start:stop]
    if hasattr(data, "get_batch") and hasattr(data, "__len__"):
        from .dataset import Subset
        return Subset(data, np.arange(start, stop))
    return data[start:stop]


def time_split(data, train: float = 0.8, val: float = 0.0):
    """Split ``data`` along its first axis in time order, with no shuffling.

    Returns ``(train_part, test_part)`` when ``val`` is 0, else ``(train_part, val_part,
    test_part)``: the first ``floor(train * n)`` rows, the next ``floor(val * n)``, then the rest.
    Works on NumPy arrays, Tensors, lists, pandas objects (by position) and datasets that batch
    (giving Subsets).  Fit scalers on the training part only, as the course does (p.22).
    """
    if not (0 < train < 1 and 0 <= val < 1 and train + val < 1):
        raise ValueError(f"time_split: need 0 < train < 1, 0 <= val < 1 and train + val < 1 so the "
                         f"test part is not empty; got train={train}, val={val}")
    n = len(data)
    n_train = math.floor(train * n)
    n_val = math.floor(val * n)
    if n_train == 0 or n - n_train - n_val <= 0 or (val > 0 and n_val == 0):
        raise ValueError(f"time_split: {n} rows are too few for train={train}, val={val}")
    cut = n_train + n_val
    if val == 0:
        return _take(data, 0, n_train), _take(data, n_train, n)
    return _take(data, 0, n_train), _take(data, n_train, cut), _take(data, cut, n)
