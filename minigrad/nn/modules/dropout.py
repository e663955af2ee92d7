"""Dropout: random zeroing with inverted scaling while training; the identity in eval mode."""
from __future__ import annotations

from .. import functional as F
from ._args import number_arg
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` while training and scale the rest by 1/(1 − p);
    pass the input through unchanged after ``eval()``.  Reproducible under ``mg.manual_seed``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= number_arg(p, "Dropout", "p") <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
