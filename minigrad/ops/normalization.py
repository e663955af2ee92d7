"""Batch normalisation as one Function with an explicit backward (not a dozen small ops).

Shapes: input (N, C, *) with the channels on dim 1; every statistic is per channel, over
the N and * dims.  The caller computes (or looks up) mean and variance and updates the
running statistics; this Function normalises, scales and shifts, and differentiates that.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def channel_axes(ndim: int) -> tuple:
    """The dims a per-channel statistic reduces over: all but dim 1."""
    return (0,) + tuple(range(2, ndim))


def channel_view(values: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) → (1, C, 1, ...), to broadcast against an (N, C, *) input."""
    return values.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNorm(Function):
    """y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε).

    With batch statistics (training) μ and σ² depend on x, and with m elements per channel
        ∂L/∂x = (γ/σ̂)·(∂L/∂y − mean(∂L/∂y) − x̂·mean(∂L/∂y · x̂)),   σ̂ = √(σ² + ε);
    with running statistics (evaluation) they are constants and ∂L/∂x = (γ/σ̂)·∂L/∂y.
    ∂L/∂γ = Σ ∂L/∂y·x̂ and ∂L/∂β = Σ ∂L/∂y over everything but the channel.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, mean, var, eps, batch_stats):
        ndim = x.ndim
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        x_hat = (x - channel_view(mean.astype(x.dtype, copy=False), ndim)) * channel_view(inv_std, ndim)
        out = x_hat
        if weight is not None:
            out = out * channel_view(weight, ndim)
        if bias is not None:
            out = out + channel_view(bias, ndim)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.batch_stats = batch_stats
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        ndim, axes = grad.ndim, channel_axes(grad.ndim)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            scale = inv_std if weight is None else inv_std * weight
            if ctx.batch_stats:
                mean_grad = grad.mean(axis=axes, keepdims=True)
                mean_grad_xhat = (grad * x_hat).mean(axis=axes, keepdims=True)
                grad_x = channel_view(scale, ndim) * (grad - mean_grad - x_hat * mean_grad_xhat)
            else:
                grad_x = grad * channel_view(scale, ndim)
        if ctx.needs_input_grad[1]:
            grad_w = (grad * x_hat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            grad_b = grad.sum(axis=axes)
        return grad_x, grad_w, grad_b, None, None, None, None
