"""Embedding lookup: rows of a weight matrix selected by integer indices."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function


class Embedding(Function):
    """y[..., :] = W[i, :] for each index i.  ∂L/∂W[r] = Σ over the positions holding r of ∂L/∂y:
    an index used twice receives both gradients (np.add.at accumulates, plain assignment would
    keep only one).  The ``padding_idx`` row gets no gradient, so it stays as initialised."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        ctx.save_for_backward(indices)
        ctx.weight_shape, ctx.padding_idx = weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        grad_weight = np.zeros(ctx.weight_shape, dtype=grad.dtype)
        np.add.at(grad_weight, indices.reshape(-1), grad.reshape(-1, ctx.weight_shape[1]))
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return grad_weight, None, None
