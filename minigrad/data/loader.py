"""DataLoader: a dataset cut into (optionally shuffled) batches of minigrad Tensors."""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from ..random import get_rng
from ..tensor import Tensor


def default_collate(samples: list):
    """Stack a list of samples into a batch, field by field, as PyTorch's default_collate does.

    Tensors are stacked keeping their dtype; NumPy arrays and Python/NumPy numbers become Tensors
    by minigrad's rule (floats -> float32, integers -> int64, bool stays bool); tuples, lists and
    dicts are collated per field; strings are returned as a list.
    """
    first = samples[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([s.data for s in samples]))
    if isinstance(first, (np.ndarray, numbers.Number, np.generic)):
        return Tensor(np.stack([np.asarray(s) for s in samples]))
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError(f"default_collate: samples have different numbers of fields "
                             f"({sorted({len(s) for s in samples})})")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return fields if isinstance(first, list) else tuple(fields)
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; "
                    "pass collate_fn=")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    shuffle:   a new order every epoch.  With ``seed`` the loader owns a generator seeded once, so
               two loaders built with the same seed give the same sequence of epochs; without it
               the order comes from minigrad's generator (``mg.manual_seed`` makes it reproducible).
    drop_last: drop the final batch when it is smaller than ``batch_size``.
    A dataset with ``get_batch(indices)`` (TensorDataset, SlidingWindowDataset, their Subsets) hands
    over whole batches; any other dataset is indexed per sample and collated by ``collate_fn``.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, collate_fn=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.collate_fn = collate_fn
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else get_rng()
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        get_batch = getattr(self.dataset, "get_batch", None) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            indices = order[start:start + self.batch_size]
            if get_batch is not None:
                yield get_batch(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")
