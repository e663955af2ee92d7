"""Property tests: for random broadcast-compatible shape pairs and values, the binary ops agree
with NumPy forward, and each operand's gradient has the operand's shape and equals the
upstream gradient times the local derivative, summed over the broadcast axes."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

SETTINGS = settings(max_examples=40, deadline=None, database=None, derandomize=True)


def sum_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """The reference unbroadcast, written independently of minigrad's: sum the leading extra
    axes away, then every axis where the operand had size 1."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _share(a, b, greater):  # tie policy of maximum/minimum: split half-half, as PyTorch
    wins = (a > b) if greater else (a < b)
    return wins + 0.5 * (a == b)


# op -> (minigrad op, NumPy forward, NumPy local derivatives (d/da, d/db))
OPS = {
    "add": (lambda a, b: a + b, np.add, lambda a, b: (np.ones_like(a + b), np.ones_like(a + b))),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b: (np.ones_like(a - b), -np.ones_like(a - b))),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b: (b + 0 * a, a + 0 * b)),
    "div": (lambda a, b: a / b, np.divide, lambda a, b: (1 / b + 0 * a, -a / b ** 2)),
    "maximum": (mg.maximum, np.maximum,
                lambda a, b: (_share(a, b, True), 1 - _share(a, b, True))),
    "minimum": (mg.minimum, np.minimum,
                lambda a, b: (_share(a, b, False), 1 - _share(a, b, False))),
}

# Small integers and halves: ties for maximum/minimum happen often, values stay exact-ish.
values = st.integers(-6, 6).map(lambda n: n / 2)
nonzero = st.integers(1, 12).map(lambda n: n / 4) | st.integers(-12, -1).map(lambda n: n / 4)


@st.composite
def operands(draw, denominator_nonzero=False):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
    a_shape, b_shape = shapes.input_shapes
    a = draw(hnp.arrays(np.float64, a_shape, elements=values))
    b = draw(hnp.arrays(np.float64, b_shape, elements=nonzero if denominator_nonzero else values))
    upstream = draw(hnp.arrays(np.float64, shapes.result_shape, elements=values))
    return a, b, upstream


def check(name, a, b, upstream):
    op, forward, local = OPS[name]
    x = mg.tensor(a, dtype=mg.float64, requires_grad=True)
    y = mg.tensor(b, dtype=mg.float64, requires_grad=True)
    out = op(x, y)
    expected = forward(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=0)
    out.backward(mg.tensor(upstream, dtype=mg.float64))
    da, db = local(a, b)
    assert x.grad.shape == a.shape and y.grad.shape == b.shape
    np.testing.assert_allclose(x.grad.numpy(), sum_to(upstream * da, a.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), sum_to(upstream * db, b.shape), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(operands())
def test_add(case):
    check("add", *case)


@SETTINGS
@given(operands())
def test_sub(case):
    check("sub", *case)


@SETTINGS
@given(operands())
def test_mul(case):
    check("mul", *case)


@SETTINGS
@given(operands(denominator_nonzero=True))
def test_div(case):
    check("div", *case)


@SETTINGS
@given(operands())
def test_maximum(case):
    check("maximum", *case)


@SETTINGS
@given(operands())
def test_minimum(case):
    check("minimum", *case)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
def test_result_shape_matches_numpy(shapes):
    a_shape, b_shape = shapes.input_shapes
    assert (mg.zeros(a_shape) + mg.zeros(b_shape)).shape == np.broadcast_shapes(a_shape, b_shape)


@SETTINGS
@given(st.lists(st.integers(1, 4), max_size=2), st.integers(2, 4), st.integers(1, 3))
def test_incompatible_shapes_raise_naming_both(prefix, n, k):
    shape, bad = tuple(prefix) + (n,), (n + k,)
    try:
        mg.ones(shape) * mg.ones(bad)
    except ValueError as exc:
        assert str(shape) in str(exc) and str(bad) in str(exc)
    else:
        raise AssertionError(f"{shape} * {bad} should not broadcast")
