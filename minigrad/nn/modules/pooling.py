"""Pooling layers: MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d (PyTorch's arguments and defaults)."""
from __future__ import annotations

from ...ops import pool as pool_ops
from .. import functional as F
from .module import Module


class _Pool(Module):
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # Refused here already (PyTorch only at the first forward): a float or a wrong-length tuple.
        kernel, stride_, padding_ = pool_ops._geometry(kernel_size, stride, padding, type(self).__name__, self._dims)
        pool_ops.check_pool_arguments(type(self).__name__, kernel, stride_, padding_)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False):
        super().__init__(kernel_size, stride, padding)
        self.dilation, self.return_indices = dilation, return_indices

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.return_indices)


class MaxPool1d(_Pool):
    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, return_indices=False):
        super().__init__(kernel_size, stride, padding)
        self.return_indices = return_indices

    def forward(self, x):
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.return_indices)


class AvgPool2d(_Pool):
    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool1d(_Pool):
    _dims = 1

    def forward(self, x):
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding)
