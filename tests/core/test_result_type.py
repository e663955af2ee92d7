"""minigrad.dtypes.result_type / can_cast against torch.result_type / torch.can_cast over every pair
of the dtypes minigrad knows, with tensors of dims, 0-d tensors and Python scalars; and the ops that
use them (arithmetic, where, cat, clamp and the in-place ops) giving PyTorch's dtype or raising where
PyTorch raises."""
import itertools
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import dtypes

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SHAPES = [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]
SCALARS = [True, 3, 2.5]


def _torch_name(torch_dtype) -> str:
    return str(torch_dtype).replace("torch.", "")


@pytest.mark.parametrize("left", DTYPES)
def test_result_type_of_two_arrays_matches_torch(left):
    torch = pytest.importorskip("torch")
    for right, (sa, sb) in itertools.product(DTYPES, SHAPES):
        theirs = torch.result_type(torch.zeros(sa, dtype=getattr(torch, left)),
                                   torch.zeros(sb, dtype=getattr(torch, right)))
        mine = dtypes.result_type(np.zeros(sa, left), np.zeros(sb, right))
        assert str(mine) == _torch_name(theirs), (left, right, sa, sb)
        # a Tensor operand counts as its array
        assert dtypes.result_type(mg.zeros(sa, dtype=left), mg.zeros(sb, dtype=right)) == mine


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2,), ()], ids=["dims", "0d"])
def test_result_type_with_python_scalars_matches_torch(dtype, shape):
    torch = pytest.importorskip("torch")
    for scalar in SCALARS:
        theirs = torch.result_type(torch.zeros(shape, dtype=getattr(torch, dtype)), scalar)
        assert str(dtypes.result_type(np.zeros(shape, dtype), scalar)) == _torch_name(theirs), scalar
        assert str(dtypes.result_type(scalar, np.zeros(shape, dtype))) == _torch_name(theirs), scalar


def test_result_type_of_scalars_alone_and_of_three_operands():
    assert dtypes.result_type(1.0, 0.0) == mg.float32       # the default float, not float64
    assert dtypes.result_type(1, 0) == mg.int64
    assert dtypes.result_type(True, False) == mg.bool_
    assert dtypes.result_type(np.float64(1.0), 2) == mg.float32   # a NumPy scalar stands for a Python one
    assert dtypes.result_type(np.zeros(2, np.int8), np.zeros((), np.float64), 2) == mg.float64
    assert dtypes.result_type(np.zeros(2, np.float16), np.zeros((), np.float64), 2.5) == mg.float16
    assert dtypes.result_type(np.zeros(2, ">f8")) == mg.float64    # in native byte order


def test_result_type_refuses_what_is_not_a_number():
    with pytest.raises(TypeError, match=r"expected a tensor, an array or a Python number, got str"):
        dtypes.result_type(np.zeros(2), "a")
    with pytest.raises(TypeError, match=r"dtype <U1 is not supported"):
        dtypes.result_type(np.array(["a"]))
    with pytest.raises(TypeError, match="at least one operand"):
        dtypes.result_type()


def test_can_cast_matches_torch():
    torch = pytest.importorskip("torch")
    for source, target in itertools.product(DTYPES, DTYPES):
        theirs = torch.can_cast(getattr(torch, source), getattr(torch, target))
        assert dtypes.can_cast(np.dtype(source), np.dtype(target)) == theirs, (source, target)


def test_torch_names_in_messages():
    names = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
             "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double"}
    for dtype, name in names.items():
        assert dtypes.torch_name(dtype) == name


# ---------------------------------------------------------------- the ops follow the rule ---------
def _lib(x):
    import torch
    return torch if isinstance(x, torch.Tensor) else mg


OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "floordiv": lambda a, b: a // b,
    "maximum": lambda a, b: _lib(a).maximum(a, b), "minimum": lambda a, b: _lib(a).minimum(a, b),
    "where": lambda a, b: _lib(a).where(_lib(a).tensor([True, False]), a, b),
    "cat": lambda a, b: _lib(a).cat([a, b]) if b.ndim else None,
    "clamp": lambda a, b: a.clamp(b),
    "add_": lambda a, b: a.add_(b), "sub_": lambda a, b: a.sub_(b), "mul_": lambda a, b: a.mul_(b),
    "div_": lambda a, b: a.div_(b), "pow_": lambda a, b: a.pow_(b), "clamp_": lambda a, b: a.clamp_(b),
    "iadd": lambda a, b: a.__iadd__(b), "imul": lambda a, b: a.__imul__(b),
    "itruediv": lambda a, b: a.__itruediv__(b), "ifloordiv": lambda a, b: a.__ifloordiv__(b),
}
INPLACE = {"add_", "sub_", "mul_", "div_", "pow_", "clamp_", "iadd", "imul", "itruediv", "ifloordiv"}


def _make(lib, dtype, shape):
    values = np.ones(shape) * (1 if dtype == "bool" else 2)
    import torch
    return lib.tensor(values.astype(dtype), dtype=getattr(torch, dtype) if lib is torch else np.dtype(dtype))


