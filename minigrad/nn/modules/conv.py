"""Convolution layers: Conv1d and Conv2d over the functional ops (parameters as PyTorch's)."""
from __future__ import annotations

import math

import numpy as np

from ... import creation
from ..._argcheck import ArgumentError
from ...ops import conv as conv_ops
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def _check_options(name: str, groups, padding_mode, padding, stride) -> None:
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool) and groups < 1:
        raise ValueError(f"{name}: groups must be a positive integer, got groups={groups}")  # as PyTorch
    conv_ops.check_groups(groups, name)
    if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
        raise ValueError(f"{name}: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', "
                         f"but got padding_mode={padding_mode!r}")
    if padding_mode != "zeros":
        raise ValueError(f"{name}: only padding_mode='zeros' is supported, got padding_mode={padding_mode!r}")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of 'same', 'valid'")
        if padding == "same" and stride not in (1, (1,), (1, 1), [1], [1, 1]):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size: tuple, stride, padding, dilation,
                 bias: bool, dtype=None):
        super().__init__()
        name = type(self).__name__
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
                raise TypeError(f"{name}: argument '{arg}' must be an int, got {value!r:.40} "
                                f"({type(value).__name__})")
        if min(kernel_size) < 1:
            raise ArgumentError(f"{name}: kernel size should be greater than zero, but got kernel_size={kernel_size}")
        if min(stride) < 1:
            raise ArgumentError(f"{name}: non-positive stride is not supported, got stride={stride}")
        if not isinstance(padding, str) and min(padding) < 0:
            raise ArgumentError(f"{name}: negative padding is not supported, got padding={padding}")
        if min(dilation) < 1:
            raise ArgumentError(f"{name}: dilation should be greater than zero, but got dilation={dilation}")
        if in_channels < 1 or out_channels < 1:
            raise ArgumentError(f"{type(self).__name__}: channels must be positive, got in_channels={in_channels}, "
                             f"out_channels={out_channels}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.weight = Parameter(creation.empty(out_channels, in_channels, *kernel_size, dtype=dtype))
        self.bias = Parameter(creation.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight ~ kaiming_uniform(a=√5), bias ~ U(±1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in (0, (0,), (0, 0)):
            text += f", padding={self.padding}"
        if self.dilation not in (1, (1,), (1, 1)):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """y = x ⋆ W + b over [N, C, H, W] inputs, with stride, zero padding and dilation."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", dtype=None):
        _check_options("Conv2d", groups, padding_mode, padding, stride)
        # a 1-tuple kernel is not expanded: PyTorch builds a 3-D weight from it and fails at forward
        kernel = conv_ops.ntuple(kernel_size, 2, "kernel_size", "Conv2d", expand_one=False)
        padding = padding if isinstance(padding, str) else conv_ops.pair(padding, "padding", "Conv2d")
        super().__init__(in_channels, out_channels, kernel, conv_ops.pair(stride, "stride", "Conv2d"),
                         padding, conv_ops.pair(dilation, "dilation", "Conv2d"), bias, dtype)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class Conv1d(_ConvNd):
    """y = x ⋆ W + b over [N, C, L] inputs."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", dtype=None):
        _check_options("Conv1d", groups, padding_mode, padding, stride)

        def single(v, arg):
            return v if isinstance(v, str) and arg == "padding" else conv_ops.ntuple(v, 1, arg, "Conv1d")
        super().__init__(in_channels, out_channels, single(kernel_size, "kernel_size"), single(stride, "stride"),
                         single(padding, "padding"), single(dilation, "dilation"), bias, dtype)

    def forward(self, x):
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return F.conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0])
