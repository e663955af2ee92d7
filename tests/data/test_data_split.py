"""time_split: ordered, no shuffling, sizes by floor."""
import numpy as np
import pandas as pd
import pytest

from minigrad.data import DataLoader, Subset, TensorDataset, time_split


def test_two_and_three_way():
    train, test = time_split(np.arange(10))
    assert train.tolist() == list(range(8)) and test.tolist() == [8, 9]
    train, val, test = time_split(np.arange(10), train=0.6, val=0.2)
    assert (train.tolist(), val.tolist(), test.tolist()) == (list(range(6)), [6, 7], [8, 9])


def test_dataframe_by_position_and_dataset():
    frame = pd.DataFrame({"v": np.arange(20)}, index=pd.date_range("2020-01-01", periods=20))
    train, test = time_split(frame, 0.75)
    assert len(train) == 15 and train.index.max() < test.index.min()
    dataset = TensorDataset(np.arange(20.0).reshape(10, 2), np.arange(10))
    first, rest = time_split(dataset, 0.7)
    assert isinstance(first, Subset) and len(first) == 7 and len(rest) == 3
    _, yb = next(iter(DataLoader(rest, batch_size=3)))
    assert yb.numpy().tolist() == [7, 8, 9]


@pytest.mark.parametrize("train, val", [(0.0, 0.0), (1.0, 0.0), (0.8, 0.2), (0.5, -0.1)])
def test_bad_fractions(train, val):
    with pytest.raises(ValueError, match="time_split"):
        time_split(np.arange(10), train, val)


def test_too_few_rows():
    with pytest.raises(ValueError, match="too few"):
        time_split(np.arange(3), 0.2)
