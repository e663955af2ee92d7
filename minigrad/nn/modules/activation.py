"""Activation modules: thin wrappers over minigrad.nn.functional (PReLU holds its learned α).

Each derivative is written beside its forward in ``minigrad/ops/activation.py``.
``inplace`` arguments are accepted for PyTorch compatibility; results are always new tensors.
"""
from __future__ import annotations

from ... import creation
from ..._argcheck import ArgumentError
from .. import functional as F
from ..parameter import Parameter
from ._args import number_arg, size_arg
from .module import Module, check_device


class BinaryStep(Module):
    """f(x) = 1 for x ≥ 0, else 0.  Its gradient is zero everywhere, so layers before it cannot
    learn; ``straight_through=True`` uses the identity straight-through estimator instead
    (backward passes the incoming gradient unchanged, as if f were the identity)."""

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = straight_through

    def forward(self, input):
        return F.binary_step(input, self.straight_through)

    def extra_repr(self) -> str:
        return "straight_through=True" if self.straight_through else ""


class Sigmoid(Module):
    """f(x) = 1 / (1 + e^{−x}), f' = f(1 − f)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """f(x) = tanh(x), f' = 1 − f²."""

    def forward(self, input):
        return F.tanh(input)


class ArcTan(Module):
    """f(x) = arctan(x), f' = 1 / (1 + x²)."""

    def forward(self, input):
        return F.arctan(input)


class ReLU(Module):
    """f(x) = max(x, 0), f' = 1 for x > 0 else 0."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """f(x) = x for x > 0, else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = number_arg(negative_slope, "LeakyReLU", "negative_slope"), inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """f(x) = x for x > 0, else α·x with α learned: one shared α (``num_parameters=1``) or one per
    channel of dim 1 (``num_parameters`` = the number of channels), each starting at ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device)
        self.num_parameters = size_arg(num_parameters, "PReLU", "num_parameters")
        self.init = number_arg(init, "PReLU", "init")
        self.weight = Parameter(creation.full((self.num_parameters,), float(init), dtype=dtype))

    def reset_parameters(self) -> None:
        from .. import init as init_module

        init_module.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """f(x) = x for x > 0, else α(eˣ − 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = number_arg(alpha, "ELU", "alpha"), inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(Module):
    """f(x) = scale·ELU(x, α), α ≈ 1.6733 and scale ≈ 1.0507 (self-normalising)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """f(x) = log(1 + e^{βx}) / β, switching to f(x) = x where βx > threshold; f' = sigmoid(βx)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = number_arg(beta, "Softplus", "beta")
        self.threshold = number_arg(threshold, "Softplus", "threshold")

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """f(x) = x·Φ(x) (Φ the standard normal CDF, via erf), or its tanh approximation with
    ``approximate="tanh"``."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ArgumentError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """exp(x) / Σ exp(x) along ``dim`` (computed as exp(x − max) for stability)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax along ``dim``: x − max − log Σ exp(x − max)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
