"""Tensor: a NumPy array, its gradient, and the graph node that produced it."""
from __future__ import annotations

import weakref

import numpy as np

from .autograd import function as _function
from .autograd import grad_mode
from .autograd.engine import run_backward
from .dtypes import DEFAULT_FLOAT, bool_, float32, float64, int64
from .dtypes import check_cast as _check_cast
from .ops import activation as _act
from .ops import arithmetic as _arith
from .ops import linalg as _linalg
from .ops import reduce as _reduce
from .ops import shape as _shape


def _as_dtype(dtype) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; use mg.float32, mg.float64, mg.int64 or mg.bool_") from None
    if dtype.kind not in "biuf":  # np.dtype('a') is a bytes dtype, 'U' a string one
        raise TypeError(f"unsupported dtype {dtype!r}: a tensor is bool, integer or floating point; use "
                        "mg.float32, mg.float64, mg.int64 or mg.bool_")
    return dtype if dtype.isnative else dtype.newbyteorder("=")


def _to_array(data, dtype=None) -> np.ndarray:
    """Convert user data to an array by minigrad's rule: float data becomes float32 unless a
    dtype is asked for; integer data becomes int64; bool stays bool."""
    dtype = _as_dtype(dtype)
    if isinstance(data, Tensor):
        array = data.data
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        if array.dtype.kind == "u" and array.dtype.itemsize == 8 and array.size and array.max() > 2 ** 63 - 1:
            if dtype is None:  # minigrad's integer tensors are int64: uint64 values above 2**63 wrap
                raise RuntimeError(f"value cannot be converted to type int64 without overflow: the uint64 "
                                   f"array of shape {array.shape} holds {array.max()} > 2**63 - 1")
    else:
        array = _python_array(data, dtype)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if dtype is not None:
        return np.array(array, dtype=dtype, copy=True) if array.dtype == dtype else array.astype(dtype)
    kind = array.dtype.kind
    if kind == "f":
        if isinstance(data, Tensor) or array.dtype == float32:
            return np.array(array, copy=True)
        return array.astype(DEFAULT_FLOAT)
    if kind in "iu":
        return array.astype(int64)
    if kind == "b":
        return np.array(array, copy=True)
    raise TypeError(f"cannot make a tensor from data of dtype {array.dtype} ({type(data).__name__})")


_INT64_RANGE = (-2 ** 63, 2 ** 63 - 1)


def _flat_python(data) -> list:
    """The numbers of nested lists/tuples, flattened (for the rare checks that need their types)."""
    if isinstance(data, (list, tuple)):
        return [v for item in data for v in _flat_python(item)]
    return [data.item() if isinstance(data, np.generic) else data]


def _python_array(data, dtype) -> np.ndarray:
    """Python data (numbers, nested lists) as an array, refusing what NumPy would wrap or reject
    with its own words: ints outside int64, ragged lists, and (as PyTorch) Python ints that do not
    fit the integer dtype asked for."""
    try:
        array = np.asarray(data)
    except (ValueError, TypeError):
        raise ValueError(f"cannot make a tensor from {type(data).__name__} data: nested lists must be "
                         f"rectangular (every row of one length), with numbers at the same depth") from None
    if array.dtype.kind == "u" and array.size:  # NumPy's dtype for Python ints in [2**63, 2**64)
        if int(array.max()) > _INT64_RANGE[1]:
            raise ValueError(f"Overflow when unpacking long long: the Python int {int(array.max())} does not "
                             f"fit in int64 [-2**63, 2**63 - 1]")
    if array.dtype.kind == "f" and array.size and np.abs(array).max() >= 2 ** 63:
        # NumPy makes [1, 2**63] float64; PyTorch infers an integer tensor from ints and overflows
        values = _flat_python(data)
        big = next((v for v in values if isinstance(v, int) and not _INT64_RANGE[0] <= v <= _INT64_RANGE[1]),
                   None)
        if big is not None and not any(isinstance(v, float) for v in values):
            raise ValueError(f"Overflow when unpacking long long: the Python int {big} does not fit "
                             f"in int64 [-2**63, 2**63 - 1]")
    if array.dtype == object:  # NumPy's dtype for ints beyond those
        for value in array.flat:
            if isinstance(value, int) and not _INT64_RANGE[0] <= value <= _INT64_RANGE[1]:
                raise ValueError(f"Overflow when unpacking long long: the Python int {value} does not fit "
                                 f"in int64 [-2**63, 2**63 - 1]")
    if dtype is not None and dtype.kind in "iu" and array.dtype.kind in "iu" and array.size:
        info = np.iinfo(dtype)
        low, high = array.min(), array.max()
        if low < info.min or high > info.max:
            raise RuntimeError(f"value cannot be converted to type {dtype} without overflow: the data holds "
                               f"{low if low < info.min else high}, outside [{info.min}, {info.max}]")
    return array


