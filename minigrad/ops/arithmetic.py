"""Elementwise arithmetic: where the forwards and backwards of + - * / ** and friends live.

dtype rule for two operands: PyTorch's ``torch.result_type``, implemented once in
minigrad/dtypes.py: float64 with float32 gives float64; an integer or bool tensor meets a
float one by taking the float's dtype; an integer tensor with a Python float gives float32
(the default float).  Python scalars and 0-d tensors never widen a tensor with dims.  True
division, exp, log and sqrt of integer tensors give float32, as PyTorch.
Gradients of broadcast operands are summed back to each operand's shape (``unbroadcast``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..dtypes import DEFAULT_FLOAT, result_type

# NumPy 2 (NEP 50) treats Python scalars as "weak": float32 array * 2.5 stays float32.  NumPy 1.x
# cast them by value (a 0-d float32 array times 2.0 gave float64), so there they are converted.
_WEAK_SCALARS = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


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
    """Bring two operands (arrays or Python scalars) to their result dtype, by PyTorch's rule in
    minigrad/dtypes.py (``result_type``); Python scalars become 0-d arrays of that dtype."""
    ta, tb = type(a), type(b)
    if ta is np.ndarray:  # the fast paths: nothing to convert
        if tb is np.ndarray:
            if a.dtype == b.dtype:
                return a, b
        elif _WEAK_SCALARS and a.dtype.kind == "f" and (tb is float or tb is int):
            return a, b  # a Python number never changes a float array's dtype (NumPy 2 agrees)
    elif tb is np.ndarray and _WEAK_SCALARS and b.dtype.kind == "f" and (ta is float or ta is int):
        return a, b
    a, b = _scalar(a), _scalar(b)
    dtype = result_type(a, b)
    return cast_operand(a, dtype), cast_operand(b, dtype)


def cast_operand(x, dtype: np.dtype):
    """An array or Python scalar in ``dtype`` (a Python int outside int64 is refused, as PyTorch)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    if isinstance(x, int) and not isinstance(x, bool) and not -2 ** 63 <= x < 2 ** 63:
        raise OverflowError(f"the Python int {x} does not fit in int64 (an operand of an op whose result dtype is {dtype})")
    return np.asarray(x).astype(dtype, copy=False)


def as_float(x):
    """Integer or bool data as the default float: what PyTorch's true division, exp, log, sqrt
    and friends give for integer tensors (NumPy would give float64)."""
    if isinstance(x, np.ndarray) and x.dtype.kind != "f":
        return x.astype(DEFAULT_FLOAT)
    return x


def _shape_of(x) -> tuple:
    return x.shape if isinstance(x, np.ndarray) else ()


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"{x.dtype} of shape {x.shape}"
    return f"the Python {type(x).__name__} {x!r}"


class _Binary(Function):
    """Shared forward for broadcasting binary ops: promote, compute, explain shape errors."""

    @staticmethod
    def compute(a, b):
        raise NotImplementedError("a binary op sets compute to its NumPy ufunc")

    @classmethod
    def evaluate(cls, a, b):
        """(a, b, result) with a and b promoted: the forward without a graph (in-place ops use it)."""
        a, b = _promote(a, b)
        try:
            out = cls.compute(a, b)
        except ValueError as exc:
            if "broadcast" in str(exc):
                raise ValueError(f"{cls.__name__.lower()}: shapes {_shape_of(a)} and {_shape_of(b)} "
                                 "cannot be broadcast together") from None
            if "negative integer powers" in str(exc):  # NumPy's ValueError; PyTorch's RuntimeError
                raise RuntimeError(f"pow: integers to negative integer powers are not allowed ({a.dtype} "
                                   f"base of shape {_shape_of(a)}, exponent of shape {_shape_of(b)})") from None
            raise
        return a, b, out if type(out) is np.ndarray else np.asarray(out)

    @classmethod
    def run(cls, ctx, a, b):
        a, b, out = cls.evaluate(a, b)
        ctx.shapes = (_shape_of(a), _shape_of(b))
        return a, b, out


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


def _is_bool(x) -> bool:
    return x.dtype.kind == "b" if type(x) is np.ndarray else isinstance(x, (bool, np.bool_))


