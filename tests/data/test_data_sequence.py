"""SlidingWindowDataset against hand-made tables, including the course's p.38 series."""
import numpy as np
import pandas as pd
import pytest

import minigrad as mg
from minigrad.data import DataLoader, SlidingWindowDataset


def table(dataset):
    x, y = dataset.tensors
    return x.numpy(), y.numpy()


def test_course_table_single_step():
    # p.38: the series 1..13 cut into windows of 5 every 3 steps, labelled with the next value.
    x, y = table(SlidingWindowDataset(np.arange(1, 14), window=5, stride=3))
    np.testing.assert_array_equal(x[..., 0], [[1, 2, 3, 4, 5], [4, 5, 6, 7, 8], [7, 8, 9, 10, 11]])
    np.testing.assert_array_equal(y, [[6], [9], [12]])
    assert x.shape == (3, 5, 1) and y.shape == (3, 1) and x.dtype == np.float32


def test_course_table_multi_step():
    x, y = table(SlidingWindowDataset(np.arange(1, 14), window=5, horizon=2, stride=3))
    np.testing.assert_array_equal(x[..., 0], [[1, 2, 3, 4, 5], [4, 5, 6, 7, 8], [7, 8, 9, 10, 11]])
    np.testing.assert_array_equal(y, [[6, 7], [9, 10], [12, 13]])


def test_stride_one_every_window():
    ds = SlidingWindowDataset(np.arange(6), window=3, horizon=1)
    x, y = table(ds)
    assert len(ds) == 3
    np.testing.assert_array_equal(x[..., 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [[3], [4], [5]])
    np.testing.assert_array_equal(ds.target_positions(), [3, 4, 5])


def test_multivariate_targets():
    series = np.stack([np.arange(8), 10 * np.arange(8), 100 * np.arange(8)], axis=1)
    every = SlidingWindowDataset(series, window=3, horizon=2)
    x, y = every[0]
    np.testing.assert_array_equal(x.numpy(), series[0:3])
    np.testing.assert_array_equal(y.numpy(), series[3:5])                     # [horizon, features]
    one = SlidingWindowDataset(series, window=3, horizon=2, target_columns=1)
    np.testing.assert_array_equal(one[2][1].numpy(), [50, 60])                 # [horizon]
    some = SlidingWindowDataset(series, window=3, horizon=2, stride=2, target_columns=[2, 0])
    assert len(some) == 2
    np.testing.assert_array_equal(some[1][1].numpy(), [[500, 5], [600, 6]])    # [horizon, 2]


def test_dataframe_columns_by_name():
    frame = pd.DataFrame({"open": np.arange(10.0), "close": np.arange(10.0) + 0.5})
    ds = SlidingWindowDataset(frame, window=4, target_columns="close")
    assert ds[0][0].shape == (4, 2)
    np.testing.assert_array_equal(ds[0][1].numpy(), [4.5])
    with pytest.raises(KeyError, match="volume"):
        SlidingWindowDataset(frame, window=4, target_columns="volume")


def test_loader_over_windows_uses_views_and_batches():
    series = np.sin(np.arange(200) / 5.0)
    ds = SlidingWindowDataset(series, window=10, horizon=3, stride=2)
    assert len(ds) == (200 - 10 - 3) // 2 + 1
    xb, yb = next(iter(DataLoader(ds, batch_size=16, shuffle=True, seed=0)))
    assert xb.shape == (16, 10, 1) and yb.shape == (16, 3) and xb.dtype == mg.float32
    assert np.shares_memory(ds.tensors[0].numpy(), ds.tensors[1].numpy())   # both views of one series


def test_dtype_option_and_too_short():
    ids = SlidingWindowDataset([3, 1, 0, 1, 3, 3, 3], window=6, dtype=mg.int64)   # 미 레 도 레 미 미 -> 미
    assert ids[0][0].dtype == mg.int64 and ids[0][1].numpy().tolist() == [3]
    with pytest.raises(ValueError, match="too short"):
        SlidingWindowDataset(np.arange(5), window=5)
    with pytest.raises(ValueError, match="window"):
        SlidingWindowDataset(np.arange(5), window=0)
