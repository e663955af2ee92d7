"""DataLoader: batch sizes, drop_last, shuffling reproducibility, collation dtypes, the TensorDataset fast path."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, Dataset, TensorDataset, default_collate


def make_dataset(n=10):
    X = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    y = np.arange(n)
    return TensorDataset(X, y)


def epoch_labels(loader):
    return [yb.numpy().tolist() for _, yb in loader]


def test_batches_cover_the_data_in_order():
    loader = DataLoader(make_dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [xb.shape for xb, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[1][0].numpy(), np.arange(12, 24).reshape(4, 3))


def test_dtypes_follow_minigrads_rule():
    xb, yb = next(iter(DataLoader(make_dataset(), batch_size=4)))
    assert xb.dtype == mg.float32 and yb.dtype == mg.int64
    assert isinstance(xb, mg.Tensor) and not xb.requires_grad


def test_drop_last():
    loader = DataLoader(make_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(make_dataset(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_and_changes_between_epochs():
    loader = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=3)
    first, second = sum(epoch_labels(loader), []), sum(epoch_labels(loader), [])
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != second and first != list(range(50))


def test_shuffle_reproducible_with_seed():
    a = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=11)
    b = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=11)
    assert [epoch_labels(a) for _ in range(3)] == [epoch_labels(b) for _ in range(3)]
    c = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=12)
    assert epoch_labels(c) != epoch_labels(DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=11))


def test_shuffle_reproducible_with_manual_seed():
    loader = DataLoader(make_dataset(30), batch_size=7, shuffle=True)
    mg.manual_seed(5)
    run1 = [epoch_labels(loader) for _ in range(2)]
    mg.manual_seed(5)
    run2 = [epoch_labels(loader) for _ in range(2)]
    assert run1 == run2


class CountingTensorDataset(TensorDataset):
    items = 0

    def __getitem__(self, index):
        CountingTensorDataset.items += 1
        return super().__getitem__(index)


def test_tensor_dataset_fast_path_skips_per_item_indexing():
    X, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20)
    dataset = CountingTensorDataset(X, y)
    batches = list(DataLoader(dataset, batch_size=6, shuffle=True, seed=0))
    assert CountingTensorDataset.items == 0
    slow = list(DataLoader(dataset, batch_size=6, shuffle=True, seed=0, collate_fn=default_collate))
    assert CountingTensorDataset.items == 20
    for (xf, yf), (xs, ys) in zip(batches, slow):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())
        assert xf.dtype == xs.dtype and yf.dtype == ys.dtype


def test_batches_are_copies_not_views():
    dataset = make_dataset(6)
    xb, _ = next(iter(DataLoader(dataset, batch_size=3)))
    xb.numpy()[...] = -1
    assert dataset.tensors[0].numpy().min() >= 0


class PairDataset(Dataset):
    """A plain map-style dataset: items are (NumPy float64 array, Python int)."""

    def __getitem__(self, i):
        return np.full(2, float(i)), i

    def __len__(self):
        return 5


def test_generic_dataset_is_collated_per_item():
    batches = list(DataLoader(PairDataset(), batch_size=2))
    assert len(batches) == 3
    xb, yb = batches[0]
    assert xb.dtype == mg.float32 and xb.shape == (2, 2)
    assert yb.dtype == mg.int64 and yb.numpy().tolist() == [0, 1]


def test_default_collate_nested_structures():
    batch = default_collate([{"x": mg.tensor([1.0, 2.0]), "name": "a", "flag": True},
                             {"x": mg.tensor([3.0, 4.0]), "name": "b", "flag": False}])
    assert batch["x"].shape == (2, 2) and batch["name"] == ["a", "b"]
    assert batch["flag"].dtype == mg.bool_
    with pytest.raises(ValueError, match="different numbers of fields"):
        default_collate([(1, 2), (1,)])


def test_tensor_dataset_checks_lengths_and_keeps_float64_tensors():
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    ds = TensorDataset(mg.tensor(np.zeros((3, 2)), dtype=mg.float64), np.zeros(3, dtype=np.int32))
    assert ds.tensors[0].dtype == mg.float64 and ds.tensors[1].dtype == mg.int64


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(make_dataset(), batch_size=batch_size)
