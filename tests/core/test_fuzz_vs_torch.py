"""Fuzz every op of the contract against PyTorch (issue 20): for drawn shapes, dtypes, memory
layouts (big-endian, read-only, negative strides, strided views) and arguments, on every kernel
backend, minigrad either gives PyTorch's result (shape, dtype, values, input gradients) or, where
PyTorch raises, raises a clear error of its own. Never a crash, an internal message, or a silent
difference.

Profiles (registered in tests/conftest.py): "ci", the default, is derandomized (every run draws the
same examples); MINIGRAD_FUZZ_PROFILE=explore draws new ones; MINIGRAD_FUZZ_EXAMPLES scales the
examples per op.
"""
from __future__ import annotations

import os
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.nn as mnn  # noqa: E402
import minigrad.nn.functional as MF  # noqa: E402

torch.set_num_threads(1)

PROFILE = os.environ.get("MINIGRAD_FUZZ_PROFILE") or "ci"
EXAMPLES = int(os.environ.get("MINIGRAD_FUZZ_EXAMPLES", "50"))
FUZZ = settings(settings.get_profile(PROFILE), max_examples=EXAMPLES, deadline=None, database=None,
                # one bug per op, shrunk: keeps a failing run inside the CI budget
                report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
print(f"test_fuzz_vs_torch: hypothesis profile {PROFILE!r}, {EXAMPLES} examples per op")

BACKENDS = mg.available_backends()
MG = types.SimpleNamespace(t=mg, F=MF, nn=mnn, lib="minigrad")
TORCH = types.SimpleNamespace(t=torch, F=torch.nn.functional, nn=torch.nn, lib="torch")

# Text from NumPy, Numba, Cython or Python internals that must never reach a user.
INTERNAL = ["Buffer dtype mismatch", "No matching definition", "numba", "Numba", "Cython", "cython",
            "zero-size array to reduction", "object is not iterable", "unsupported operand", "ufunc",
            "could not broadcast", "operands could not be broadcast", "KeyError", "ZeroDivisionError",
"numpy boolean", "NumPy boolean", "object has no attribute", "takes from", "positional argument", "Traceback"]
CLEAR = (ValueError, TypeError, RuntimeError, IndexError)
TOL = {"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-10)}
# Ops whose float64 result from a float32 input PyTorch computes partly in float32 (log_sigmoid of
# the float32 logits, then widened to the float64 target): its float32 exp/log1p differ from NumPy's
# by an ulp, so such a result is compared at float32 tolerance when an input is float32.
F32_INSIDE = {"binary_cross_entropy_with_logits"}

# -- inputs ------------------------------------------------------------------------------------
DTYPES = ["bool", "int32", "int64", "float32", "float64", ">f4", ">f8"]
FLOATS = ["float32", "float64", ">f4", ">f8"]
LAYOUTS = ["contiguous", "readonly", "reversed", "strided", "transposed"]
# Quarters in [-3, 3]: exact in both dtypes, ties (max/min/where) happen often.
quarters = st.integers(-12, 12).map(lambda n: n / 4)


def native(dtype: str) -> np.dtype:
    return np.dtype(dtype).newbyteorder("=")


def lay_out(values: np.ndarray, dtype: str, layout: str) -> np.ndarray:
    """``values`` as an array of ``dtype`` (maybe big-endian) with the drawn memory layout."""
    a = np.asarray(values).astype(dtype)
    if layout == "readonly":
        a = a.copy()
        a.flags.writeable = False
    elif layout == "reversed" and a.ndim:
        a = np.flip(np.ascontiguousarray(np.flip(a)))  # negative strides on every axis
    elif layout == "strided" and a.ndim:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        a = big[..., ::2]
    elif layout == "transposed" and a.ndim > 1:
        a = np.ascontiguousarray(a.T).T
    return a


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES, elements=quarters, min_dims=0, max_dims=4, min_side=0):
    """(array as minigrad gets it, description) for a drawn dtype, shape, values and layout."""
    dtype = draw(st.sampled_from(dtypes))
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=4))
    values = draw(hnp.arrays(np.float64, shape, elements=elements))
    if native(dtype).kind == "b":
        values = values > 0
    layout = draw(st.sampled_from(LAYOUTS))
    return lay_out(values, dtype, layout), f"{dtype}{tuple(shape)}/{layout}"


