"""Elementwise arithmetic: where the forwards and backwards of + - * / ** and friends live.

dtype rule for two operands: float64 with float32 gives float64; an integer or bool tensor
meets a float one by taking the float's dtype; an integer tensor with a Python float gives
float32 (the default float).  Python scalars never widen a float tensor.  True division,
exp, log and sqrt of integer tensors give float32, as PyTorch.
Gradients of broadcast operands are summed back to each operand's shape (``unbroadcast``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..dtypes import DEFAULT_FLOAT

# NumPy 1.x casts by value: a Python scalar met by a 0-d array (or by an array whose dtype cannot
# hold its value, e.g. float32 * 1e40) is promoted as a float64 / int64 of its own, so a 0-d
# float32 tensor times 2.0 gave float64 there.  NumPy 2 (NEP 50) treats Python scalars as "weak".
_VALUE_BASED_CASTING = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting expanded, so it has ``shape`` again."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    summed = grad.sum(axis=axes) if axes else grad
    return summed if summed.shape == shape else summed.reshape(shape)


def _scalar(x):
    """A NumPy scalar (np.float64 from np.sqrt, np.pi * 2, ...) as the Python scalar it stands
    for: under NumPy 2 an np.float64 would otherwise widen a float32 tensor."""
    return x.item() if isinstance(x, np.generic) else x


def _promote(a, b):
    """Apply the module's dtype rule to two operands (arrays or Python scalars)."""
    a, b = _scalar(a), _scalar(b)
    a_array, b_array = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
    if a_array and b_array:
        ka, kb = a.dtype.kind, b.dtype.kind
        if ka == "f" and kb != "f":
            b = b.astype(a.dtype)
        elif kb == "f" and ka != "f":
            a = a.astype(b.dtype)
    elif a_array and a.dtype.kind != "f" and isinstance(b, float):
        a = a.astype(DEFAULT_FLOAT)
    elif b_array and b.dtype.kind != "f" and isinstance(a, float):
        b = b.astype(DEFAULT_FLOAT)
    if _VALUE_BASED_CASTING:  # what NumPy 2 does by itself: the scalar takes the float array's dtype
        if a_array and a.dtype.kind == "f" and isinstance(b, (int, float)):
            b = np.asarray(b, dtype=a.dtype)
        elif b_array and b.dtype.kind == "f" and isinstance(a, (int, float)):
            a = np.asarray(a, dtype=b.dtype)
    return a, b


def as_float(x):
    """Integer or bool data as the default float: what PyTorch's true division, exp, log, sqrt
    and friends give for integer tensors (NumPy would give float64)."""
    if isinstance(x, np.ndarray) and x.dtype.kind != "f":
        return x.astype(DEFAULT_FLOAT)
    return x


def _shape_of(x) -> tuple:
    return x.shape if isinstance(x, np.ndarray) else ()


class _Binary(Function):
    """Shared forward for broadcasting binary ops: promote, compute, explain shape errors."""

    @staticmethod
    def compute(a, b):
        raise NotImplementedError("a binary op sets compute to its NumPy ufunc")

    @classmethod
    def run(cls, ctx, a, b):
        a, b = _promote(a, b)
        try:
            out = cls.compute(a, b)
        except ValueError as exc:
            if "broadcast" in str(exc):
                raise ValueError(f"{cls.__name__.lower()}: shapes {_shape_of(a)} and {_shape_of(b)} "
                                 "cannot be broadcast together") from None
            raise
        ctx.shapes = (_shape_of(a), _shape_of(b))
        return a, b, np.asarray(out)


class Add(_Binary):
    compute = staticmethod(np.add)

    @staticmethod
    def forward(ctx, a, b):
        return Add.run(ctx, a, b)[2]

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad, sb) if ctx.needs_input_grad[1] else None)


class Sub(_Binary):
    compute = staticmethod(np.subtract)

    @staticmethod
    def forward(ctx, a, b):
        return Sub.run(ctx, a, b)[2]

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad, sb) if ctx.needs_input_grad[1] else None)


