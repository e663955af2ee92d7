"""Datasets: the indexable collections a DataLoader draws samples from."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(i)`` and ``__len__()``, as in PyTorch."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def as_tensor(data) -> Tensor:
    """A Tensor by minigrad's dtype rule (float data -> float32, integers -> int64); a Tensor as is."""
    return data if isinstance(data, Tensor) else Tensor(data)


class TensorDataset(Dataset):
    """Samples are rows of equally long tensors: ``TensorDataset(X, y)[i] == (X[i], y[i])``.

    Arrays are converted once by minigrad's dtype rule, so float64 NumPy features become float32
    and integer labels int64.  ``get_batch(indices)`` takes a whole batch with one fancy index per
    tensor; the DataLoader uses it (on any dataset that has it) instead of collating item by item.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(as_tensor(t) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"TensorDataset: every tensor needs the same first dimension; got shapes {shapes}")

    @property
    def arrays(self) -> tuple:
        """The NumPy arrays behind the tensors (first axis = samples)."""
        return tuple(t.data for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple:
        """The samples at ``indices`` as one Tensor per field (a fresh array each: fancy indexing)."""
        return tuple(Tensor._wrap(t.data[indices]) for t in self.tensors)

    def __getitem__(self, index):
        return tuple(Tensor._wrap(t.data[index]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __repr__(self) -> str:
        shapes = ", ".join(f"{tuple(t.shape)} {t.dtype}" for t in self.tensors)
        return f"{type(self).__name__}({len(self)} samples: {shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    @property
    def get_batch(self):
        """Fast batches when the wrapped dataset has them (a missing attribute otherwise)."""
        inner = getattr(self.dataset, "get_batch", None)
        if inner is None:
            raise AttributeError(f"{type(self.dataset).__name__} has no get_batch()")
        return lambda indices: inner(self.indices[indices])

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)