def to_torch(a: np.ndarray, requires_grad: bool):
    t = torch.tensor(np.array(a, dtype=native(a.dtype.str), order="C"))
    return t.requires_grad_(True) if requires_grad else t


def to_mg(a: np.ndarray, requires_grad: bool):
    # dtype= given explicitly: mg.tensor(float64 NumPy) -> float32 is a deliberate contract
    # difference (API.md, "Creating from float64 NumPy data keeps float64 only when dtype=...").
    return mg.tensor(a, dtype=native(a.dtype.str), requires_grad=requires_grad)


# -- the comparison ----------------------------------------------------------------------------
def flat(result) -> list:
    if isinstance(result, (tuple, list)):
        return [x for r in result for x in flat(r)]
    return [result]


def dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.").replace("bool_", "bool")


def assert_clear(exc: BaseException, op: str, torch_exc: BaseException | None):
    where = f"{op}: minigrad raised {type(exc).__name__}: {exc}"
    if torch_exc is None:
        raise AssertionError(f"{where}\n  but PyTorch returns a result") from exc
    assert isinstance(exc, CLEAR), f"{where}\n  (not a ValueError/TypeError/RuntimeError/IndexError)"
    text = f"{type(exc).__name__}: {exc}"
    bad = [frag for frag in INTERNAL if frag in text]
    assert not bad, f"{where}\n  internal text {bad} reached the user (PyTorch: {torch_exc})"


def torch_bug(exc: BaseException) -> bool:
    """PyTorch's own internal failures (e.g. ``True ** x`` backward: "INTERNAL ASSERT FAILED ...
    unknown ivalue tag 4") are not an oracle: such a case is discarded, not compared."""
    return "INTERNAL ASSERT FAILED" in str(exc)