class _RemovableHandle:
    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor:
    """An n-dimensional array that records the operations made from it."""

    __slots__ = ("data", "_grad", "_requires_grad", "grad_fn", "_output_index", "_versions",
                 "_hooks", "name", "__weakref__")
    __array_priority__ = 1000  # so `ndarray + Tensor` uses Tensor.__radd__

    def __init__(self, data, dtype=None, requires_grad: bool = False):
        self.data = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._output_index = 0
        self._versions = [0]
        self._hooks = []
        self.name = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False, grad_fn=None, output_index: int = 0) -> "Tensor":
        """Make a Tensor around an array without copying or converting it (for ops)."""
        tensor = object.__new__(cls)
        tensor.data = array if isinstance(array, np.ndarray) else np.asarray(array)
        tensor._grad = None
        tensor._requires_grad = requires_grad
        tensor.grad_fn = grad_fn
        tensor._output_index = output_index
        # [in-place change count], one list shared by the tensors that alias one array
        # (views made by ops, detach), so a change through any of them reaches every guard
        tensor._versions = [0]
        tensor._hooks = []
        tensor.name = None
        return tensor

    # -- attributes ------------------------------------------------------------------------
    @property
    def grad(self) -> "Tensor | None":
        """The gradient backward accumulated here (None before the first backward)."""
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        # PyTorch's checks and messages: a Tensor (or None) of this tensor's shape and dtype,
        # so an optimiser never meets an array it cannot update with.
        if value is not None:
            if not isinstance(value, Tensor):
                kind = type(value)
                name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {name}")
            if value is self:
                raise RuntimeError("can't assign a tensor as its own grad")
            if value.data.shape != self.data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.data.shape)}' to a "
                                   f"tensor of size '{list(self.data.shape)}'. Please ensure that the gradient "
                                   f"and the tensor are the same size")
            if value.data.dtype != self.data.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{value.data.dtype}' to a tensor "
                                   f"with dtype '{self.data.dtype}'. The gradient must match the tensor's dtype")
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if value and self.data.dtype.kind != "f":
            raise RuntimeError(f"only floating-point tensors can require gradients; this tensor is "
                               f"{self.data.dtype} (shape {self.shape})")
        if not value and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on a leaf tensor; use "
                               ".detach() to get a tensor without a graph")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None):
        if dim is not None and self.ndim == 0:
            raise IndexError(f"size(): dimension specified as {dim} but the tensor has no dimensions")
        return self.shape if dim is None else self.shape[_reduce.normalize_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self.data.size

    def __iter__(self):
        if self.ndim == 0:  # TypeError, as PyTorch (not Python's fallback that loops zero times)
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # -- conversion ------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape} "
                             f"({self.data.size} elements)")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (and sharing its version counter)."""
        tensor = Tensor._wrap(self.data)
        tensor._versions = self._versions
        return tensor

    def astype(self, dtype) -> "Tensor":
        dtype = _as_dtype(dtype)
        if dtype == self.dtype:
            return self
        return _arith.Cast.apply(self, dtype)

    def float(self) -> "Tensor":
        return self.astype(float32)

    def double(self) -> "Tensor":
        return self.astype(float64)

    def long(self) -> "Tensor":
        return self.astype(int64)

    def to(self, dtype) -> "Tensor":
        return self.astype(dtype)

    def clone(self) -> "Tensor":
        return _arith.Clone.apply(self)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} elements is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    # -- autograd --------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool | None = None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        if not self.requires_grad:
            raise RuntimeError(f"backward() on a tensor (shape {self.shape}) that does not require grad "
                               "and has no grad_fn: nothing to differentiate")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; this tensor "
                                   f"has shape {self.shape}: pass backward(gradient=...) of that shape")
            seed = np.ones(self.shape, dtype=self.dtype)
        else:
            seed = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=self.dtype)
            if seed.shape != self.shape:
                raise RuntimeError(f"backward: gradient of shape {seed.shape} does not match the "
                                   f"tensor's shape {self.shape}")
            seed = seed.astype(self.dtype, copy=False)
        run_backward(self, seed, retain_graph=bool(retain_graph))

    def register_hook(self, hook) -> _RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is None:
            hooks = self._hooks
        else:
            self.grad_fn.register_hook(self._output_index, hook)
            hooks = self.grad_fn.output_hooks[self._output_index]
        if hook not in hooks:
            hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep the gradient of a non-leaf tensor in ``.grad`` after backward (the gradient
        after this tensor's hooks, whenever they were registered; calling it twice is harmless)."""
        if self.grad_fn is None:
            return
        if self.grad_fn.retained is None:
            self.grad_fn.retained = {}
        self.grad_fn.retained[self._output_index] = weakref.ref(self)

    # -- in place (never recorded; each bumps the version that guards saved values) --------
    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and grad_mode.is_grad_enabled():
            kind = "a leaf tensor" if self.grad_fn is None else "a tensor"
            raise RuntimeError(f"{what}: {kind} of shape {self.shape} that requires grad is being "
                               "changed in place; do it inside `with mg.no_grad():` or use an "
                               "out-of-place op")
        self._check_overlap(what)

    def _check_overlap(self, what: str) -> None:
        """PyTorch's RuntimeError for an in-place op on an expanded tensor, whose elements share
        memory (zero_ and fill_ are allowed: they write one value, as in PyTorch); before any write."""
        strides = self.data.strides
        if 0 in strides and what not in ("zero_", "fill_") and self.data.size and any(
                stride == 0 and size > 1 for stride, size in zip(strides, self.data.shape)):
            raise RuntimeError(f"{what}: unsupported operation: more than one element of the written-to "
                               f"tensor (shape {self.shape}, made by expand) refers to a single memory "
                               "location. Please clone() the tensor before performing the operation.")
        if not self.data.flags.writeable:
            raise RuntimeError(f"{what}: the tensor of shape {self.shape} is read-only (its array is a "
                               "read-only NumPy view) and cannot be changed in place; clone() it first")

    @property
    def _version(self) -> int:
        return self._versions[0]

    def _bump_version(self) -> None:
        self._versions[0] += 1

    def _set_(self, array, what: str) -> "Tensor":
        self._check_inplace(what)
        self.data[...] = array.data if isinstance(array, Tensor) else array
        self._bump_version()
        return self

    def _update_(self, result: np.ndarray, what: str) -> "Tensor":
        """Write the out-of-place ``result`` of an in-place op into this tensor, as PyTorch: only if
        its dtype can be cast to this one's (torch.can_cast) and it has this tensor's shape; all the
        checks come before the write, so a refused op changes nothing."""
        self._check_inplace(what)
        if result.dtype != self.dtype:
            _check_cast(what, result.dtype, self.dtype)
        if result.shape != self.shape:
            raise RuntimeError(f"{what}: output with shape {list(self.shape)} doesn't match the broadcast "
                               f"shape {list(result.shape)}")
        self.data[...] = result
        self._bump_version()
        return self

    def _binary_(self, op, other, what: str) -> "Tensor":
        return self._update_(op.evaluate(self.data, _raw(other))[2], what)

    def zero_(self) -> "Tensor":
        return self._set_(0, "zero_")

    def fill_(self, value) -> "Tensor":
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.ndim} dimensions (shape {value.shape})")
            value = value.data
        elif not isinstance(value, (bool, int, float, np.number, np.bool_)):
            raise TypeError(f"fill_: value must be a number or a 0-d tensor, got {type(value).__name__} "
                            f"({value!r:.40})")
        return self._set_(value, "fill_")

    def copy_(self, other) -> "Tensor":
        source = other.data if isinstance(other, Tensor) else np.asarray(other)
        if source.shape != self.shape and np.broadcast_shapes(source.shape, self.shape) != self.shape:
            raise RuntimeError(f"copy_: cannot copy shape {source.shape} into shape {self.shape}")
        return self._set_(source, "copy_")

    def _scaled(self, other, alpha, what: str):
        if alpha == 1:
            return _raw(other)
        other = _raw(other)
        if type(other) is np.ndarray and other.dtype.kind == "f" and type(alpha) is float:
            return other * alpha  # the optimizers' p.add_(g, alpha=-lr): a float stays its dtype
        if self.dtype.kind != "f" and isinstance(alpha, float):
            raise RuntimeError(f"{what}: for integral input tensors, argument alpha must not be a floating "
                               f"point number (got alpha={alpha} for a {self.dtype} tensor)")
        return _arith.Mul.evaluate(_raw(other), alpha)[2]

    def add_(self, other, alpha=1) -> "Tensor":
        return self._binary_(_arith.Add, self._scaled(other, alpha, "add_"), "add_")

    def sub_(self, other, alpha=1) -> "Tensor":
        return self._binary_(_arith.Sub, self._scaled(other, alpha, "sub_"), "sub_")

    def mul_(self, other) -> "Tensor":
        return self._binary_(_arith.Mul, other, "mul_")

    def div_(self, other) -> "Tensor":
        return self._binary_(_arith.Div, other, "div_")

    def pow_(self, other) -> "Tensor":
        return self._binary_(_arith.Pow, other, "pow_")

    def floor_divide_(self, other) -> "Tensor":
        return self._binary_(_arith.FloorDivide, other, "floor_divide_")

    # `p -= lr * p.grad` updates p itself, as in PyTorch (a rebinding would silently train nothing)
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def clamp_(self, min=None, max=None) -> "Tensor":
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        a, low, high = _arith.clamp_operands(self.data, _raw(min), _raw(max))
        return self._update_(np.clip(a, low, high), "clamp_")

    def _check_float_fill(self, what: str) -> None:
        if self.dtype.kind != "f":
            raise NotImplementedError(f"{what}: not implemented for {self.dtype} tensors (shape "
                                      f"{self.shape}): random floats need a floating-point tensor")

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> "Tensor":
        self._check_float_fill("uniform_")
        from .random import get_rng
        return self._set_(get_rng().uniform(a, b, self.shape), "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> "Tensor":
        self._check_float_fill("normal_")
        from .random import get_rng
        return self._set_(get_rng().normal(mean, std, self.shape), "normal_")

    # -- arithmetic ------------------------------------------------------------------------
    def __add__(self, other):
        return _arith.Add.apply(self, other)

    def __radd__(self, other):
        return _arith.Add.apply(other, self)

    def __sub__(self, other):
        return _arith.Sub.apply(self, other)

    def __rsub__(self, other):
        return _arith.Sub.apply(other, self)

    def __mul__(self, other):
        return _arith.Mul.apply(self, other)

    def __rmul__(self, other):
        return _arith.Mul.apply(other, self)

    def __truediv__(self, other):
        return _arith.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _arith.Div.apply(other, self)

    def __pow__(self, other):
        return _arith.Pow.apply(self, other)

    def __rpow__(self, other):
        return _arith.Pow.apply(other, self)

    def __floordiv__(self, other):
        return _arith.FloorDivide.apply(self, other)

    def __rfloordiv__(self, other):
        return _arith.FloorDivide.apply(other, self)

    def __neg__(self):
        return _arith.Neg.apply(self)

    def __matmul__(self, other):
        if not isinstance(other, (Tensor, np.ndarray)):  # Python's TypeError, as PyTorch
            return NotImplemented
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, (Tensor, np.ndarray)):
            return NotImplemented
        return _linalg.matmul(other, self)

    # comparisons: no gradient, bool results
    def __eq__(self, other):  # type: ignore[override]
        return Tensor._wrap(self.data == _raw(other))

    def __ne__(self, other):  # type: ignore[override]
        return Tensor._wrap(self.data != _raw(other))

    def __lt__(self, other):
        return Tensor._wrap(self.data < _raw(other))

    def __le__(self, other):
        return Tensor._wrap(self.data <= _raw(other))

    def __gt__(self, other):
        return Tensor._wrap(self.data > _raw(other))

    def __ge__(self, other):
        return Tensor._wrap(self.data >= _raw(other))

    def __getitem__(self, index):
        return _shape.GetItem.apply(self, _index_arrays(index))

    # -- ops as methods --------------------------------------------------------------------
    def add(self, other):
        return self + other

    def sub(self, other):
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, other):
        return self ** other

    def floor_divide(self, other):
        return self // other

    def neg(self):
        return -self

    def exp(self):
        return _arith.Exp.apply(self)

    def log(self):
        return _arith.Log.apply(self)

    def sqrt(self):
        return _arith.Sqrt.apply(self)

    def abs(self):
        return _arith.Abs.apply(self)

    def clamp(self, min=None, max=None):
        return _arith.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        _linalg.check_tensor_args("maximum", ("input", "other"), (self, other))  # as PyTorch: no numbers
        return _arith.Maximum.apply(self, other)

    def minimum(self, other):
        _linalg.check_tensor_args("minimum", ("input", "other"), (self, other))
        return _arith.Minimum.apply(self, other)

    def sum(self, dim=None, keepdim: bool = False):
        return _reduce.Sum.apply(self, _reduce.normalize_dims(dim, self.ndim), keepdim)

    def mean(self, dim=None, keepdim: bool = False):
        return _reduce.Mean.apply(self, _reduce.normalize_dims(dim, self.ndim), keepdim)

    def var(self, dim=None, keepdim: bool = False, unbiased: bool = True):
        return _reduce.var(self, dim, keepdim, unbiased)

    def std(self, dim=None, keepdim: bool = False, unbiased: bool = True):
        return _reduce.var(self, dim, keepdim, unbiased).sqrt()

    def max(self, dim=None, keepdim: bool = False):
        return _reduce.extremum(self, dim, keepdim, "max")

    def min(self, dim=None, keepdim: bool = False):
        return _reduce.extremum(self, dim, keepdim, "min")

    def argmax(self, dim=None, keepdim: bool = False):
        return Tensor._wrap(_reduce.arg_extremum(self.data, dim, keepdim, "max"))

    def argmin(self, dim=None, keepdim: bool = False):
        return Tensor._wrap(_reduce.arg_extremum(self.data, dim, keepdim, "min"))

    def reshape(self, *shape):
        return _shape.Reshape.apply(self, _shape.normalize_shape(shape, self))

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def transpose(self, dim0: int, dim1: int):
        return _shape.transpose(self, dim0, dim1)

    def permute(self, *dims):
        if not dims:  # TypeError with PyTorch's words, even for a 0-d tensor
            raise TypeError(f'permute(): missing the required argument "dims" (the new order of the dims of shape {self.shape}), got none')
        return _shape.permute(self, dims)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return _shape.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim: int):
        return _shape.unsqueeze(self, dim)

    def expand(self, *sizes):
        if not sizes:  # TypeError with PyTorch's words, even for a 0-d tensor
            raise TypeError(f'expand(): missing the required argument "size" (the new shape for a tensor of shape {self.shape}), got none')
        return _shape.expand(self, sizes)

    def expand_as(self, other):
        return _shape.expand(self, tuple(other.shape))  # a 0-d other: no sizes, still valid

    def split(self, split_size_or_sections, dim: int = 0):
        return _shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0):
        return _shape.chunk(self, chunks, dim)

    def matmul(self, other):
        return _linalg.matmul(self, other)

    def relu(self):
        return _act.ReLU.apply(self)

    def sigmoid(self):
        return _act.Sigmoid.apply(self)

    def tanh(self):
        return _act.Tanh.apply(self)

    def softmax(self, dim: int):
        return _act.Softmax.apply(self, _reduce.normalize_dim(dim, self.ndim))

    def log_softmax(self, dim: int):
        return _act.LogSoftmax.apply(self, _reduce.normalize_dim(dim, self.ndim))


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _index_arrays(index):
    """An index with its Tensors and lists turned into arrays; a float index is refused clearly."""
    def convert(item):
        if isinstance(item, Tensor):
            item = item.data
        if isinstance(item, list):
            item = np.asarray(item) if item else np.zeros(0, dtype=np.int64)  # x[[]]: an empty selection
        if isinstance(item, np.ndarray) and item.dtype.kind not in "biu":
            raise IndexError(f"tensors used as indices must be integer or bool, got {item.dtype}")
        return item

    if isinstance(index, tuple):
        return tuple(convert(i) for i in index)
    return convert(index)


_function.register_tensor_class(Tensor)
