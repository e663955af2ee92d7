"""Sliding windows over a series: the (features, label) pairs of the course's sequence table (p.38)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..dtypes import DEFAULT_FLOAT
from ..tensor import Tensor, _as_dtype
from .dataset import TensorDataset


def _series_values(series, dtype) -> tuple[np.ndarray, list | None]:
    """The series as an array (time first) and its column names, if it has any."""
    names = None
    if hasattr(series, "columns"):                 # a pandas DataFrame
        names = list(series.columns)
        values = series.to_numpy()
    elif hasattr(series, "to_numpy"):              # a pandas Series
        values = series.to_numpy()
    elif isinstance(series, Tensor):
        values = series.data
        if dtype is None and values.dtype.kind == "f":
            dtype = values.dtype                   # a float64 Tensor stays float64
    else:
        values = np.asarray(series)
    if values.ndim not in (1, 2):
        raise ValueError(f"SlidingWindowDataset: the series must be 1-D [time] or 2-D [time, features], "
                         f"got shape {values.shape}")
    return np.ascontiguousarray(values, dtype=_as_dtype(dtype) or DEFAULT_FLOAT), names


def _column_index(column, names: list | None, n_columns: int) -> int:
    if isinstance(column, str):
        if names is None or column not in names:
            raise KeyError(f"SlidingWindowDataset: no column {column!r}; columns are {names}")
        return names.index(column)
    index = int(column)
    if not -n_columns <= index < n_columns:
        raise IndexError(f"SlidingWindowDataset: target column {index} out of range for {n_columns} columns")
    return index % n_columns


class SlidingWindowDataset(TensorDataset):
    """Windows of ``window`` consecutive steps, each labelled with the ``horizon`` steps after it.

    Sample i starts at ``t = i * stride``:  ``x = series[t : t+window]`` with shape
    ``[window, features]`` (a 1-D series has one feature), and
    ``y = series[t+window : t+window+horizon, target_columns]`` with shape ``[horizon]`` when the
    series is 1-D or ``target_columns`` is one column (an int or a DataFrame column name), and
    ``[horizon, targets]`` otherwise (all columns when ``target_columns`` is None).

    The course's table, series 1..13, window 5, stride 3:  [1..5] -> 6, [4..8] -> 9, [7..11] -> 12
    (horizon 1) or [7..11] -> [12, 13] (horizon 2).  Windows are strided views of the series (no
    copy); a DataLoader batch copies only its own windows.  Values are float32 unless ``dtype``
    says otherwise (e.g. ``mg.int64`` for token ids).
    """

    def __init__(self, series, window: int, horizon: int = 1, stride: int = 1, target_columns=None, dtype=None):
        for name, value in (("window", window), ("horizon", horizon), ("stride", stride)):
            if int(value) != value or value < 1:
                raise ValueError(f"SlidingWindowDataset: {name} must be a positive integer, got {value!r}")
        values, names = _series_values(series, dtype)
        length = values.shape[0]
        count = (length - window - horizon) // stride + 1 if length >= window + horizon else 0
        if count < 1:
            raise ValueError(f"SlidingWindowDataset: a series of length {length} is too short for "
                             f"window {window} + horizon {horizon}")
        columns = values if values.ndim == 2 else values[:, None]

        if values.ndim == 1:
            targets = values                                   # y: [horizon]
        elif target_columns is None:
            targets = values                                   # y: [horizon, features]
        elif isinstance(target_columns, (list, tuple)):
            picked = [_column_index(c, names, values.shape[1]) for c in target_columns]
            targets = np.ascontiguousarray(values[:, picked])  # y: [horizon, len(target_columns)]
        else:
            targets = values[:, _column_index(target_columns, names, values.shape[1])]  # y: [horizon]

        # sliding_window_view puts the window axis last; move it next to the sample axis.
        x = np.moveaxis(sliding_window_view(columns, window, axis=0), -1, 1)[::stride][:count]
        y = sliding_window_view(targets, horizon, axis=0)
        y = (np.moveaxis(y, -1, 1) if targets.ndim == 2 else y)[window::stride][:count]

        self.window, self.horizon, self.stride = int(window), int(horizon), int(stride)
        self.target_columns = target_columns
        self.columns = names
        self.starts = np.arange(count) * stride
        self.tensors = (Tensor._wrap(x), Tensor._wrap(y))

    def target_positions(self) -> np.ndarray:
        """For every sample, the time index of its first target step (for plotting against dates)."""
        return self.starts + self.window

    def __repr__(self) -> str:
        x, y = self.tensors
        return (f"SlidingWindowDataset({len(self)} windows: x {x.shape[1:]}, y {y.shape[1:]}; "
                f"window={self.window}, horizon={self.horizon}, stride={self.stride})")