def check(op: str, fn, inputs: list, backend: str, grad_inputs=None):
    """Run fn(lib, *tensors) in PyTorch and minigrad on ``inputs`` (arrays); compare."""
    grad_inputs = [np.asarray(a).dtype.kind == "f" for a in inputs] if grad_inputs is None else grad_inputs
    note(f"op={op} backend={backend}")
    try:
        t_in = [to_torch(a, g) if isinstance(a, np.ndarray) else a for a, g in zip(inputs, grad_inputs)]
        t_out = flat(fn(TORCH, *t_in))
        t_exc = None
    except Exception as exc:  # noqa: BLE001 - PyTorch's refusal is the oracle
        assume(not torch_bug(exc))
        t_exc = exc
        note(f"PyTorch raises {type(exc).__name__}: {exc}")
    with mg.use_backend(backend):
        try:
            m_in = [to_mg(a, g) if isinstance(a, np.ndarray) else a for a, g in zip(inputs, grad_inputs)]
            m_out = flat(fn(MG, *m_in))
        except Exception as exc:  # noqa: BLE001
            assert_clear(exc, op, t_exc)
            return
        if t_exc is not None:
            raise AssertionError(f"{op}: PyTorch raises {type(t_exc).__name__}: {t_exc}\n"
                                 f"  but minigrad returns {m_out}")
        assert len(m_out) == len(t_out), f"{op}: {len(m_out)} outputs, PyTorch {len(t_out)}"
        rng = np.random.default_rng(0)
        t_loss, m_loss = 0, 0
        f32_in = op in F32_INSIDE and any(isinstance(a, np.ndarray) and a.dtype.kind == "f"
                                          and a.dtype.itemsize == 4 for a in inputs)
        # The gradient of a float64 input through a float32 result passes through float32: PyTorch sums
        # its broadcast copies in float32 (in its own order), so it is compared at float32 tolerance.
        f32_out = any(getattr(t, "dtype", None) == torch.float32 for t in t_out)
        for i, (m, t) in enumerate(zip(m_out, t_out)):
            what = f"{op} output {i}"
            assert tuple(m.shape) == tuple(t.shape), f"{what}: shape {tuple(m.shape)} != PyTorch {tuple(t.shape)}"
            assert dtype_name(m) == dtype_name(t), f"{what}: dtype {dtype_name(m)} != PyTorch {dtype_name(t)}"
            expected = t.detach().numpy()
            if expected.dtype.kind == "f":
                rtol, atol = TOL["float32" if f32_in else expected.dtype.name]
                np.testing.assert_allclose(m.numpy(), expected, rtol=rtol, atol=atol, err_msg=what)
                if t.requires_grad:
                    assert m.requires_grad, f"{what}: requires_grad False, PyTorch True"
                    cot = rng.standard_normal(expected.shape).astype(expected.dtype)
                    t_loss = t_loss + (t * torch.tensor(cot)).sum()
                    m_loss = m_loss + (m * mg.tensor(cot, dtype=cot.dtype)).sum()
            else:
                np.testing.assert_array_equal(m.numpy(), expected, err_msg=what)
        if isinstance(t_loss, int):
            return
        try:
            t_loss.backward()
        except RuntimeError as exc:  # PyTorch's backward refuses (e.g. float ** bool): so must minigrad's
            assume(not torch_bug(exc))
            try:
                m_loss.backward()
            except Exception as m_exc:  # noqa: BLE001
                assert_clear(m_exc, f"{op} backward", exc)
                return
            raise AssertionError(f"{op}: PyTorch's backward raises {type(exc).__name__}: {exc}\n"
                                 "  but minigrad's backward returns") from None
        m_loss.backward()
        for i, (m, t) in enumerate(zip(m_in, t_in)):
            if not isinstance(t, torch.Tensor) or t.grad is None:
                continue
            what = f"{op} grad of input {i}"
            assert m.grad is not None, f"{what}: None, PyTorch has one"
            expected = t.grad.numpy()
            rtol, atol = TOL["float32" if f32_in or f32_out else expected.dtype.name]
            np.testing.assert_allclose(m.grad.numpy(), expected, rtol=rtol, atol=atol, err_msg=what)


def case_note(**parts):
    note("  ".join(f"{k}={v!r}" if not isinstance(v, str) else f"{k}={v}" for k, v in parts.items()))


backends = st.sampled_from(BACKENDS)


# -- elementwise unary ---------------------------------------------------------------------------
UNARY = {
    "neg": lambda L, x: -x,
    "abs": lambda L, x: L.t.abs(x),
    "exp": lambda L, x: L.t.exp(x),
    "log": lambda L, x: L.t.log(x),
    "sqrt": lambda L, x: L.t.sqrt(x),
    "relu": lambda L, x: L.t.relu(x),
    "sigmoid": lambda L, x: L.t.sigmoid(x),
    "tanh": lambda L, x: L.t.tanh(x),
    "F.relu": lambda L, x: L.F.relu(x),
    "F.leaky_relu": lambda L, x: L.F.leaky_relu(x, 0.1),
    "F.elu": lambda L, x: L.F.elu(x),
    "F.softplus": lambda L, x: L.F.softplus(x),
    "F.gelu": lambda L, x: L.F.gelu(x),
    "float()": lambda L, x: x.float(),
    "double()": lambda L, x: x.double(),
    "T": lambda L, x: x.T if x.ndim == 2 else x.reshape(-1),
}


@pytest.mark.parametrize("op", sorted(UNARY))
@FUZZ
@given(data=st.data())
def test_unary(op, data):
    a, desc = data.draw(arrays())
    case_note(x=desc)
    check(op, UNARY[op], [a], "numpy")