class Mul(_Binary):
    compute = staticmethod(np.multiply)

    @staticmethod
    def forward(ctx, a, b):
        a, b, out = Mul.run(ctx, a, b)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (unbroadcast(grad * b, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * a, sb) if ctx.needs_input_grad[1] else None)


class Div(_Binary):
    @staticmethod
    def compute(a, b):  # true division: integer operands give the default float
        return np.divide(as_float(a), as_float(b))

    @staticmethod
    def forward(ctx, a, b):
        a, b, out = Div.run(ctx, a, b)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        grad_a = grad / b
        return (unbroadcast(grad_a, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad_a * a / b, sb) if ctx.needs_input_grad[1] else None)


class Pow(_Binary):
    compute = staticmethod(np.power)

    @staticmethod
    def forward(ctx, a, b):
        a, b, out = Pow.run(ctx, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        grad_a = grad_b = None
        # As PyTorch at base 0: b = 0 gives 0 (not 0·0^-1 = nan), and so does the exponent's
        # gradient for b >= 0 (not 0·ln 0 = nan).
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:  # d(a^b)/da = b·a^(b-1)
                grad_a = unbroadcast(np.where(b == 0, 0, grad * b * np.power(a, b - 1)), sa)
            if ctx.needs_input_grad[1]:  # d(a^b)/db = a^b·ln a
                grad_b = unbroadcast(np.where((a == 0) & (b >= 0), 0, grad * out * np.log(a)), sb)
        return grad_a, grad_b


class _Extremum(_Binary):
    """Elementwise maximum or minimum; on ties the gradient is split equally (as PyTorch)."""

    beats = staticmethod(np.greater)

    @classmethod
    def forward(cls, ctx, a, b):
        a, b, out = cls.run(ctx, a, b)
        ctx.save_for_backward(a, b)
        return out

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        share_a = cls.beats(a, b) + 0.5 * (a == b)
        sa, sb = ctx.shapes
        return (unbroadcast(grad * share_a, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * (1 - share_a), sb) if ctx.needs_input_grad[1] else None)


class Maximum(_Extremum):
    compute, beats = staticmethod(np.maximum), staticmethod(np.greater)


class Minimum(_Extremum):
    compute, beats = staticmethod(np.minimum), staticmethod(np.less)


class Where(Function):
    """where(condition, a, b): a where condition holds, else b."""

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        a, b = _promote(a, b)
        try:
            out = np.where(condition, a, b)
        except ValueError:
            raise ValueError(f"where: condition {condition.shape}, {_shape_of(a)} and {_shape_of(b)} "
                             "cannot be broadcast together") from None
        if out.dtype.kind == "f" and out.dtype.itemsize < 4:
            out = out.astype(DEFAULT_FLOAT)
        ctx.save_for_backward(condition)
        ctx.shapes = (_shape_of(a), _shape_of(b))
        return out

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        sa, sb = ctx.shapes
        zero = np.zeros((), grad.dtype)
        return (None,
                unbroadcast(np.where(condition, grad, zero), sa) if ctx.needs_input_grad[1] else None,
                unbroadcast(np.where(condition, zero, grad), sb) if ctx.needs_input_grad[2] else None)


# ---------------------------------------------------------------- unary --------------------------
class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":  # PyTorch's rule; NumPy's own message names numpy
            raise RuntimeError(f"neg: Negation, the `-` operator, on a bool tensor is not supported (shape {a.shape}); "
                               "to invert a mask use `~` or logical_not()")
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(as_float(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":  # PyTorch: abs is not implemented for bool
            raise NotImplementedError(f"abs: not implemented for dtype bool (input of shape {a.shape})")
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sign(a)


class Clamp(Function):
    """Clamp to [low, high]; the gradient passes where low <= a <= high (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, low, high):
        ctx.save_for_backward(a)
        ctx.bounds = (low, high)
        if a.dtype.kind == "f":  # float bounds in a's dtype: NumPy 1 would widen a 0-d float32 to float64
            low, high = [a.dtype.type(v) if isinstance(v, (int, float)) else v for v in (low, high)]
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return grad * inside, None, None


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(x, _scalar(min), _scalar(max))


class Cast(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.source_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.source_dtype), None


class Clone(Function):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad
