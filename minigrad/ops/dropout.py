"""Dropout: zero each element with probability p and scale the survivors by 1/(1 − p)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..random import get_rng


class Dropout(Function):
    """Inverted dropout: y = x·m / (1 − p) with m ~ Bernoulli(1 − p), so E[y] = x and evaluation
    needs no rescaling.  ∂y/∂x = m / (1 − p).  The mask comes from minigrad's generator, so
    ``mg.manual_seed`` reproduces it."""

    @staticmethod
    def forward(ctx, a, p):
        if p == 1:
            scale = np.zeros(a.shape, dtype=a.dtype)       # everything dropped (as PyTorch)
        else:
            keep = get_rng().random(a.shape, dtype=np.float64 if a.dtype == np.float64 else np.float32) >= p
            scale = keep.astype(a.dtype) * a.dtype.type(1 / (1 - p))
        ctx.save_for_backward(scale)
        return a * scale

    @staticmethod
    def backward(ctx, grad):
        (scale,) = ctx.saved_tensors
        return grad * scale, None