@pytest.mark.parametrize("op", ["clamp", "pow_scalar", "rpow_scalar"])
@FUZZ
@given(data=st.data())
def test_scalar_args(op, data):
    a, desc = data.draw(arrays())
    if op == "clamp":
        lo = data.draw(st.none() | quarters | st.integers(-3, 3))
        hi = data.draw(st.none() | quarters | st.integers(-3, 3))
        case_note(x=desc, min=lo, max=hi)
        fn = lambda L, x: L.t.clamp(x, min=lo, max=hi)  # noqa: E731
    else:
        e = data.draw(st.sampled_from([0, 1, 2, 3, -1, 0.5, 2.0, -2.0, True]))
        case_note(x=desc, exponent=e)
        fn = (lambda L, x: x ** e) if op == "pow_scalar" else (lambda L, x: e ** x)  # noqa: E731
    check(op, fn, [a], "numpy")


# -- elementwise binary --------------------------------------------------------------------------
BINARY = {
    "add": lambda L, x, y: x + y,
    "sub": lambda L, x, y: x - y,
    "mul": lambda L, x, y: x * y,
    "div": lambda L, x, y: x / y,
    "pow": lambda L, x, y: x ** y,
    "maximum": lambda L, x, y: L.t.maximum(x, y),
    "minimum": lambda L, x, y: L.t.minimum(x, y),
    "eq": lambda L, x, y: x == y,
    "ne": lambda L, x, y: x != y,
    "lt": lambda L, x, y: x < y,
    "le": lambda L, x, y: x <= y,
    "gt": lambda L, x, y: x > y,
    "ge": lambda L, x, y: x >= y,
}


@pytest.mark.parametrize("op", sorted(BINARY))
@FUZZ
@given(data=st.data())
def test_binary(op, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
    a, da = data.draw(arrays(shape=shapes.input_shapes[0]))
    kind = data.draw(st.sampled_from(["tensor", "scalar", "rscalar"]))
    if kind == "tensor":
        b, db = data.draw(arrays(shape=shapes.input_shapes[1]))
        inputs = [a, b]
        fn = BINARY[op]
    else:
        s = data.draw(st.sampled_from([0, 2, -1, 0.5, 1.5, True]))
        db, inputs = s, [a]
        fn = ((lambda L, x: BINARY[op](L, x, s)) if kind == "scalar"  # noqa: E731
              else (lambda L, x: BINARY[op](L, s, x)))  # scalar on the left
    case_note(x=da, y=db, kind=kind)
    check(op, fn, inputs, "numpy")


@FUZZ
@given(data=st.data())
def test_where(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3))
    c, dc = data.draw(arrays(shape=shapes.input_shapes[0], dtypes=["bool"]))
    a, da = data.draw(arrays(shape=shapes.input_shapes[1]))
    b, db = data.draw(arrays(shape=shapes.input_shapes[2]))
    case_note(cond=dc, x=da, y=db)
    check("where", lambda L, c, x, y: L.t.where(c, x, y), [c, a, b], "numpy")


# -- reductions ----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "argmax", "argmin", "softmax", "log_softmax"])
@FUZZ
@given(data=st.data())
def test_reduction(op, data):
    a, desc = data.draw(arrays(max_dims=3))
    nd = max(a.ndim, 1)
    dim = data.draw(st.none() | st.integers(-nd - 1, nd)
                    | (st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=2, unique=True).map(tuple)
                       if op in ("sum", "mean") else st.nothing()))
    keepdim = data.draw(st.booleans())
    case_note(x=desc, dim=dim, keepdim=keepdim)
    if op in ("softmax", "log_softmax"):
        fn = lambda L, x: getattr(L.t, op)(x, dim=dim)  # noqa: E731  (dim=None: the legacy rule)
    elif dim is None:
        fn = lambda L, x: getattr(x, op)()  # noqa: E731
    else:
        fn = lambda L, x: getattr(x, op)(dim=dim, keepdim=keepdim)  # noqa: E731
    check(op, fn, [a], "numpy")


# -- shape ops and indexing ----------------------------------------------------------------------
@pytest.mark.parametrize("op", ["reshape", "view", "transpose", "permute", "flatten", "squeeze",
                                "unsqueeze", "expand", "split", "chunk"])
