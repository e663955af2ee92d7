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
          # PyTorch's maximum/minimum take tensors only (a Python number is a TypeError): a scalar is
          # passed to them as the 0-d tensor PyTorch would need, which also never widens
          "maximum": lambda a, b: mg.maximum(_0d(a), _0d(b)), "minimum": lambda a, b: mg.minimum(_0d(a), _0d(b)),
          "where": lambda a, b: mg.where(mg.tensor([True, False]), a, b)}


def _0d(x):
    return x if isinstance(x, mg.Tensor) else mg.tensor(x)


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
    # matmul does not promote, as PyTorch ("expected m1 and m2 to have the same dtype"); cat and stack do
    for left, right in ((a32, a64), (a64, a32), (mg.ones(2, 2, dtype=mg.int64), a32)):
        with pytest.raises(RuntimeError, match="same dtype"):
            left @ right
    assert mg.cat([a32, a64]).dtype == f64 and mg.stack([a32, a64]).dtype == f64


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
    (a.double() @ w).sum().backward()  # matmul itself refuses mixed dtypes, as PyTorch
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


# ---------------------------------------------------------------- issue 20: bad input, dtype cases ---------
BIG_ENDIAN = np.arange(16.).astype(">f8").reshape(1, 1, 4, 4)

DTYPE_ERRORS = [
    # (id, op lambda, exception class, message regex) — the class PyTorch raises for the same input
    ("int_2p63", lambda: mg.tensor(2 ** 63), ValueError,
     r"Overflow when unpacking long long: the Python int 9223372036854775808 does not fit in int64"),
    ("int_list_2p63", lambda: mg.tensor([1, 2 ** 63]), ValueError, r"Overflow.*9223372036854775808"),
    ("int_2p64", lambda: mg.tensor([[2 ** 64]]), ValueError, r"Overflow.*18446744073709551616"),
    ("int_below_int64", lambda: mg.tensor(-2 ** 63 - 1), ValueError, r"Overflow.*-9223372036854775809"),
    ("bool_and_2p63", lambda: mg.tensor([True, 2 ** 63]), ValueError, r"Overflow"),
    ("uint64_array", lambda: mg.tensor(np.array([1, 2 ** 63], dtype=np.uint64)), RuntimeError,
     r"value cannot be converted to type int64 without overflow.*uint64 array of shape \(2,\) holds "
     r"9223372036854775808"),
    ("uint8_300", lambda: mg.tensor(300, dtype=np.uint8), RuntimeError,
     r"value cannot be converted to type uint8 without overflow.*300, outside \[0, 255\]"),
    ("int32_2p40", lambda: mg.tensor([2 ** 40], dtype=mg.int32), RuntimeError, r"type int32 without overflow"),
    ("ragged", lambda: mg.tensor([[1, 2], [3]]), ValueError, r"nested lists must be rectangular"),
    ("add_2p70", lambda: mg.tensor([1]) + 2 ** 70, OverflowError, r"Python int 1180591620717411303424 does not fit"),
    ("string_dtype", lambda: mg.zeros(2, dtype="S"), TypeError, r"unsupported dtype dtype\('S'\)"),
    ("arange_string_dtype", lambda: mg.arange(3, dtype="U"), TypeError, r"unsupported dtype"),
    ("zeros_float", lambda: mg.zeros(2.5), TypeError,
     r"zeros\(\): argument 'size' must be a tuple of ints, but found 2.5 of type float at position 0"),
    ("zeros_tuple_float", lambda: mg.zeros((2, 3.0)), TypeError, r"found 3.0 of type float at position 1"),
    ("zeros_bool", lambda: mg.zeros(True), TypeError, r"found True of type bool"),
    ("ones_float", lambda: mg.ones(2.0), TypeError, r"ones\(\): argument 'size'"),
    ("empty_float", lambda: mg.empty(2.5), TypeError, r"empty\(\): argument 'size'"),
    ("rand_float", lambda: mg.rand(2, 2.5), TypeError, r"rand\(\): argument 'size'"),
    ("randn_float", lambda: mg.randn(2.5), TypeError, r"randn\(\): argument 'size'"),
    ("full_str", lambda: mg.full((2,), "a"), TypeError, r"full\(\): argument 'fill_value' must be a number, got 'a' \(str\)"),
    ("full_none", lambda: mg.full((2,), None), TypeError, r"fill_value.*got None"),
    ("full_list", lambda: mg.full((2,), [1]), TypeError, r"fill_value.*got \[1\] \(list\)"),
    ("full_float_size", lambda: mg.full((2.5,), 1), TypeError, r"full\(\): argument 'size'"),
    ("full_overflow", lambda: mg.full((2,), 2 ** 70), OverflowError, r"fill_value 1180591620717411303424"),
    ("randint_float_size", lambda: mg.randint(0, 5, (2.5,)), TypeError, r"randint\(\): argument 'size'"),
    ("randint_float_low", lambda: mg.randint(0.5, 5, (2,)), TypeError, r"randint\(\): argument 'low' must be an int, got 0.5"),
    ("randint_empty_range", lambda: mg.randint(5, 2, (1,)), RuntimeError, r"from=5 >= to=2"),
    ("eye_float", lambda: mg.eye(2.5), TypeError, r"eye\(\): argument 'n' must be an int, got 2.5"),
    ("eye_float_m", lambda: mg.eye(2, 2.5), TypeError, r"argument 'm' must be an int"),
    ("arange_str", lambda: mg.arange("a"), TypeError, r"arange\(\): argument 'end' must be a number, got 'a'"),
    ("arange_str_step", lambda: mg.arange(0, 3, "a"), TypeError, r"argument 'step' must be a number"),
    ("floordiv_int_by_0", lambda: mg.tensor([5]) // 0, RuntimeError, r"ZeroDivisionError"),
    ("floordiv_int_by_0_tensor", lambda: mg.floor_divide(mg.tensor([5, 6]), mg.tensor([1, 0])), RuntimeError,
     r"ZeroDivisionError: floor_divide of int64 operands \(shapes \(2,\) and \(2,\)\)"),
    ("floordiv_bool", lambda: mg.tensor([True]) // mg.tensor([True]), NotImplementedError,
     r"floor_divide: not implemented for bool"),
    ("floordiv_backward", lambda: (mg.ones(2, requires_grad=True) // 2).sum().backward(), RuntimeError,
     r"derivative for floor_divide is not implemented"),
    ("ifloordiv_float_into_int", lambda: mg.tensor([5]).__ifloordiv__(2.5), RuntimeError,
     r"floor_divide_: result type Float can't be cast to the desired output type Long"),
    ("int_negative_power", lambda: mg.tensor([2]) ** -1, RuntimeError,
     r"pow: integers to negative integer powers are not allowed \(int64 base of shape \(1,\)"),
    ("bool_sub", lambda: mg.tensor([True]) - 1, RuntimeError, r"subtraction, the `-` operator, with a bool tensor"),
    ("bool_neg", lambda: -mg.tensor([True]), RuntimeError, r"negation, the `-` operator, on a bool tensor"),
]


@pytest.mark.parametrize("op, exc, pattern", [e[1:] for e in DTYPE_ERRORS], ids=[e[0] for e in DTYPE_ERRORS])
def test_dtype_errors(op, exc, pattern):
    with pytest.raises(exc, match=pattern):
        op()


TORCH_PAIRS = [
    # (id, minigrad lambda, the same in torch)
    ("2p63", lambda: mg.tensor(2 ** 63), lambda torch: torch.tensor(2 ** 63)),
    ("list_2p63", lambda: mg.tensor([1, 2 ** 63]), lambda torch: torch.tensor([1, 2 ** 63])),
    ("uint8_300", lambda: mg.tensor(300, dtype=mg.uint8), lambda torch: torch.tensor(300, dtype=torch.uint8)),
    ("zeros_float", lambda: mg.zeros(2.5), lambda torch: torch.zeros(2.5)),
    ("full_str", lambda: mg.full((2,), "a"), lambda torch: torch.full((2,), "a")),
    ("eye_float", lambda: mg.eye(2.5), lambda torch: torch.eye(2.5)),
    ("floordiv_0", lambda: mg.tensor([5]) // 0, lambda torch: torch.tensor([5]) // 0),
    ("floordiv_bool", lambda: mg.tensor([True]) // mg.tensor([True]),
     lambda torch: torch.tensor([True]) // torch.tensor([True])),
    ("neg_pow", lambda: mg.tensor([2]) ** -1, lambda torch: torch.tensor([2]) ** -1),
    ("bool_sub", lambda: mg.tensor([True]) - True, lambda torch: torch.tensor([True]) - True),
    ("int_add_", lambda: mg.tensor([1, 2]).add_(0.5), lambda torch: torch.tensor([1, 2]).add_(0.5)),
]


@pytest.mark.parametrize("mine, theirs", [p[1:] for p in TORCH_PAIRS], ids=[p[0] for p in TORCH_PAIRS])
def test_dtype_errors_use_torchs_exception_class(mine, theirs):
    torch = torch_or_skip()
    with pytest.raises(Exception) as torch_error:  # noqa: PT011
        theirs(torch)
    with pytest.raises(torch_error.type):
        mine()


def test_int64_extremes_still_fit():
    assert mg.tensor(2 ** 63 - 1).item() == 2 ** 63 - 1
    assert mg.tensor([-2 ** 63]).item() == -2 ** 63
    assert mg.tensor(np.array([5], dtype=np.uint64)).tolist() == [5]
    assert mg.tensor([1.5, 2 ** 63]).dtype == f32      # a float among them: float data, as PyTorch
    assert mg.tensor(np.array([2 ** 63], dtype=np.uint64), dtype=mg.float64).item() == 2.0 ** 63


def test_factories_take_integer_like_sizes():
    assert mg.zeros(np.int64(2)).shape == (2,)
    assert mg.ones(mg.tensor(3)).shape == (3,)
    assert mg.full(2, 3).tolist() == [3, 3] and mg.full((2,), True).dtype == mg.bool_
    assert mg.full((2,), mg.tensor(2.0)).dtype == f32
    assert mg.randint(5, (2,)).shape == (2,)               # randint(high, size), as PyTorch
    assert mg.eye(np.int64(2)).shape == (2, 2)


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d], ids=["max", "avg"])
def test_pooling_keeps_a_big_endian_float64_array_float64(pool):
    out = pool(BIG_ENDIAN, 2)
    assert out.dtype == f64 and out.dtype.isnative
    reference = pool(mg.tensor(BIG_ENDIAN, dtype=mg.float64), 2)
    np.testing.assert_array_equal(out.numpy(), reference.numpy())


def test_arrays_enter_in_native_byte_order():
    for data, dtype in [(BIG_ENDIAN, None), (BIG_ENDIAN, mg.float64), (BIG_ENDIAN.astype(">i4"), None),
                        (BIG_ENDIAN.astype(">i4"), ">i4")]:
        assert mg.tensor(data, dtype=dtype).dtype.isnative
    torch = torch_or_skip()
    w = mg.ones(1, 1, 3, 3, dtype=mg.float64)
    assert F.conv2d(BIG_ENDIAN, w).dtype == f64
    np.testing.assert_allclose(F.conv2d(BIG_ENDIAN, w).numpy(),
                               torch.nn.functional.conv2d(torch.tensor(BIG_ENDIAN.astype("f8")),
                                                          torch.ones(1, 1, 3, 3, dtype=torch.float64)).numpy())


def test_cat_and_where_promote_as_torch():
    torch = torch_or_skip()
    cond = [True, False]
    cases = [(lambda lib: lib.cat([lib.tensor([1]), lib.tensor([1.0])])),
             (lambda lib: lib.cat([lib.tensor([True]), lib.tensor([1])])),
             (lambda lib: lib.stack([lib.tensor([1]), lib.tensor([1.0])])),
             (lambda lib: lib.where(lib.tensor(cond), 1.0, 0.0)),
             (lambda lib: lib.where(lib.tensor(cond), 1, 0)),
             (lambda lib: lib.where(lib.tensor(cond), True, False)),
             (lambda lib: lib.where(lib.tensor(cond), lib.tensor([1, 2]), 0.5)),
             (lambda lib: lib.where(lib.tensor(cond), 1, lib.tensor([0.5, 1.5])))]
    for case in cases:
        mine, theirs = case(mg), case(torch)
        assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("a, b", [([5, 7, -5, -7], 2), ([5, 7, -5, -7], [2, -2, 3, -3]), ([5.5, -5.5, 7.0], 2),
                                  ([5.0, -1.0, 0.0], 0), ([5.0, -1.0, 0.0], 0.0), (7, [2, -3]), ([7], 2.5),
                                  ([-7.5, 7.5], [2.0, -2.0])])
def test_floor_divide_matches_torch(a, b):
    torch = torch_or_skip()
    for form in (lambda lib, x, y: x // y, lambda lib, x, y: lib.floor_divide(x, y)):
        ma, ta = (mg.tensor(a), torch.tensor(a)) if isinstance(a, list) else (a, a)
        mb, tb = (mg.tensor(b), torch.tensor(b)) if isinstance(b, list) else (b, b)
        if not isinstance(a, list):
            mine, theirs = ma // mb, ta // tb
        else:
            mine, theirs = form(mg, ma, mb), form(torch, ta, tb)
        assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_floor_divide_in_place_and_its_missing_derivative():
    x = mg.tensor([7, -7])
    x //= 2
    assert x.tolist() == [3, -4] and x.dtype == i64
    y = mg.tensor([7.0, -7.0])
    y.floor_divide_(mg.tensor([2.0, 2.0]))
    assert y.tolist() == [3.0, -4.0]
    a = mg.tensor([5.5, -3.0], requires_grad=True)
    out = a // 2
    assert out.requires_grad and out.tolist() == [2.0, -2.0]   # as PyTorch: forward fine, backward refused
    with pytest.raises(RuntimeError, match="derivative for floor_divide is not implemented"):
        out.sum().backward()
    with mg.no_grad():
        assert not (a // 2).requires_grad
