"""Flatten and Unflatten: reshape a range of dims into one, and one dim back into several."""
from __future__ import annotations

from .module import Module


class Flatten(Module):
    """Flatten dims ``start_dim``..``end_dim`` into one; by default all but the batch dim."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``, e.g. Unflatten(1, (1, 28, 28))."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if isinstance(dim, bool) or not hasattr(dim, "__index__"):
            raise TypeError(f"Unflatten: argument 'dim' must be an int, got {dim!r:.40} ({type(dim).__name__})")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                hasattr(s, "__index__") and not isinstance(s, bool) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r:.60}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        dim = self.dim % input.ndim
        size = 1
        for s in self.unflattened_size:
            size *= s if s != -1 else 1
        if -1 not in self.unflattened_size and size != input.shape[dim]:
            raise ValueError(f"Unflatten: dim {self.dim} of the input of shape {input.shape} has size "
                             f"{input.shape[dim]}, which cannot be unflattened into {self.unflattened_size}")
        return input.reshape(input.shape[:dim] + self.unflattened_size + input.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