@FUZZ
@given(data=st.data())
def test_shape_op(op, data):
    a, desc = data.draw(arrays(max_dims=3))
    nd = a.ndim
    dim = st.integers(-nd - 1, nd)
    if op in ("reshape", "view"):
        arg = data.draw(st.sampled_from([(-1,), (a.size,), (1, -1), (-1, 1), (a.size, 1), (2, -1), (3,)]))
        fn = lambda L, x: getattr(x, op)(*arg)  # noqa: E731
    elif op == "transpose":
        arg = (data.draw(dim), data.draw(dim))
        fn = lambda L, x: x.transpose(*arg)  # noqa: E731
    elif op == "permute":
        arg = tuple(data.draw(st.permutations(range(nd)))) if data.draw(st.booleans()) else \
            tuple(data.draw(st.lists(dim, max_size=nd + 1)))
        fn = lambda L, x: x.permute(*arg)  # noqa: E731
    elif op == "flatten":
        arg = (data.draw(dim), data.draw(dim))
        fn = lambda L, x: x.flatten(*arg)  # noqa: E731
    elif op == "squeeze":
        arg = data.draw(st.none() | dim)
        fn = (lambda L, x: x.squeeze()) if arg is None else (lambda L, x: x.squeeze(arg))  # noqa: E731
    elif op == "unsqueeze":
        arg = data.draw(st.integers(-nd - 2, nd + 1))
        fn = lambda L, x: x.unsqueeze(arg)  # noqa: E731
    elif op == "expand":
        arg = tuple(data.draw(st.lists(st.integers(-1, 3), min_size=nd, max_size=nd + 1)))
        fn = lambda L, x: x.expand(*arg)  # noqa: E731
    else:
        n = data.draw(st.integers(1, 3))
        arg = (n, data.draw(st.integers(-max(nd, 1), max(nd, 1) - 1)))
        fn = lambda L, x: getattr(x, op)(*arg)  # noqa: E731
    case_note(x=desc, args=arg)
    check(op, fn, [a], "numpy")


@st.composite
def indices(draw, shape):
    """An index PyTorch and NumPy both understand: ints, slices (positive steps), None, ...,
    lists of ints, bool masks."""
    kind = draw(st.sampled_from(["int", "slice", "tuple", "list", "mask", "ellipsis"]))
    side = shape[0] if shape else 0
    if kind == "int":
        return draw(st.integers(-side - 1, side))
    if kind == "slice":
        return slice(draw(st.none() | st.integers(-5, 5)), draw(st.none() | st.integers(-5, 5)),
                     draw(st.none() | st.integers(1, 3)))
    if kind == "list":
        return draw(st.lists(st.integers(-side - 1, side), min_size=1, max_size=3))
    if kind == "mask":
        return draw(hnp.arrays(bool, shape[:draw(st.integers(1, max(len(shape), 1)))] if shape else ()))
    if kind == "ellipsis":
        return (Ellipsis, draw(st.integers(-1, 1)))
    parts = draw(st.lists(st.integers(-2, 2) | st.just(slice(None)) | st.none(),
                          min_size=1, max_size=len(shape) + 1))
    return tuple(parts)


@FUZZ
@given(data=st.data())
def test_indexing(data):
    a, desc = data.draw(arrays(max_dims=3, dtypes=FLOATS + ["int64"]))
    index = data.draw(indices(a.shape))
    case_note(x=desc, index=index)

    def fn(L, x):
        i = index
        if isinstance(i, np.ndarray):
            i = L.t.tensor(i)
        return x[i]

    check("getitem", fn, [a], "numpy")


