"""Linear (y = x·Wᵀ + b) and Identity."""
from __future__ import annotations

import math

from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._args import size_arg
from .module import Module, check_device


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer); takes any arguments."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x·Wᵀ + b, with ``weight`` [out_features, in_features] and ``bias`` [out_features].

    Initialised as PyTorch: W ~ kaiming_uniform_(a=√5), i.e. U(−1/√in, 1/√in), and
    b ~ U(−1/√in, 1/√in).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(device)
        self.in_features = size_arg(in_features, "Linear", "in_features")
        self.out_features = size_arg(out_features, "Linear", "out_features")
        self.weight = Parameter(creation.empty(self.out_features, self.in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
