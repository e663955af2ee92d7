"""BatchNorm1d and BatchNorm2d: per-channel normalisation with learned scale and shift."""
from __future__ import annotations

import numpy as np

from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._args import number_arg, size_arg
from .module import Module, check_device


class _BatchNorm(Module):
    """Normalise each channel (dim 1) by the batch's mean and biased variance while training, by
    the running statistics in eval mode; then y = weight·x̂ + bias (if ``affine``).

    The running statistics (buffers ``running_mean``, ``running_var``, ``num_batches_tracked``)
    follow running = (1 − momentum)·running + momentum·batch with the batch's unbiased
    variance; ``momentum=None`` gives the cumulative average over all batches seen.  With
    ``track_running_stats=False`` there are no buffers and batch statistics are always used.
    ``bias=False`` (keyword, as in PyTorch 2.13) keeps the learned scale but drops the shift.
    """

    expected_dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__()
        check_device(device)
        name = type(self).__name__
        if momentum is not None:
            number_arg(momentum, name, "momentum")
        self.num_features = size_arg(num_features, name, "num_features")
        self.eps, self.momentum = number_arg(eps, name, "eps"), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(creation.ones(self.num_features, dtype=dtype))
                                if affine else None)
        self.register_parameter("bias", Parameter(creation.zeros(self.num_features, dtype=dtype))
                                if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim not in self.expected_dims:
            dims = " or ".join(f"{d}D" for d in self.expected_dims)
            raise ValueError(f"{type(self).__name__}: expected {dims} input, got {input.ndim}D input of "
                             f"shape {input.shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            self.num_batches_tracked._bump_version()
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / int(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        keep_running = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep_running else None,
                            self.running_var if keep_running else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) input, over N (and L) per channel C."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) input, over N, H and W per channel C."""

    expected_dims = (4,)