class Sub(_Binary):
    compute = staticmethod(np.subtract)

    @classmethod
    def evaluate(cls, a, b):
        if _is_bool(a) or _is_bool(b):  # PyTorch's rule (NumPy would give an int or float)
            raise RuntimeError(f"sub: subtraction, the `-` operator, with a bool tensor is not supported "
                               f"(operands {_describe(a)} and {_describe(b)}); if you are trying to invert "
                               "a mask, use the `~` or logical_not() operator instead")
        return _Binary.evaluate.__func__(cls, a, b)

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
    @staticmethod
    def compute(a, b):
        if type(a) is np.ndarray and a.dtype.kind in "iu" and np.any(b < 0):
            # PyTorch's integer pow with a tensor exponent: 1 and -1 keep their powers, every other base
            # to a negative power gives 0 (0 included), where NumPy raises
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.power(a, np.where(b < 0, 0, b))
            sign = np.where(np.abs(b) % 2 == 1, a, 1).astype(a.dtype)
            return np.where(b < 0, np.where(np.abs(a) == 1, sign, 0), out).astype(a.dtype)
        return np.power(a, b)

    @classmethod
    def evaluate(cls, a, b):
        if _is_bool(a) and _is_bool(b):
            if isinstance(b, (bool, np.bool_)) and isinstance(a, np.ndarray):  # PyTorch: x**True, x**False
                return a, np.asarray(b), (a.copy() if b else np.ones_like(a))
            # PyTorch has no bool ** bool kernel and raises NotImplementedError: the same class here
            raise NotImplementedError(f"pow: not implemented for bool operands ({_describe(a)} and "
                                      f"{_describe(b)}); convert with .long() or .float() first")
        if (type(a) is np.ndarray and a.dtype.kind in "biu" and isinstance(b, (int, np.integer))
                and not isinstance(b, (bool, np.bool_)) and b < 0):  # PyTorch refuses a Python int exponent < 0
            raise RuntimeError(f"pow: integers to negative integer powers are not allowed ({a.dtype} base of "
                               f"shape {a.shape}, exponent {b}); use a float exponent or convert with .float()")
        return _Binary.evaluate.__func__(cls, a, b)

    @staticmethod
    def forward(ctx, a, b):
        # as PyTorch, whose base gradient b·a^(b-1) subtracts from the exponent: a bool exponent
        # tensor makes the backward for the base raise
        ctx.bool_exponent = type(b) is np.ndarray and b.dtype.kind == "b"
        ctx.exponent_dtype = b.dtype if type(b) is np.ndarray else None
        a, b, out = Pow.run(ctx, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        grad_a = grad_b = None
        if ctx.needs_input_grad[0] and ctx.bool_exponent:
            raise RuntimeError(f"pow backward: subtraction, the `-` operator, with a bool tensor is not supported "
                               f"(the base's gradient b·a^(b-1) with a bool exponent of shape {sb}, as in "
                               "PyTorch); convert the exponent with .float()")
        # As PyTorch at base 0: b = 0 gives 0 (not 0·0^-1 = nan), and so does the exponent's
        # gradient for b >= 0 (not 0·ln 0 = nan).
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:  # d(a^b)/da = b·a^(b-1)
                grad_a = unbroadcast(np.where(b == 0, 0, grad * b * np.power(a, b - 1)), sa)
            if ctx.needs_input_grad[1]:  # d(a^b)/db = a^b·ln a
                grad_b = unbroadcast(np.where((a == 0) & (b >= 0), 0, grad * out * np.log(a)), sb)
        return grad_a, grad_b


class FloorDivide(_Binary):
    """a // b rounded toward -inf (as Python and PyTorch); an integer divisor of 0 raises
    PyTorch's "ZeroDivisionError", a float one gives inf or nan.  PyTorch defines no
    derivative for floor_divide: backward through it raises."""

    @staticmethod
    def compute(a, b):
        kind = (a if type(a) is np.ndarray else b).dtype.kind  # a Python number only meets a float array
        if kind == "b":  # PyTorch's NotImplementedError: it has no bool floor_divide kernel
            raise NotImplementedError(f"floor_divide: not implemented for bool tensors (shapes "
                                      f"{_shape_of(a)} and {_shape_of(b)}); convert with .long() first")
        if kind in "iu" and np.any(b == 0):
            raise RuntimeError(f"ZeroDivisionError: floor_divide of {a.dtype} operands (shapes {_shape_of(a)} "
                               f"and {_shape_of(b)}) by an integer divisor that is 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(a, b)

    @staticmethod
    def forward(ctx, a, b):
        return FloorDivide.run(ctx, a, b)[2]

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for floor_divide is not implemented (as in PyTorch): the result "
                           "is piecewise constant; detach its operands to use it in a graph")


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
        if a.dtype.kind == "b":
            raise RuntimeError(f"neg: negation, the `-` operator, on a bool tensor (shape {a.shape}) is not "
                               "supported; to invert a mask, use the `~` or logical_not() operator instead")
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
        if a.dtype.kind == "b":
            raise NotImplementedError(f"abs: not implemented for bool tensors (shape {a.shape}), as in PyTorch")
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
        a, low, high = clamp_operands(a, low, high)
        ctx.save_for_backward(a)
        ctx.bounds = (low, high)
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


def clamp_operands(a, low, high):
    """a and its bounds in their result dtype (an integer tensor clamped to 0.5 gives float32)."""
    bounds = [_scalar(v) for v in (low, high)]
    if a.dtype.kind == "b" and all(v is None or isinstance(v, bool) for v in bounds):
        # PyTorch's NotImplementedError: it has no clamp kernel for bool with bool bounds
        raise NotImplementedError(f"clamp: not implemented for a bool tensor (shape {a.shape}) with bool "
                                  f"bounds {bounds}, as in PyTorch")
    dtype = result_type(a, *[v for v in bounds if v is not None])
    return (cast_operand(a, dtype),
            *[None if v is None else cast_operand(v, dtype) for v in bounds])


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
