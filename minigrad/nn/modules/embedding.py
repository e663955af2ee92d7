"""Embedding: a learned lookup table from integer ids to vectors."""
from __future__ import annotations

from ... import creation
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._args import size_arg
from .module import Module, check_device


class Embedding(Module):
    """``weight`` [num_embeddings, embedding_dim] ~ N(0, 1); ``embedding(ids)`` has shape
    ids.shape + (embedding_dim,).  The ``padding_idx`` row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, *,
                 _weight=None, _freeze: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        self.num_embeddings = size_arg(num_embeddings, "Embedding", "num_embeddings")
        self.embedding_dim = size_arg(embedding_dim, "Embedding", "embedding_dim")
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not hasattr(padding_idx, "__index__"):
                raise IndexError(f"Embedding: padding_idx must be an int, got {padding_idx!r:.40} "
                                 f"({type(padding_idx).__name__})")
            padding_idx = int(padding_idx.__index__())
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{self.num_embeddings} embeddings")
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(creation.empty(self.num_embeddings, self.embedding_dim, dtype=dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: weight of shape {tuple(_weight.shape)} does not match "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight.data[self.padding_idx] = 0
                self.weight._bump_version()

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None) -> "Embedding":
        """An Embedding whose weight is ``embeddings`` (2-D); frozen (no gradient) by default."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{embeddings.shape}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