@pytest.mark.parametrize("op", ["cat", "stack"])
@FUZZ
@given(data=st.data())
def test_cat_stack(op, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
    n = data.draw(st.integers(1, 3))
    parts = []
    for _ in range(n):
        s = list(shape)
        if op == "cat" and data.draw(st.booleans()):
            s[0] = data.draw(st.integers(0, 3))
        parts.append(data.draw(arrays(shape=tuple(s))))
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    case_note(xs=[d for _, d in parts], dim=dim)
    check(op, lambda L, *xs: getattr(L.t, op)(list(xs), dim=dim), [a for a, _ in parts], "numpy")


# -- matmul --------------------------------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_matmul(data):
    n, k, m = (data.draw(st.integers(0, 4)) for _ in range(3))
    batch = tuple(data.draw(st.lists(st.integers(1, 2), max_size=2)))
    a_shape = data.draw(st.sampled_from([(k,), (n, k), batch + (n, k)]))
    b_shape = data.draw(st.sampled_from([(k,), (k, m), batch + (k, m), (k + 1, m)]))
    a, da = data.draw(arrays(shape=a_shape))
    b, db = data.draw(arrays(shape=b_shape))
    case_note(x=da, y=db)
    check("matmul", lambda L, x, y: x @ y, [a, b], "numpy")


# -- losses --------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["mse_loss", "l1_loss", "binary_cross_entropy",
                                "binary_cross_entropy_with_logits"])
@FUZZ
@given(data=st.data())
def test_pointwise_loss(op, data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    unit = st.integers(0, 8).map(lambda n: n / 8)
    elements = unit if op == "binary_cross_entropy" else quarters
    x, dx = data.draw(arrays(shape=shape, elements=elements))
    t_elements = unit if op.startswith("binary") and data.draw(st.booleans()) else quarters
    y, dy = data.draw(arrays(shape=shape, elements=t_elements))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    case_note(input=dx, target=dy, reduction=reduction)
    check(op, lambda L, x, y: getattr(L.F, op)(x, y, reduction=reduction), [x, y], "numpy")


@pytest.mark.parametrize("op", ["cross_entropy", "nll_loss"])
@FUZZ
@given(data=st.data())
def test_class_loss(op, data):
    n, c = data.draw(st.integers(0, 4)), data.draw(st.integers(1, 4))
    extra = tuple(data.draw(st.lists(st.integers(1, 2), max_size=1)))
    x, dx = data.draw(arrays(shape=(n, c) + extra))
    target = data.draw(hnp.arrays(np.int64, (n,) + extra, elements=st.integers(-1, c)))
    t, dt = lay_out(target, data.draw(st.sampled_from(["int64", "int32"])), "contiguous"), "target"
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    ignore = data.draw(st.sampled_from([-100, 0, -1]))
    case_note(input=dx, target=t.tolist(), target_dtype=t.dtype.name, reduction=reduction, ignore_index=ignore)
    check(op, lambda L, x, y: getattr(L.F, op)(x, y, reduction=reduction, ignore_index=ignore),
          [x, t], "numpy", grad_inputs=[x.dtype.kind == "f", False])


# -- conv, pool, dropout, embedding (kernel ops: every backend) ----------------------------------
@pytest.mark.parametrize("op", ["conv1d", "conv2d"])
@FUZZ
@given(data=st.data())
def test_conv(op, data):
    d = 1 if op == "conv1d" else 2
    n, cin, cout = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    spatial = tuple(data.draw(st.integers(1, 5)) for _ in range(d))
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(d))
    dtype = data.draw(st.sampled_from(FLOATS))
    x, dx = data.draw(arrays(shape=(n, cin) + spatial, dtypes=[dtype]))
    w, dw = data.draw(arrays(shape=(cout, cin) + kernel, dtypes=[dtype]))
    with_bias = data.draw(st.booleans())
    b, dbias = data.draw(arrays(shape=(cout,), dtypes=[dtype]))
    stride = data.draw(st.integers(1, 3))
    padding = data.draw(st.integers(0, 2))
    dilation = data.draw(st.integers(1, 2))
    backend = data.draw(backends)
    case_note(input=dx, weight=dw, bias=dbias if with_bias else None, stride=stride, padding=padding,
              dilation=dilation)
    fn = lambda L, x, w, b: getattr(L.F, op)(x, w, b if with_bias else None, stride=stride,  # noqa: E731
                                            padding=padding, dilation=dilation)
    check(op, fn, [x, w, b], backend)


