"""dtypes: float32 by default, float64 on request, integer tensors for labels, the documented
promotion rule of minigrad/ops/arithmetic.py, and gradients in each leaf's own dtype."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from core_oracle import torch_or_skip

f32, f64, i64 = mg.float32, mg.float64, mg.int64


# ---------------------------------------------------------------- creation -------------------------------
@pytest.mark.parametrize("data", [1.5, [1.0, 2.0], [[1, 2.5]], np.array([1.0, 2.0]),
                                  np.array([1.0, 2.0], dtype=np.float32), np.float64(3.0)],
                         ids=["py_float", "list", "mixed_list", "np_float64", "np_float32", "np_scalar"])
def test_float_data_defaults_to_float32(data):
    assert mg.tensor(data).dtype == f32
    assert mg.Tensor(data).dtype == f32


def test_float64_on_request_or_from_a_float64_tensor():
    data = np.array([1.0, 2.0])
    x = mg.tensor(data, dtype=mg.float64)
    assert x.dtype == f64
    assert mg.tensor(x).dtype == f64                          # from a float64 Tensor
    assert mg.tensor(x, dtype=mg.float32).dtype == f32        # unless asked otherwise
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == f64
    assert mg.tensor(data, dtype=mg.double).dtype == f64
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.long is mg.int64
    assert x.float().dtype == f32 and x.float().double().dtype == f64
    assert x.astype(mg.float32).dtype == f32 and x.to(mg.float32).dtype == f32


def test_creation_copies_the_data():
    data = np.array([1.0, 2.0])
    x = mg.tensor(data, dtype=mg.float64)
    data[0] = 100.0
    assert x.numpy()[0] == 1.0


@pytest.mark.parametrize("data", [[1, 2], np.array([1, 2], dtype=np.int32), np.arange(3), 7],
                         ids=["list", "int32", "arange", "scalar"])
def test_integer_data_becomes_int64(data):
    assert mg.tensor(data).dtype == i64


def test_bool_stays_bool():
    assert mg.tensor([True, False]).dtype == mg.bool_
    assert (mg.tensor([1.0]) > 0).dtype == mg.bool_


@pytest.mark.parametrize("make", [lambda: mg.tensor([1, 2], requires_grad=True),
                                  lambda: mg.tensor([1, 2]).requires_grad_(),
                                  lambda: mg.zeros(2, dtype=mg.int64, requires_grad=True),
                                  lambda: mg.arange(3, requires_grad=True),
                                  lambda: mg.tensor([True], requires_grad=True)],
                         ids=["tensor", "requires_grad_", "zeros", "arange", "bool"])
def test_integer_and_bool_tensors_cannot_require_grad(make):
    with pytest.raises(RuntimeError, match="floating-point"):
        make()


def test_factories_default_to_float32_and_honour_dtype():
    for factory in (mg.zeros, mg.ones, mg.empty, mg.rand, mg.randn):
        assert factory(2, 3).dtype == f32, factory.__name__
        assert factory((2, 3), dtype=mg.float64).dtype == f64, factory.__name__
        assert factory(2, 3).shape == (2, 3) and factory((2, 3)).shape == (2, 3)
    assert mg.full((2,), 1.5).dtype == f32
    assert mg.full((2,), 3).dtype == i64
    assert mg.arange(3).dtype == i64 and mg.arange(0.0, 1.0, 0.5).dtype == f32
    assert mg.eye(3).dtype == f32
    x64 = mg.ones(2, dtype=mg.float64)
    assert mg.zeros_like(x64).dtype == f64 and mg.ones_like(x64).dtype == f64
    assert mg.zeros_like(x64, dtype=mg.float32).dtype == f32


def test_factories_match_torch_dtypes():
    torch = torch_or_skip()
    pairs = [(mg.zeros(2), torch.zeros(2)), (mg.full((2,), 3), torch.full((2,), 3)),
             (mg.full((2,), 1.5), torch.full((2,), 1.5)), (mg.arange(3), torch.arange(3)),
             (mg.arange(0.0, 1.0, 0.5), torch.arange(0.0, 1.0, 0.5)), (mg.eye(2), torch.eye(2)),
             (mg.tensor(2.5), torch.tensor(2.5)), (mg.tensor([1, 2]), torch.tensor([1, 2]))]
    for mine, theirs in pairs:
        assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")


# ---------------------------------------------------------------- the promotion rule -----------------
# minigrad/ops/arithmetic.py: "float64 with float32 gives float64; an integer or bool tensor meets a
# float one by taking the float's dtype; an integer tensor with a Python float gives float32 (the
# default float).  Python scalars never widen a float tensor."
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
          "maximum": mg.maximum, "minimum": mg.minimum,
          "where": lambda a, b: mg.where(mg.tensor([True, False]), a, b)}


def _t(dtype):
    return mg.tensor([1.0, 2.0] if dtype.kind == "f" else [1, 2] if dtype.kind == "i" else [True, True],
                     dtype=dtype)


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("left, right, expected", [
    (f32, f64, f64), (f64, f32, f64), (f32, f32, f32), (f64, f64, f64),
    (i64, f32, f32), (f32, i64, f32), (i64, f64, f64), (f64, i64, f64),
    (mg.bool_, f32, f32), (f64, mg.bool_, f64)],
    ids=lambda v: str(v))
def test_tensor_tensor_promotion(op, left, right, expected):
    if op == "sub" and mg.bool_ in (left, right):  # PyTorch refuses `-` with a bool tensor
        with pytest.raises(RuntimeError, match="subtraction, the `-` operator, with a bool tensor"):
            BINARY[op](_t(left), _t(right))
        return
    assert BINARY[op](_t(left), _t(right)).dtype == expected


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("scalar", [2.5, 2, np.float64(2.5), np.float32(2.5)],
                         ids=["py_float", "py_int", "np_float64", "np_float32"])
@pytest.mark.parametrize("dtype", [f32, f64], ids=str)
def test_python_scalars_never_widen_a_float_tensor(op, scalar, dtype):
    x = _t(dtype)
    assert BINARY[op](x, scalar).dtype == dtype
    assert BINARY[op](scalar, x).dtype == dtype  # reflected


@pytest.mark.parametrize("dtype", [f32, f64], ids=str)
def test_numpy_scalar_clamp_bounds_do_not_widen(dtype):
    assert _t(dtype).clamp(np.float64(0.5), np.float64(1.5)).dtype == dtype
    assert _t(dtype).clamp(min=np.float32(0.5)).dtype == dtype


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "where"])
def test_integer_tensor_with_a_python_float_gives_float32(op):
    assert BINARY[op](_t(i64), 2.5).dtype == f32
    assert BINARY[op](2.5, _t(i64)).dtype == f32


def test_integer_tensor_with_integers_stays_int64():
    i = _t(i64)
    for result in (i + 1, i * i, i - i, i ** 2, -i, i.sum(), i.abs(), i @ i, i.max()):
        assert result.dtype == i64


def test_matmul_and_cat_promote_like_the_rule():
    a32, a64 = mg.ones(2, 2), mg.ones(2, 2, dtype=mg.float64)
    assert (a32 @ a64).dtype == f64 and (a64 @ a32).dtype == f64
    assert mg.cat([a32, a64]).dtype == f64 and mg.stack([a32, a64]).dtype == f64
    assert (mg.ones(2, 2, dtype=mg.int64) @ a32).dtype == f32


# As PyTorch, where the arithmetic docstring is silent: true division and exp/log/sqrt/sigmoid/tanh
# of integer tensors give the default float (NumPy would give float64, or keep int64).
@pytest.mark.parametrize("expr", [lambda i: i / 2, lambda i: i / i, lambda i: 2 / i, lambda i: i.exp(),
                                  lambda i: i.log(), lambda i: i.sqrt(), lambda i: i.sigmoid(),
                                  lambda i: i.tanh()],
                         ids=["div_int", "div_tensor", "rdiv", "exp", "log", "sqrt", "sigmoid", "tanh"])
def test_integer_tensors_in_float_ops_match_torch(expr):
    torch = torch_or_skip()
    mine, theirs = expr(mg.tensor([1, 2])), expr(torch.tensor([1, 2]))
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


# ---------------------------------------------------------------- gradients keep leaf dtypes ----------
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "where"])
def test_mixed_precision_gradients_come_back_in_each_leafs_dtype(op):
    a = mg.tensor([1.5, 2.0], dtype=mg.float32, requires_grad=True)
    b = mg.tensor([0.5, 3.0], dtype=mg.float64, requires_grad=True)
    out = BINARY[op](a, b)
    assert out.dtype == f64
    out.sum().backward()
    assert a.grad.dtype == f32 and b.grad.dtype == f64
    a64 = mg.tensor(a.numpy(), dtype=mg.float64, requires_grad=True)
    BINARY[op](a64, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), a64.grad.numpy(), rtol=1e-6)


def test_gradients_through_casts_and_matmul_keep_leaf_dtypes():
    a = mg.tensor([[1.0, 2.0]], requires_grad=True)
    w = mg.tensor([[3.0], [4.0]], dtype=mg.float64, requires_grad=True)
    (a @ w).sum().backward()
    assert a.grad.dtype == f32 and w.grad.dtype == f64
    b = mg.tensor([1.0, 2.0], requires_grad=True)
    (b.double() * 2).sum().backward()
    assert b.grad.dtype == f32
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 2.0])
    c = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    c.float().sum().backward()
    assert c.grad.dtype == f64


def test_float32_pipeline_stays_float32():
    x = mg.randn(3, 4, requires_grad=True)
    w = mg.randn(4, 2, requires_grad=True)
    y = ((x @ w).tanh() * 0.5 + 1.0).log_softmax(-1).mean() / 3 - 2.0 ** x.sum()
    assert y.dtype == f32
    y.backward()
    assert x.grad.dtype == f32 and w.grad.dtype == f32


@pytest.mark.parametrize("op", [
    lambda s: s * 2.0, lambda s: s + 1, lambda s: 1 - s, lambda s: 2.0 / s, lambda s: s ** 2, lambda s: 2.0 ** s,
    lambda s: s.clamp(-0.5, 0.5), lambda s: s.relu(), lambda s: F.elu(s),
    lambda s: F.softplus(s), lambda s: F.gelu(s),
    lambda s: F.gelu(s, approximate="tanh")],
    ids=["mul", "add", "rsub", "rdiv", "pow", "rpow", "clamp", "relu", "elu", "softplus", "gelu", "gelu_tanh"])
def test_a_0d_float32_tensor_with_python_scalars_stays_float32(op):
    # NumPy 1.x casts a Python scalar met by a 0-d array by value, to float64; NumPy 2 does not.
    s = mg.tensor(0.3, requires_grad=True)
    y = op(s)
    assert y.dtype == f32
    y.backward()
    assert s.grad.dtype == f32