def _outcome(fn):
    """("ok", dtype) or ("raises", RuntimeError-or-TypeError...) for one call."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn()
    except (RuntimeError, TypeError, ValueError) as exc:
        return ("raises", RuntimeError if isinstance(exc, RuntimeError) else type(exc))
    return None if result is None else ("ok", str(result.dtype).replace("torch.", ""))


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("op", list(OPS))
def test_ops_give_torchs_dtype_or_raise_where_torch_raises(op, left):
    torch = pytest.importorskip("torch")
    fn = OPS[op]
    cases = [(right, shapes) for right in DTYPES for shapes in [((2,), (2,)), ((2,), ())]]
    for right, (sa, sb) in cases:
        theirs = _outcome(lambda: fn(_make(torch, left, sa), _make(torch, right, sb)))
        if theirs is None:
            continue
        mine = _outcome(lambda: fn(_make(mg, left, sa), _make(mg, right, sb)))
        assert mine == theirs, (op, left, right, sb)
    if op in ("maximum", "minimum", "where", "cat"):
        return
    for scalar in SCALARS:
        theirs = _outcome(lambda: fn(_make(torch, left, (2,)), scalar))
        assert _outcome(lambda: fn(_make(mg, left, (2,)), scalar)) == theirs, (op, left, scalar)
        if op not in INPLACE and not op.startswith("clamp"):
            theirs = _outcome(lambda: fn(scalar, _make(torch, left, (2,))))
            assert _outcome(lambda: fn(scalar, _make(mg, left, (2,)))) == theirs, (op, scalar, left)


@pytest.mark.parametrize("op", [lambda a: a + mg.tensor(1.0, dtype=mg.float64),
                                lambda a: mg.where(mg.tensor([True, False]), a, mg.tensor(0.0, dtype=mg.float64)),
                                lambda a: mg.maximum(a, mg.tensor(0.0, dtype=mg.float64))],
                         ids=["add", "where", "maximum"])
def test_a_0d_float64_tensor_does_not_widen_a_float32_one_and_its_grad_keeps_its_dtype(op):
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    out = op(a)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert a.grad.dtype == mg.float32
    b = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    (a.detach() * b).sum().backward()
    assert b.grad.dtype == mg.float64


# ---------------------------------------------------------------- in place: the messages ----------
ERRORS = [
    # (id, op lambda, exception class, message regex)
    ("int_add_float", lambda: mg.tensor([1, 2]).add_(0.5), RuntimeError,
     r"add_: result type Float can't be cast to the desired output type Long"),
    ("int_mul_float", lambda: mg.tensor([1, 2]).mul_(1.5), RuntimeError,
     r"mul_: result type Float can't be cast to the desired output type Long.*float32 result.*int64"),
    ("int_div_int", lambda: mg.tensor([1, 2]).div_(2), RuntimeError,
     r"div_: result type Float can't be cast to the desired output type Long"),
    ("bool_add_int", lambda: mg.tensor([True]).add_(1), RuntimeError,
     r"add_: result type Long can't be cast to the desired output type Bool"),
    ("int_pow_float", lambda: mg.tensor([1, 2]).pow_(0.5), RuntimeError, r"pow_: result type Float"),
    ("int_clamp_float", lambda: mg.tensor([1, 2]).clamp_(0.5), RuntimeError, r"clamp_: result type Float"),
    ("int_iadd_float", lambda: _iadd(mg.tensor([1, 2]), 0.5), RuntimeError, r"add_: result type Float"),
    ("int_isub_tensor", lambda: _isub(mg.tensor([1, 2]), mg.ones(2)), RuntimeError, r"sub_: result type Float"),
    ("int_mul_0d_float", lambda: mg.tensor([1, 2]).mul_(mg.tensor(1.5)), RuntimeError, r"result type Float"),
    ("int32_add_float16", lambda: mg.ones(2, dtype=mg.int32).add_(mg.ones(2, dtype=mg.float16)), RuntimeError,
     r"result type Half can't be cast to the desired output type Int"),
    ("inplace_broadcast_grows", lambda: mg.ones(2).add_(mg.ones(2, 2)), RuntimeError,
     r"add_: output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"),
    ("int_alpha_float", lambda: mg.tensor([1, 2]).add_(mg.tensor([1, 2]), alpha=0.5), RuntimeError,
     r"alpha must not be a floating point number \(got alpha=0.5 for a int64 tensor\)"),
    ("clamp__no_bounds", lambda: mg.ones(2).clamp_(), ValueError, r"at least one of min and max"),
    ("fill_str", lambda: mg.ones(2).fill_("a"), TypeError, r"fill_: value must be a number.*got str \('a'\)"),
    ("fill_1d", lambda: mg.ones(2).fill_(mg.ones(1)), RuntimeError,
     r"fill_ only supports 0-dimension value tensor.*1 dimensions \(shape \(1,\)\)"),
    ("uniform_int", lambda: mg.tensor([1]).uniform_(), NotImplementedError, r"uniform_: not implemented for int64"),
    ("normal_int", lambda: mg.tensor([1]).normal_(), NotImplementedError, r"normal_: not implemented for int64"),
]


def _iadd(x, y):
    x += y
    return x


def _isub(x, y):
    x -= y
    return x


@pytest.mark.parametrize("op, exc, pattern", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_inplace_errors(op, exc, pattern):
    with pytest.raises(exc, match=pattern):
        op()


@pytest.mark.parametrize("op", [lambda x: x.add_(0.5), lambda x: x.div_(2), lambda x: x.clamp_(0.5),
                                lambda x: x.add_(mg.ones(2, 2, dtype=mg.int64))],
                         ids=["add_", "div_", "clamp_", "broadcast"])
def test_a_refused_inplace_op_changes_nothing(op):
    x = mg.tensor([1, 2])
    before = x._version
    with pytest.raises(RuntimeError):
        op(x)
    assert x.tolist() == [1, 2] and x._version == before


def test_allowed_inplace_casts_keep_the_tensors_dtype():
    x = mg.tensor([1.0, 2.0])
    x.add_(mg.ones(2, dtype=mg.float64))            # a float64 result written into float32, as PyTorch
    assert x.dtype == mg.float32 and x.tolist() == [2.0, 3.0]
    i = mg.tensor([5, 7])
    i //= 2
    i *= 3
    i += True
    assert i.dtype == mg.int64 and i.tolist() == [7, 10]
    b = mg.tensor([True, False])
    b.mul_(True)
    assert b.dtype == mg.bool_ and b.tolist() == [True, False]
    f = mg.tensor([1, 2]).fill_(0.5)                # fill_ casts as PyTorch's does
    assert f.tolist() == [0, 0]