@pytest.mark.parametrize("op", ["max_pool1d", "max_pool2d", "avg_pool2d", "avg_pool1d"])
@FUZZ
@given(data=st.data())
def test_pool(op, data):
    d = 1 if op.endswith("1d") else 2
    shape = tuple(data.draw(st.integers(1, 2)) for _ in range(2)) + tuple(data.draw(st.integers(1, 5))
                                                                         for _ in range(d))
    x, dx = data.draw(arrays(shape=shape, dtypes=FLOATS))
    kernel = data.draw(st.integers(1, 3))
    stride = data.draw(st.none() | st.integers(1, 3))
    padding = data.draw(st.integers(0, kernel // 2))
    backend = data.draw(backends)
    case_note(input=dx, kernel_size=kernel, stride=stride, padding=padding)
    check(op, lambda L, x: getattr(L.F, op)(x, kernel, stride=stride, padding=padding), [x], backend)


@FUZZ
@given(data=st.data())
def test_dropout_eval(data):
    x, dx = data.draw(arrays(dtypes=FLOATS))
    p = data.draw(st.sampled_from([0.0, 0.5, 0.99]))
    case_note(x=dx, p=p)
    check("dropout(training=False)", lambda L, x: L.F.dropout(x, p, training=False), [x], "numpy")


@FUZZ
@given(data=st.data())
def test_embedding(data):
    num, dim = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    w, dw = data.draw(arrays(shape=(num, dim), dtypes=FLOATS))
    idx_shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    idx = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, num - 1)))
    idx = lay_out(idx, data.draw(st.sampled_from(["int64", "int32"])), data.draw(st.sampled_from(LAYOUTS)))
    case_note(weight=dw, indices=idx.tolist(), index_dtype=idx.dtype.name)
    check("embedding", lambda L, i, w: L.F.embedding(i, w), [idx, w], "numpy", grad_inputs=[False, True])


# -- recurrent layers with PyTorch's weights -----------------------------------------------------
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@FUZZ
@given(data=st.data())
def test_recurrent(kind, data):
    dtype = data.draw(st.sampled_from(["float32", "float64"]))
    seq, batch, nin, hidden = (data.draw(st.integers(1, 3)) for _ in range(4))
    layers = data.draw(st.integers(1, 2))
    batch_first, bias = data.draw(st.booleans()), data.draw(st.booleans())
    shape = (batch, seq, nin) if batch_first else (seq, batch, nin)
    x, dx = data.draw(arrays(shape=shape, dtypes=[dtype, {"float32": ">f4", "float64": ">f8"}[dtype]]))
    backend = data.draw(backends)
    torch.manual_seed(data.draw(st.integers(0, 3)))
    t_layer = getattr(torch.nn, kind)(nin, hidden, num_layers=layers, bias=bias, batch_first=batch_first)
    t_layer = t_layer.double() if dtype == "float64" else t_layer
    m_layer = getattr(mnn, kind)(nin, hidden, num_layers=layers, bias=bias, batch_first=batch_first)
    m_layer = m_layer.double() if dtype == "float64" else m_layer
    m_layer.load_state_dict({k: v.detach().numpy() for k, v in t_layer.state_dict().items()})
    case_note(layer=kind, input=dx, hidden=hidden, num_layers=layers, bias=bias, batch_first=batch_first)

    def fn(L, x):
        out, state = (t_layer if L is TORCH else m_layer)(x)
        return [out] + flat(state)

    check(kind, fn, [x], backend)
    # The weights' gradients as well: the same weights were shared, so they must agree.
    for name, t_param in t_layer.named_parameters():
        m_param = dict(m_layer.named_parameters())[name]
        if t_param.grad is not None:
            assert m_param.grad is not None, f"{kind}.{name}.grad is None, PyTorch has one"
            rtol, atol = TOL[dtype]
            np.testing.assert_allclose(m_param.grad.numpy(), t_param.grad.numpy(), rtol=rtol * 10,
                                       atol=atol * 10, err_msg=f"{kind}.{name}.grad ({backend})")
