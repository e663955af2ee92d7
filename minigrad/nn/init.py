"""Weight initialisers: PyTorch's nn.init (in place, under no grad) plus TensorFlow's variance scaling.

Every function here fills ``tensor.data`` in place, bumps ``tensor._version`` (so a graph that
saved the old values notices), returns the tensor, and draws from ``minigrad.random.get_rng()``
so ``mg.manual_seed`` reproduces it. Samples are drawn in float64 and stored in the tensor's dtype.

Fans follow PyTorch on minigrad's layout: a Linear weight is ``[out_features, in_features]`` and a
conv weight ``[out_channels, in_channels, *kernel]``, so ``fan_in = size(1) * receptive field`` is the
number of inputs feeding one output unit and ``fan_out = size(0) * receptive field``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..random import get_rng
from ..tensor import Tensor

# The standard deviation of a standard normal truncated to [-2, 2] (TensorFlow's constant).
_TRUNCATED_STD = 0.87962566103423978


# -- helpers -------------------------------------------------------------------------------
def _fill(tensor: Tensor, values) -> Tensor:
    """Write ``values`` into the tensor's array in place (no graph is recorded) and bump its version."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init expects a minigrad Tensor, got {type(tensor).__name__}")
    tensor.data[...] = values
    tensor._bump_version()
    return tensor


def _check_float(tensor: Tensor, what: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what}: expects a minigrad Tensor, got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{what}: needs a floating-point tensor, got {tensor.dtype}")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    linear/conv*/sigmoid → 1, tanh → 5/3, relu → √2, leaky_relu → √(2 / (1 + slope²))
    (slope = ``param``, default 0.01), selu → 3/4.
    """
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4  # found empirically by PyTorch (pytorch#50664)
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out as PyTorch's: ``[out, in, *receptive_field]``."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tensor.shape})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _truncated_normal(shape: tuple, mean: float, std: float, a: float, b: float) -> np.ndarray:
    """Samples of N(mean, std²) conditioned on [a, b] (float64).

    When most draws land inside (as for ±2σ, 95 %), draw and re-draw the ones outside — the
    course's and TensorFlow's recipe. For narrow or far-off windows re-drawing would loop for
    long, so invert the CDF instead (the same distribution, as PyTorch does).
    """
    rng = get_rng()
    if std <= 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    lo, hi = (a - mean) / std, (b - mean) / std
    inside = 0.5 * (math.erf(hi / math.sqrt(2)) - math.erf(lo / math.sqrt(2)))
    if inside > 0.3:
        out = rng.normal(mean, std, shape)
        bad = (out < a) | (out > b)
        while bad.any():
            out[bad] = rng.normal(mean, std, int(bad.sum()))
            bad = (out < a) | (out > b)
        return out
    from scipy.special import ndtr, ndtri  # only needed for this rare path
    flip = lo > 0  # invert in the lower tail, where the CDF keeps its precision
    if flip:
        lo, hi = -hi, -lo
    u = rng.uniform(ndtr(lo), ndtr(hi), shape)
    z = np.clip(ndtri(u), lo, hi)
    return mean + std * (-z if flip else z)


# -- PyTorch's initialisers ----------------------------------------------------------------
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of U(a, b)."""
    _check_float(tensor, "uniform_")
    return _fill(tensor, get_rng().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    _check_float(tensor, "normal_")
    return _fill(tensor, get_rng().normal(mean, std, tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float | None = None,
                  b: float | None = None) -> Tensor:
    """Fill with N(mean, std²) samples, re-drawing those outside [a, b].

    ``a`` and ``b`` are absolute bounds, as in PyTorch. Unlike PyTorch (whose defaults are the
    absolute -2 and 2), when they are not given they default to ``mean ∓ 2·std`` — the course's
    (and TensorFlow's) truncated normal, which re-draws everything beyond two standard deviations.
    Note the samples' standard deviation is then ≈ 0.88·std, not std.
    """
    _check_float(tensor, "trunc_normal_")
    a = mean - 2 * std if a is None else a
    b = mean + 2 * std if b is None else b
    if tensor.data.size == 0:
        return tensor
    return _fill(tensor, _truncated_normal(tensor.shape, mean, std, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return _fill(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-bound, bound), bound = gain·√(6 / (fan_in + fan_out))."""
    _check_float(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.data.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return _fill(tensor, get_rng().uniform(-bound, bound, tensor.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std²), std = gain·√(2 / (fan_in + fan_out))."""
    _check_float(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.data.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, get_rng().normal(0.0, std, tensor.shape))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-bound, bound), bound = √3 · gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    _check_float(tensor, "kaiming_uniform_")
    if tensor.data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return _fill(tensor, get_rng().uniform(-bound, bound, tensor.shape))


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std²), std = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    _check_float(tensor, "kaiming_normal_")
    if tensor.data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return _fill(tensor, get_rng().normal(0.0, std, tensor.shape))


# -- TensorFlow's variance scaling -----------------------------------------------------------
def variance_scaling_(tensor: Tensor, scale: float = 1.0, mode: str = "fan_in",
                      distribution: str = "truncated_normal") -> Tensor:
    """TensorFlow's ``variance_scaling_initializer``, on minigrad's (PyTorch's) weight layout.

    With n = fan_in, fan_out or (fan_in + fan_out) / 2 by ``mode`` (and at least 1, as TF):

    - ``"truncated_normal"``: N(0, σ²) re-drawn outside ±2σ, σ = √(scale / n) / 0.87962566103423978.
      The constant is the std of a standard normal truncated to ±2, so the samples' std is
      √(scale / n) — TF's correction.
    - ``"normal"`` (alias ``"untruncated_normal"``): N(0, scale / n).
    - ``"uniform"``: U(-limit, limit), limit = √(3 · scale / n).

    TF computes fans on its ``[in, out]`` kernel layout; here they are PyTorch's fans on
    ``[out, in, *kernel]`` (see the module docstring), so fan_in is still the input size and a
    ``Linear(500, 1024)`` weight gets the same distribution as TF's ``[500, 1024]`` kernel.
    Tensors with fewer than 2 dims use TF's rule (fan_in = fan_out = size, or 1 for a scalar).
    TF1's ``distribution="normal"`` meant the *truncated* normal; here it is the plain normal.
    ``variance_scaling_(w, mode="fan_avg", distribution="uniform")`` is Glorot (Xavier) uniform.
    """
    _check_float(tensor, "variance_scaling_")
    if scale <= 0:
        raise ValueError(f"variance_scaling_: scale must be positive, got {scale}")
    if tensor.ndim >= 2:
        fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    else:
        fan_in = fan_out = tensor.shape[0] if tensor.ndim == 1 else 1
    fans = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
    if mode not in fans:
        raise ValueError(f"variance_scaling_: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
    variance = scale / max(1.0, fans[mode])
    if tensor.data.size == 0:
        return tensor
    rng = get_rng()
    if distribution == "truncated_normal":
        std = math.sqrt(variance) / _TRUNCATED_STD
        values = _truncated_normal(tensor.shape, 0.0, std, -2 * std, 2 * std)
    elif distribution in ("normal", "untruncated_normal"):
        values = rng.normal(0.0, math.sqrt(variance), tensor.shape)
    elif distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        values = rng.uniform(-limit, limit, tensor.shape)
    else:
        raise ValueError("variance_scaling_: distribution must be 'truncated_normal', 'normal' or "
                         f"'uniform', got {distribution!r}")
    return _fill(tensor, values)
