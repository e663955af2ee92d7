"""Assigning ``.grad`` (issue 20): a Tensor or None of the tensor's own shape and dtype, with
PyTorch's exception classes and messages; a refused assignment keeps the old gradient."""
import numpy as np
import pytest

import minigrad as mg


def assign(value, shape=(2, 3), dtype=mg.float32):
    p = mg.zeros(*shape, dtype=dtype, requires_grad=True)
    p.grad = value
    return p


GRAD_ERRORS = [
    # (id, lambda, exception class, message regex)
    ("ndarray", lambda: assign(np.ones((2, 3), np.float32)), TypeError,
     r"^assigned grad expected to be a Tensor or None but got grad of type numpy.ndarray$"),
    ("float", lambda: assign(1.0), TypeError, r"but got grad of type float$"),
    ("list", lambda: assign([[1.0] * 3] * 2), TypeError, r"but got grad of type list$"),
    ("wrong_shape", lambda: assign(mg.ones(3, 2)), RuntimeError,
     r"attempting to assign a gradient of size '\[3, 2\]' to a tensor of size '\[2, 3\]'"),
    ("broadcastable_shape", lambda: assign(mg.ones(1, 3)), RuntimeError, r"size '\[1, 3\]' to a tensor of size '\[2, 3\]'"),
    ("same_numel", lambda: assign(mg.ones(6)), RuntimeError, r"size '\[6\]'"),
    ("float64_into_float32", lambda: assign(mg.ones(2, 3, dtype=mg.float64)), RuntimeError,
     r"gradient with dtype 'float64' to a tensor with dtype 'float32'"),
    ("float32_into_float64", lambda: assign(mg.ones(2, 3), dtype=mg.float64), RuntimeError,
     r"dtype 'float32' to a tensor with dtype 'float64'"),
    ("int64_into_float32", lambda: assign(mg.ones(2, 3, dtype=mg.int64)), RuntimeError, r"dtype 'int64'"),
]


@pytest.mark.parametrize("op, exception, message", [e[1:] for e in GRAD_ERRORS], ids=[e[0] for e in GRAD_ERRORS])
def test_grad_assignment_errors(op, exception, message):
    with pytest.raises(exception, match=message):
        op()


def test_own_grad_refused():
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="can't assign a tensor as its own grad"):
        p.grad = p


def test_refused_assignment_keeps_the_gradient():
    p = mg.zeros(2, requires_grad=True)
    (p * 3).sum().backward()
    kept = p.grad
    with pytest.raises(TypeError):
        p.grad = np.zeros(2)
    assert p.grad is kept


def test_valid_assignments():
    p = mg.zeros(2, 3, requires_grad=True)
    g = mg.ones(2, 3)
    p.grad = g
    assert p.grad is g
    p.grad = None
    assert p.grad is None
    y = p * 2  # a non-leaf takes a gradient too, as in PyTorch
    y.grad = mg.ones(2, 3)
    assert y.grad.shape == (2, 3)


@pytest.mark.parametrize("value, exception", [
    (lambda torch: np.ones((2, 3), np.float32), TypeError),
    (lambda torch: torch.ones(3, 2), RuntimeError),
    (lambda torch: torch.ones(2, 3, dtype=torch.float64), RuntimeError),
], ids=["ndarray", "shape", "dtype"])
def test_torch_raises_the_same_classes(value, exception):
    torch = pytest.importorskip("torch")
    p = torch.zeros(2, 3, requires_grad=True)
    with pytest.raises(exception):
        p.grad = value(torch)
