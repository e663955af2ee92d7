"""Activations in numerically stable forms: no overflow warning or NaN at logits of ±1000."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .arithmetic import as_float, unbroadcast


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1/(1+e^-x) computed from e^-|x|, which never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":  # PyTorch's rule and class (issue 20)
            raise RuntimeError(f"relu: Boolean inputs not supported for relu (input of shape {a.shape}, dtype bool)")
        out = np.maximum(a, a.dtype.type(0))  # a 0-d float32 stays float32 on NumPy 1 too
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        out = stable_sigmoid(as_float(a))  # integer input gives float32, as PyTorch
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


def _empty_or_refused(op: str, ctx, a, dim) -> bool:
    """As PyTorch: True for an empty input (its output is an empty copy, not NumPy's reduction
    error); NotImplementedError for an integer or bool one (F.softmax(x, dim, dtype=) casts first)."""
    if a.size == 0:
        ctx.dim = dim
        ctx.save_for_backward(a)
        return True
    if a.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} input (shape {a.shape}, dim {dim}); "
                                  f"convert with .float() or pass dtype= to F.{op}")
    return False


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        if _empty_or_refused("softmax", ctx, a, dim):
            return a.copy()
        shifted = np.exp(a - a.max(axis=dim, keepdims=True))
        out = shifted / shifted.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        if _empty_or_refused("log_softmax", ctx, a, dim):
            return a.copy()
        shifted = a - a.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True), None


# ---------------------------------------------------------------- the nn activations -------------
# Each forward is written so that no intermediate overflows at |x| = 1000 (no warning, no
# NaN); each backward is the textbook derivative, beside it.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class BinaryStep(Function):
    """f(x) = 1 for x >= 0, else 0.  f'(x) = 0 (undefined at 0), so nothing learns through it,
    unless ``straight_through``: then backward is the identity straight-through estimator
    (Bengio et al. 2013) — the gradient passes unchanged, as if f were f(x) = x."""

    @staticmethod
    def forward(ctx, a, straight_through):
        ctx.straight_through = straight_through
        return (a >= 0).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return (grad if ctx.straight_through else np.zeros_like(grad)), None


class ArcTan(Function):
    """f(x) = arctan(x), f'(x) = 1 / (1 + x²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with np.errstate(over="ignore"):  # x² = inf for huge x gives the right limit, 0
            return grad / (1 + a * a)


class LeakyReLU(Function):
    """f(x) = x for x > 0, else slope·x.  f'(x) = 1 for x > 0, else slope."""

    @staticmethod
    def forward(ctx, a, slope):
        positive = a > 0
        ctx.save_for_backward(positive)
        ctx.slope = slope
        return np.where(positive, a, a * a.dtype.type(slope))

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return np.where(positive, grad, grad * grad.dtype.type(ctx.slope)), None


class PReLU(Function):
    """f(x) = x for x > 0, else α·x, with α learned: one α shared, or one per channel (dim 1).
    ∂f/∂x = 1 or α; ∂f/∂α = 0 or x, summed over everything but the channel."""

    @staticmethod
    def forward(ctx, a, weight):
        # (C,) -> (C, 1, 1, ...) so it broadcasts over dim 1; a single α broadcasts everywhere
        alpha = weight.reshape((-1,) + (1,) * (a.ndim - 2)) if weight.size > 1 else weight.reshape(())
        ctx.save_for_backward(a, alpha)
        ctx.weight_shape = weight.shape
        return np.where(a > 0, a, alpha * a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, alpha = ctx.saved_tensors
        positive = a > 0
        grad_a = np.where(positive, grad, grad * alpha) if ctx.needs_input_grad[0] else None
        grad_w = None
        if ctx.needs_input_grad[1]:
            grad_w = unbroadcast(np.where(positive, 0, grad * a), alpha.shape).reshape(ctx.weight_shape)
        return grad_a, grad_w


class ELU(Function):
    """f(x) = x for x > 0, else α(eˣ − 1).  f'(x) = 1 for x > 0, else f(x) + α.
    SELU is scale · ELU(x) with fixed α and scale."""

    @staticmethod
    def forward(ctx, a, alpha, scale):
        positive = a > 0
        # expm1 of min(x, 0): the unused branch never sees exp(1000)
        negative_part = a.dtype.type(alpha) * np.expm1(np.minimum(a, a.dtype.type(0)))
        out = np.where(positive, a, negative_part) * a.dtype.type(scale)
        ctx.save_for_backward(positive, negative_part)
        ctx.alpha, ctx.scale = alpha, scale
        return out

    @staticmethod
    def backward(ctx, grad):
        positive, negative_part = ctx.saved_tensors
        slope = np.where(positive, 1, negative_part + negative_part.dtype.type(ctx.alpha))
        return grad * slope * grad.dtype.type(ctx.scale), None, None


class Softplus(Function):
    """f(x) = log(1 + e^{βx}) / β, and f(x) = x where βx > threshold (as PyTorch).
    f'(x) = sigmoid(βx), and 1 where βx > threshold."""

    @staticmethod
    def forward(ctx, a, beta, threshold):
        z = a * a.dtype.type(beta)
        # log(1 + eᶻ) = max(z, 0) + log(1 + e^{-|z|}): no overflow for any z
        smooth = (np.maximum(z, z.dtype.type(0)) + np.log1p(np.exp(-np.abs(z)))) / a.dtype.type(beta)
        linear = z > threshold
        ctx.save_for_backward(z, linear)
        return np.where(linear, a, smooth)

    @staticmethod
    def backward(ctx, grad):
        z, linear = ctx.saved_tensors
        return np.where(linear, grad, grad * stable_sigmoid(z)), None, None


_SQRT_2 = np.sqrt(2.0)
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


class GELU(Function):
    """f(x) = x·Φ(x), Φ the standard normal CDF; f'(x) = Φ(x) + x·φ(x).
    With ``approximate="tanh"``: f(x) = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³),
    f'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)."""

    @staticmethod
    def forward(ctx, a, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(a)
        dtype = a.dtype.type
        if approximate == "tanh":
            inner = dtype(_SQRT_2_OVER_PI) * (a + dtype(0.044715) * a * a * a)
            return dtype(0.5) * a * (dtype(1) + np.tanh(inner))
        from scipy.special import erf  # imported here: scipy is slow to import

        return dtype(0.5) * a * (dtype(1) + erf(a / dtype(_SQRT_2)))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        dtype = a.dtype.type
        if ctx.approximate == "tanh":
            t = np.tanh(dtype(_SQRT_2_OVER_PI) * (a + dtype(0.044715) * a * a * a))
            slope = dtype(0.5) * (1 + t) + dtype(0.5) * a * (1 - t * t) * dtype(_SQRT_2_OVER_PI) * (
                1 + dtype(3 * 0.044715) * a * a)
        else:
            from scipy.special import erf

            cdf = dtype(0.5) * (1 + erf(a / dtype(_SQRT_2)))
            slope = cdf + a * dtype(_INV_SQRT_2PI) * np.exp(dtype(-0.5) * a * a)
        return grad * slope, None
